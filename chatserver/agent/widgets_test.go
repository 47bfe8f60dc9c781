package agent_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/taskpilot/taskpilot/chatserver/agent/fakemodel"
	"github.com/taskpilot/taskpilot/chatserver/chatkit"
	"github.com/taskpilot/taskpilot/chatserver/chatkit/chatkittest"
	"github.com/taskpilot/taskpilot/models"
	"github.com/taskpilot/taskpilot/models/store/storetest"
)

// nodes returns the nodes of a widget tree with the given type, in order.
func nodes(widget map[string]any, typ string) []map[string]any {
	var out []map[string]any
	walk(widget, func(n map[string]any) {
		if n["type"] == typ {
			out = append(out, n)
		}
	})
	return out
}

// actionOf returns the action of node under key, or fails.
func actionOf(t testing.TB, node map[string]any, key string) map[string]any {
	t.Helper()
	a, ok := node[key].(map[string]any)
	if !ok {
		t.Fatalf("%v has no %s", node, key)
	}
	return a
}

// syncAct posts threads.sync_custom_action with action as user, checks
// the answer against the reference schema, and returns the updated
// item's widget.
func (e *env) syncAct(t testing.TB, user, thread, itemID string, action map[string]any) map[string]any {
	t.Helper()
	res, err := e.call(t, user, customAction("threads.sync_custom_action", thread, itemID, action))
	if err != nil {
		t.Fatalf("sync action %v: %v", action, err)
	}
	b, _ := json.Marshal(res)
	chatkittest.Schemas(t).Validate(t, "sync-custom-action-response.schema.json", b)
	chatkittest.Schemas(t).ValidateWidgets(t, b)
	item, ok := res["updated_item"].(map[string]any)
	if !ok || item["id"] != itemID {
		t.Fatalf("updated_item of %v = %s, want the item %s", action, b, itemID)
	}
	return item["widget"].(map[string]any)
}

// clicked returns a copy of action with the values the client merges into
// its payload (form fields, the new value of a checkbox or select).
func clicked(action map[string]any, values map[string]any) map[string]any {
	payload := map[string]any{}
	if p, ok := action["payload"].(map[string]any); ok {
		for k, v := range p {
			payload[k] = v
		}
	}
	for k, v := range values {
		payload[k] = v
	}
	return map[string]any{"type": action["type"], "payload": payload}
}

// newestNote returns the content of the thread's newest hidden note.
func (e *env) newestNote(t testing.TB, user, thread string) string {
	t.Helper()
	items := e.storedItems(t, user, thread)
	for _, it := range slices.Backward(items) {
		if h, ok := it.(*chatkit.HiddenContextItem); ok {
			s, _ := h.Content.(string)
			return s
		}
	}
	return ""
}

func TestTaskListWidgetWorksInPlace(t *testing.T) {
	t.Parallel()
	for name, db := range storetest.Backends(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, envOptions{db: db})
			alice := newUser("alice")
			mustAdd(t, e, alice, models.NewTask{Title: "Buy milk", Priority: models.PriorityHigh, Tags: []string{"home"}})
			mustAdd(t, e, alice, models.NewTask{Title: "Call mom"})
			frames := e.stream(t, context.Background(), alice, createThread("/list"))
			thread, w := threadID(t, frames), widgets(frames)[0]
			widgetID := w["id"].(string)
			lv := w["widget"].(map[string]any)

			// A checkbox per task, synchronous, and a synchronous Delete.
			boxes := nodes(lv, "Checkbox")
			if len(boxes) != 2 {
				t.Fatalf("got %d checkboxes, want one per task", len(boxes))
			}
			for _, b := range boxes {
				if a := actionOf(t, b, "onChangeAction"); a["type"] != "task.complete" || a["streaming"] != false {
					t.Errorf("checkbox action %v, want task.complete with streaming false", a)
				}
			}
			for _, b := range nodes(lv, "Button") {
				if b["submit"] == true {
					continue // submits the form
				}
				if a := actionOf(t, b, "onClickAction"); a["streaming"] != false {
					t.Errorf("button %v acts with streaming %v, want false", b["label"], a["streaming"])
				}
			}
			// The inline form: title, priority select, due date picker.
			forms := nodes(lv, "Form")
			if len(forms) != 1 {
				t.Fatalf("got %d forms, want the add form", len(forms))
			}
			submit := actionOf(t, forms[0], "onSubmitAction")
			if submit["type"] != "task.add" || submit["streaming"] != false {
				t.Errorf("form action %v, want task.add with streaming false", submit)
			}
			var fields []string
			for _, typ := range []string{"Input", "Select", "DatePicker"} {
				for _, n := range nodes(forms[0], typ) {
					fields = append(fields, typ+" "+n["name"].(string))
				}
			}
			if diff := cmp.Diff([]string{"Input title", "Select priority", "DatePicker due"}, fields); diff != "" {
				t.Errorf("form fields (-want +got):\n%s", diff)
			}

			// Tick task 1's checkbox: completed, the box re-rendered checked.
			lv = e.syncAct(t, alice, thread, widgetID, clicked(actionOf(t, boxes[0], "onChangeAction"), map[string]any{boxes[0]["name"].(string): true}))
			if tasks := e.taskList(t, alice); !tasks[0].Completed || tasks[1].Completed {
				t.Errorf("tasks = %+v, want only task 1 completed", tasks)
			}
			boxes = nodes(lv, "Checkbox")
			if boxes[0]["defaultChecked"] != true || actionOf(t, boxes[0], "onChangeAction")["type"] != "task.reopen" {
				t.Errorf("task 1's box after ticking = %v, want checked, reopening", boxes[0])
			}
			if got := e.newestNote(t, alice, thread); got != "The user marked task 1 'Buy milk' as completed via the task list widget." {
				t.Errorf("note = %q", got)
			}

			// Untick it with the streaming endpoint: it is reopened in place.
			frames = e.stream(t, context.Background(), alice, customAction("threads.custom_action", thread, widgetID,
				clicked(actionOf(t, boxes[0], "onChangeAction"), nil)))
			if diff := cmp.Diff([]string{"stream_options", "replaced:widget", "done:workflow"}, summary(frames)); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
			if tasks := e.taskList(t, alice); tasks[0].Completed {
				t.Error("task 1 still completed after unticking")
			}
			if got := e.newestNote(t, alice, thread); got != "The user marked task 1 'Buy milk' as not completed via the task list widget." {
				t.Errorf("note = %q", got)
			}

			// Add through the inline form, as the client sends it.
			lv = widgets(frames)[0]["widget"].(map[string]any)
			submit = actionOf(t, nodes(lv, "Form")[0], "onSubmitAction")
			lv = e.syncAct(t, alice, thread, widgetID, clicked(submit, map[string]any{"title": " Pay rent ", "priority": "high", "due": "2026-05-20"}))
			tasks := e.taskList(t, alice)
			if len(tasks) != 3 || tasks[2].Title != "Pay rent" || tasks[2].Priority != models.PriorityHigh || tasks[2].Due() != "2026-05-20" {
				t.Fatalf("tasks after the form = %+v, want Pay rent, high, due 2026-05-20", tasks)
			}
			if diff := cmp.Diff([]string{"Buy milk", "Call mom", "Pay rent"}, rowTitles(lv)); diff != "" {
				t.Errorf("list after adding (-want +got):\n%s", diff)
			}
			var captions []string
			for _, c := range nodes(lv, "Caption") {
				captions = append(captions, c["value"].(string))
			}
			if !slices.Contains(captions, "#3 · due 2026-05-20") || !slices.Contains(captions, "#1 · tags: home") {
				t.Errorf("captions = %q, want the due date and tags shown compactly", captions)
			}
			if got := e.newestNote(t, alice, thread); got != "The user added task 3 'Pay rent' via the task list widget." {
				t.Errorf("note = %q", got)
			}

			// A bad form (the title the MCP server refuses) changes nothing and says why.
			res, err := e.call(t, alice, customAction("threads.sync_custom_action", thread, widgetID,
				clicked(submit, map[string]any{"title": strings.Repeat("x", 300)})))
			if err != nil {
				t.Fatalf("too long a title: %v", err)
			}
			if res["updated_item"] == nil || len(e.taskList(t, alice)) != 3 {
				t.Fatalf("too long a title: %v, %d tasks", res, len(e.taskList(t, alice)))
			}
			if got := rowTitles(res["updated_item"].(map[string]any)["widget"].(map[string]any)); !strings.Contains(got[0], "200") {
				t.Errorf("list after a refused add = %q, want it to say why first", got)
			}

			// Delete offers Undo; Undo brings the task back.
			var del map[string]any
			for _, b := range nodes(lv, "Button") {
				if b["label"] == "Delete" {
					del = actionOf(t, b, "onClickAction")
					break
				}
			}
			lv = e.syncAct(t, alice, thread, widgetID, clicked(del, nil))
			if len(e.taskList(t, alice)) != 2 {
				t.Fatal("delete did not delete")
			}
			var undo map[string]any
			for _, b := range nodes(lv, "Button") {
				if b["label"] == "Undo" {
					undo = actionOf(t, b, "onClickAction")
				}
			}
			if undo == nil {
				t.Fatalf("no Undo after a delete: %v", rowTitles(lv))
			}
			lv = e.syncAct(t, alice, thread, widgetID, clicked(undo, nil))
			if len(e.taskList(t, alice)) != 3 || !slices.Contains(rowTitles(lv), "Buy milk") {
				t.Errorf("undo did not restore: %v", rowTitles(lv))
			}
		})
	}
}

func TestTaskListShowMore(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	alice := newUser("alice")
	for i := range 55 {
		mustAdd(t, e, alice, models.NewTask{Title: fmt.Sprintf("Task %02d", i+1)})
	}
	frames := e.stream(t, context.Background(), alice, createThread("/list"))
	thread, w := threadID(t, frames), widgets(frames)[0]
	lv := w["widget"].(map[string]any)
	if n := len(nodes(lv, "Checkbox")); n != 50 {
		t.Fatalf("first page shows %d tasks, want 50", n)
	}
	var more map[string]any
	for _, b := range nodes(lv, "Button") {
		if b["label"] == "Show more" {
			more = actionOf(t, b, "onClickAction")
		}
	}
	if more == nil || more["streaming"] != false {
		t.Fatalf("no synchronous Show more: %v", more)
	}

	lv = e.syncAct(t, alice, thread, w["id"].(string), clicked(more, nil))

	if n := len(nodes(lv, "Checkbox")); n != 55 {
		t.Errorf("after Show more: %d tasks, want 55", n)
	}
	for _, b := range nodes(lv, "Button") {
		if b["label"] == "Show more" {
			t.Error("Show more still offered with nothing more to show")
		}
	}
	if got := e.newestNote(t, alice, thread); got != "The user asked to see more tasks in the task list widget." {
		t.Errorf("note = %q", got)
	}
	// Other actions keep the pages shown.
	box := nodes(lv, "Checkbox")[54]
	lv = e.syncAct(t, alice, thread, w["id"].(string), clicked(actionOf(t, box, "onChangeAction"), nil))
	if n := len(nodes(lv, "Checkbox")); n != 55 {
		t.Errorf("after ticking task 55: %d tasks shown, want 55", n)
	}
}

// TestSyncActionWhileAnswerStreams ticks a box while the model is still
// answering in the same thread.
func TestSyncActionWhileAnswerStreams(t *testing.T) {
	t.Parallel()
	model := fakemodel.New(t, func(req fakemodel.Request) fakemodel.Reply {
		if req.LastUserText() == "take your time" {
			return fakemodel.Reply{Text: []string{"Thinking"}, HangText: true}
		}
		return fakemodel.Reply{Text: []string{"OK"}}
	})
	e := newEnv(t, envOptions{model: model})
	alice := newUser("alice")
	mustAdd(t, e, alice, models.NewTask{Title: "Buy milk"})
	frames := e.stream(t, context.Background(), alice, createThread("/list"))
	thread, w := threadID(t, frames), widgets(frames)[0]
	box := nodes(w["widget"].(map[string]any), "Checkbox")[0]

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	started := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		res, err := chatkittest.Handle(ctx, e.kit, alice, []byte(addMessage(thread, "take your time")))
		if err != nil {
			t.Errorf("stream: %v", err)
			close(started)
			return
		}
		once := false
		_ = res.Stream(ctx, func(b []byte) error {
			if !once && strings.Contains(string(b), "text_delta") {
				once = true
				close(started)
			}
			return nil
		})
	}()
	select {
	case <-started:
	case <-time.After(10 * time.Second):
		t.Fatal("the answer never started streaming")
	}

	lv := e.syncAct(t, alice, thread, w["id"].(string), clicked(actionOf(t, box, "onChangeAction"), nil))

	if !e.taskList(t, alice)[0].Completed || nodes(lv, "Checkbox")[0]["defaultChecked"] != true {
		t.Error("ticking while the answer streamed did not complete the task")
	}
	cancel()
	<-done
}

func TestTaskCardAfterAdd(t *testing.T) {
	t.Parallel()
	for name, db := range storetest.Backends(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			model := fakemodel.New(t, afterTool(func(string) []fakemodel.Call {
				return []fakemodel.Call{{ID: "call_1", Name: "add_task", Args: `{"title":"Buy milk","tags":["home"],"repeat":{"every":"week"}}`}}
			}, "Added."))
			e := newEnv(t, envOptions{model: model, db: db})
			alice := newUser("alice")
			frames := e.stream(t, context.Background(), alice, createThread("add buy milk every week"))
			thread := threadID(t, frames)
			ws := widgets(frames)
			if len(ws) != 1 {
				t.Fatalf("got %d widgets, want the task card", len(ws))
			}
			cardID, card := ws[0]["id"].(string), ws[0]["widget"].(map[string]any)
			if card["type"] != "Card" || card["status"].(map[string]any)["text"] != "Added task 1" {
				t.Fatalf("widget = %v, want a Card saying Added task 1", card)
			}
			if got := ws[0]["copy_text"]; got != "Added task 1\n#1 [ ] Buy milk (due 2026-05-12, tags: home, repeats every week)" {
				t.Errorf("copy_text = %q", got)
			}
			if diff := cmp.Diff([]string{"task.complete 1", "task.due_tomorrow 1", "task.priority 1"}, rowActions(card)); diff != "" {
				t.Errorf("quick actions (-want +got):\n%s", diff)
			}

			// Due tomorrow (in the users' time zone), then priority high.
			var due map[string]any
			for _, b := range nodes(card, "Button") {
				if b["label"] == "Due tomorrow" {
					due = actionOf(t, b, "onClickAction")
				}
			}
			card = e.syncAct(t, alice, thread, cardID, clicked(due, nil))
			if got := e.taskList(t, alice)[0].Due(); got != "2026-05-13" {
				t.Errorf("due = %q after Due tomorrow, want 2026-05-13", got)
			}
			if card["status"].(map[string]any)["text"] != "Task 1 is due tomorrow" {
				t.Errorf("card status %v", card["status"])
			}
			if got := e.newestNote(t, alice, thread); got != "The user made task 1 'Buy milk' due tomorrow (2026-05-13) via the task card." {
				t.Errorf("note = %q", got)
			}
			sel := nodes(card, "Select")[0]
			card = e.syncAct(t, alice, thread, cardID, clicked(actionOf(t, sel, "onChangeAction"), map[string]any{"priority": "high"}))
			if got := e.taskList(t, alice)[0].Priority; got != models.PriorityHigh {
				t.Errorf("priority = %q, want high", got)
			}
			if nodes(card, "Select")[0]["defaultValue"] != "high" || len(nodes(card, "Badge")) != 1 {
				t.Errorf("card after priority high = %v", card)
			}

			// Done, streamed: a weekly task rolls on to its next week.
			box := nodes(card, "Checkbox")[0]
			frames = e.stream(t, context.Background(), alice, customAction("threads.custom_action", thread, cardID, clicked(actionOf(t, box, "onChangeAction"), nil)))
			if diff := cmp.Diff([]string{"stream_options", "replaced:widget", "done:workflow"}, summary(frames)); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
			card = widgets(frames)[0]["widget"].(map[string]any)
			if got := card["status"].(map[string]any)["text"]; got != "Completed task 1; next due 2026-05-20" {
				t.Errorf("card status after done = %v", got)
			}
			stored := itemByID(e.storedItems(t, alice, thread), cardID).(*chatkit.WidgetItem)
			if !strings.Contains(stored.CopyText, "due 2026-05-20") {
				t.Errorf("stored card = %q, want the fresh task", stored.CopyText)
			}
		})
	}
}

func TestTaskCardAfterUpdateAndCommand(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	alice := newUser("alice")
	frames := e.stream(t, context.Background(), alice, createThread("/add Pay rent !high"))
	ws := widgets(frames)
	if len(ws) != 1 || ws[0]["widget"].(map[string]any)["type"] != "Card" {
		t.Fatalf("widgets after /add = %v, want the task card", ws)
	}
	card := ws[0]["widget"].(map[string]any)
	box := nodes(card, "Checkbox")[0]
	card = e.syncAct(t, alice, threadID(t, frames), ws[0]["id"].(string), clicked(actionOf(t, box, "onChangeAction"), nil))
	if !e.taskList(t, alice)[0].Completed {
		t.Fatal("the card's box did not complete the task")
	}
	if nodes(card, "Checkbox")[0]["defaultChecked"] != true || len(nodes(card, "Button")) != 0 {
		t.Errorf("completed card = %v, want checked and no Due tomorrow", card)
	}
}

// answer is a threads.add_structured_input request choosing value for
// question.
func answer(thread, itemID, question string, values ...string) string {
	b, _ := json.Marshal(map[string]any{"thread_id": thread, "item_id": itemID, "input": map[string]any{
		"status": "answered", "answers": map[string]any{question: map[string]any{"values": values, "skipped": false}},
	}})
	return `{"type":"threads.add_structured_input","params":` + string(b) + `}`
}

// structuredInput returns the structured input item done in frames.
func structuredInput(t testing.TB, frames []frame) map[string]any {
	t.Helper()
	for _, f := range frames {
		if f.typ() == "thread.item.done" && f.item()["type"] == "structured_input" {
			return f.item()
		}
	}
	t.Fatalf("no structured input in %v", summary(frames))
	return nil
}

func TestPickOneOfSeveralMatches(t *testing.T) {
	t.Parallel()
	for name, db := range storetest.Backends(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			model := fakemodel.New(t, func(req fakemodel.Request) fakemodel.Reply {
				last := req.Last()
				switch {
				case last["role"] == "tool":
					return fakemodel.Reply{Text: []string{"Done."}}
				case strings.Contains(req.LastUserText(), "#2 Buy oat milk"):
					return fakemodel.Reply{Calls: []fakemodel.Call{{ID: "call_2", Name: "complete_task", Args: `{"task_id":2,"completed":true}`}}}
				}
				return fakemodel.Reply{Calls: []fakemodel.Call{{ID: "call_1", Name: "find_task_by_name", Args: `{"name":"milk"}`}}}
			})
			e := newEnv(t, envOptions{model: model, db: db})
			alice := newUser("alice")
			mustAdd(t, e, alice, models.NewTask{Title: "Buy milk"})
			mustAdd(t, e, alice, models.NewTask{Title: "Buy oat milk"})
			mustAdd(t, e, alice, models.NewTask{Title: "Call mom", Description: "about milk"})

			frames := e.stream(t, context.Background(), alice, createThread("milk is done"))

			want := concat(newThreadStart, []string{"progress_update"}, confirmed, []string{"done:structured_input"}, titled)
			if diff := cmp.Diff(want, summary(frames)); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
			q := structuredInput(t, frames)
			in := q["inputs"].([]any)[0].(map[string]any)
			var options []string
			for _, o := range in["options"].([]any) {
				options = append(options, o.(map[string]any)["value"].(string))
			}
			if diff := cmp.Diff([]string{"#1 Buy milk", "#2 Buy oat milk"}, options); diff != "" {
				t.Errorf("options (-want +got):\n%s", diff)
			}
			if in["question"] != "Which task do you mean by “milk”?" || in["multiple"] != false || q["status"] != "pending" {
				t.Errorf("question = %v", q)
			}
			if len(model.Requests()) != 1 {
				t.Errorf("the model was asked again before the user chose")
			}

			// The user picks one; the model goes on with the choice.
			thread := threadID(t, frames)
			frames = e.stream(t, context.Background(), alice, answer(thread, q["id"].(string), "pick_task", "#2 Buy oat milk"))

			want = concat([]string{"stream_options", "replaced:structured_input", "progress_update"}, confirmed, textTurn(1))
			if diff := cmp.Diff(want, summary(frames)); diff != "" {
				t.Errorf("events after the choice (-want +got):\n%s", diff)
			}
			if tasks := e.taskList(t, alice); tasks[0].Completed || !tasks[1].Completed {
				t.Errorf("tasks = %+v, want Buy oat milk completed", tasks)
			}
			// It cannot be answered twice.
			if _, err := chatkittest.Handle(context.Background(), e.kit, alice, []byte(answer(thread, q["id"].(string), "pick_task", "#1 Buy milk"))); err == nil {
				frames = e.stream(t, context.Background(), alice, answer(thread, q["id"].(string), "pick_task", "#1 Buy milk"))
				if errorEvent(frames) == nil {
					t.Error("a second answer was accepted")
				}
			}
			if e.taskList(t, alice)[0].Completed {
				t.Error("a second answer completed Buy milk")
			}
		})
	}
}

func TestBulkDeleteAsksFirst(t *testing.T) {
	t.Parallel()
	for name, db := range storetest.Backends(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			model := fakemodel.New(t, afterTool(func(user string) []fakemodel.Call {
				if user == "delete three" {
					return []fakemodel.Call{{ID: "call_3", Name: "delete_task", Args: `{"task_ids":[6,7,8]}`}}
				}
				return []fakemodel.Call{{ID: "call_5", Name: "delete_task", Args: `{"task_ids":[1,2,3,4,5]}`}}
			}, "Deleted."))
			e := newEnv(t, envOptions{model: model, db: db})
			alice := newUser("alice")
			for i := range 8 {
				mustAdd(t, e, alice, models.NewTask{Title: fmt.Sprintf("Task %d", i+1)})
			}

			frames := e.stream(t, context.Background(), alice, createThread("delete the first five"))

			want := concat(newThreadStart, []string{"done:structured_input"}, titled)
			if diff := cmp.Diff(want, summary(frames)); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
			q := structuredInput(t, frames)
			in := q["inputs"].([]any)[0].(map[string]any)
			if in["question"] != "Delete 5 tasks?" {
				t.Errorf("question %v", in["question"])
			}
			if n := len(e.taskList(t, alice)); n != 8 {
				t.Fatalf("%d tasks before the answer, want 8", n)
			}
			thread := threadID(t, frames)

			// No keeps them.
			frames = e.stream(t, context.Background(), alice, answer(thread, q["id"].(string), "confirm_delete", "No, keep them"))
			if diff := cmp.Diff([]string{"OK, I kept them. Nothing was deleted."}, assistantTexts(frames)); diff != "" {
				t.Errorf("answer to no (-want +got):\n%s", diff)
			}
			if n := len(e.taskList(t, alice)); n != 8 {
				t.Errorf("%d tasks after no, want 8", n)
			}

			// Asked again, yes deletes them, as the user, without the model.
			frames = e.stream(t, context.Background(), alice, addMessage(thread, "delete the first five"))
			q = structuredInput(t, frames)
			calls := len(model.Requests())
			frames = e.stream(t, context.Background(), alice, answer(thread, q["id"].(string), "confirm_delete", "Yes, delete them"))
			if texts := assistantTexts(frames); len(texts) != 1 || !strings.HasPrefix(texts[0], "Deleted 5 of 5 tasks.") {
				t.Errorf("answer to yes = %q", texts)
			}
			if n := len(e.taskList(t, alice)); n != 3 {
				t.Errorf("%d tasks after yes, want 3", n)
			}
			if len(model.Requests()) != calls {
				t.Error("the model was asked to carry out a confirmed delete")
			}

			// Three tasks or fewer are deleted without asking.
			frames = e.stream(t, context.Background(), alice, addMessage(thread, "delete three"))
			for _, s := range summary(frames) {
				if s == "done:structured_input" {
					t.Error("asked before deleting three tasks")
				}
			}
			if n := len(e.taskList(t, alice)); n != 0 {
				t.Errorf("%d tasks after deleting three, want 0", n)
			}
		})
	}
}

// TestWidgetActionsRefuseOtherUsers: bob can act neither on alice's
// widgets nor, from his own, on her tasks; nothing of hers changes.
func TestWidgetActionsRefuseOtherUsers(t *testing.T) {
	t.Parallel()
	for name, db := range storetest.Backends(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			model := fakemodel.New(t, afterTool(func(string) []fakemodel.Call {
				return []fakemodel.Call{{ID: "call_5", Name: "delete_task", Args: `{"task_ids":[1,2,3,4]}`}}
			}, "Deleted."))
			e := newEnv(t, envOptions{model: model, db: db})
			alice, bob := newUser("alice"), newUser("bob")
			for i := range 4 {
				mustAdd(t, e, alice, models.NewTask{Title: fmt.Sprintf("Alice %d", i+1)})
			}
			frames := e.stream(t, context.Background(), alice, createThread("/list"))
			aliceThread, aliceList := threadID(t, frames), widgets(frames)[0]["id"].(string)
			frames = e.stream(t, context.Background(), alice, addMessage(aliceThread, "/add Alice card"))
			aliceCard := widgets(frames)[0]["id"].(string)
			frames = e.stream(t, context.Background(), alice, addMessage(aliceThread, "delete four"))
			aliceQuestion := structuredInput(t, frames)["id"].(string)

			frames = e.stream(t, context.Background(), bob, createThread("/list"))
			bobThread, bobList := threadID(t, frames), widgets(frames)[0]["id"].(string)
			frames = e.stream(t, context.Background(), bob, addMessage(bobThread, "/add Bob card"))
			bobCard := widgets(frames)[0]["id"].(string)
			before := e.taskList(t, alice)
			aliceItems := len(e.storedItems(t, alice, aliceThread))
			bobSteps := len(e.workflows(t, bob, bobThread))

			actions := []map[string]any{
				{"type": "task.complete", "payload": map[string]any{"task_id": 1}},
				{"type": "task.reopen", "payload": map[string]any{"task_id": 1}},
				{"type": "task.delete", "payload": map[string]any{"task_id": 2}},
				{"type": "task.restore", "payload": map[string]any{"task_id": 2}},
				{"type": "task.due_tomorrow", "payload": map[string]any{"task_id": 3}},
				{"type": "task.priority", "payload": map[string]any{"task_id": 3, "priority": "high"}},
				{"type": "task.add", "payload": map[string]any{"title": "Planted by bob"}},
				{"type": "task.more"},
			}
			for _, act := range actions {
				// On alice's thread and widgets: not found.
				for _, target := range []string{aliceList, aliceCard} {
					if _, err := e.call(t, bob, customAction("threads.sync_custom_action", aliceThread, target, act)); err == nil {
						t.Errorf("bob's sync %s on alice's %s was accepted", act["type"], target)
					}
					if _, err := chatkittest.Handle(context.Background(), e.kit, bob, []byte(customAction("threads.custom_action", aliceThread, target, act))); err == nil {
						res, _ := chatkittest.Handle(context.Background(), e.kit, bob, []byte(customAction("threads.custom_action", aliceThread, target, act)))
						var got []string
						_ = res.Stream(context.Background(), func(b []byte) error { got = append(got, string(b)); return nil })
						if len(got) != 1 || !strings.Contains(got[0], `"type":"error"`) {
							t.Errorf("bob's streamed %s on alice's widget: %q", act["type"], got)
						}
					}
				}
				// From his own widgets, on her task numbers: his own tasks only,
				// and his thread's steps say so.
				for _, target := range []string{bobList, bobCard} {
					if _, err := e.call(t, bob, customAction("threads.sync_custom_action", bobThread, target, act)); err != nil {
						t.Errorf("bob's %s on his own widget: %v", act["type"], err)
					}
					if act["type"] == "task.more" {
						continue // no step
					}
					steps := e.workflows(t, bob, bobThread)
					if len(steps) != bobSteps+1 {
						t.Fatalf("bob's %s: %d steps, want %d", act["type"], len(steps), bobSteps+1)
					}
					bobSteps++
					if last := steps[len(steps)-1]; strings.Contains(last.Title, "Alice") || strings.Contains(last.Content, "Alice") {
						t.Errorf("bob's %s step names alice's task: %+v", act["type"], last)
					}
				}
			}
			if _, err := chatkittest.Handle(context.Background(), e.kit, bob, []byte(answer(aliceThread, aliceQuestion, "confirm_delete", "Yes, delete them"))); err == nil {
				frames = e.stream(t, context.Background(), bob, answer(aliceThread, aliceQuestion, "confirm_delete", "Yes, delete them"))
				if errorEvent(frames) == nil {
					t.Error("bob answered alice's question")
				}
			}
			if diff := cmp.Diff(before, e.taskList(t, alice)); diff != "" {
				t.Errorf("alice's tasks changed (-before +after):\n%s", diff)
			}
			if n := len(e.storedItems(t, alice, aliceThread)); n != aliceItems {
				t.Errorf("alice's thread has %d items after bob's attempts, want %d", n, aliceItems)
			}
			for _, task := range e.taskList(t, bob) {
				if strings.HasPrefix(task.Title, "Alice") {
					t.Errorf("bob got alice's task %+v", task)
				}
			}
		})
	}
}

func TestNewWidgetActionsRejectBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	alice := newUser("alice")
	mustAdd(t, e, alice, models.NewTask{Title: "Buy milk"})
	frames := e.stream(t, context.Background(), alice, createThread("/list"))
	thread, widgetID := threadID(t, frames), widgets(frames)[0]["id"].(string)
	tests := []struct {
		name   string
		action map[string]any
	}{
		{"add without a title", map[string]any{"type": "task.add", "payload": map[string]any{"priority": "high"}}},
		{"add with a blank title", map[string]any{"type": "task.add", "payload": map[string]any{"title": "  "}}},
		{"add with a number title", map[string]any{"type": "task.add", "payload": map[string]any{"title": 5}}},
		{"add with an unknown priority", map[string]any{"type": "task.add", "payload": map[string]any{"title": "x", "priority": "urgent"}}},
		{"add with a word for due", map[string]any{"type": "task.add", "payload": map[string]any{"title": "x", "due": "tomorrow"}}},
		{"add with a number for due", map[string]any{"type": "task.add", "payload": map[string]any{"title": "x", "due": 20260513}}},
		{"priority without a value", map[string]any{"type": "task.priority", "payload": map[string]any{"task_id": 1}}},
		{"priority unknown", map[string]any{"type": "task.priority", "payload": map[string]any{"task_id": 1, "priority": "urgent"}}},
		{"due tomorrow without a task", map[string]any{"type": "task.due_tomorrow", "payload": map[string]any{}}},
		{"more with a list payload", map[string]any{"type": "task.more", "payload": []any{1}}},
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
			tasks := e.taskList(t, alice)
			if len(tasks) != 1 || tasks[0].Priority != models.PriorityMedium || tasks[0].DueAt != nil {
				t.Errorf("tasks changed: %+v", tasks)
			}
		})
	}
}
