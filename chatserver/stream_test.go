package chatserver_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/taskpilot/taskpilot/chatserver/agent"
	"github.com/taskpilot/taskpilot/chatserver/chatkit"
)

// openStream starts a streaming request and reads events until one for
// which stop returns true. The caller cancels ctx or reads on.
func (h *harness) openStream(ctx context.Context, user string, body any, stop func(event) bool) (*http.Response, *bufio.Reader, []event) {
	h.t.Helper()
	resp := h.request(ctx, user, "/chatkit", body)
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		h.t.Fatalf("stream: %d %s", resp.StatusCode, b)
	}
	r := bufio.NewReader(resp.Body)
	var events []event
	for {
		ev, err := readEvent(h.t, r)
		if err != nil {
			h.t.Fatalf("stream ended before the awaited event: %v after %v", err, types(events))
		}
		events = append(events, ev)
		if stop(ev) {
			return resp, r, events
		}
	}
}

// isTextDelta reports whether ev streams assistant text.
func isTextDelta(ev event) bool {
	u, _ := ev.M["update"].(map[string]any)
	return ev.Type == "thread.item.updated" && u["type"] == "assistant_message.content_part.text_delta"
}

// waitFor polls cond for up to 5 seconds.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// partialKept reports whether the thread's newest stored items are the
// partial assistant message with text and the cancellation note.
func partialKept(items []chatkit.ThreadItem, text string) bool {
	if len(items) < 2 {
		return false
	}
	am, ok1 := items[len(items)-2].(*chatkit.AssistantMessageItem)
	note, ok2 := items[len(items)-1].(*chatkit.SDKHiddenContextItem)
	return ok1 && ok2 && am.Text() == text && strings.Contains(note.Content, "cancelled")
}

// TestConcurrentTurn409: while a thread answers, a second turn on it gets
// 409 thread_busy and stores nothing; once the first is done, the thread
// takes turns again.
func TestConcurrentTurn409(t *testing.T) {
	t.Parallel()
	h := newHarness(t, config{})
	thread := threadID(t, h.stream("alice", createReq("hello")))

	resp, r, _ := h.openStream(t.Context(), "alice", addReq(thread, "slow"), isTextDelta)
	defer resp.Body.Close()
	<-h.model.Held()
	before := len(h.allItems("alice", thread))

	status, body := h.doJSON("alice", addReq(thread, "are you there?"))
	if status != http.StatusConflict || errorCode(body) != "thread_busy" {
		t.Errorf("second turn: %d %v, want 409 thread_busy", status, body)
	}
	status, body = h.postJSON("alice", "/api/alice/chat", map[string]any{"conversation_id": thread, "message": "are you there?"})
	if status != http.StatusConflict {
		t.Errorf("REST turn on the busy thread: %d %v, want 409", status, body)
	}
	status, body = h.doJSON("alice", req("threads.retry_after_item", map[string]any{"thread_id": thread, "item_id": "msg_x"}))
	if status != http.StatusConflict {
		t.Errorf("retry on the busy thread: %d %v, want 409", status, body)
	}
	if text := streamedText(h.stream("bob", createReq("hi"))); text != "You said: hi" {
		t.Errorf("another user's turn answered %q while alice's thread was busy", text)
	}
	if got := len(h.allItems("alice", thread)); got != before {
		t.Errorf("%d stored items after the refused turns, want %d", got, before)
	}

	h.model.Release()
	for {
		if _, err := readEvent(t, r); err != nil {
			break
		}
	}
	events := h.stream("alice", addReq(thread, "are you there?"))
	if text := streamedText(events); text != "You said: are you there?" {
		t.Errorf("turn after the first finished answered %q", text)
	}
}

// TestClientDisconnect: closing the stream mid-answer ends the turn at
// once: the handler, agent and model goroutines end, and the partial
// answer is kept with a note for the model, as the reference does.
// Not parallel: it counts goroutines.
func TestClientDisconnect(t *testing.T) {
	h := newHarness(t, config{})
	thread := threadID(t, h.stream("alice", createReq("hello")))
	h.stream("alice", addReq(thread, "warm up"))
	time.Sleep(50 * time.Millisecond)
	baseline := runtime.NumGoroutine()

	ctx, cancel := context.WithCancel(context.Background())
	resp, _, _ := h.openStream(ctx, "alice", addReq(thread, "slow"), isTextDelta)
	<-h.model.Held()
	cancel()
	resp.Body.Close()

	waitFor(t, "the partial answer is stored", func() bool { return partialKept(h.allItems("alice", thread), "Let me think") })
	var n int
	deadline := time.Now().Add(5 * time.Second)
	for n = runtime.NumGoroutine(); n > baseline && time.Now().Before(deadline); n = runtime.NumGoroutine() {
		time.Sleep(20 * time.Millisecond)
	}
	if n > baseline {
		buf := make([]byte, 1<<20)
		t.Errorf("%d goroutines after the disconnect, %d before:\n%s", n, baseline, buf[:runtime.Stack(buf, true)])
	}
	// The thread is free again (within moments: the lock goes after the
	// partial answer is stored) and the model sees the note.
	events := h.streamWhenFree("alice", addReq(thread, "next"))
	if text := streamedText(events); text != "You said: next" {
		t.Errorf("turn after the disconnect answered %q", text)
	}
}

// TestShutdownEndsStreams: when the serving loop's context is done (as in
// taskpilot: serving.Serve with Handler.CloseStreams), an open stream
// ends promptly with its partial answer kept, and Serve returns nil.
func TestShutdownEndsStreams(t *testing.T) {
	t.Parallel()
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	h := newHarness(t, config{serve: ctx})
	thread := threadID(t, h.stream("alice", createReq("hello")))

	resp, r, _ := h.openStream(context.Background(), "alice", addReq(thread, "slow"), isTextDelta)
	defer resp.Body.Close()
	<-h.model.Held()
	start := time.Now()
	stop()
	rest, err := io.ReadAll(r)
	if err != nil {
		t.Errorf("stream ended with %v, want a clean end", err)
	}
	if strings.Contains(string(rest), "about it") {
		t.Errorf("stream went on after shutdown: %q", rest)
	}
	select {
	case err := <-h.served:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after shutdown")
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("shutdown took %v", d)
	}
	if !partialKept(h.allItems("alice", thread), "Let me think") {
		t.Errorf("partial answer not kept: %v", h.allItems("alice", thread))
	}
	if resp, err := http.Get(h.url + "/healthz"); err == nil {
		resp.Body.Close()
		t.Errorf("server still answers after shutdown")
	}
}

// TestModelFailure: a model answering 500 ends the turn with a retryable
// error event; the user's message stays, and retrying after the model is
// back answers it.
func TestModelFailure(t *testing.T) {
	t.Parallel()
	h := newHarness(t, config{})
	h.model.FailWith(http.StatusInternalServerError)
	events := h.stream("alice", createReq("hello"))
	thread := threadID(t, events)
	last := events[len(events)-1]
	if last.Type != "error" || last.M["allow_retry"] != true {
		t.Fatalf("last event %s, want a retryable error", last.Raw)
	}
	items := h.items("alice", thread)
	if len(items) != 1 || items[0]["type"] != "user_message" {
		t.Fatalf("stored items after the failure: %v", items)
	}

	h.model.FailWith(0)
	events = h.stream("alice", req("threads.retry_after_item", map[string]any{"thread_id": thread, "item_id": items[0]["id"]}))
	if text := streamedText(events); text != "You said: hello" {
		t.Errorf("retry answered %q", text)
	}
}

// TestMCPServerDown: when the MCP server cannot be reached, the turn ends
// with a retryable error event saying so; the user's message stays.
func TestMCPServerDown(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String() + "/mcp"
	ln.Close() // nothing listens there now
	h := newHarness(t, config{connector: agent.NewHTTPConnector(url, nil, nil)})

	events := h.stream("alice", createReq("add buy milk"))
	last := events[len(events)-1]
	if last.Type != "error" || last.M["allow_retry"] != true || !strings.Contains(last.M["message"].(string), "task list") {
		t.Errorf("last event %s, want a retryable error about the task list", last.Raw)
	}
	items := h.items("alice", threadID(t, events))
	if len(items) != 1 || items[0]["type"] != "user_message" {
		t.Errorf("stored items: %v, want the user message", items)
	}
	if len(h.tasks("alice")) != 0 {
		t.Errorf("a task was created")
	}
}
