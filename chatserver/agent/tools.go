package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/taskpilot/taskpilot/chatserver/chatkit"
)

// Tool call statuses of a ToolCallRecord.
const (
	StatusOK    = "ok"
	StatusError = "error"
)

// ToolCallRecord is one MCP tool call the agent made and its outcome. The
// agent stores one per call as a hidden context item (see DecodeToolCall);
// its JSON is the shape of an entry of the REST endpoint's tool_calls.
type ToolCallRecord struct {
	// Tool is the MCP tool's name, e.g. "add_task".
	Tool string `json:"tool"`
	// Status is StatusOK or StatusError.
	Status string `json:"status"`
	// Parameters are the arguments sent, a JSON object.
	Parameters json.RawMessage `json:"parameters"`
	// Result is the tool's structured result (or its text when it has
	// none); nil when Status is StatusError.
	Result any `json:"result"`
	// Error is the tool's error message when Status is StatusError.
	Error string `json:"error"`
}

// toolCallKind marks the content of a hidden item holding a tool call.
const toolCallKind = "taskpilot.tool_call"

// storedToolCall is the content of a hidden context item that records a
// tool call. CallID pairs the call with its result when it is replayed to
// the model.
type storedToolCall struct {
	Kind   string `json:"kind"`
	CallID string `json:"call_id"`
	ToolCallRecord
}

// DecodeToolCall returns the tool call recorded in item, and false when
// item is not a tool call record (any other item, hidden or not).
func DecodeToolCall(item chatkit.ThreadItem) (ToolCallRecord, bool) {
	tc, ok := decodeStoredToolCall(item)
	return tc.ToolCallRecord, ok
}

// ToolCall returns the JSON of the tool call recorded in item (a
// ToolCallRecord), and false when item is not a tool call record. It
// implements chatserver.ToolCalls: the REST endpoint reports a turn's
// tool calls with it.
func (a *Agent) ToolCall(item chatkit.ThreadItem) (json.RawMessage, bool) {
	rec, ok := DecodeToolCall(item)
	if !ok {
		return nil, false
	}
	b, err := json.Marshal(rec)
	if err != nil { // cannot happen: rec was decoded from JSON
		return nil, false
	}
	return b, true
}

func decodeStoredToolCall(item chatkit.ThreadItem) (storedToolCall, bool) {
	h, ok := item.(*chatkit.HiddenContextItem)
	if !ok || h.Content == nil {
		return storedToolCall{}, false
	}
	if _, isString := h.Content.(string); isString {
		return storedToolCall{}, false
	}
	b, err := json.Marshal(h.Content)
	if err != nil {
		return storedToolCall{}, false
	}
	var tc storedToolCall
	if err := json.Unmarshal(b, &tc); err != nil || tc.Kind != toolCallKind || tc.Tool == "" {
		return storedToolCall{}, false
	}
	if len(tc.Parameters) == 0 {
		tc.Parameters = json.RawMessage(`{}`)
	}
	return tc, true
}

// recordItem returns the hidden item that stores a tool call.
func recordItem(turn *chatkit.Turn, callID string, rec ToolCallRecord) *chatkit.HiddenContextItem {
	return &chatkit.HiddenContextItem{
		ItemBase: chatkit.ItemBase{ID: turn.NewID(chatkit.HiddenContextIDPrefix), ThreadID: turn.Thread.ID},
		Content:  storedToolCall{Kind: toolCallKind, CallID: callID, ToolCallRecord: rec},
	}
}

// modelResult is the tool message content the model gets for rec, live
// and when the call is replayed from history.
func modelResult(rec ToolCallRecord) string {
	if rec.Status != StatusOK {
		return "Error: " + rec.Error
	}
	if s, ok := rec.Result.(string); ok {
		return s
	}
	b, err := json.Marshal(rec.Result)
	if err != nil {
		return fmt.Sprint(rec.Result)
	}
	return string(b)
}

// session is one turn's use of the MCP server, acting as the turn's user.
// It holds no connection: the Connector keeps those between turns.
type session struct {
	conn    Connector
	user    string
	tools   []*mcp.Tool // from the Connector, once per session
	metrics Metrics
	zone    string // the user's time zone, sent with every call (TimeZoneMeta)
}

// TimeZoneMeta is the _meta key of a tools/call in which the agent names
// the user's time zone (see location), as the TaskPilot MCP server reads
// it (mcpserver.TimeZoneMeta), so that its "today", "tomorrow" and
// "overdue" are the user's too.
const TimeZoneMeta = "taskpilot/timezone"

// connect returns a session for user in the time zone of ctx's request.
func (a *Agent) connect(ctx context.Context, user string) (*session, error) {
	return &session{conn: a.cfg.Tools, user: user, metrics: a.cfg.Metrics, zone: a.location(ctx).String()}, nil
}

// close ends the session's use of the server (the connection stays).
func (s *session) close() {}

// listTools returns the server's tools, asking the Connector only once.
func (s *session) listTools(ctx context.Context) ([]*mcp.Tool, error) {
	if s.tools != nil {
		return s.tools, nil
	}
	tools, err := s.conn.Tools(ctx, s.user, false)
	if err != nil {
		return nil, err
	}
	s.tools = tools
	return tools, nil
}

// hasTool reports whether the server offers the tool name, asking it again
// once when a cached list lacks it.
func (s *session) hasTool(ctx context.Context, name string) bool {
	if s.tools == nil {
		return true // not listed: let the server decide
	}
	if toolIn(s.tools, name) {
		return true
	}
	tools, err := s.conn.Tools(ctx, s.user, true)
	if err != nil {
		return false
	}
	s.tools = tools
	return toolIn(tools, name)
}

func toolIn(tools []*mcp.Tool, name string) bool {
	for _, t := range tools {
		if t.Name == name {
			return true
		}
	}
	return false
}

// call runs the tool name with args (a JSON object) and returns its
// record and the tool's text for people. A tool error (a result with
// isError, or a JSON-RPC "invalid params" refusal) is a record with
// StatusError, for the model; err is for a server that cannot be reached
// or is broken (see refusal), or a cancelled ctx.
// The call is counted in the metrics unless ctx was cancelled.
func (s *session) call(ctx context.Context, name string, args json.RawMessage) (ToolCallRecord, string, error) {
	rec, text, err := s.callTool(ctx, name, args)
	if ctx.Err() == nil {
		tool, outcome := name, rec.Status
		if s.tools != nil && !toolIn(s.tools, name) {
			tool = UnknownTool
		}
		if err != nil {
			outcome = StatusError
		}
		s.metrics.ToolCall(tool, outcome)
	}
	return rec, text, err
}

// callTool is call without the metrics.
func (s *session) callTool(ctx context.Context, name string, args json.RawMessage) (rec ToolCallRecord, text string, err error) {
	rec = ToolCallRecord{Tool: name, Parameters: args}
	if len(bytes.TrimSpace(args)) == 0 {
		rec.Parameters = json.RawMessage(`{}`)
	}
	if !isObject(rec.Parameters) {
		rec.Parameters = json.RawMessage(`{}`)
		return failed(rec, "the arguments must be a JSON object"), "", nil
	}
	if !s.hasTool(ctx, name) {
		return failed(rec, fmt.Sprintf("there is no tool named %q", name)), "", nil
	}
	// The arguments go as the model wrote them: decoded into a map here,
	// they were encoded again, keys sorted, by the SDK.
	params := &mcp.CallToolParams{Name: name, Arguments: json.RawMessage(rec.Parameters)}
	if s.zone != "" && s.zone != "Local" { // "Local" means nothing to the server: it keeps its own
		params.Meta = mcp.Meta{TimeZoneMeta: s.zone}
	}
	res, err := s.conn.CallTool(ctx, s.user, params)
	if err != nil {
		if msg, ok := refusal(err); ok && ctx.Err() == nil {
			return failed(rec, msg), "", nil
		}
		return rec, "", fmt.Errorf("call %s: %w", name, err)
	}
	text = resultText(res)
	if res.IsError {
		return failed(rec, text), text, nil
	}
	rec.Status = StatusOK
	rec.Result = text
	if res.StructuredContent != nil {
		rec.Result = res.StructuredContent
	}
	return rec, text, nil
}

// errRejected matches the go-sdk's "rejected by transport" error (any
// *jsonrpc.Error matches by code; the sdk does not export this one, code
// -32005 in its internal jsonrpc2), which wraps every failure to reach
// the server: connection refused or reset, HTTP 429/5xx, a JSON-RPC error
// in a non-2xx answer.
var errRejected = &jsonrpc.Error{Code: -32005}

// refusal returns the message of a tools/call error that is about the
// call itself, for the model to read and fix: a JSON-RPC "invalid params"
// (e.g. an unknown tool) that the server answered normally. Every other
// error means the server is unreachable or broken (transport failures,
// internal errors, a closed connection) and ends the turn instead.
func refusal(err error) (string, bool) {
	wire, ok := errors.AsType[*jsonrpc.Error](err)
	if !ok || wire.Code != jsonrpc.CodeInvalidParams || errors.Is(err, errRejected) {
		return "", false
	}
	return wire.Message, true
}

// isObject reports whether b is one JSON object.
func isObject(b []byte) bool {
	b = bytes.TrimLeft(b, " \t\r\n")
	return len(b) > 0 && b[0] == '{' && json.Valid(b)
}

func failed(rec ToolCallRecord, msg string) ToolCallRecord {
	rec.Status, rec.Error, rec.Result = StatusError, msg, nil
	return rec
}

// resultText joins the text parts of a tool result.
func resultText(res *mcp.CallToolResult) string {
	var parts []string
	for _, c := range res.Content {
		if t, ok := c.(*mcp.TextContent); ok {
			parts = append(parts, t.Text)
		}
	}
	return strings.Join(parts, "\n")
}

// progressFor returns the icon and text of the progress_update shown
// before calling tool with args.
func progressFor(tool string, args json.RawMessage) (icon, text string) {
	var a struct {
		Title     string `json:"title"`
		Name      string `json:"name"`
		TaskID    int64  `json:"task_id"`
		Completed *bool  `json:"completed"`
	}
	_ = json.Unmarshal(args, &a) // best effort: the text is only a hint
	task := "the task"
	if a.TaskID > 0 {
		task = fmt.Sprintf("task %d", a.TaskID)
	}
	switch tool {
	case "list_tasks":
		return "search", "Loading your tasks…"
	case "find_task_by_name":
		if a.Name != "" {
			return "search", fmt.Sprintf("Looking for “%s”…", clip(a.Name, 40))
		}
		return "search", "Looking for the task…"
	case "add_task":
		if a.Title != "" {
			return "plus", fmt.Sprintf("Adding “%s”…", clip(a.Title, 40))
		}
		return "plus", "Adding the task…"
	case "complete_task":
		if a.Completed != nil && !*a.Completed {
			return "reload", fmt.Sprintf("Reopening %s…", task)
		}
		return "check", fmt.Sprintf("Completing %s…", task)
	case "update_task":
		return "write", fmt.Sprintf("Updating %s…", task)
	case "delete_task":
		return "write", fmt.Sprintf("Deleting %s…", task)
	}
	return "bolt", "Working on it…"
}

// clip shortens s to at most n runes, ending it with "…" when cut.
func clip(s string, n int) string {
	r := []rune(strings.Join(strings.Fields(s), " "))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n-1]) + "…"
}

// runTool shows progress and a loading confirmation step, calls the tool,
// stores the call as a hidden item, turns the step into the confirmation
// of the call's result (see confirmer), and, for a successful list_tasks,
// shows the task list widget; for a successful add_task or update_task of
// one task, its task card. callID pairs the stored call with its result
// for later turns.
func (a *Agent) runTool(ctx context.Context, turn *chatkit.Turn, s *session, callID, name string, args json.RawMessage) (ToolCallRecord, string, error) {
	res, out, err := a.runToolShowLater(ctx, turn, s, callID, name, args)
	if err != nil {
		return res.rec, out, err
	}
	return res.rec, out, a.showResult(ctx, turn, res)
}

// callResult is a tool call that returned, and what is left to show of
// it (showResult).
type callResult struct {
	callID, name string
	rec          ToolCallRecord
	conf         *confirmer // nil without one
	step         int        // the call's loading step in conf
}

// showResult stores the call as a hidden item, turns its loading step
// into the confirmation of its result (see confirmer), and, for a
// successful list_tasks, shows the task list widget; for a successful
// add_task or update_task of one task, its task card.
func (a *Agent) showResult(ctx context.Context, turn *chatkit.Turn, r callResult) error {
	if err := turn.Emit(&chatkit.ThreadItemDoneEvent{Item: recordItem(turn, r.callID, r.rec)}); err != nil {
		return err
	}
	if r.conf != nil {
		if err := r.conf.finish(r.step, r.rec); err != nil {
			return err
		}
	}
	var w *chatkit.WidgetItem
	if r.name == "list_tasks" && r.rec.Status == StatusOK {
		var err error
		if w, err = taskListItem(turn, r.rec); err != nil {
			a.log.WarnContext(ctx, "task list widget failed", "err", err)
			return nil // the model still answers in text
		}
	} else {
		w = taskCardItem(turn, r.rec)
	}
	if w == nil {
		return nil
	}
	return turn.Emit(&chatkit.ThreadItemDoneEvent{Item: w})
}

// callOutcome is what session.call returned.
type callOutcome struct {
	rec ToolCallRecord
	out string
	err error
}

// callShown is what showCall returned.
type callShown struct {
	conf *confirmer
	step int
	err  error
}

// showCall shows that the tool name is being called: progress, and the
// loading step of the turn's confirmer if it has one (conf nil
// otherwise), whose index is step.
func (a *Agent) showCall(ctx context.Context, turn *chatkit.Turn, name string, args json.RawMessage) (conf *confirmer, step int, err error) {
	icon, text := progressFor(name, args)
	if err := turn.Emit(&chatkit.ProgressUpdateEvent{Icon: icon, Text: text}); err != nil {
		return nil, -1, err
	}
	conf = confirmerFrom(ctx)
	if conf == nil {
		return nil, -1, nil
	}
	step, err = conf.begin(name, args)
	return conf, step, err
}

// runToolShowLater is runTool leaving the result to show to the caller
// (showResult; see chatRequest.show): it shows progress and a loading
// step and calls the tool. The call goes out at once, from the turn's
// goroutine, and the progress and the loading step are shown from another
// while it runs: they tell the user what is happening, and need not wait
// for each other.
func (a *Agent) runToolShowLater(ctx context.Context, turn *chatkit.Turn, s *session, callID, name string, args json.RawMessage) (callResult, string, error) {
	shown := make(chan callShown, 1)
	go func() {
		var sh callShown
		sh.conf, sh.step, sh.err = a.showCall(ctx, turn, name, args)
		shown <- sh
	}()
	var r callOutcome
	r.rec, r.out, r.err = s.call(ctx, name, args)
	sh := <-shown
	conf, step, err := sh.conf, sh.step, sh.err
	if err != nil {
		return callResult{}, "", err
	}
	res := callResult{callID: callID, name: name, rec: r.rec, conf: conf, step: step}
	if r.err != nil {
		a.log.ErrorContext(ctx, "mcp tool call failed", "tool", name, "err", r.err)
		if conf != nil && ctx.Err() == nil {
			_ = conf.fail(step, name, msgToolsDown) // the error event follows anyway
		}
		return res, "", turnError(ctx, msgToolsDown, r.err)
	}
	a.log.DebugContext(ctx, "tool called", "tool", name, "status", r.rec.Status, "args", string(r.rec.Parameters))
	return res, r.out, nil
}
