package chatserver_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/taskpilot/taskpilot/chatserver"
	"github.com/taskpilot/taskpilot/chatserver/agent"
	"github.com/taskpilot/taskpilot/chatserver/agent/fakemodel"
	"github.com/taskpilot/taskpilot/chatserver/chatkit"
	"github.com/taskpilot/taskpilot/chatserver/chatkit/chatkittest"
	"github.com/taskpilot/taskpilot/chatserver/threadstore"
	"github.com/taskpilot/taskpilot/cmd/taskpilot/serving"
	"github.com/taskpilot/taskpilot/mcpserver"
	"github.com/taskpilot/taskpilot/models"
	"github.com/taskpilot/taskpilot/models/store"
	"github.com/taskpilot/taskpilot/models/store/storetest"
)

// harness is a chat server on httptest with the real chatkit engine, the
// threadstore on SQLite, the real agent talking to a fake model, and the
// real MCP server (in memory, one per user).
type harness struct {
	t     testing.TB
	db    *store.Store
	dbURL string
	model *fakemodel.Model
	url   string // base URL of the chat server
	// served receives serving.Serve's result when config.serve was set.
	served chan error
	// header is added to every request.
	header http.Header
}

// config changes how newHarness builds the server.
type config struct {
	dbURL     string // reuse a database (a "new process" on the same data)
	model     *fakemodel.Model
	noModel   bool            // commands only
	connector agent.Connector // instead of the in-memory MCP server
	noAuth    bool            // no Verifier: every request is the local user
	opts      func(*chatserver.Options)
	// serve, when set, serves the handler on a loopback port as taskpilot
	// does (serving.Serve, ending the streams with Handler.CloseStreams)
	// until it is done, instead of httptest.
	serve context.Context
	// db, when set, is the store instead of one opened on dbURL.
	db *store.Store
	// events feeds the task pane's event stream (none when nil).
	events chatserver.TaskEvents
}

func newHarness(t testing.TB, cfg config) *harness {
	t.Helper()
	if cfg.dbURL == "" {
		cfg.dbURL = storetest.SQLiteURL(t)
	}
	db := cfg.db
	if db == nil {
		db = storetest.Open(t, cfg.dbURL)
	}
	h := &harness{t: t, db: db, dbURL: cfg.dbURL, model: cfg.model}
	if h.model == nil && !cfg.noModel {
		h.model = newFakeModel(t)
	}

	log := testLogger()
	connector := cfg.connector
	if connector == nil {
		var servers sync.Map // user -> *mcp.Server
		connector = agent.NewInMemoryConnector(func(user string) *mcp.Server {
			if s, ok := servers.Load(user); ok {
				return s.(*mcp.Server)
			}
			s, _ := servers.LoadOrStore(user, mcpserver.New(db, mcpserver.Options{DefaultUser: user}))
			return s.(*mcp.Server)
		})
	}
	acfg := agent.Config{Tools: connector, MaxRetries: -1, Logger: log}
	if h.model != nil {
		acfg.Model, acfg.APIKey, acfg.BaseURL = "fake-model", "sk-test", h.model.URL()
	}
	ag, err := agent.New(acfg)
	if err != nil {
		t.Fatal(err)
	}
	threads := threadstore.New(db)
	kit := chatkit.New(threads, ag, chatkit.Options{Logger: log, Actions: ag, SyncActions: ag, Titler: ag})
	opts := chatserver.Options{
		Kit:       kit,
		ToolCalls: ag,
		Ready:     db.Ping,
		Logger:    log,
		RateLimit: chatserver.RateLimit{PerMinute: -1},
		Pane:      &chatserver.TaskPane{Tasks: ag, Events: cfg.events},
	}
	if !cfg.noAuth {
		opts.Verifier = fakeVerifier{}
	}
	if cfg.opts != nil {
		cfg.opts(&opts)
	}
	if cfg.serve != nil {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		h.url = "http://" + ln.Addr().String()
		h.served = make(chan error, 1)
		handler := chatserver.New(opts)
		go func() { h.served <- serving.Serve(cfg.serve, ln, handler, log, handler.CloseStreams) }()
		return h
	}
	srv := httptest.NewServer(chatserver.New(opts))
	t.Cleanup(srv.Close)
	h.url = srv.URL
	return h
}

// testLogger discards logs unless TASKPILOT_TEST_LOG is set.
func testLogger() *slog.Logger {
	if os.Getenv("TASKPILOT_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// fakeVerifier accepts "token-<user>" for any user.
type fakeVerifier struct{}

func (fakeVerifier) Verify(_ context.Context, raw string) (string, error) {
	user, ok := strings.CutPrefix(raw, "token-")
	if !ok || user == "" {
		return "", errors.New("bad token")
	}
	return user, nil
}

// request sends body (a JSON value, or []byte as is) to path as user ("" sends
// no Authorization header).
func (h *harness) request(ctx context.Context, user, path string, body any) *http.Response {
	h.t.Helper()
	var b []byte
	switch v := body.(type) {
	case []byte:
		b = v
	case string:
		b = []byte(v)
	default:
		var err error
		if b, err = json.Marshal(v); err != nil {
			h.t.Fatal(err)
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.url+path, bytes.NewReader(b))
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range h.header {
		req.Header[k] = v
	}
	if user != "" {
		req.Header.Set("Authorization", "Bearer token-"+user)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	return resp
}

// doJSON posts body to /chatkit as user and returns the status and the
// decoded answer.
func (h *harness) doJSON(user string, body any) (int, map[string]any) {
	h.t.Helper()
	return h.postJSON(user, "/chatkit", body)
}

// postJSON posts body to path as user and returns the status and the
// decoded JSON answer, which it requires.
func (h *harness) postJSON(user, path string, body any) (int, map[string]any) {
	h.t.Helper()
	resp := h.request(context.Background(), user, path, body)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		h.t.Fatalf("POST %s: Content-Type %q, want application/json; body %s", path, ct, b)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		h.t.Fatalf("POST %s: %v in %s", path, err, b)
	}
	return resp.StatusCode, out
}

// event is one decoded stream event, with its raw JSON.
type event struct {
	Type string
	Raw  []byte
	M    map[string]any
}

// stream posts a streaming request to /chatkit as user, requires a
// well-formed SSE response and returns its events, each validated
// against the reference schema.
func (h *harness) stream(user string, body any) []event {
	h.t.Helper()
	return h.readStream(h.request(context.Background(), user, "/chatkit", body))
}

// streamWhenFree is stream for a turn on a thread whose previous turn is
// ending: while the answer is 409 thread_busy it asks again, for up to
// 5 s.
func (h *harness) streamWhenFree(user string, body any) []event {
	h.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp := h.request(context.Background(), user, "/chatkit", body)
		if resp.StatusCode != http.StatusConflict || time.Now().After(deadline) {
			return h.readStream(resp)
		}
		resp.Body.Close()
		time.Sleep(10 * time.Millisecond)
	}
}

// readStream requires resp to be a well-formed SSE response and returns
// its events, each validated against the reference schema.
func (h *harness) readStream(resp *http.Response) []event {
	h.t.Helper()
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		h.t.Fatalf("stream: status %d: %s", resp.StatusCode, b)
	}
	checkStreamHeaders(h.t, resp)
	var events []event
	r := bufio.NewReader(resp.Body)
	for {
		ev, err := readEvent(h.t, r)
		if errors.Is(err, io.EOF) {
			return events
		}
		if err != nil {
			h.t.Fatal(err)
		}
		events = append(events, ev)
	}
}

// checkStreamHeaders requires the headers of an SSE response.
func checkStreamHeaders(t testing.TB, resp *http.Response) {
	t.Helper()
	for k, want := range map[string]string{
		"Content-Type":      "text/event-stream",
		"Cache-Control":     "no-cache",
		"X-Accel-Buffering": "no",
		"Content-Encoding":  "",
	} {
		if got := resp.Header.Get(k); got != want {
			t.Errorf("header %s = %q, want %q", k, got, want)
		}
	}
}

// readEvent reads one SSE frame: exactly "data: <one-line JSON>\n\n".
func readEvent(t testing.TB, r *bufio.Reader) (event, error) {
	t.Helper()
	line, err := r.ReadString('\n')
	if err != nil {
		if line != "" {
			return event{}, fmt.Errorf("truncated frame %q", line)
		}
		return event{}, err
	}
	blank, err := r.ReadString('\n')
	if err != nil || blank != "\n" {
		return event{}, fmt.Errorf("frame %q not followed by a blank line (got %q, %w)", line, blank, err)
	}
	data, ok := strings.CutPrefix(strings.TrimSuffix(line, "\n"), "data: ")
	if !ok {
		return event{}, fmt.Errorf("frame %q does not start with \"data: \"", line)
	}
	ev := event{Raw: []byte(data)}
	if err := json.Unmarshal(ev.Raw, &ev.M); err != nil {
		return event{}, fmt.Errorf("frame %q: %w", line, err)
	}
	ev.Type, _ = ev.M["type"].(string)
	chatkittest.Schemas(t).ValidateEvent(t, ev.Raw)
	return ev, nil
}

// types lists the events' types, thread.item.* events with their item
// type: "thread.item.done:user_message".
func types(events []event) []string {
	var out []string
	for _, ev := range events {
		s := ev.Type
		if item, ok := ev.M["item"].(map[string]any); ok {
			s += ":" + item["type"].(string)
		}
		out = append(out, s)
	}
	return out
}

// find returns the first event whose types() entry is typ, or fails.
func find(t testing.TB, events []event, typ string) event {
	t.Helper()
	for i, s := range types(events) {
		if s == typ {
			return events[i]
		}
	}
	t.Fatalf("no %s event in %v", typ, types(events))
	return event{}
}

// has reports whether an event of typ (as types() names it) is present.
func has(events []event, typ string) bool {
	return slices.Contains(types(events), typ)
}

// streamedText is the text of the assistant messages done in events.
func streamedText(events []event) string {
	var b strings.Builder
	for _, ev := range events {
		if ev.Type != "thread.item.done" {
			continue
		}
		item := ev.M["item"].(map[string]any)
		if item["type"] != "assistant_message" {
			continue
		}
		for _, c := range item["content"].([]any) {
			b.WriteString(c.(map[string]any)["text"].(string))
		}
	}
	return b.String()
}

// threadID returns the id of the thread.created event.
func threadID(t testing.TB, events []event) string {
	t.Helper()
	return find(t, events, "thread.created").M["thread"].(map[string]any)["id"].(string)
}

// Request bodies.

func userInput(text string) map[string]any {
	return map[string]any{
		"content":           []any{map[string]any{"type": "input_text", "text": text}},
		"attachments":       []any{},
		"inference_options": map[string]any{},
	}
}

func createReq(text string) map[string]any {
	return map[string]any{"type": "threads.create", "params": map[string]any{"input": userInput(text)}}
}

func addReq(thread, text string) map[string]any {
	return map[string]any{"type": "threads.add_user_message", "params": map[string]any{"thread_id": thread, "input": userInput(text)}}
}

func req(typ string, params map[string]any) map[string]any {
	return map[string]any{"type": typ, "params": params}
}

// items returns the thread's visible items (items.list, ascending) as
// user, validated against the reference schema.
func (h *harness) items(user, thread string) []map[string]any {
	h.t.Helper()
	status, page := h.doJSON(user, req("items.list", map[string]any{"thread_id": thread, "order": "asc", "limit": 100}))
	if status != http.StatusOK {
		h.t.Fatalf("items.list: %d %v", status, page)
	}
	b, _ := json.Marshal(page)
	chatkittest.Schemas(h.t).Validate(h.t, "page-thread-item.schema.json", b)
	var out []map[string]any
	for _, it := range page["data"].([]any) {
		out = append(out, it.(map[string]any))
	}
	return out
}

// allItems returns every stored item of the thread, hidden ones included,
// oldest first.
func (h *harness) allItems(user, thread string) []chatkit.ThreadItem {
	h.t.Helper()
	page, err := threadstore.New(h.db).LoadThreadItems(context.Background(), user, thread,
		chatkit.ListOptions{Limit: 1000, Order: chatkit.OrderAsc})
	if err != nil {
		h.t.Fatal(err)
	}
	return page.Data
}

// tasks returns the user's tasks, straight from the database.
func (h *harness) tasks(user string) []models.Task {
	h.t.Helper()
	page, err := h.db.ListTasks(context.Background(), user, models.TaskFilter{Limit: 100})
	if err != nil {
		h.t.Fatal(err)
	}
	return page.Tasks
}

// errorCode returns the code of a JSON error answer.
func errorCode(body map[string]any) string {
	e, _ := body["error"].(map[string]any)
	code, _ := e["code"].(string)
	return code
}
