package chatserver_test

import (
	"net/http"
	"testing"

	"github.com/taskpilot/taskpilot/models/store/storetest"
)

// TestDatabaseUnavailable cuts the chat server's connection to a real
// PostgreSQL database (a proxy in between) before and during turns: every
// streamed failure is an error event that allows a retry, every other
// request a 503 "unavailable" with Retry-After; refusals made while the
// database is up (a retry of an unknown item, a missing thread) still do
// not allow a retry.
func TestDatabaseUnavailable(t *testing.T) {
	t.Parallel()
	dbURL := storetest.PostgresURL(t)
	// newCut returns a harness on dbURL through a proxy, with one thread
	// made while the database was up, and the proxy.
	newCut := func(t *testing.T) (*harness, *storetest.Proxy, string) {
		proxy, viaProxy := storetest.NewProxy(t, dbURL)
		h := newHarness(t, config{dbURL: viaProxy})
		return h, proxy, threadID(t, h.stream("alice", createReq("hello")))
	}
	wantRetryable := func(t *testing.T, events []event) {
		t.Helper()
		if len(events) == 0 {
			t.Fatal("empty stream")
		}
		last := events[len(events)-1]
		if last.Type != "error" || last.M["allow_retry"] != true {
			t.Errorf("last event %s, want an error event with allow_retry true", last.Raw)
		}
	}
	want503 := func(t *testing.T, resp *http.Response) {
		t.Helper()
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
			t.Errorf("status %d, Retry-After %q; want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
		}
	}

	t.Run("threads.create before the turn", func(t *testing.T) {
		t.Parallel()
		h, proxy, _ := newCut(t)
		proxy.Cut()
		wantRetryable(t, h.stream("alice", createReq("add buy milk")))
	})
	t.Run("threads.add_user_message before the turn", func(t *testing.T) {
		t.Parallel()
		h, proxy, thread := newCut(t)
		proxy.Cut()
		status, body := h.doJSON("alice", addReq(thread, "add buy milk"))
		if status != http.StatusServiceUnavailable || errorCode(body) != "unavailable" {
			t.Errorf("add_user_message with the database gone: %d %v, want 503 unavailable", status, body)
		}
		want503(t, h.request(t.Context(), "alice", "/chatkit", addReq(thread, "again")))
	})
	t.Run("JSON requests", func(t *testing.T) {
		t.Parallel()
		h, proxy, thread := newCut(t)
		proxy.Cut()
		for _, body := range []map[string]any{
			req("threads.list", map[string]any{}),
			req("threads.get_by_id", map[string]any{"thread_id": thread}),
			req("items.list", map[string]any{"thread_id": thread}),
			req("threads.update", map[string]any{"thread_id": thread, "title": "Groceries"}),
			req("threads.delete", map[string]any{"thread_id": thread}),
		} {
			status, answer := h.doJSON("alice", body)
			if status != http.StatusServiceUnavailable || errorCode(answer) != "unavailable" {
				t.Errorf("%s with the database gone: %d %v, want 503 unavailable", body["type"], status, answer)
			}
		}
		want503(t, h.request(t.Context(), "alice", "/chatkit", req("threads.list", map[string]any{})))
	})
	t.Run("REST chat", func(t *testing.T) {
		t.Parallel()
		h, proxy, thread := newCut(t)
		proxy.Cut()
		want503(t, h.request(t.Context(), "alice", "/api/alice/chat", map[string]any{"message": "hello"}))
		want503(t, h.request(t.Context(), "alice", "/api/alice/chat", map[string]any{"conversation_id": thread, "message": "hello"}))
	})
	t.Run("during the turn", func(t *testing.T) {
		t.Parallel()
		h, proxy, thread := newCut(t)
		go func() {
			<-h.model.Held() // the user message is stored, the model is answering
			proxy.Cut()
			h.model.Release()
		}()
		wantRetryable(t, h.stream("alice", addReq(thread, "slow")))
	})
	t.Run("refusals with the database up", func(t *testing.T) {
		t.Parallel()
		h, _, thread := newCut(t)
		events := h.stream("alice", req("threads.retry_after_item", map[string]any{"thread_id": thread, "item_id": "msg_missing"}))
		if last := events[len(events)-1]; last.Type != "error" || last.M["allow_retry"] != false {
			t.Errorf("retry after a missing item: last event %s, want an error with allow_retry false", last.Raw)
		}
		if status, body := h.doJSON("alice", req("threads.get_by_id", map[string]any{"thread_id": "thr_missing"})); status != http.StatusNotFound {
			t.Errorf("missing thread: %d %v, want 404", status, body)
		}
	})
}
