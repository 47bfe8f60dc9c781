package agent_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/taskpilot/taskpilot/chatserver/agent"
	"github.com/taskpilot/taskpilot/chatserver/agent/fakemodel"
	"github.com/taskpilot/taskpilot/chatserver/chatkit"
	"github.com/taskpilot/taskpilot/chatserver/chatkit/chatkittest"
	"github.com/taskpilot/taskpilot/chatserver/chatkit/memstore"
	"github.com/taskpilot/taskpilot/mcpserver"
	"github.com/taskpilot/taskpilot/mcpserver/mcphttp"
	"github.com/taskpilot/taskpilot/mcpserver/token"
	"github.com/taskpilot/taskpilot/models"
	"github.com/taskpilot/taskpilot/models/store/storetest"
)

// textTurn is the event sequence of a streamed assistant message with n
// text deltas (§9.4 A).
func textTurn(n int) []string {
	out := []string{"added:assistant_message", "updated:added"}
	for range n {
		out = append(out, "updated:text_delta")
	}
	return append(out, "updated:done", "done:assistant_message")
}

func concat(parts ...[]string) []string { return slices.Concat(parts...) }

// confirmed is the workflow confirming one tool call: added with a
// loading step, the step updated from the result, done.
var confirmed = []string{"added:workflow", "updated:updated", "done:workflow"}

var (
	newThreadStart = []string{"thread.created", "done:user_message", "stream_options"}
	nextTurnStart  = []string{"done:user_message", "stream_options"}
	titled         = []string{"thread.updated"}
)

func TestAddTaskByModel(t *testing.T) {
	t.Parallel()
	for name, db := range storetest.Backends(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			model := fakemodel.New(t, afterTool(func(string) []fakemodel.Call {
				return []fakemodel.Call{{ID: "call_1", Name: "add_task", Args: `{"title":"Buy milk","due":"2026-05-13"}`}}
			}, "Added ", "task 1: ", "Buy milk, due tomorrow."))
			e := newEnv(t, envOptions{model: model, db: db})
			alice, bob := newUser("alice"), newUser("bob")

			frames := e.stream(t, context.Background(), alice, createThread("add buy milk tomorrow"))

			want := concat(newThreadStart, []string{"progress_update"}, confirmed, []string{"done:widget"}, textTurn(3), titled)
			if diff := cmp.Diff(want, summary(frames)); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{"Added task 1: Buy milk, due tomorrow."}, assistantTexts(frames)); diff != "" {
				t.Errorf("assistant text (-want +got):\n%s", diff)
			}
			tasks := e.taskList(t, alice)
			if len(tasks) != 1 || tasks[0].Title != "Buy milk" || tasks[0].Due() != "2026-05-13" {
				t.Errorf("alice's tasks = %+v, want Buy milk due 2026-05-13", tasks)
			}
			if got := e.taskList(t, bob); len(got) != 0 {
				t.Errorf("bob sees %d tasks, want none", len(got))
			}
			if title := frames[len(frames)-1].ev["thread"].(map[string]any)["title"]; title != "Grocery run" {
				t.Errorf("thread title = %v, want the model's title", title)
			}

			reqs := model.Requests()
			if len(reqs) != 2 {
				t.Fatalf("model got %d streaming requests, want 2", len(reqs))
			}
			first := reqs[0]
			if first.Auth != "Bearer sk-test" || first.Model != "fake-model" {
				t.Errorf("request auth %q model %q", first.Auth, first.Model)
			}
			var tools []string
			for _, tl := range first.Tools {
				tools = append(tools, tl["function"].(map[string]any)["name"].(string))
			}
			var wantTools []string
			for _, tl := range mcpserver.Tools() {
				wantTools = append(wantTools, tl.Name)
			}
			slices.Sort(tools)
			slices.Sort(wantTools)
			if diff := cmp.Diff(wantTools, tools); diff != "" {
				t.Errorf("tools offered to the model (-want +got):\n%s", diff)
			}
			system, _ := first.Messages[0]["content"].(string)
			for _, s := range []string{"Tuesday, 2026-05-12", "Europe/Berlin", "tomorrow is 2026-05-13", "find_task_by_name"} {
				if !strings.Contains(system, s) {
					t.Errorf("system prompt lacks %q:\n%s", s, system)
				}
			}
			// The second request carries the call and the tool's answer.
			msgs := reqs[1].Messages
			call := msgs[len(msgs)-2]["tool_calls"].([]any)[0].(map[string]any)
			if call["id"] != "call_1" || call["function"].(map[string]any)["arguments"] != `{"title":"Buy milk","due":"2026-05-13"}` {
				t.Errorf("assistant tool call = %v", call)
			}
			result := msgs[len(msgs)-1]
			if result["tool_call_id"] != "call_1" || !strings.Contains(result["content"].(string), `"title":"Buy milk"`) {
				t.Errorf("tool message = %v", result)
			}

			// The call is stored for later turns and the REST endpoint.
			var recs []agent.ToolCallRecord
			for _, it := range e.storedItems(t, alice, threadID(t, frames)) {
				if rec, ok := agent.DecodeToolCall(it); ok {
					recs = append(recs, rec)
				}
			}
			if len(recs) != 1 || recs[0].Tool != "add_task" || recs[0].Status != agent.StatusOK {
				t.Fatalf("tool call records = %+v", recs)
			}
			var params map[string]any
			if err := json.Unmarshal(recs[0].Parameters, &params); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(map[string]any{"title": "Buy milk", "due": "2026-05-13"}, params); diff != "" {
				t.Errorf("recorded parameters (-want +got):\n%s", diff)
			}
			if got := recs[0].Result.(map[string]any)["task_id"]; got != 1.0 {
				t.Errorf("record result task_id = %v, want 1", got)
			}
		})
	}
}

func TestShowTasksAsWidget(t *testing.T) {
	t.Parallel()
	model := fakemodel.New(t, afterTool(func(string) []fakemodel.Call {
		return []fakemodel.Call{{ID: "call_l", Name: "list_tasks", Args: `{}`}}
	}, "You have 2 tasks; one is high priority."))
	e := newEnv(t, envOptions{model: model})
	alice := newUser("alice")
	mustAdd(t, e, alice, models.NewTask{Title: "Buy milk", Priority: models.PriorityHigh, Tags: []string{"home"}})
	mustAdd(t, e, alice, models.NewTask{Title: "Call mom"})
	mustAdd(t, e, newUser("bob"), models.NewTask{Title: "Bob's secret"})

	frames := e.stream(t, context.Background(), alice, createThread("show my tasks"))

	want := concat(newThreadStart, []string{"progress_update"}, confirmed, []string{"done:widget"}, textTurn(1), titled)
	if diff := cmp.Diff(want, summary(frames)); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	ws := widgets(frames)
	if len(ws) != 1 {
		t.Fatalf("got %d widgets, want 1", len(ws))
	}
	w := ws[0]
	wantCopy := "#1 [ ] Buy milk (high, tags: home)\n#2 [ ] Call mom"
	if w["copy_text"] != wantCopy {
		t.Errorf("copy_text = %q, want %q", w["copy_text"], wantCopy)
	}
	lv := w["widget"].(map[string]any)
	if lv["type"] != "ListView" {
		t.Fatalf("widget type %v, want ListView", lv["type"])
	}
	if diff := cmp.Diff([]string{"Buy milk", "Call mom"}, rowTitles(lv)); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"task.complete 1", "task.delete 1", "task.complete 2", "task.delete 2"}, rowActions(lv)); diff != "" {
		t.Errorf("actions (-want +got):\n%s", diff)
	}
}

// mustAdd creates a task directly in the database.
func mustAdd(t testing.TB, e *env, user string, in models.NewTask) models.Task {
	t.Helper()
	task, err := e.tasks.CreateTask(context.Background(), user, in)
	if err != nil {
		t.Fatalf("create task: %v", err)
	}
	return task
}

// rowTitles returns the task titles of a task list widget (the Text
// values).
func rowTitles(widget map[string]any) []string {
	var out []string
	walk(widget, func(n map[string]any) {
		if n["type"] == "Text" {
			out = append(out, n["value"].(string))
		}
	})
	return out
}

// rowActions returns "type task_id" of every action on one task in a
// widget (button clicks, checkbox and select changes), in order.
func rowActions(widget map[string]any) []string {
	var out []string
	walk(widget, func(n map[string]any) {
		for _, key := range []string{"onClickAction", "onChangeAction"} {
			if a, ok := n[key].(map[string]any); ok {
				id, ok := a["payload"].(map[string]any)["task_id"].(float64)
				if ok {
					out = append(out, fmt.Sprintf("%s %d", a["type"], int(id)))
				}
			}
		}
	})
	return out
}

func walk(n map[string]any, f func(map[string]any)) {
	f(n)
	children, _ := n["children"].([]any)
	for _, c := range children {
		if m, ok := c.(map[string]any); ok {
			walk(m, f)
		}
	}
}

func TestFollowUpUsesEarlierToolCalls(t *testing.T) {
	t.Parallel()
	for name, db := range storetest.Backends(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			model := fakemodel.New(t, afterTool(func(user string) []fakemodel.Call {
				if user == "delete it" {
					return []fakemodel.Call{{ID: "call_2", Name: "delete_task", Args: `{"task_id":1}`}}
				}
				return []fakemodel.Call{{ID: "call_1", Name: "add_task", Args: `{"title":"Buy milk"}`}}
			}, "Done."))
			e := newEnv(t, envOptions{model: model, db: db})
			alice := newUser("alice")
			frames := e.stream(t, context.Background(), alice, createThread("add buy milk"))
			thread := threadID(t, frames)
			if len(e.taskList(t, alice)) != 1 {
				t.Fatal("first turn added no task")
			}
			cardID := widgets(frames)[0]["id"].(string) // the task card

			frames = e.stream(t, context.Background(), alice, addMessage(thread, "delete it"))

			want := concat(nextTurnStart, []string{"progress_update"}, confirmed, textTurn(1))
			if diff := cmp.Diff(want, summary(frames)); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
			if got := e.taskList(t, alice); len(got) != 0 {
				t.Errorf("tasks after 'delete it' = %+v, want none", got)
			}
			// The model saw the first turn, its tool call and result included.
			reqs := model.Requests()
			third := reqs[2] // turn 2, first request
			var got []string
			for _, m := range third.Messages[1:] {
				got = append(got, describe(m))
			}
			wantMsgs := []string{
				"user: add buy milk",
				"assistant calls add_task#call_1",
				"tool#call_1: Buy milk",
				"user: " + fmt.Sprintf("The following graphical UI widget (id: %s) was displayed to the user:\nAdded task 1\n#1 [ ] Buy milk", cardID),
				"assistant: Done.",
				"user: delete it",
			}
			if diff := cmp.Diff(wantMsgs, got); diff != "" {
				t.Errorf("history sent to the model (-want +got):\n%s", diff)
			}
		})
	}
}

// describe summarizes a request message for comparison; a tool message
// by the title in its JSON result.
func describe(m map[string]any) string {
	role := m["role"].(string)
	content, _ := m["content"].(string)
	switch {
	case role == "tool":
		var res struct {
			Title string `json:"title"`
		}
		if err := json.Unmarshal([]byte(content), &res); err != nil {
			return "tool#" + m["tool_call_id"].(string) + ": " + content
		}
		return "tool#" + m["tool_call_id"].(string) + ": " + res.Title
	case m["tool_calls"] != nil:
		var calls []string
		for _, c := range m["tool_calls"].([]any) {
			c := c.(map[string]any)
			calls = append(calls, c["function"].(map[string]any)["name"].(string)+"#"+c["id"].(string))
		}
		return role + " calls " + strings.Join(calls, ", ")
	}
	return role + ": " + content
}

func TestWidgetActions(t *testing.T) {
	t.Parallel()
	// The model lists pending tasks only; the widget keeps that filter.
	model := fakemodel.New(t, afterTool(func(string) []fakemodel.Call {
		return []fakemodel.Call{{ID: "call_l", Name: "list_tasks", Args: `{"status":"pending"}`}}
	}, "Here you go."))
	e := newEnv(t, envOptions{model: model})
	alice := newUser("alice")
	mustAdd(t, e, alice, models.NewTask{Title: "Buy milk"})
	mustAdd(t, e, alice, models.NewTask{Title: "Call mom"})
	frames := e.stream(t, context.Background(), alice, createThread("what's pending?"))
	thread := threadID(t, frames)
	widget := widgets(frames)[0]
	widgetID := widget["id"].(string)

	// Complete task 1 with the streaming action.
	frames = e.stream(t, context.Background(), alice, customAction("threads.custom_action", thread, widgetID,
		map[string]any{"type": "task.complete", "payload": map[string]any{"task_id": 1}}))

	if diff := cmp.Diff([]string{"stream_options", "replaced:widget", "done:workflow"}, summary(frames)); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	replaced := widgets(frames)[0]
	if replaced["id"] != widgetID {
		t.Errorf("replaced item %v, want the widget %s", replaced["id"], widgetID)
	}
	if diff := cmp.Diff([]string{"Call mom"}, rowTitles(replaced["widget"].(map[string]any))); diff != "" {
		t.Errorf("refreshed pending list (-want +got):\n%s", diff)
	}
	if tasks := e.taskList(t, alice); !tasks[0].Completed || tasks[1].Completed {
		t.Errorf("tasks = %+v, want only task 1 completed", tasks)
	}
	items := e.storedItems(t, alice, thread)
	stored := itemByID(items, widgetID).(*chatkit.WidgetItem)
	if stored.CopyText != "#2 [ ] Call mom" {
		t.Errorf("stored widget copy_text = %q, want the refreshed list", stored.CopyText)
	}
	note, ok := items[len(items)-1].(*chatkit.HiddenContextItem)
	if !ok || note.Content != "The user marked task 1 'Buy milk' as completed via the task list widget." {
		t.Errorf("newest item = %#v, want the hidden note about the click", items[len(items)-1])
	}

	// The next model turn sees the note.
	e.stream(t, context.Background(), alice, addMessage(thread, "thanks"))
	reqs := model.Requests()
	var sawNote bool
	for _, m := range reqs[len(reqs)-1].Messages {
		if c, _ := m["content"].(string); m["role"] == "user" && strings.Contains(c, "as completed via the task list widget") {
			sawNote = true
		}
	}
	if !sawNote {
		t.Error("the model was not told about the click")
	}

	// Delete task 2 with the synchronous action.
	res, err := e.call(t, alice, customAction("threads.sync_custom_action", thread, widgetID,
		map[string]any{"type": "task.delete", "payload": map[string]any{"task_id": 2}}))
	if err != nil {
		t.Fatalf("sync action: %v", err)
	}
	b, _ := json.Marshal(res)
	chatkittest.Schemas(t).Validate(t, "sync-custom-action-response.schema.json", b)
	updated := res["updated_item"].(map[string]any)
	if updated["id"] != widgetID {
		t.Errorf("updated_item = %s, want the widget %s", b, widgetID)
	}
	// The refreshed list offers Undo for the deleted task.
	if diff := cmp.Diff([]string{"Deleted #2 Call mom", "No tasks match."}, rowTitles(updated["widget"].(map[string]any))); diff != "" {
		t.Errorf("refreshed list (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"task.restore 2"}, rowActions(updated["widget"].(map[string]any))); diff != "" {
		t.Errorf("refreshed list actions (-want +got):\n%s", diff)
	}
	if tasks := e.taskList(t, alice); len(tasks) != 1 {
		t.Errorf("tasks after delete = %+v", tasks)
	}
	// The model is told about the synchronous click too.
	e.stream(t, context.Background(), alice, addMessage(thread, "ok"))
	reqs = model.Requests()
	sawNote = false
	for _, m := range reqs[len(reqs)-1].Messages {
		if c, _ := m["content"].(string); m["role"] == "user" && strings.Contains(c, "The user deleted task 2") {
			sawNote = true
		}
	}
	if !sawNote {
		t.Error("the model was not told about the synchronous click")
	}

	// Undo restores the task, as the user, and the list shows it again.
	res, err = e.call(t, alice, customAction("threads.sync_custom_action", thread, widgetID,
		map[string]any{"type": "task.restore", "payload": map[string]any{"task_id": 2}}))
	if err != nil {
		t.Fatalf("undo: %v", err)
	}
	updated = res["updated_item"].(map[string]any)
	if got := rowTitles(updated["widget"].(map[string]any)); slices.Contains(got, "Deleted #2 Call mom") || !slices.Contains(got, "Call mom") {
		t.Errorf("list after undo = %q, want Call mom back and no Undo row", got)
	}
	if tasks := e.taskList(t, alice); len(tasks) != 2 || tasks[1].Number != 2 {
		t.Errorf("tasks after undo = %+v", tasks)
	}
}

func itemByID(items []chatkit.ThreadItem, id string) chatkit.ThreadItem {
	for _, it := range items {
		if it.Base().ID == id {
			return it
		}
	}
	return nil
}

func TestWidgetActionRejectsBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	alice, bob := newUser("alice"), newUser("bob")
	mustAdd(t, e, alice, models.NewTask{Title: "Buy milk"})
	frames := e.stream(t, context.Background(), alice, createThread("/list"))
	thread, widgetID := threadID(t, frames), widgets(frames)[0]["id"].(string)

	tests := []struct {
		name   string
		action map[string]any
	}{
		{"unknown type", map[string]any{"type": "task.explode", "payload": map[string]any{"task_id": 1}}},
		{"no payload", map[string]any{"type": "task.complete"}},
		{"task_id as string", map[string]any{"type": "task.complete", "payload": map[string]any{"task_id": "1"}}},
		{"task_id zero", map[string]any{"type": "task.delete", "payload": map[string]any{"task_id": 0}}},
		{"task_id negative", map[string]any{"type": "task.delete", "payload": map[string]any{"task_id": -1}}},
		{"task_id fraction", map[string]any{"type": "task.delete", "payload": map[string]any{"task_id": 1.5}}},
		{"task_id huge", map[string]any{"type": "task.delete", "payload": map[string]any{"task_id": 1e300}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			frames := e.stream(t, context.Background(), alice, customAction("threads.custom_action", thread, widgetID, tt.action))
			if diff := cmp.Diff([]string{"stream_options", "error"}, summary(frames)); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
			if _, err := e.call(t, alice, customAction("threads.sync_custom_action", thread, widgetID, tt.action)); err == nil {
				t.Error("sync action accepted it")
			}
			if tasks := e.taskList(t, alice); len(tasks) != 1 || tasks[0].Completed {
				t.Errorf("tasks changed: %+v", tasks)
			}
		})
	}

	// Bob, in his own thread, cannot act on alice's task 1.
	frames = e.stream(t, context.Background(), bob, createThread("/help"))
	frames = e.stream(t, context.Background(), bob, customAction("threads.custom_action", threadID(t, frames), "",
		map[string]any{"type": "task.delete", "payload": map[string]any{"task_id": 1}}))
	want := []step{{Title: "Couldn't delete the task", Content: "Task 1 wasn't found. Type /list to see your tasks.", Failed: true}}
	if diff := cmp.Diff(want, streamedSteps(frames)); diff != "" {
		t.Errorf("bob's answer (-want +got):\n%s", diff)
	}
	if len(e.taskList(t, alice)) != 1 {
		t.Error("bob deleted alice's task")
	}
}

func TestCommandsWithoutModel(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	if e.agent.HasModel() {
		t.Fatal("HasModel without a model")
	}
	alice := newUser("alice")
	frames := e.stream(t, context.Background(), alice, createThread("/add Buy milk !high"))
	thread := threadID(t, frames)
	if title := frames[len(frames)-1].ev["thread"].(map[string]any)["title"]; title != "Add Buy milk" {
		t.Errorf("title = %v, want %q", title, "Add Buy milk")
	}

	tests := []struct {
		in       string
		want     string // the assistant's answer; "" for the widget
		progress bool
		check    func(t *testing.T, tasks []models.Task)
	}{
		{"/add Call mom", "Added task 2: Call mom.", true, func(t *testing.T, tasks []models.Task) {
			if len(tasks) != 2 || tasks[0].Priority != models.PriorityHigh || tasks[1].Priority != models.PriorityMedium {
				t.Errorf("tasks = %+v", tasks)
			}
		}},
		{"/done 1", "Completed task 1: Buy milk.", true, func(t *testing.T, tasks []models.Task) {
			if !tasks[0].Completed {
				t.Error("task 1 not completed")
			}
		}},
		{"/list", "", true, nil},
		{"/undo 1", "Reopened task 1: Buy milk.", true, func(t *testing.T, tasks []models.Task) {
			if tasks[0].Completed {
				t.Error("task 1 still completed")
			}
		}},
		{"/delete #2", "Deleted task 2: Call mom.", true, func(t *testing.T, tasks []models.Task) {
			if len(tasks) != 1 {
				t.Errorf("tasks = %+v, want one", tasks)
			}
		}},
		{"/done 99", "I couldn't find task 99. Type /list to see your tasks.", true, nil},
		{"/done first", "Which task? Give its number, for example: `/done 3`. Type /list to see the numbers.", false, nil},
		{"/add   !low ", "What should I add? For example: `/add Buy milk !high`", false, nil},
		{"/frobnicate", "I don't know the command /frobnicate.", false, nil},
		{"/help", "Commands:", false, nil},
		{"/add Pay rent !high due:2026-12-10 every:month #bills", "Added task 3: Pay rent (repeats every month, first due Thu 10 Dec", true, func(t *testing.T, tasks []models.Task) {
			rent := tasks[len(tasks)-1]
			if rent.Repeat == nil || rent.Repeat.String() != "every month" || rent.Due() != "2026-12-10" || rent.Priority != models.PriorityHigh || !slices.Equal(rent.Tags, models.Tags{"bills"}) {
				t.Errorf("task = %+v", rent)
			}
		}},
		{"/done 3", "Done. Next: Sun 10 Jan 2027.", true, func(t *testing.T, tasks []models.Task) {
			if rent := tasks[len(tasks)-1]; rent.Completed || rent.Due() != "2027-01-10" {
				t.Errorf("rent after /done = %+v, want pending, due 2027-01-10", rent)
			}
		}},
		{"/add Call mom", "Added task 4", true, nil},
		{"/done 1 4 9", "2 of 3 tasks completed.", true, func(t *testing.T, tasks []models.Task) {
			if !tasks[0].Completed || !tasks[2].Completed {
				t.Errorf("tasks = %+v, want 1 and 4 completed", tasks)
			}
		}},
		{"/delete 3 4", "Deleted 2 of 2 tasks. Type /undo to restore them.", true, func(t *testing.T, tasks []models.Task) {
			if len(tasks) != 1 {
				t.Errorf("tasks = %+v, want only task 1", tasks)
			}
		}},
		{"/trash", "", true, nil},
		{"/undo", "All 2 tasks restored.", true, func(t *testing.T, tasks []models.Task) {
			if len(tasks) != 3 || tasks[1].Number != 3 || tasks[1].Repeat == nil {
				t.Errorf("tasks after /undo = %+v, want 1, 3 and 4 back as they were", tasks)
			}
		}},
		{"/delete 4", "Deleted task 4: Call mom. Type /undo to restore it.", true, nil},
		{"/undo", "Restored task 4 from the trash: Call mom.", true, nil},
		{"/undo", "Restored task 2 from the trash: Call mom.", true, nil}, // the earlier /delete #2
		{"/undo", "Nothing to undo: the trash is empty.", false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			frames := e.stream(t, context.Background(), alice, addMessage(thread, tt.in))
			if got := slices.Contains(summary(frames), "progress_update"); got != tt.progress {
				t.Errorf("progress_update sent: %v, want %v", got, tt.progress)
			}
			texts := assistantTexts(frames)
			if tt.want == "" {
				if len(texts) != 0 || len(widgets(frames)) != 1 {
					t.Errorf("texts %q, %d widgets; want only the task list widget", texts, len(widgets(frames)))
				}
			} else if len(texts) != 1 || !strings.HasPrefix(texts[0], tt.want) {
				t.Errorf("answer = %q, want %q", texts, tt.want)
			}
			if tt.check != nil {
				tt.check(t, e.taskList(t, alice))
			}
		})
	}

	// The list widget shows repeat rules; the trash offers Restore.
	frames = e.stream(t, context.Background(), alice, addMessage(thread, "/list"))
	ws := widgets(frames)
	if len(ws) != 1 {
		t.Fatalf("%d widgets, want the list", len(ws))
	}
	var captions []string
	walk(ws[0]["widget"].(map[string]any), func(n map[string]any) {
		if n["type"] == "Caption" {
			captions = append(captions, n["value"].(string))
		}
	})
	if !slices.Contains(captions, "#3 · due 2027-01-10 · tags: bills · ↻ every month") {
		t.Errorf("captions = %q, want task 3's repeat rule", captions)
	}
	mustCommand := func(text string) []frame {
		return e.stream(t, context.Background(), alice, addMessage(thread, text))
	}
	mustCommand("/delete 4")
	ws = widgets(mustCommand("/trash"))
	if len(ws) != 1 || !slices.Equal(rowActions(ws[0]["widget"].(map[string]any)), []string{"task.restore 4"}) {
		t.Errorf("trash widget actions = %v, want Restore for task 4", ws)
	}

}

func TestNoModelReply(t *testing.T) {
	t.Parallel()
	// No MCP server is needed to explain the setup.
	e := newEnv(t, envOptions{connector: failingConnector{}})
	frames := e.stream(t, context.Background(), newUser("alice"), createThread("remind me to buy milk tomorrow please, it is important"))

	want := concat(newThreadStart, textTurn(1), titled)
	if diff := cmp.Diff(want, summary(frames)); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	text := assistantTexts(frames)[0]
	for _, s := range []string{"OPENAI_API_KEY", "OPENAI_BASE_URL", "TASKPILOT_MODEL", "/add", "/list", "/done", "/undo", "/delete"} {
		if !strings.Contains(text, s) {
			t.Errorf("reply lacks %q:\n%s", s, text)
		}
	}
	if title := frames[len(frames)-1].ev["thread"].(map[string]any)["title"]; title != "remind me to buy milk tomorrow please,…" {
		t.Errorf("title = %q", title)
	}
}

func TestModelFailure(t *testing.T) {
	t.Parallel()
	model := fakemodel.New(t, func(fakemodel.Request) fakemodel.Reply {
		return fakemodel.Reply{Status: http.StatusInternalServerError}
	})
	e := newEnv(t, envOptions{model: model})
	alice := newUser("alice")

	frames := e.stream(t, context.Background(), alice, createThread("add buy milk"))

	if diff := cmp.Diff(concat(newThreadStart, []string{"error"}), summary(frames)); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	ev := errorEvent(frames)
	if ev["code"] != "custom" || ev["allow_retry"] != true || strings.Contains(ev["message"].(string), "500") {
		t.Errorf("error event = %v, want a friendly retryable message", ev)
	}
	if n := len(model.Requests()); n != 1+agent.DefaultMaxRetries {
		t.Errorf("model got %d requests, want 1 + %d retries", n, agent.DefaultMaxRetries)
	}
	items := e.storedItems(t, alice, threadID(t, frames))
	if len(items) != 1 || items[0].Type() != chatkit.ItemUserMessage {
		t.Errorf("stored items = %v, want just the user message", itemTypes(items))
	}
}

func itemTypes(items []chatkit.ThreadItem) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.Type())
	}
	return out
}

func TestModelHangs(t *testing.T) {
	t.Parallel()
	t.Run("request timeout", func(t *testing.T) {
		t.Parallel()
		model := fakemodel.New(t, func(fakemodel.Request) fakemodel.Reply {
			return fakemodel.Reply{Text: []string{"Let me"}, HangText: true}
		})
		e := newEnv(t, envOptions{model: model, config: func(c *agent.Config) {
			c.RequestTimeout = 300 * time.Millisecond
			c.MaxRetries = -1
		}})
		start := time.Now()
		frames := e.stream(t, context.Background(), newUser("alice"), createThread("hello"))
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("turn took %v", d)
		}
		got := summary(frames)
		if got[len(got)-1] != "error" || errorEvent(frames)["allow_retry"] != true {
			t.Errorf("events = %v, want a retryable error after the partial text", got)
		}
		if n := len(model.Requests()); n != 1 {
			t.Errorf("model got %d requests, want 1 (no retries)", n)
		}
	})
	t.Run("client gone", func(t *testing.T) {
		t.Parallel()
		model := fakemodel.New(t, func(fakemodel.Request) fakemodel.Reply {
			return fakemodel.Reply{Text: []string{"Hello, ", "World"}, HangText: true}
		})
		e := newEnv(t, envOptions{model: model})
		alice := newUser("alice")
		// The user leaves once the second piece of text arrived.
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		res, err := chatkittest.Handle(ctx, e.kit, alice, []byte(createThread("hello")))
		if err != nil {
			t.Fatal(err)
		}
		var thread string
		var left time.Time
		err = res.Stream(ctx, func(frame []byte) error {
			if thread == "" && strings.Contains(string(frame), `"thread.created"`) {
				var ev struct{ Thread struct{ ID string } }
				_ = json.Unmarshal(frame[len("data: "):], &ev)
				thread = ev.Thread.ID
			}
			if strings.Contains(string(frame), `"delta":"World"`) {
				left = time.Now()
				cancel()
			}
			if strings.Contains(string(frame), `"type":"error"`) {
				t.Errorf("error event after the client left: %s", frame)
			}
			return nil
		})
		if left.IsZero() {
			t.Fatalf("the text never arrived (stream: %v)", err)
		}
		if d := time.Since(left); d > 2*time.Second {
			t.Errorf("the turn ended %v after the client left", d)
		}
		items := e.storedItems(t, alice, thread)
		if diff := cmp.Diff([]string{"user_message", "assistant_message", "sdk_hidden_context"}, itemTypes(items)); diff != "" {
			t.Fatalf("stored items (-want +got):\n%s", diff)
		}
		if text := items[1].(*chatkit.AssistantMessageItem).Text(); text != "Hello, World" {
			t.Errorf("partial message = %q", text)
		}
	})
}

func TestToolRoundsBounded(t *testing.T) {
	t.Parallel()
	model := fakemodel.New(t, func(fakemodel.Request) fakemodel.Reply {
		return fakemodel.Reply{Calls: []fakemodel.Call{{ID: "call_x", Name: "find_task_by_name", Args: `{"name":"milk"}`}}}
	})
	e := newEnv(t, envOptions{model: model, config: func(c *agent.Config) { c.MaxToolRounds = 3 }})

	frames := e.stream(t, context.Background(), newUser("alice"), createThread("find milk"))

	want := concat(newThreadStart, []string{"progress_update", "added:workflow", "updated:updated",
		"progress_update", "updated:added", "updated:updated", "progress_update", "updated:added", "updated:updated", "done:workflow"},
		textTurn(1), titled)
	if diff := cmp.Diff(want, summary(frames)); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if n := len(model.Requests()); n != 4 {
		t.Errorf("model got %d requests, want 4 (3 rounds of tools, then stop)", n)
	}
	if text := assistantTexts(frames)[0]; !strings.Contains(text, "too many steps") {
		t.Errorf("final message = %q", text)
	}
}

func TestToolsUnreachable(t *testing.T) {
	t.Parallel()
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close() // nothing listens there any more
	conn := agent.NewHTTPConnector(down.URL+"/mcp", nil, nil)
	tests := []struct {
		name  string
		model bool
		text  string
	}{
		{"model turn", true, "add buy milk"},
		{"command", false, "/list"},
		{"command with model", true, "/done 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := envOptions{connector: conn}
			if tt.model {
				o.model = fakemodel.New(t, nil)
			}
			e := newEnv(t, o)
			alice := newUser("alice")
			frames := e.stream(t, context.Background(), alice, createThread(tt.text))
			ev := errorEvent(frames)
			if ev == nil || ev["allow_retry"] != true || !strings.Contains(ev["message"].(string), "task list") {
				t.Fatalf("events %v, error %v; want a retryable error about the task list", summary(frames), ev)
			}
			if o.model != nil && len(o.model.Requests()) != 0 {
				t.Error("the model was asked although the tools are down")
			}
			items := e.storedItems(t, alice, threadID(t, frames))
			// A command's call that never got through shows as a failed
			// step; the model turn failed before any call (tools/list).
			want := []string{"user_message"}
			if strings.HasPrefix(tt.text, "/") {
				want = append(want, "workflow")
			}
			if diff := cmp.Diff(want, itemTypes(items)); diff != "" {
				t.Errorf("stored items (-want +got):\n%s", diff)
			}
		})
	}
}

func TestHTTPConnectorActsAsUser(t *testing.T) {
	t.Parallel()
	secret := []byte("0123456789abcdef0123456789abcdef")
	const audience = "http://mcp.test/mcp"
	st := storetest.OpenSQLite(t)
	v, err := token.NewVerifier(token.Config{Secret: secret, Audience: audience})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(mcphttp.New(mcphttp.Options{Server: mcpserver.New(st, mcpserver.Options{}), Verifier: v}))
	t.Cleanup(srv.Close)
	mint := func(user string) (string, error) {
		return token.Mint(secret, user, audience, "", time.Minute, time.Now())
	}
	e := newEnv(t, envOptions{db: st, connector: agent.NewHTTPConnector(srv.URL+"/mcp", mint, nil)})
	alice, bob := newUser("alice"), newUser("bob")

	frames := e.stream(t, context.Background(), alice, createThread("/add Buy milk"))
	if diff := cmp.Diff([]string{"Added task 1: Buy milk."}, assistantTexts(frames)); diff != "" {
		t.Errorf("answer (-want +got):\n%s", diff)
	}
	frames = e.stream(t, context.Background(), bob, createThread("/done 1"))
	if diff := cmp.Diff([]string{"I couldn't find task 1. Type /list to see your tasks."}, assistantTexts(frames)); diff != "" {
		t.Errorf("bob's answer (-want +got):\n%s", diff)
	}
	if tasks := e.taskList(t, alice); len(tasks) != 1 || tasks[0].Completed {
		t.Errorf("alice's tasks = %+v", tasks)
	}

	// A token the server refuses is the same as a server that is down.
	bad := newEnv(t, envOptions{db: st, connector: agent.NewHTTPConnector(srv.URL+"/mcp",
		func(string) (string, error) { return "not-a-token", nil }, nil)})
	frames = bad.stream(t, context.Background(), alice, createThread("/list"))
	if ev := errorEvent(frames); ev == nil || ev["allow_retry"] != true {
		t.Errorf("events %v, want an error event", summary(frames))
	}
}

func TestTitle(t *testing.T) {
	t.Parallel()
	thread := &chatkit.ThreadMetadata{ID: "thr_1"}
	msg := func(text string) *chatkit.UserMessageItem {
		return &chatkit.UserMessageItem{Content: []chatkit.UserContent{chatkit.TextContent(text)}}
	}
	titleModel := fakemodel.New(t, nil)
	titleModel.SetTitle(http.StatusOK, "\"Weekly groceries.\"\nextra")
	broken := fakemodel.New(t, nil)
	broken.SetTitle(http.StatusServiceUnavailable, "")
	tests := []struct {
		name  string
		model *fakemodel.Model
		text  string
		want  string
	}{
		{"no model, short", nil, "  buy   milk ", "buy milk"},
		{"no model, long", nil, "please add a task to renew my passport before the summer holidays", "please add a task to renew my passport…"},
		{"no model, one long word", nil, strings.Repeat("x", 50), strings.Repeat("x", 39) + "…"},
		{"model", titleModel, "what do I need from the store this week?", "Weekly groceries"},
		{"model, command", titleModel, "/list", "Task list"},
		{"no model, add command", nil, "/add Buy milk !high", "Add Buy milk"},
		{"no model, done command", nil, "/done #3", "Complete task 3"},
		{"no model, unknown command", nil, "/frobnicate", "TaskPilot help"},
		{"model fails", broken, "what do I need from the store?", "what do I need from the store?"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, envOptions{model: tt.model, connector: failingConnector{}, config: func(c *agent.Config) { c.MaxRetries = -1 }})
			got, err := e.agent.Title(context.Background(), thread, msg(tt.text))
			if err != nil || got != tt.want {
				t.Errorf("Title(%q) = %q, %v; want %q", tt.text, got, err, tt.want)
			}
			if len([]rune(got)) > 60 {
				t.Errorf("title too long: %q", got)
			}
		})
	}
}

func TestNewRejectsMissingTools(t *testing.T) {
	t.Parallel()
	if _, err := agent.New(agent.Config{}); err == nil {
		t.Error("New without a connector succeeded")
	}
}

func TestTextBeforeToolCallIsFinishedFirst(t *testing.T) {
	t.Parallel()
	model := fakemodel.New(t, func(req fakemodel.Request) fakemodel.Reply {
		if req.Last()["role"] == "tool" {
			return fakemodel.Reply{Text: []string{"Added task 1."}}
		}
		return fakemodel.Reply{Text: []string{"Sure, ", "adding it."}, Calls: []fakemodel.Call{{ID: "call_1", Name: "add_task", Args: `{"title":"Buy milk"}`}}}
	})
	e := newEnv(t, envOptions{model: model})

	frames := e.stream(t, context.Background(), newUser("alice"), createThread("add buy milk"))

	want := concat(newThreadStart, textTurn(2), []string{"progress_update"}, confirmed, []string{"done:widget"}, textTurn(1), titled)
	if diff := cmp.Diff(want, summary(frames)); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	// The model gets its own text back along with the call.
	msgs := model.Requests()[1].Messages
	if call := msgs[len(msgs)-2]; call["content"] != "Sure, adding it." || call["tool_calls"] == nil {
		t.Errorf("assistant message sent back = %v", call)
	}
}

func TestBadToolCallsGoBackToModel(t *testing.T) {
	t.Parallel()
	model := fakemodel.New(t, func(req fakemodel.Request) fakemodel.Reply {
		if req.Last()["role"] == "tool" {
			return fakemodel.Reply{Text: []string{"Sorry, that didn't work."}}
		}
		return fakemodel.Reply{Calls: []fakemodel.Call{
			{ID: "call_1", Name: "launch_rocket", Args: `{}`},
			{ID: "call_2", Name: "add_task", Args: `["Buy milk"]`}, // JSON, but not an object (garbled JSON fails the turn)
			{ID: "call_3", Name: "add_task", Args: `{"title":""}`},
		}}
	})
	e := newEnv(t, envOptions{model: model})
	alice := newUser("alice")

	frames := e.stream(t, context.Background(), alice, createThread("do things"))

	if diff := cmp.Diff([]string{"Sorry, that didn't work."}, assistantTexts(frames)); diff != "" {
		t.Errorf("answer (-want +got):\n%s", diff)
	}
	reqs := model.Requests()
	if len(reqs) != 2 {
		t.Fatalf("model got %d requests, want 2", len(reqs))
	}
	var results []string
	for _, m := range reqs[1].Messages {
		if m["role"] == "tool" {
			results = append(results, m["tool_call_id"].(string)+": "+m["content"].(string))
		}
	}
	want := []string{
		`call_1: Error: there is no tool named "launch_rocket"`,
		"call_2: Error: the arguments must be a JSON object",
		"call_3: Error: ",
	}
	if len(results) != len(want) {
		t.Fatalf("tool results = %q, want %d", results, len(want))
	}
	for i := range want {
		if !strings.HasPrefix(results[i], want[i]) {
			t.Errorf("tool result %d = %q, want it to start with %q", i, results[i], want[i])
		}
	}
	if tasks := e.taskList(t, alice); len(tasks) != 0 {
		t.Errorf("tasks = %+v, want none", tasks)
	}
}

// TestToolResultIsOneWrite: a tool call's record, its confirmation and
// its result card, shown one after the other, are stored in one write
// (with a store that takes several items at once).
func TestToolResultIsOneWrite(t *testing.T) {
	t.Parallel()
	model := fakemodel.New(t, afterTool(func(string) []fakemodel.Call {
		return []fakemodel.Call{{ID: "call_1", Name: "add_task", Args: `{"title":"Buy milk"}`}}
	}, "Added ", "Buy milk."))
	var threads *writeLog
	e := newEnv(t, envOptions{model: model, threads: func(m *memstore.Store) chatkit.Store {
		threads = &writeLog{Store: m}
		return threads
	}})
	frames := e.stream(t, context.Background(), newUser("alice"), createThread("add buy milk"))
	want := concat(newThreadStart, []string{"progress_update"}, confirmed, []string{"done:widget"}, textTurn(2), titled)
	if diff := cmp.Diff(want, summary(frames)); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	threads.mu.Lock()
	defer threads.mu.Unlock()
	if !slices.Contains(threads.writes, "hidden_context_item+workflow+widget") {
		t.Errorf("item writes %v, want the record, the confirmation and the card in one", threads.writes)
	}
}

// writeLog is a memstore that takes several items at once
// (chatkit.ItemsAdder) and records the item types of each write.
type writeLog struct {
	*memstore.Store
	mu     sync.Mutex
	writes []string
}

func (w *writeLog) AddThreadItems(ctx context.Context, user, threadID string, items []chatkit.EncodedItem) error {
	types := make([]string, len(items))
	for i, it := range items {
		types[i] = it.Item.Type()
	}
	w.mu.Lock()
	w.writes = append(w.writes, strings.Join(types, "+"))
	w.mu.Unlock()
	for _, it := range items {
		if err := w.Store.AddThreadItem(ctx, user, threadID, it.Item); err != nil {
			return err
		}
	}
	return nil
}
