package agent_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
	_ "time/tzdata" // the tests' time zone, whatever the machine has

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/taskpilot/taskpilot/chatserver/agent"
	"github.com/taskpilot/taskpilot/chatserver/agent/fakemodel"
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

// afterTool is the usual script: tool calls for the user's message, then
// text once the tool answered.
func afterTool(call func(user string) []fakemodel.Call, text ...string) func(fakemodel.Request) fakemodel.Reply {
	return func(req fakemodel.Request) fakemodel.Reply {
		if req.Last()["role"] == "tool" {
			return fakemodel.Reply{Text: text}
		}
		return fakemodel.Reply{Calls: call(req.LastUserText())}
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
	model   *fakemodel.Model // nil: no model
}

// options for newEnv.
type envOptions struct {
	model     *fakemodel.Model
	db        *store.Store // nil: a fresh SQLite file
	connector agent.Connector
	config    func(*agent.Config)
	// threads, if set, wraps the thread store chatkit writes to.
	threads func(*memstore.Store) chatkit.Store
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
	var kitStore chatkit.Store = threads
	if o.threads != nil {
		kitStore = o.threads(threads)
	}
	kit := chatkit.New(kitStore, a, chatkit.Options{Actions: a, SyncActions: a, Titler: a})
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
