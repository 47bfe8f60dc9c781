package chatserver_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/taskpilot/taskpilot/chatserver/agent"
	"github.com/taskpilot/taskpilot/mcpserver"
	"github.com/taskpilot/taskpilot/mcpserver/mcphttp"
	"github.com/taskpilot/taskpilot/models/store/storetest"
)

// interruptedNote ends the text of an answer whose model stream broke off.
const interruptedNote = "\n\n*(This answer was interrupted.)*"

// visibleItems names the thread's items as items.list returns them:
// the type, and for assistant messages their text.
func (h *harness) visibleItems(user, thread string) []string {
	h.t.Helper()
	var out []string
	for _, it := range h.items(user, thread) {
		s := it["type"].(string)
		if s == "assistant_message" {
			var text strings.Builder
			for _, c := range it["content"].([]any) {
				text.WriteString(c.(map[string]any)["text"].(string))
			}
			s += ": " + text.String()
		}
		out = append(out, s)
	}
	return out
}

// TestCutModelStream: when the model's connection ends before its reply
// finished (no finish reason, no [DONE]), the turn ends with a retryable
// error event; the text streamed so far is kept, marked as interrupted,
// and reloads so; the reply's tool calls never run; retrying answers
// normally. Over HTTP, with the real engine, agent, MCP server and
// database.
func TestCutModelStream(t *testing.T) {
	t.Parallel()
	t.Run("text", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, config{})
		h.model.CutNext(1)

		events := h.stream("alice", createReq("hello"))

		last := events[len(events)-1]
		if last.Type != "error" || last.M["allow_retry"] != true || !strings.Contains(last.M["message"].(string), "cut off") {
			t.Fatalf("last event %s, want a retryable error saying the answer was cut off", last.Raw)
		}
		if text := streamedText(events); text != "You said: hello"+interruptedNote {
			t.Errorf("streamed answer %q, want the partial text marked as interrupted", text)
		}
		thread := threadID(t, events)
		want := []string{"user_message", "assistant_message: You said: hello" + interruptedNote}
		if diff := cmp.Diff(want, h.visibleItems("alice", thread)); diff != "" {
			t.Errorf("items.list after the cut (-want +got):\n%s", diff)
		}

		first := h.items("alice", thread)[0]["id"]
		events = h.stream("alice", req("threads.retry_after_item", map[string]any{"thread_id": thread, "item_id": first}))
		if has(events, "error") || streamedText(events) != "You said: hello" {
			t.Errorf("retry: events %v, text %q", types(events), streamedText(events))
		}
		want = []string{"user_message", "assistant_message: You said: hello"}
		if diff := cmp.Diff(want, h.visibleItems("alice", thread)); diff != "" {
			t.Errorf("items.list after the retry (-want +got):\n%s", diff)
		}
	})
	t.Run("tool call", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, config{})
		h.model.CutNext(1)

		events := h.stream("alice", createReq("add Buy milk"))

		last := events[len(events)-1]
		if last.Type != "error" || last.M["allow_retry"] != true {
			t.Fatalf("last event %s, want a retryable error", last.Raw)
		}
		if has(events, "progress_update") || len(h.tasks("alice")) != 0 {
			t.Fatalf("the tool of the cut reply ran: events %v, tasks %v", types(events), h.tasks("alice"))
		}
		thread := threadID(t, events)
		if diff := cmp.Diff([]string{"user_message"}, h.visibleItems("alice", thread)); diff != "" {
			t.Errorf("items.list after the cut (-want +got):\n%s", diff)
		}

		first := h.items("alice", thread)[0]["id"]
		events = h.stream("alice", req("threads.retry_after_item", map[string]any{"thread_id": thread, "item_id": first}))
		if has(events, "error") || streamedText(events) != "Done! I ran add_task." {
			t.Errorf("retry: events %v, text %q", types(events), streamedText(events))
		}
		if tasks := h.tasks("alice"); len(tasks) != 1 || tasks[0].Title != "Buy milk" {
			t.Errorf("tasks after the retry: %+v, want Buy milk once", tasks)
		}
	})
	t.Run("REST", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, config{})
		h.model.CutNext(1)

		status, body := h.postJSON("alice", "/api/alice/chat", map[string]any{"message": "add Buy milk"})

		if status != http.StatusBadGateway || errorCode(body) != "agent_failed" {
			t.Fatalf("status %d, body %v; want 502 agent_failed", status, body)
		}
		if msg := body["error"].(map[string]any)["message"].(string); !strings.Contains(msg, "cut off") {
			t.Errorf("error message %q", msg)
		}
		if len(h.tasks("alice")) != 0 {
			t.Errorf("the tool of the cut reply ran: %v", h.tasks("alice"))
		}
		status, body = h.postJSON("alice", "/api/alice/chat", map[string]any{"conversation_id": body["conversation_id"], "message": "add Buy milk"})
		if status != http.StatusOK || body["response"] != "Done! I ran add_task." {
			t.Errorf("second try: %d %v", status, body)
		}
	})
}

// TestMCPServerFailsMidTurn: the MCP server answers the start of the turn
// (initialize, tools/list), then its tools/call connections are closed
// without an answer, as when it crashes. The user gets a retryable error
// about the task list, the model never sees the failure as a tool
// result, and the retry works once the server is back.
func TestMCPServerFailsMidTurn(t *testing.T) {
	t.Parallel()
	dbURL := storetest.SQLiteURL(t)
	db := storetest.Open(t, dbURL) // one store: a SQLite file is one process's
	mcpHandler := mcphttp.New(mcphttp.Options{Server: mcpserver.New(db, mcpserver.Options{DefaultUser: "alice"})})
	var down atomic.Bool
	mcpSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if down.Load() && bytes.Contains(body, []byte(`"tools/call"`)) {
			if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
				conn.Close()
			}
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		mcpHandler.ServeHTTP(w, r)
	}))
	t.Cleanup(mcpSrv.Close)
	h := newHarness(t, config{db: db, dbURL: dbURL, connector: agent.NewHTTPConnector(mcpSrv.URL+"/mcp", nil, nil)})
	down.Store(true)

	events := h.stream("alice", createReq("add Buy milk"))

	last := events[len(events)-1]
	if last.Type != "error" || last.M["allow_retry"] != true || !strings.Contains(last.M["message"].(string), "task list") {
		t.Fatalf("last event %s, want a retryable error about the task list", last.Raw)
	}
	if n := len(h.model.Requests()); n != 1 { // besides, the title may have been asked for
		t.Errorf("model got %d reply requests, want 1: the failure must not go back to it", n)
	}
	thread := threadID(t, events)
	// The failed call shows as a failed workflow step; no answer is stored.
	if diff := cmp.Diff([]string{"user_message", "workflow"}, h.visibleItems("alice", thread)); diff != "" {
		t.Errorf("items.list after the failure (-want +got):\n%s", diff)
	}

	down.Store(false)
	first := h.items("alice", thread)[0]["id"]
	events = h.stream("alice", req("threads.retry_after_item", map[string]any{"thread_id": thread, "item_id": first}))
	if has(events, "error") || streamedText(events) != "Done! I ran add_task." {
		t.Errorf("retry: events %v, text %q", types(events), streamedText(events))
	}
	if tasks := h.tasks("alice"); len(tasks) != 1 || tasks[0].Title != "Buy milk" {
		t.Errorf("tasks after the retry: %+v, want Buy milk once", tasks)
	}
}
