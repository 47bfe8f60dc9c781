package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/packages/ssestream"
	"github.com/openai/openai-go/v3/shared"

	"github.com/taskpilot/taskpilot/chatserver/chatkit"
)

// Replies the agent writes itself in a model turn.
const (
	msgTooManyRounds = "I took too many steps on this one and stopped to be safe. " +
		"Please check your list with /list, or ask me again in smaller steps."
	msgEmptyReply = "Sorry, I don't have an answer to that. Could you rephrase it?"
)

// runModel answers the thread with the model: it streams the model's
// text, runs the tools it calls through MCP, and feeds the results back,
// for at most MaxToolRounds rounds of tool calls. input is the turn's
// message (nil for a resumed turn); its composer tool may add
// instructions (see wantsPlan).
//
// Its frame stays small: the turn's goroutine waits in streamReply for as
// long as the model streams, and a stack that is mostly unused while it
// waits is one the runtime shrinks.
func (a *Agent) runModel(ctx context.Context, turn *chatkit.Turn, input *chatkit.UserMessageItem) error {
	s, err := a.connect(ctx, turn.User)
	if err != nil {
		return err
	}
	defer s.close()
	req, err := a.firstRequest(ctx, turn, s, input)
	if err != nil {
		return err
	}
	for round := 0; ; round++ {
		reply, err := a.streamReply(ctx, turn, req)
		if err != nil {
			return err
		}
		if done, err := a.afterReply(ctx, turn, s, req, reply, round); done || err != nil {
			return err
		}
	}
}

// chatRequest is what a turn's model requests carry: the messages so far
// and the tools. The request's params (over 1 KB) are made only while it
// is sent (newChunkStream), not kept while the reply streams.
type chatRequest struct {
	messages []openai.ChatCompletionMessageParamUnion
	tools    json.RawMessage // encoded once per tool list (toolCache)

	// show holds the last round's last tool result, shown (its record,
	// confirmation and widget: showResult) while the request is sent
	// (startStream): the model needs only the results in messages, and
	// the store writes of showing them need not add to the wait for its
	// first token.
	show []callResult
}

// firstRequest returns the first model request of a turn: the system
// prompt, the thread so far and the server's tools.
func (a *Agent) firstRequest(ctx context.Context, turn *chatkit.Turn, s *session, input *chatkit.UserMessageItem) (*chatRequest, error) {
	mcpTools, err := s.listTools(ctx)
	if err != nil {
		a.log.ErrorContext(ctx, "mcp tools/list failed", "err", err)
		return nil, turnError(ctx, msgToolsDown, err)
	}
	items, err := a.history(ctx, turn, input)
	if err != nil {
		return nil, err
	}
	now, loc := a.cfg.Now(), a.location(ctx)
	msgs := []openai.ChatCompletionMessageParamUnion{openai.SystemMessage(a.prompts.get(now, loc))}
	if wantsPlan(input) {
		msgs = append(msgs, openai.SystemMessage(planDayInstructions(now, loc)))
	}
	msgs = append(msgs, toMessages(items, a.confirmTags(ctx, s, items))...)
	tools, err := a.fnTools.get(mcpTools)
	if err != nil {
		return nil, turnError(ctx, msgToolsDown, err)
	}
	return &chatRequest{messages: msgs, tools: tools}, nil
}

// afterReply acts on a model reply of round: it ends the turn (done) on
// a reply without tool calls, past MaxToolRounds, or when a tool call
// asks the user something; else it runs the calls and adds the reply and
// their results to req for the next round.
func (a *Agent) afterReply(ctx context.Context, turn *chatkit.Turn, s *session, req *chatRequest, reply modelReply, round int) (done bool, err error) {
	if len(reply.calls) == 0 {
		if reply.text == "" {
			return true, say(turn, msgEmptyReply)
		}
		return true, nil
	}
	if round >= a.cfg.MaxToolRounds {
		a.log.WarnContext(ctx, "too many tool rounds", "thread", turn.Thread.ID, "rounds", round)
		return true, say(turn, msgTooManyRounds)
	}
	msgs := append(req.messages, reply.message())
	asked := false // a question for the user ends the turn after this round
	for i, c := range reply.calls {
		if ids := bulkDeleteIDs(c.name, json.RawMessage(c.args)); ids != nil {
			if err := a.showNow(ctx, turn, req); err != nil {
				return true, err
			}
			rec, err := a.askConfirmDelete(turn, c.id, json.RawMessage(c.args), ids)
			if err != nil {
				return true, err
			}
			asked = true
			msgs = append(msgs, openai.ToolMessage(modelResult(rec), c.id))
			continue
		}
		res, _, err := a.runToolShowLater(ctx, turn, s, c.id, c.name, json.RawMessage(c.args))
		if err != nil {
			return true, err
		}
		rec := res.rec
		if i == len(reply.calls)-1 { // the round's last: shown while the next request is sent
			req.show = append(req.show, res)
		} else if err := a.showResult(ctx, turn, res); err != nil { // before the next call's progress
			return true, err
		}
		if name := ambiguousName(rec); name != "" && !asked {
			if err := a.showNow(ctx, turn, req); err != nil {
				return true, err
			}
			ok, err := a.askWhichTask(ctx, turn, s, name)
			if err != nil {
				return true, err
			}
			asked = asked || ok
		}
		msgs = append(msgs, openai.ToolMessage(modelResult(rec), c.id))
	}
	req.messages = msgs
	if asked {
		return true, a.showNow(ctx, turn, req)
	}
	return false, nil
}

// showNow shows the results req holds (see chatRequest.show), for when
// something else is shown after them or no request follows.
func (a *Agent) showNow(ctx context.Context, turn *chatkit.Turn, req *chatRequest) error {
	show := req.show
	req.show = nil
	return a.showResults(ctx, turn, show)
}

// showResults shows the results in show, in order.
func (a *Agent) showResults(ctx context.Context, turn *chatkit.Turn, show []callResult) error {
	for _, r := range show {
		if err := a.showResult(ctx, turn, r); err != nil {
			return err
		}
	}
	return nil
}

// toolCache keeps the function tools made from the Connector's last tool
// list, which stays the same slice until the list changes, so the schemas
// are converted and encoded once rather than on every request.
type toolCache struct {
	mu  sync.Mutex
	src []*mcp.Tool
	out json.RawMessage
}

// get returns functionTools(tools) encoded as a JSON array (nil for no
// tools), converting only a list it has not seen last. The result is
// shared: callers must not change it.
func (c *toolCache) get(tools []*mcp.Tool) (json.RawMessage, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(tools) == 0 {
		return nil, nil
	}
	if c.out == nil || len(c.src) != len(tools) || &c.src[0] != &tools[0] {
		b, err := json.Marshal(functionTools(tools))
		if err != nil {
			return nil, fmt.Errorf("encode tools: %w", err)
		}
		c.src, c.out = tools, b
	}
	return c.out, nil
}

// functionTools offers the MCP tools to the model as function tools.
func functionTools(tools []*mcp.Tool) []openai.ChatCompletionToolUnionParam {
	out := make([]openai.ChatCompletionToolUnionParam, 0, len(tools))
	for _, t := range tools {
		params := shared.FunctionParameters{"type": "object", "properties": map[string]any{}}
		if b, err := json.Marshal(t.InputSchema); err == nil {
			// Each member stays encoded: the SDK copies raw JSON into every
			// request instead of walking the schema's maps again.
			var m map[string]json.RawMessage
			if json.Unmarshal(b, &m) == nil && m != nil {
				params = make(shared.FunctionParameters, len(m))
				for k, v := range m {
					params[k] = v
				}
			}
		}
		def := shared.FunctionDefinitionParam{Name: t.Name, Parameters: params}
		if t.Description != "" {
			def.Description = openai.String(t.Description)
		}
		out = append(out, openai.ChatCompletionFunctionTool(def))
	}
	return out
}

// modelReply is one model response: its text and the tools it called.
type modelReply struct {
	text  string
	calls []toolCall
}

// toolCall is a function call the model made.
type toolCall struct {
	id, name, args string
}

// message returns the reply as an assistant message for the next request.
func (r modelReply) message() openai.ChatCompletionMessageParamUnion {
	m := &openai.ChatCompletionAssistantMessageParam{}
	if r.text != "" {
		m.Content.OfString = openai.String(r.text)
	}
	for _, c := range r.calls {
		m.ToolCalls = append(m.ToolCalls, openai.ChatCompletionMessageToolCallUnionParam{
			OfFunction: &openai.ChatCompletionMessageFunctionToolCallParam{
				ID:       c.id,
				Function: openai.ChatCompletionMessageFunctionToolCallFunctionParam{Name: c.name, Arguments: c.args},
			},
		})
	}
	return openai.ChatCompletionMessageParamUnion{OfAssistant: m}
}

// streamReply runs one streaming model request. Text streams to the user
// as an assistant message, finished before any tool runs; tool call
// fragments are put together by index.
//
// A reply counts only when the model finished it (see finishReply); else
// the text so far is kept, marked as interrupted, none of its tool calls
// run, and the error ends the turn with a retryable error event. The
// first-token timeout cancels a request that sends nothing for too long.
func (a *Agent) streamReply(ctx context.Context, turn *chatkit.Turn, req *chatRequest) (modelReply, error) {
	r := &replyParts{start: time.Now(), finish: map[int64]string{}}
	reqCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stream, err := a.startStream(reqCtx, cancel, turn, req, r)
	if err != nil {
		return modelReply{}, err
	}
	if r.firstToken != nil {
		defer r.firstToken.Stop()
	}
	defer stream.Close()
	for stream.Next() {
		if err := a.addChunk(turn, r, stream.Current().Choices); err != nil {
			return modelReply{}, err
		}
	}
	return a.endReply(ctx, turn, r, stream.Err(), context.Cause(reqCtx))
}

// startStream sends req (newChunkStream) and shows the results it holds
// (chatRequest.show) while the request is on its way: the model's first
// token is the wait that matters, and storing a result and its widget
// takes about as long. The request goes from the turn's goroutine and the
// results are shown from another, which may start later: on a busy
// machine a new goroutine waits for a free core. A failure to show one
// (the client went away) cancels the request. It arms r's first-token
// timeout (Config.FirstTokenTimeout) once they are shown: the time they
// take is not the model's.
func (a *Agent) startStream(ctx context.Context, cancel context.CancelCauseFunc, turn *chatkit.Turn, req *chatRequest, r *replyParts) (*ssestream.Stream[chunk], error) {
	if len(req.show) == 0 {
		a.armFirstToken(cancel, r)
		return newChunkStream(ctx, a.client, a.cfg.Model, req, turn.Flush), nil
	}
	show := req.show
	req.show = nil
	shown := make(chan error, 1)
	go func() {
		err := a.showResults(ctx, turn, show)
		if err != nil {
			cancel(err) // the request need not wait for its answer
		} else {
			a.armFirstToken(cancel, r)
		}
		shown <- err
	}()
	stream := newChunkStream(ctx, a.client, a.cfg.Model, req, turn.Flush) // reads only messages and tools
	if err := <-shown; err != nil {
		_ = stream.Close()
		return nil, err
	}
	return stream, nil
}

// armFirstToken starts r's first-token timeout (Config.FirstTokenTimeout).
func (a *Agent) armFirstToken(cancel context.CancelCauseFunc, r *replyParts) {
	if a.cfg.FirstTokenTimeout > 0 {
		r.firstToken = time.AfterFunc(a.cfg.FirstTokenTimeout, func() { cancel(errNoFirstToken) })
	}
}

// replyParts is a model reply while it streams.
type replyParts struct {
	start      time.Time
	firstToken *time.Timer // nil without a first-token timeout
	msg        *chatkit.AssistantStream
	calls      []*toolCallParts
	finish     map[int64]string // by choice index; "" while the choice runs
	token      bool
}

// addChunk adds a chunk's choices (none in e.g. a usage chunk) to r,
// streaming their text to the user.
func (a *Agent) addChunk(turn *chatkit.Turn, r *replyParts, choices []chunkChoice) error {
	for _, choice := range choices {
		if choice.FinishReason != "" || r.finish[choice.Index] == "" {
			r.finish[choice.Index] = choice.FinishReason
		}
		if !r.token && isToken(choice) {
			r.token = true
			if r.firstToken != nil {
				r.firstToken.Stop()
			}
		}
		if choice.Index != 0 {
			continue // only one choice is asked for
		}
		d := choice.Delta
		if text := d.Content + d.Refusal; text != "" {
			if r.msg == nil {
				a.cfg.Metrics.ObserveFirstToken(time.Since(r.start))
				var err error
				if r.msg, err = chatkit.StartAssistantMessage(turn); err != nil {
					return err
				}
			}
			if err := r.msg.Delta(text); err != nil {
				return err
			}
		}
		for _, tc := range d.ToolCalls {
			i := max(int(tc.Index), 0)
			for len(r.calls) <= i {
				r.calls = append(r.calls, &toolCallParts{})
			}
			r.calls[i].add(tc)
		}
	}
	return nil
}

// endReply finishes the streamed reply r (see finishReply), whose stream
// ended with streamErr and whose request context with cause.
func (a *Agent) endReply(ctx context.Context, turn *chatkit.Turn, r *replyParts, streamErr, cause error) (modelReply, error) {
	if ctx.Err() != nil {
		return modelReply{}, ctx.Err() // the user left; the engine keeps what they saw
	}
	var reply modelReply
	for i, c := range r.calls {
		if c.name.Len() == 0 && c.args.Len() == 0 {
			continue // an index the model skipped
		}
		id := c.id
		if id == "" {
			id = fmt.Sprintf("call_%s_%d", turn.NewID("tc"), i)
		}
		reply.calls = append(reply.calls, toolCall{id: id, name: c.name.String(), args: c.args.String()})
	}
	if r.msg != nil {
		reply.text = r.msg.Text()
	}
	out := a.finishReply(ctx, reply, streamErr, cause, r.finish)
	if r.msg != nil {
		if err := r.msg.Delta(out.note); err != nil {
			return modelReply{}, err
		}
		if err := r.msg.Done(); err != nil {
			return modelReply{}, err
		}
	}
	if out.err != nil {
		if ctx.Err() != nil {
			return modelReply{}, ctx.Err()
		}
		return modelReply{}, out.err
	}
	if out.dropCalls {
		reply.calls = nil
	}
	return reply, nil
}

// errNoFirstToken cancels a model request whose first token is late.
var errNoFirstToken = errors.New("no first token from the model in time")

// isToken reports whether a streamed choice carries anything from the
// model beyond its role: text, a tool call, a finish reason, or another
// field such as a reasoning model's reasoning_content.
func isToken(c chunkChoice) bool {
	d := c.Delta
	return c.FinishReason != "" || d.Content != "" || d.Refusal != "" || len(d.ToolCalls) > 0 || d.other
}

// Notes appended to a reply's text that did not end normally, so that the
// user sees it (and the model, in later turns).
const (
	noteInterrupted = "\n\n*(This answer was interrupted.)*"
	noteLength      = "\n\n*(This answer was cut short: it reached the model's length limit.)*"
	noteFiltered    = "\n\n*(This answer was stopped by the model's content filter.)*"
)

// Messages of the error events that end a turn whose model reply did not
// count; like msgModelDown, they never carry internals.
const (
	msgModelSlow     = "The assistant is taking too long to respond. Please try again in a moment."
	msgModelCut      = "The assistant's answer was cut off. Please try again."
	msgModelGarbled  = "The assistant's answer came out garbled, so I didn't act on it. Please try again."
	msgModelTooLong  = "The assistant's answer got too long and was cut off before I could act on it. Please try again, or ask for less at once."
	msgModelFiltered = "The model's content filter stopped this answer. Please try again, or rephrase your message."
)

// replyOutcome is what finishReply decided about a streamed reply: the
// note to append to its text (if any was streamed), whether its tool
// calls are dropped, and the error that ends the turn (nil: go on).
type replyOutcome struct {
	note      string
	dropCalls bool
	err       error
}

// finishReply decides whether a streamed reply counts as the model's
// answer. It does when the stream ended without an error and every choice
// has a finish reason:
//
//   - stop, tool_calls (or the older function_call): the reply stands; its
//     tool calls run, unless one has arguments that are not valid JSON,
//     which fails the reply as below.
//   - length: the model hit its output limit. Text is kept with a note
//     saying it was cut short; its tool calls, whose arguments may be
//     truncated, never run, and a reply with tool calls (or no text) ends
//     the turn with a retryable error.
//   - content_filter: text is kept with a note; no tool runs; the turn
//     ends with a retryable error.
//
// Anything else (a broken or cut connection, a stream that ends before
// its finish reason, a timeout, an unknown finish reason) is an
// interrupted reply: the text is kept, marked as interrupted, no tool of
// it runs, and the turn ends with a retryable error. A stream that breaks
// after every choice finished lost only its end ([DONE], usage), so its
// reply stands. streamErr is the stream's error, cause the request
// context's cancel cause.
func (a *Agent) finishReply(ctx context.Context, reply modelReply, streamErr, cause error, finish map[int64]string) replyOutcome {
	fail := func(kind, msg, note string, err error) replyOutcome {
		if kind != "" && ctx.Err() == nil {
			a.cfg.Metrics.ModelError(kind)
		}
		a.log.ErrorContext(ctx, "model reply failed", "model", a.cfg.Model, "err", err,
			"text_chars", len(reply.text), "tool_calls", len(reply.calls))
		return replyOutcome{note: note, dropCalls: true, err: turnError(ctx, msg, err)}
	}
	streamed := reply.text != "" || len(reply.calls) > 0
	finished := len(finish) > 0
	for _, r := range finish {
		if r == "" {
			finished = false
		}
	}
	switch {
	case streamErr != nil && finished:
		// Only the end of the stream ([DONE], a usage chunk) was lost.
		a.log.WarnContext(ctx, "model stream broke after the reply was finished", "model", a.cfg.Model, "err", streamErr)
	case errors.Is(cause, errNoFirstToken):
		return fail(ModelErrorTimeout, msgModelSlow, noteInterrupted, fmt.Errorf("model request: %w", errNoFirstToken))
	case streamErr != nil && modelErrorKind(streamErr) == ModelErrorTimeout:
		return fail(ModelErrorTimeout, msgModelSlow, noteInterrupted, fmt.Errorf("model request: %w", streamErr))
	case streamErr != nil && streamed:
		return fail(modelErrorKind(streamErr), msgModelCut, noteInterrupted, fmt.Errorf("model stream broke: %w", streamErr))
	case streamErr != nil:
		return fail(modelErrorKind(streamErr), msgModelDown, noteInterrupted, fmt.Errorf("model request: %w", streamErr))
	case !finished && streamed:
		return fail(ModelErrorOther, msgModelCut, noteInterrupted, errors.New("model stream ended before the reply was finished"))
	case !finished:
		return fail(ModelErrorOther, msgModelDown, noteInterrupted, errors.New("model stream ended without a reply"))
	}
	reason := finish[0]
	switch reason {
	case "stop", "tool_calls", "function_call":
		for _, c := range reply.calls {
			if c.name == "" || !validArgs(c.args) {
				return fail(ModelErrorOther, msgModelGarbled, noteInterrupted,
					fmt.Errorf("model sent a broken tool call %q (id %s) with arguments %q", c.name, c.id, clip(c.args, 200)))
			}
		}
		return replyOutcome{}
	case "length":
		if len(reply.calls) > 0 || reply.text == "" {
			return fail("", msgModelTooLong, noteLength, errors.New("model reply reached the length limit"))
		}
		a.log.WarnContext(ctx, "model reply cut by the length limit", "model", a.cfg.Model)
		return replyOutcome{note: noteLength}
	case "content_filter":
		return fail("", msgModelFiltered, noteFiltered, errors.New("model reply stopped by the content filter"))
	}
	return fail(ModelErrorOther, msgModelCut, noteInterrupted, fmt.Errorf("model reply ended with finish reason %q", reason))
}

// validArgs reports whether a tool call's arguments parse as JSON; empty
// arguments mean {}. Whether they form the object the tool wants is the
// tool's to say, to the model.
func validArgs(args string) bool {
	return strings.TrimSpace(args) == "" || json.Valid([]byte(args))
}

// toolCallParts collects the streamed fragments of one tool call.
type toolCallParts struct {
	id         string
	name, args strings.Builder
}

func (p *toolCallParts) add(tc chunkToolCall) {
	if tc.ID != "" {
		p.id = tc.ID
	}
	p.name.WriteString(tc.Function.Name)
	p.args.WriteString(tc.Function.Arguments)
}
