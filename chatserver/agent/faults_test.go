package agent_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/taskpilot/taskpilot/chatserver/agent"
	"github.com/taskpilot/taskpilot/chatserver/agent/fakemodel"
	"github.com/taskpilot/taskpilot/chatserver/chatkit"
	"github.com/taskpilot/taskpilot/mcpserver"
	"github.com/taskpilot/taskpilot/mcpserver/mcphttp"
	"github.com/taskpilot/taskpilot/models/store/storetest"
)

// The notes the agent appends to a reply that did not end normally.
const (
	interruptedNote = "\n\n*(This answer was interrupted.)*"
	lengthNote      = "\n\n*(This answer was cut short: it reached the model's length limit.)*"
	filteredNote    = "\n\n*(This answer was stopped by the model's content filter.)*"
)

// afterFault answers the first streaming request with fault, and every
// later one (the retry) by adding "Call mom" and then confirming it.
func afterFault(fault fakemodel.Reply) func(fakemodel.Request) fakemodel.Reply {
	var n atomic.Int64
	normal := afterTool(func(string) []fakemodel.Call {
		return []fakemodel.Call{{ID: "call_ok", Name: "add_task", Args: `{"title":"Call mom"}`}}
	}, "Added task 1: Call mom.")
	return func(req fakemodel.Request) fakemodel.Reply {
		if n.Add(1) == 1 {
			return fault
		}
		return normal(req)
	}
}

// truncatedThenComplete are tool calls whose first one's arguments were
// cut off while the second one is complete.
var truncatedThenComplete = []fakemodel.Call{
	{ID: "call_1", Name: "add_task", Args: `{"title":"Buy mi`},
	{ID: "call_2", Name: "add_task", Args: `{"title":"Call mom"}`},
}

// TestInterruptedModelReplies: a reply counts only when the model
// finished it. A cut stream, garbled tool arguments, a length or content
// filter stop and a stalled model never run the reply's tools; the text
// streamed so far stays, marked, and the turn ends with a retryable error
// (except a length-limited text answer, which stands with its note).
// Retrying then answers normally.
func TestInterruptedModelReplies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		fault   fakemodel.Reply
		config  func(*agent.Config)
		text    string // the assistant message kept, "" for none
		errWant string // in the error event's message; "" means no error event
	}{
		{
			name:    "text, then the stream ends cleanly without finishing",
			fault:   fakemodel.Reply{Text: []string{"Let me ", "check that"}, Cut: fakemodel.CutClean},
			text:    "Let me check that" + interruptedNote,
			errWant: "cut off",
		},
		{
			name:    "text, then the connection breaks",
			fault:   fakemodel.Reply{Text: []string{"Let me ", "check that"}, Cut: fakemodel.CutBroken},
			text:    "Let me check that" + interruptedNote,
			errWant: "cut off",
		},
		{
			name:    "tool calls, then the stream ends cleanly without finishing",
			fault:   fakemodel.Reply{Calls: truncatedThenComplete, Cut: fakemodel.CutClean},
			errWant: "cut off",
		},
		{
			name:    "finished reply with unparsable tool arguments",
			fault:   fakemodel.Reply{Text: []string{"On it."}, Calls: truncatedThenComplete},
			text:    "On it." + interruptedNote,
			errWant: "garbled",
		},
		{
			name:  "text stopped by the length limit",
			fault: fakemodel.Reply{Text: []string{"Here are all the ways to"}, Finish: "length"},
			text:  "Here are all the ways to" + lengthNote,
		},
		{
			name:    "tool calls stopped by the length limit",
			fault:   fakemodel.Reply{Calls: truncatedThenComplete[1:], Finish: "length"},
			errWant: "too long",
		},
		{
			name:    "content filter",
			fault:   fakemodel.Reply{Text: []string{"Well"}, Calls: truncatedThenComplete[1:], Finish: "content_filter"},
			text:    "Well" + filteredNote,
			errWant: "content filter",
		},
		{
			name:    "stall before the first token",
			fault:   fakemodel.Reply{Stall: true},
			config:  func(c *agent.Config) { c.FirstTokenTimeout = 300 * time.Millisecond },
			errWant: "taking too long",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			model := fakemodel.New(t, afterFault(tt.fault))
			e := newEnv(t, envOptions{model: model, config: tt.config})
			alice := newUser("alice")

			start := time.Now()
			frames := e.stream(t, context.Background(), alice, createThread("add call mom"))
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("the turn took %v", d)
			}
			thread := threadID(t, frames)

			ev := errorEvent(frames)
			switch {
			case tt.errWant == "" && ev != nil:
				t.Errorf("error event %v, want none", ev)
			case tt.errWant != "" && ev == nil:
				t.Errorf("events %v, want a retryable error event", summary(frames))
			case ev != nil:
				msg, _ := ev["message"].(string)
				if ev["allow_retry"] != true || ev["code"] != "custom" || !strings.Contains(msg, tt.errWant) {
					t.Errorf("error event %v, want a retryable one saying %q", ev, tt.errWant)
				}
				checkFriendly(t, msg)
			}
			if slices.Contains(summary(frames), "progress_update") {
				t.Errorf("events %v: a tool of the reply ran", summary(frames))
			}
			var wantTexts []string
			if tt.text != "" {
				wantTexts = []string{tt.text}
			}
			if diff := cmp.Diff(wantTexts, assistantTexts(frames)); diff != "" {
				t.Errorf("assistant messages streamed (-want +got):\n%s", diff)
			}
			if got := e.taskList(t, alice); len(got) != 0 {
				t.Errorf("tasks %+v, want none: no tool of the reply may run", got)
			}
			if n := len(model.Requests()); n != 1 {
				t.Errorf("model got %d requests, want 1", n)
			}
			// What the user gets back when reloading the thread.
			wantItems := []string{"user_message"}
			if tt.text != "" {
				wantItems = append(wantItems, "assistant_message: "+tt.text)
			}
			items := e.listItems(t, alice, thread)
			if diff := cmp.Diff(wantItems, items); diff != "" {
				t.Errorf("items.list after the fault (-want +got):\n%s", diff)
			}
			for _, it := range e.storedItems(t, alice, thread) {
				if rec, ok := agent.DecodeToolCall(it); ok {
					t.Errorf("tool call recorded: %+v", rec)
				}
			}

			// Retry: the interrupted answer goes, a normal one comes.
			frames = e.stream(t, context.Background(), alice, retryAfter(thread, e.firstItemID(t, alice, thread)))
			if ev := errorEvent(frames); ev != nil {
				t.Fatalf("retry: error event %v", ev)
			}
			if diff := cmp.Diff([]string{"Added task 1: Call mom."}, assistantTexts(frames)); diff != "" {
				t.Errorf("retry answer (-want +got):\n%s", diff)
			}
			if got := e.taskList(t, alice); len(got) != 1 || got[0].Title != "Call mom" {
				t.Errorf("tasks after the retry = %+v, want Call mom once", got)
			}
			want := []string{"user_message", "workflow", "widget", "assistant_message: Added task 1: Call mom."} // the confirmation, the task card, then the answer
			if diff := cmp.Diff(want, e.listItems(t, alice, thread)); diff != "" {
				t.Errorf("items.list after the retry (-want +got):\n%s", diff)
			}
		})
	}
}

// checkFriendly fails when an error message shown to the user carries
// internals or text written for the model.
func checkFriendly(t testing.TB, msg string) {
	t.Helper()
	for _, bad := range []string{"Error:", "error:", "rejected", "transport", "EOF", "context", "http", "status", "json", "finish", "mcp", "call_", "{"} {
		if strings.Contains(msg, bad) {
			t.Errorf("message %q shows internals (%q)", msg, bad)
		}
	}
}

func retryAfter(thread, itemID string) string {
	return fmt.Sprintf(`{"type":"threads.retry_after_item","params":{"thread_id":%q,"item_id":%q}}`, thread, itemID)
}

// listItems returns the thread's items as items.list shows them to the
// user, oldest first: the type, and for assistant messages their text.
func (e *env) listItems(t testing.TB, user, thread string) []string {
	t.Helper()
	page, err := e.call(t, user, fmt.Sprintf(`{"type":"items.list","params":{"thread_id":%q,"order":"asc","limit":100}}`, thread))
	if err != nil {
		t.Fatalf("items.list: %v", err)
	}
	var out []string
	for _, it := range page["data"].([]any) {
		it := it.(map[string]any)
		s := it["type"].(string)
		if s == "assistant_message" {
			var text string
			for _, c := range it["content"].([]any) {
				text += c.(map[string]any)["text"].(string)
			}
			s += ": " + text
		}
		out = append(out, s)
	}
	return out
}

// firstItemID returns the id of the thread's first item (the user's
// message).
func (e *env) firstItemID(t testing.TB, user, thread string) string {
	t.Helper()
	items := e.storedItems(t, user, thread)
	if len(items) == 0 || items[0].Type() != chatkit.ItemUserMessage {
		t.Fatalf("first item of %s is not a user message: %v", thread, itemTypes(items))
	}
	return items[0].Base().ID
}

// flakyMCP is an MCP server over HTTP that can be made to fail.
type flakyMCP struct {
	srv  *httptest.Server
	mode atomic.Value // a mcpFault
}

// mcpFault is how a flakyMCP fails.
type mcpFault string

const (
	mcpUp       mcpFault = ""
	mcpCrash    mcpFault = "crash"    // the connection is closed without an answer
	mcpBadGW    mcpFault = "502"      // a proxy in front answers 502
	mcpInternal mcpFault = "internal" // tools/call answers a JSON-RPC internal error
)

func newFlakyMCP(t testing.TB, user string) *flakyMCP {
	t.Helper()
	st := storetest.OpenSQLite(t)
	h := mcphttp.New(mcphttp.Options{Server: mcpserver.New(st, mcpserver.Options{DefaultUser: user, Now: func() time.Time { return testNow }})})
	f := &flakyMCP{}
	f.mode.Store(mcpUp)
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch f.mode.Load().(mcpFault) {
		case mcpCrash:
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		case mcpBadGW:
			http.Error(w, "<html>502 Bad Gateway</html>", http.StatusBadGateway)
			return
		case mcpInternal:
			body, _ := io.ReadAll(r.Body)
			var msg struct {
				ID     json.RawMessage `json:"id"`
				Method string          `json:"method"`
			}
			if json.Unmarshal(body, &msg) == nil && msg.Method == "tools/call" {
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"error":{"code":-32603,"message":"internal error"}}`, msg.ID)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *flakyMCP) set(m mcpFault) { f.mode.Store(m) }

// TestMCPServerFailsMidTurn: when the MCP server becomes unreachable or
// broken after the turn started (connection closed, 502, a JSON-RPC
// internal error, the server gone), the turn ends with a retryable error
// for the user; the model never sees the failure as a tool result, and
// the user's retry works once the server is back.
func TestMCPServerFailsMidTurn(t *testing.T) {
	t.Parallel()
	for _, fault := range []mcpFault{mcpCrash, mcpBadGW, mcpInternal, "gone"} {
		t.Run(string(fault), func(t *testing.T) {
			t.Parallel()
			alice := newUser("alice")
			mcp := newFlakyMCP(t, alice)
			var n atomic.Int64
			model := fakemodel.New(t, func(req fakemodel.Request) fakemodel.Reply {
				if req.Last()["role"] == "tool" {
					return fakemodel.Reply{Text: []string{"Added task 1: Buy milk."}}
				}
				if n.Add(1) == 1 { // the server fails once the turn is under way
					if fault == "gone" {
						mcp.srv.Close()
					} else {
						mcp.set(fault)
					}
				}
				return fakemodel.Reply{Calls: []fakemodel.Call{{ID: "call_1", Name: "add_task", Args: `{"title":"Buy milk"}`}}}
			})
			e := newEnv(t, envOptions{model: model, connector: agent.NewHTTPConnector(mcp.srv.URL+"/mcp", nil, nil)})

			frames := e.stream(t, context.Background(), alice, createThread("add buy milk"))

			ev := errorEvent(frames)
			if ev == nil || ev["allow_retry"] != true || !strings.Contains(ev["message"].(string), "task list") {
				t.Fatalf("events %v, error %v; want a retryable error about the task list", summary(frames), ev)
			}
			checkFriendly(t, ev["message"].(string))
			if texts := assistantTexts(frames); len(texts) != 0 {
				t.Errorf("assistant answered %q", texts)
			}
			reqs := model.Requests()
			if len(reqs) != 1 {
				t.Errorf("model got %d requests, want 1: the failure must not go back to it", len(reqs))
			}
			for _, req := range reqs {
				for _, m := range req.Messages {
					if m["role"] == "tool" {
						t.Errorf("the model got a tool result: %v", m)
					}
				}
			}
			thread := threadID(t, frames)
			// The call that failed shows as a failed step.
			if diff := cmp.Diff([]string{"user_message", "workflow"}, e.listItems(t, alice, thread)); diff != "" {
				t.Errorf("items.list (-want +got):\n%s", diff)
			}
			for _, it := range e.storedItems(t, alice, thread) {
				if rec, ok := agent.DecodeToolCall(it); ok {
					t.Errorf("tool call recorded: %+v", rec)
				}
			}
			if fault == "gone" {
				return // that server does not come back
			}

			mcp.set(mcpUp)
			frames = e.stream(t, context.Background(), alice, retryAfter(thread, e.firstItemID(t, alice, thread)))
			if ev := errorEvent(frames); ev != nil {
				t.Fatalf("retry: error event %v", ev)
			}
			if diff := cmp.Diff([]string{"Added task 1: Buy milk."}, assistantTexts(frames)); diff != "" {
				t.Errorf("retry answer (-want +got):\n%s", diff)
			}
		})
	}
}
