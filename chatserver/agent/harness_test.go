package agent_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	_ "time/tzdata" // the tests' time zone, whatever the machine has

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/taskpilot/taskpilot/chatserver/agent"
	"github.com/taskpilot/taskpilot/chatserver/chatkit"
	"github.com/taskpilot/taskpilot/chatserver/chatkit/chatkittest"
	"github.com/taskpilot/taskpilot/chatserver/chatkit/memstore"
	"github.com/taskpilot/taskpilot/mcpserver"
	"github.com/taskpilot/taskpilot/models"
	"github.com/taskpilot/taskpilot/models/store"
	"github.com/taskpilot/taskpilot/models/store/storetest"
)

// testNow is the agent's and the MCP server's clock: Tuesday 12 May 2026,
// 10:00 in Berlin.
var testNow = time.Date(2026, 5, 12, 8, 0, 0, 0, time.UTC)

// ---- fake OpenAI-compatible model ----

// fakeModel is an OpenAI-compatible Chat Completions server. Streaming
// requests are answered with real chat.completion.chunk SSE from a
// script; non-streaming ones (titles) with a fixed title.
type fakeModel struct {
	srv   *httptest.Server
	reply func(req chatRequest) fakeReply // nil: a plain "OK" text

	mu          sync.Mutex
	title       string
	titleStatus int
	requests    []chatRequest // streaming requests, in arrival order
}

// chatRequest is a request the fake model received.
type chatRequest struct {
	Model    string           `json:"model"`
	Stream   bool             `json:"stream"`
	Messages []map[string]any `json:"messages"`
	Tools    []map[string]any `json:"tools"`
	Auth     string           `json:"-"`
}

// fakeReply scripts one streamed answer.
type fakeReply struct {
	Status   int        // not 0 or 200: answer this status and an error body
	Text     []string   // text pieces, one chunk each
	Calls    []fakeCall // tool calls, after the text
	HangText bool       // after Text, hang until the request is cancelled
	Stall    bool       // after the first (role only) chunk, hang until the request is cancelled
	Finish   string     // the finish reason; "" means stop, or tool_calls with Calls
	Cut      cut        // end the connection after Text and Calls, before the finish reason
}

// cut is how the fake model's connection ends a reply early; the zero
// value sends the whole reply.
type cut int

const (
	// cutClean ends a body delimited by the connection's end (no
	// Content-Length, no chunked encoding): the client sees a clean end of
	// the stream, with no finish reason and no [DONE].
	cutClean cut = iota + 1
	// cutBroken closes the connection in the middle of a chunked body:
	// the client sees an unexpected EOF.
	cutBroken
)

// fakeCall is a scripted tool call; its arguments are sent in three
// pieces.
type fakeCall struct{ ID, Name, Args string }

func newFakeModel(t testing.TB, reply func(req chatRequest) fakeReply) *fakeModel {
	t.Helper()
	m := &fakeModel{reply: reply, title: "Grocery run", titleStatus: http.StatusOK}
	m.srv = httptest.NewServer(http.HandlerFunc(m.serve))
	t.Cleanup(m.srv.Close)
	return m
}

// setTitle sets the answer to non-streaming requests: a status and, for
// 200, the title.
func (m *fakeModel) setTitle(status int, title string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.titleStatus, m.title = status, title
}

// URL is the base URL to configure (".../v1").
func (m *fakeModel) URL() string { return m.srv.URL + "/v1" }

// Requests returns the streaming requests received so far.
func (m *fakeModel) Requests() []chatRequest {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]chatRequest(nil), m.requests...)
}

func (m *fakeModel) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1/chat/completions" {
		http.Error(w, `{"error":{"message":"not found"}}`, http.StatusNotFound)
		return
	}
	var req chatRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, `{"error":{"message":"bad json"}}`, http.StatusBadRequest)
		return
	}
	req.Auth = r.Header.Get("Authorization")
	if !req.Stream {
		m.mu.Lock()
		status, title := m.titleStatus, m.title
		m.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if status != http.StatusOK {
			w.Header().Set("Retry-After-Ms", "1")
			w.WriteHeader(status)
			fmt.Fprint(w, `{"error":{"message":"scripted failure","type":"server_error"}}`)
			return
		}
		fmt.Fprintf(w, `{"id":"chatcmpl-t","object":"chat.completion","created":1,"model":%q,"choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":%q}}]}`, req.Model, title)
		return
	}
	m.mu.Lock()
	m.requests = append(m.requests, req)
	m.mu.Unlock()
	rep := fakeReply{Text: []string{"OK"}}
	if m.reply != nil {
		rep = m.reply(req)
	}
	if rep.Status != 0 && rep.Status != http.StatusOK {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Retry-After-Ms", "1")
		w.WriteHeader(rep.Status)
		fmt.Fprint(w, `{"error":{"message":"scripted failure","type":"server_error"}}`)
		return
	}
	var out io.Writer = w
	flush := w.(http.Flusher).Flush
	if rep.Cut == cutClean {
		// Answer by hand on the raw connection: the body ends where the
		// connection does.
		conn, rw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			panic(err)
		}
		defer conn.Close()
		fmt.Fprint(rw, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n")
		out, flush = rw, func() { _ = rw.Flush() }
	} else {
		w.Header().Set("Content-Type", "text/event-stream")
	}
	send := func(delta map[string]any, finish any) {
		chunk := map[string]any{
			"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": req.Model,
			"choices": []any{map[string]any{"index": 0, "delta": delta, "finish_reason": finish}},
		}
		b, _ := json.Marshal(chunk)
		fmt.Fprintf(out, "data: %s\n\n", b)
		flush()
	}
	send(map[string]any{"role": "assistant", "content": ""}, nil)
	if rep.Stall {
		<-r.Context().Done()
		return
	}
	for _, piece := range rep.Text {
		send(map[string]any{"content": piece}, nil)
	}
	if rep.HangText {
		<-r.Context().Done()
		return
	}
	for i, c := range rep.Calls {
		send(map[string]any{"tool_calls": []any{map[string]any{
			"index": i, "id": c.ID, "type": "function", "function": map[string]any{"name": c.Name, "arguments": ""},
		}}}, nil)
		for _, piece := range thirds(c.Args) {
			send(map[string]any{"tool_calls": []any{map[string]any{
				"index": i, "function": map[string]any{"arguments": piece},
			}}}, nil)
		}
	}
	switch rep.Cut {
	case cutClean:
		return // the deferred Close ends the body
	case cutBroken:
		conn, _, err := http.NewResponseController(w).Hijack() // sends what was written, not the final chunk
		if err != nil {
			panic(err)
		}
		conn.Close()
		return
	}
	finish := rep.Finish
	switch {
	case finish != "":
	case len(rep.Calls) > 0:
		finish = "tool_calls"
	default:
		finish = "stop"
	}
	send(map[string]any{}, finish)
	fmt.Fprint(out, "data: [DONE]\n\n")
	flush()
}

// thirds splits s into three pieces (some possibly empty).
func thirds(s string) []string {
	n := len(s)
	return []string{s[:n/3], s[n/3 : 2*n/3], s[2*n/3:]}
}

// lastMessage returns the newest message of a request.
func lastMessage(req chatRequest) map[string]any {
	if len(req.Messages) == 0 {
		return nil
	}
	return req.Messages[len(req.Messages)-1]
}

// lastUserText returns the text of the newest user message.
func lastUserText(req chatRequest) string {
	for _, m := range slices.Backward(req.Messages) {
		if m["role"] == "user" {
			s, _ := m["content"].(string)
			return s
		}
	}
	return ""
}

// afterTool is the usual script: tool calls for the user's message, then
// text once the tool answered.
func afterTool(call func(user string) []fakeCall, text ...string) func(chatRequest) fakeReply {
	return func(req chatRequest) fakeReply {
		if lastMessage(req)["role"] == "tool" {
			return fakeReply{Text: text}
		}
		return fakeReply{Calls: call(lastUserText(req))}
	}
}

// ---- the system under test ----

// env is a chat server (chatkit on an in-memory thread store) answered by
// the agent, whose tools are the real MCP server on a real database.
type env struct {
	tasks   *store.Store
	threads *memstore.Store
	agent   *agent.Agent
	kit     *chatkit.Server
	model   *fakeModel // nil: no model
}

// options for newEnv.
type envOptions struct {
	model     *fakeModel
	db        *store.Store // nil: a fresh SQLite file
	connector agent.Connector
	config    func(*agent.Config)
}

func newEnv(t testing.TB, o envOptions) *env {
	t.Helper()
	st := o.db
	if st == nil {
		st = storetest.OpenSQLite(t)
	}
	conn := o.connector
	if conn == nil {
		conn = inMemory(st)
	}
	cfg := agent.Config{
		Tools:    conn,
		Location: mustLocation(t, "Europe/Berlin"),
		Now:      func() time.Time { return testNow },
	}
	if o.model != nil {
		cfg.Model = "fake-model"
		cfg.APIKey = "sk-test"
		cfg.BaseURL = o.model.URL()
	}
	if o.config != nil {
		o.config(&cfg)
	}
	a, err := agent.New(cfg)
	if err != nil {
		t.Fatalf("agent.New: %v", err)
	}
	threads := memstore.New()
	kit := chatkit.New(threads, a, chatkit.Options{Actions: a, SyncActions: a, Titler: a})
	return &env{tasks: st, threads: threads, agent: a, kit: kit, model: o.model}
}

// failingConnector is an MCP server that cannot be reached.
type failingConnector struct{}

func (failingConnector) Tools(context.Context, string, bool) ([]*mcp.Tool, error) {
	return nil, errors.New("connection refused")
}

func (failingConnector) CallTool(context.Context, string, *mcp.CallToolParams) (*mcp.CallToolResult, error) {
	return nil, errors.New("connection refused")
}

// inMemory connects to one MCP server per user, built once.
func inMemory(st *store.Store) agent.Connector {
	var mu sync.Mutex
	servers := map[string]*mcp.Server{}
	return agent.NewInMemoryConnector(func(user string) *mcp.Server {
		mu.Lock()
		defer mu.Unlock()
		if s, ok := servers[user]; ok {
			return s
		}
		s := mcpserver.New(st, mcpserver.Options{DefaultUser: user, Now: func() time.Time { return testNow }})
		servers[user] = s
		return s
	})
}

func mustLocation(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// newUser returns a user id unique to this run, so tests sharing a
// PostgreSQL database (see storetest.URLs) never see each other's tasks.
func newUser(name string) string { return name + "-" + rand.Text()[:8] }

// ---- requests and events ----

// frame is one SSE event the chat server sent.
type frame struct {
	raw []byte
	ev  map[string]any
}

func (f frame) typ() string { s, _ := f.ev["type"].(string); return s }

// item returns the event's item (thread.item.added, done or replaced).
func (f frame) item() map[string]any { m, _ := f.ev["item"].(map[string]any); return m }

// stream sends a streaming request as user and returns the events, each
// checked against the reference schema.
func (e *env) stream(t testing.TB, ctx context.Context, user string, body string) []frame {
	t.Helper()
	res, err := chatkittest.Handle(ctx, e.kit, user, []byte(body))
	if err != nil {
		t.Fatalf("handle %s: %v", body, err)
	}
	if res.Stream == nil {
		t.Fatalf("handle %s: not a stream", body)
	}
	var frames []frame
	err = res.Stream(ctx, func(b []byte) error {
		data, ok := bytes.CutPrefix(b, []byte("data: "))
		if !ok || !bytes.HasSuffix(data, []byte("\n\n")) {
			t.Errorf("bad SSE frame %q", b)
			return nil
		}
		data = bytes.TrimSuffix(data, []byte("\n\n"))
		var ev map[string]any
		if err := json.Unmarshal(data, &ev); err != nil {
			t.Errorf("bad event JSON %s: %v", data, err)
			return nil
		}
		chatkittest.Schemas(t).ValidateEvent(t, data)
		frames = append(frames, frame{raw: append([]byte(nil), data...), ev: ev})
		return nil
	})
	if err != nil && ctx.Err() == nil {
		t.Fatalf("stream: %v", err)
	}
	return frames
}

// call sends a non-streaming request as user and returns the JSON answer.
func (e *env) call(t testing.TB, user, body string) (map[string]any, error) {
	t.Helper()
	res, err := chatkittest.Handle(context.Background(), e.kit, user, []byte(body))
	if err != nil {
		return nil, err
	}
	var out map[string]any
	if err := json.Unmarshal(res.JSON, &out); err != nil {
		t.Fatalf("bad JSON answer %s: %v", res.JSON, err)
	}
	return out, nil
}

func input(text string) string {
	b, _ := json.Marshal(text)
	return `{"content":[{"type":"input_text","text":` + string(b) + `}],"attachments":[],"inference_options":{}}`
}

func createThread(text string) string {
	return `{"type":"threads.create","params":{"input":` + input(text) + `}}`
}

func addMessage(threadID, text string) string {
	return fmt.Sprintf(`{"type":"threads.add_user_message","params":{"thread_id":%q,"input":%s}}`, threadID, input(text))
}

func customAction(kind, threadID, itemID string, action any) string {
	b, _ := json.Marshal(map[string]any{"thread_id": threadID, "item_id": itemID, "action": action})
	return fmt.Sprintf(`{"type":%q,"params":%s}`, kind, b)
}

// threadID returns the id of the thread created in frames.
func threadID(t testing.TB, frames []frame) string {
	t.Helper()
	for _, f := range frames {
		if f.typ() == "thread.created" {
			return f.ev["thread"].(map[string]any)["id"].(string)
		}
	}
	t.Fatal("no thread.created event")
	return ""
}

// summary names each event compactly: "done:assistant_message",
// "updated:text_delta", "progress_update", ...
func summary(frames []frame) []string {
	var out []string
	for _, f := range frames {
		switch f.typ() {
		case "thread.item.added", "thread.item.done", "thread.item.replaced":
			out = append(out, strings.TrimPrefix(f.typ(), "thread.item.")+":"+f.item()["type"].(string))
		case "thread.item.updated":
			u := f.ev["update"].(map[string]any)["type"].(string)
			out = append(out, "updated:"+u[strings.LastIndex(u, ".")+1:])
		default:
			out = append(out, f.typ())
		}
	}
	return out
}

// assistantTexts returns the full texts of the assistant messages done.
func assistantTexts(frames []frame) []string {
	var out []string
	for _, f := range frames {
		if f.typ() == "thread.item.done" && f.item()["type"] == "assistant_message" {
			var text string
			for _, c := range f.item()["content"].([]any) {
				text += c.(map[string]any)["text"].(string)
			}
			out = append(out, text)
		}
	}
	return out
}

// widgets returns the widget items done or replaced in frames.
func widgets(frames []frame) []map[string]any {
	var out []map[string]any
	for _, f := range frames {
		if (f.typ() == "thread.item.done" || f.typ() == "thread.item.replaced") && f.item()["type"] == "widget" {
			out = append(out, f.item())
		}
	}
	return out
}

// errorEvent returns the error event in frames, or nil.
func errorEvent(frames []frame) map[string]any {
	for _, f := range frames {
		if f.typ() == "error" {
			return f.ev
		}
	}
	return nil
}

// storedItems returns the thread's stored items, oldest first, hidden
// ones included.
func (e *env) storedItems(t testing.TB, user, threadID string) []chatkit.ThreadItem {
	t.Helper()
	page, err := e.threads.LoadThreadItems(context.Background(), user, threadID, chatkit.ListOptions{Limit: 1000, Order: chatkit.OrderAsc})
	if err != nil {
		t.Fatalf("load items: %v", err)
	}
	return page.Data
}

// tasks returns the user's tasks in the task database.
func (e *env) taskList(t testing.TB, user string) []models.Task {
	t.Helper()
	page, err := e.tasks.ListTasks(context.Background(), user, models.TaskFilter{})
	if err != nil {
		t.Fatalf("list tasks: %v", err)
	}
	return page.Tasks
}
