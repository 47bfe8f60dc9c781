package chatserver_test

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestHostileInput runs hostileInput on SQLite; TestPostgres runs it on
// PostgreSQL.
func TestHostileInput(t *testing.T) {
	t.Parallel()
	hostileInput(t, "")
}

// hostileInput: input that once answered 500 on PostgreSQL (NUL bytes in
// ids and titles, a feedback list longer than one INSERT can bind) or was
// stored whatever its size (a 900 KB title) answers 400 with a message
// naming the field and the rule, the same on both databases, and changes
// nothing. Text a person types has its NUL and control characters
// removed instead.
func hostileInput(t *testing.T, dbURL string) {
	h := newHarness(t, config{dbURL: dbURL, noModel: true})
	user := "hostile-" + rand.Text()[:8]
	events := h.stream(user, createReq("/add Buy milk"))
	thread := threadID(t, events)
	userMsg := find(t, events, "thread.item.done:user_message").M["item"].(map[string]any)["id"].(string)

	_, threadBefore := h.doJSON(user, req("threads.get_by_id", map[string]any{"thread_id": thread}))
	itemsBefore := h.items(user, thread)
	tasksBefore := h.tasks(user)

	ids := func(n int, last string) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("msg_%d", i)
		}
		out[n-1] = last
		return out
	}
	nul := "thr_\x00"
	for _, tc := range []struct {
		name   string
		path   string
		body   any
		inText string // in the error message
	}{
		{"feedback on 20,000 items", "/chatkit", req("items.feedback", map[string]any{"thread_id": thread, "item_ids": ids(20_000, userMsg), "kind": "negative"}),
			"params.item_ids: 20000 item ids; the limit is 1000"},
		{"feedback with a NUL item id", "/chatkit", req("items.feedback", map[string]any{"thread_id": thread, "item_ids": []string{userMsg, "msg_\x00"}, "kind": "negative"}),
			"params.item_ids[1]: must not contain control characters (found U+0000)"},
		{"get a NUL thread id", "/chatkit", req("threads.get_by_id", map[string]any{"thread_id": nul}), "params.thread_id: must not contain control characters"},
		{"update a NUL thread id", "/chatkit", req("threads.update", map[string]any{"thread_id": nul, "title": "x"}), "params.thread_id: "},
		{"delete a NUL thread id", "/chatkit", req("threads.delete", map[string]any{"thread_id": nul}), "params.thread_id: "},
		{"list items of a NUL thread id", "/chatkit", req("items.list", map[string]any{"thread_id": nul}), "params.thread_id: "},
		{"list threads after a NUL id", "/chatkit", req("threads.list", map[string]any{"after": nul}), "params.after: "},
		{"list items after a NUL id", "/chatkit", req("items.list", map[string]any{"thread_id": thread, "after": "msg_\x00"}), "params.after: "},
		{"message to a NUL thread id", "/chatkit", addReq(nul, "hi"), "params.thread_id: "},
		{"retry after a NUL item id", "/chatkit", req("threads.retry_after_item", map[string]any{"thread_id": thread, "item_id": "msg_\x00"}), "params.item_id: "},
		{"action on a NUL item id", "/chatkit", req("threads.sync_custom_action", map[string]any{"thread_id": thread, "item_id": "w\x00", "action": map[string]any{"type": "task.complete"}}),
			"params.item_id: "},
		{"NUL in a thread title", "/chatkit", req("threads.update", map[string]any{"thread_id": thread, "title": "Groceries\x00"}),
			"params.title: must be a single line without control characters"},
		{"900 KB thread title", "/chatkit", req("threads.update", map[string]any{"thread_id": thread, "title": strings.Repeat("x", 900_000)}),
			"params.title: is 900000 characters; the limit is 200"},
		{"overlong thread id", "/chatkit", req("threads.get_by_id", map[string]any{"thread_id": strings.Repeat("t", 256)}),
			"params.thread_id: is 256 bytes; the limit is 255"},
		{"huge metadata", "/chatkit", map[string]any{"type": "threads.list", "params": map[string]any{}, "metadata": map[string]any{"x": strings.Repeat("m", 20_000)}},
			"metadata: is 20008 bytes; the limit is 16384"},
		{"rest NUL conversation id", "/api/" + user + "/chat", map[string]any{"conversation_id": nul, "message": "/list"},
			"conversation_id: must not contain control characters"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := h.postJSON(user, tc.path, tc.body)
			msg, _ := body["error"].(map[string]any)["message"].(string)
			if status != http.StatusBadRequest || errorCode(body) != "invalid_request" || !strings.Contains(msg, tc.inText) {
				t.Errorf("got %d %v, want 400 invalid_request with a message containing %q", status, body, tc.inText)
			}
		})
	}
	_, threadAfter := h.doJSON(user, req("threads.get_by_id", map[string]any{"thread_id": thread}))
	if diff := cmp.Diff(threadBefore, threadAfter); diff != "" {
		t.Errorf("thread changed by refused requests (-before +after):\n%s", diff)
	}
	if diff := cmp.Diff(itemsBefore, h.items(user, thread)); diff != "" {
		t.Errorf("items changed by refused requests (-before +after):\n%s", diff)
	}
	_, list := h.doJSON(user, req("threads.list", map[string]any{}))
	if n := len(list["data"].([]any)); n != 1 {
		t.Errorf("%d threads after refused requests, want 1", n)
	}
	if diff := cmp.Diff(tasksBefore, h.tasks(user)); diff != "" {
		t.Errorf("tasks changed by refused requests (-before +after):\n%s", diff)
	}

	t.Run("feedback on 1000 items", func(t *testing.T) {
		status, body := h.doJSON(user, req("items.feedback", map[string]any{"thread_id": thread, "item_ids": ids(1000, userMsg), "kind": "negative"}))
		if status != http.StatusNotFound || errorCode(body) != "not_found" {
			t.Errorf("feedback naming 999 missing items: %d %v, want 404 not_found", status, body)
		}
		ok := make([]string, 1000)
		for i := range ok {
			ok[i] = userMsg
		}
		if status, body := h.doJSON(user, req("items.feedback", map[string]any{"thread_id": thread, "item_ids": ok, "kind": "positive"})); status != http.StatusOK {
			t.Errorf("feedback on 1000 ids: %d %v, want 200", status, body)
		}
	})
	t.Run("typed control characters are removed", func(t *testing.T) {
		events := h.stream(user, createReq("/add Bread\x00 and\x1b butter\x07"))
		item := find(t, events, "thread.item.done:user_message").M["item"].(map[string]any)
		text := item["content"].([]any)[0].(map[string]any)["text"]
		if text != "/add Bread and butter" {
			t.Errorf("stored message %q, want the control characters removed", text)
		}
		if has(events, "error") {
			t.Errorf("stream ended with an error: %v", types(events))
		}
		tasks := h.tasks(user)
		if len(tasks) != len(tasksBefore)+1 || tasks[len(tasks)-1].Title != "Bread and butter" {
			t.Errorf("tasks %v, want a new one titled %q", tasks, "Bread and butter")
		}
		_, th := h.doJSON(user, req("threads.get_by_id", map[string]any{"thread_id": threadID(t, events)}))
		if title, _ := th["title"].(string); strings.ContainsRune(title, 0) || title == "" {
			t.Errorf("thread title %q, want one without NUL", title)
		}
		status, body := h.postJSON(user, "/api/"+user+"/chat", map[string]any{"conversation_id": thread, "message": "/list\x00"})
		if status != http.StatusOK || !strings.Contains(fmt.Sprint(body["response"]), "Bread and butter") {
			t.Errorf("REST /list with a NUL: %d %v, want 200 listing the tasks", status, body)
		}
		status, body = h.doJSON(user, req("threads.update", map[string]any{"thread_id": thread, "title": "  Groceries  "}))
		if status != http.StatusOK || body["title"] != "Groceries" {
			t.Errorf("threads.update: %d %v, want 200 with the trimmed title", status, body)
		}
	})
}
