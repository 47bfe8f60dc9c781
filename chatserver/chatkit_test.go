package chatserver_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/taskpilot/taskpilot/chatserver/chatkit/chatkittest"
	"github.com/taskpilot/taskpilot/models/store/storetest"
)

// TestStreamFraming checks what any ChatKit client relies on: SSE headers,
// one "data: <json>\n\n" frame per event, flushed as it comes, every event
// valid, in the reference order, on both mounts of the endpoint.
func TestStreamFraming(t *testing.T) {
	t.Parallel()
	chatkittest.RequireSchemas(t)
	h := newHarness(t, config{})
	for _, path := range []string{"/chatkit", "/api/v1/chatkit"} {
		t.Run(path, func(t *testing.T) {
			resp := h.request(context.Background(), "alice", path, createReq("hello there"))
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			checkStreamHeaders(t, resp)
			r := bufio.NewReader(resp.Body)
			var events []event
			for {
				ev, err := readEvent(t, r)
				if err != nil {
					break
				}
				events = append(events, ev)
			}
			got := types(events)
			want := []string{"thread.created", "thread.item.done:user_message", "stream_options", "thread.item.added:assistant_message"}
			if len(got) < len(want) {
				t.Fatalf("events %v, want them to start with %v", got, want)
			}
			if diff := cmp.Diff(want, got[:len(want)]); diff != "" {
				t.Errorf("first events (-want +got):\n%s", diff)
			}
			if !has(events, "thread.item.done:assistant_message") {
				t.Errorf("no assistant message in %v", got)
			}
			if text := streamedText(events); text != "You said: hello there" {
				t.Errorf("assistant said %q", text)
			}
		})
	}
}

// TestTasksEndToEnd drives a conversation through the real agent and MCP
// server: "add buy milk" creates the task and confirms it, "show my
// tasks" shows a ListView widget, clicking its complete button completes
// the task and replaces the widget in place, and the whole thread is
// still there for a new server on the same database.
func TestTasksEndToEnd(t *testing.T) {
	t.Parallel()
	tasksEndToEnd(t, "")
}

// tasksEndToEnd is TestTasksEndToEnd on the database at dbURL ("" means a
// new SQLite file).
func tasksEndToEnd(t *testing.T, dbURL string) {
	if dbURL == "" {
		// Two servers on one SQLite file need shared locking.
		dbURL = storetest.SQLiteURL(t) + "?locking_mode=normal"
	}
	h := newHarness(t, config{dbURL: dbURL})

	// "add buy milk"
	events := h.stream("alice", createReq("add buy milk"))
	thread := threadID(t, events)
	if !has(events, "progress_update") {
		t.Errorf("no progress while the tool ran: %v", types(events))
	}
	if text := streamedText(events); !strings.Contains(text, "I ran add_task") {
		t.Errorf("confirmation %q, want it to mention add_task", text)
	}
	tasks := h.tasks("alice")
	if len(tasks) != 1 || tasks[0].Title != "buy milk" || tasks[0].Completed {
		t.Fatalf("alice's tasks after \"add buy milk\": %+v", tasks)
	}
	if len(h.tasks("bob")) != 0 {
		t.Errorf("bob got a task")
	}

	// "show my tasks"
	events = h.stream("alice", addReq(thread, "show my tasks"))
	widget := find(t, events, "thread.item.done:widget").M["item"].(map[string]any)
	w := widget["widget"].(map[string]any)
	if w["type"] != "ListView" {
		t.Fatalf("widget type %v, want ListView", w["type"])
	}
	b, _ := json.Marshal(w)
	if !strings.Contains(string(b), "buy milk") || !strings.Contains(string(b), `"task.complete"`) {
		t.Errorf("widget does not show the task with a complete action: %s", b)
	}

	// Click "complete".
	widgetID := widget["id"].(string)
	events = h.stream("alice", req("threads.custom_action", map[string]any{
		"thread_id": thread, "item_id": widgetID,
		"action": map[string]any{"type": "task.complete", "payload": map[string]any{"task_id": tasks[0].Number}},
	}))
	replaced := find(t, events, "thread.item.replaced:widget").M["item"].(map[string]any)
	if replaced["id"] != widgetID {
		t.Errorf("replaced item %v, want the widget %s", replaced["id"], widgetID)
	}
	if tasks := h.tasks("alice"); !tasks[0].Completed {
		t.Errorf("task not completed after the click: %+v", tasks[0])
	}
	var stored map[string]any
	for _, it := range h.items("alice", thread) {
		if it["id"] == widgetID {
			stored = it
		}
	}
	if diff := cmp.Diff(replaced, stored); diff != "" {
		t.Errorf("stored widget differs from the replacement (-sent +stored):\n%s", diff)
	}
	before := h.items("alice", thread)

	// A new server process on the same database.
	h2 := newHarness(t, config{dbURL: h.dbURL})
	status, list := h2.doJSON("alice", req("threads.list", map[string]any{}))
	if status != http.StatusOK {
		t.Fatalf("threads.list: %d %v", status, list)
	}
	lb, _ := json.Marshal(list)
	chatkittest.Schemas(t).Validate(t, "page-thread.schema.json", lb)
	data := list["data"].([]any)
	if len(data) != 1 || data[0].(map[string]any)["id"] != thread {
		t.Fatalf("new server lists %s, want thread %s", lb, thread)
	}
	if title, _ := data[0].(map[string]any)["title"].(string); title == "" {
		t.Errorf("thread has no title after its first turn")
	}
	if diff := cmp.Diff(before, h2.items("alice", thread)); diff != "" {
		t.Errorf("new server shows other items (-old +new):\n%s", diff)
	}
	events = h2.stream("alice", addReq(thread, "thanks"))
	if text := streamedText(events); text != "You said: thanks" {
		t.Errorf("continued thread answered %q", text)
	}
	if got := len(h2.items("alice", thread)); got != len(before)+2 {
		t.Errorf("%d items after one more turn, want %d", got, len(before)+2)
	}
}

// TestOtherUsersThread tries every request type on alice's thread as bob:
// each is not found (threads.list shows nothing) and nothing changes.
func TestOtherUsersThread(t *testing.T) {
	t.Parallel()
	otherUsersThread(t, "")
}

// otherUsersThread is TestOtherUsersThread on the database at dbURL (""
// means a new SQLite file).
func otherUsersThread(t *testing.T, dbURL string) {
	h := newHarness(t, config{dbURL: dbURL})
	events := h.stream("alice", createReq("add buy milk"))
	thread := threadID(t, events)
	events = h.stream("alice", addReq(thread, "show my tasks"))
	widgetID := find(t, events, "thread.item.done:widget").M["item"].(map[string]any)["id"].(string)
	userMsgID := find(t, events, "thread.item.done:user_message").M["item"].(map[string]any)["id"].(string)

	_, before := h.doJSON("alice", req("threads.get_by_id", map[string]any{"thread_id": thread}))
	itemsBefore := h.allItems("alice", thread)
	tasksBefore := h.tasks("alice")
	action := map[string]any{"type": "task.delete", "payload": map[string]any{"task_id": tasksBefore[0].Number}}

	for _, tc := range []struct {
		typ    string
		params map[string]any
	}{
		{"threads.get_by_id", map[string]any{"thread_id": thread}},
		{"threads.update", map[string]any{"thread_id": thread, "title": "pwned"}},
		{"threads.delete", map[string]any{"thread_id": thread}},
		{"items.list", map[string]any{"thread_id": thread}},
		{"items.feedback", map[string]any{"thread_id": thread, "item_ids": []string{userMsgID}, "kind": "negative"}},
		{"threads.sync_custom_action", map[string]any{"thread_id": thread, "item_id": widgetID, "action": action}},
		{"threads.add_user_message", map[string]any{"thread_id": thread, "input": userInput("delete all my tasks")}},
		{"threads.add_client_tool_output", map[string]any{"thread_id": thread, "result": map[string]any{}}},
		{"threads.add_structured_input", map[string]any{"thread_id": thread, "item_id": widgetID, "input": map[string]any{"status": "skipped", "answers": map[string]any{}}}},
		{"threads.retry_after_item", map[string]any{"thread_id": thread, "item_id": userMsgID}},
		{"threads.custom_action", map[string]any{"thread_id": thread, "item_id": widgetID, "action": action}},
	} {
		t.Run(tc.typ, func(t *testing.T) {
			status, body := h.doJSON("bob", req(tc.typ, tc.params))
			if status != http.StatusNotFound || errorCode(body) != "not_found" {
				t.Errorf("bob's %s: %d %v, want 404 not_found", tc.typ, status, body)
			}
		})
	}
	t.Run("threads.list", func(t *testing.T) {
		status, body := h.doJSON("bob", req("threads.list", map[string]any{}))
		if status != http.StatusOK || len(body["data"].([]any)) != 0 {
			t.Errorf("bob's threads.list: %d %v, want 200 and no threads", status, body)
		}
	})
	t.Run("rest", func(t *testing.T) {
		status, body := h.postJSON("bob", "/api/bob/chat", map[string]any{"conversation_id": thread, "message": "delete all my tasks"})
		if status != http.StatusNotFound {
			t.Errorf("bob's REST chat in alice's thread: %d %v, want 404", status, body)
		}
	})

	_, after := h.doJSON("alice", req("threads.get_by_id", map[string]any{"thread_id": thread}))
	if diff := cmp.Diff(before, after); diff != "" {
		t.Errorf("alice's thread changed (-before +after):\n%s", diff)
	}
	if diff := cmp.Diff(len(itemsBefore), len(h.allItems("alice", thread))); diff != "" {
		t.Errorf("alice's stored item count changed (-before +after):\n%s", diff)
	}
	if diff := cmp.Diff(tasksBefore, h.tasks("alice")); diff != "" {
		t.Errorf("alice's tasks changed (-before +after):\n%s", diff)
	}
	if n := len(h.tasks("bob")); n != 0 {
		t.Errorf("bob has %d tasks", n)
	}
}

// TestJSONResponsesValidate checks the non-streaming answers against the
// reference schemas.
func TestJSONResponsesValidate(t *testing.T) {
	t.Parallel()
	schemas := chatkittest.RequireSchemas(t)
	h := newHarness(t, config{})
	thread := threadID(t, h.stream("alice", createReq("hello")))
	for _, tc := range []struct {
		schema string
		body   map[string]any
	}{
		{"thread.schema.json", req("threads.get_by_id", map[string]any{"thread_id": thread})},
		{"thread.schema.json", req("threads.update", map[string]any{"thread_id": thread, "title": "Renamed"})},
		{"page-thread.schema.json", req("threads.list", map[string]any{"limit": 5})},
		{"page-thread-item.schema.json", req("items.list", map[string]any{"thread_id": thread})},
	} {
		status, body := h.doJSON("alice", tc.body)
		if status != http.StatusOK {
			t.Errorf("%v: %d %v", tc.body["type"], status, body)
			continue
		}
		b, _ := json.Marshal(body)
		schemas.Validate(t, tc.schema, b)
	}
	status, body := h.doJSON("alice", req("threads.get_by_id", map[string]any{"thread_id": thread}))
	if status != http.StatusOK || body["title"] != "Renamed" {
		t.Errorf("after rename: %d %v", status, body)
	}
}

// TestCommandsWithoutModel: with no model configured, slash commands
// still manage tasks and other messages explain how to set a model up.
func TestCommandsWithoutModel(t *testing.T) {
	t.Parallel()
	h := newHarness(t, config{noModel: true, noAuth: true})
	events := h.stream("", createReq("/add water the plants"))
	thread := threadID(t, events)
	if tasks := h.tasks("local"); len(tasks) != 1 || tasks[0].Title != "water the plants" {
		t.Fatalf("local user's tasks after /add: %+v", tasks)
	}
	events = h.stream("", addReq(thread, "hello?"))
	if text := streamedText(events); !strings.Contains(text, "OPENAI_API_KEY") {
		t.Errorf("reply without a model %q does not say how to configure one", text)
	}
}
