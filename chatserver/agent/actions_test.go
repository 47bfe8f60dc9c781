package agent_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/taskpilot/taskpilot/chatserver/chatkit/chatkittest"
	"github.com/taskpilot/taskpilot/models"
	"github.com/taskpilot/taskpilot/models/store/storetest"
)

// step is one confirmation step as the user sees it.
type step struct {
	Title, Content string
	Failed         bool
}

// workflows returns the thread's workflow items as items.list answers,
// oldest first, one step each (what a widget action writes); the answer
// is checked against the reference schema.
func (e *env) workflows(t testing.TB, user, thread string) []step {
	t.Helper()
	res, err := e.call(t, user, fmt.Sprintf(`{"type":"items.list","params":{"thread_id":%q,"order":"asc","limit":100}}`, thread))
	if err != nil {
		t.Fatalf("items.list: %v", err)
	}
	b, _ := json.Marshal(res)
	chatkittest.Schemas(t).Validate(t, "page-thread-item.schema.json", b)
	var out []step
	for _, it := range res["data"].([]any) {
		it := it.(map[string]any)
		if it["type"] != "workflow" {
			continue
		}
		out = append(out, stepsOf(it)...)
	}
	return out
}

// stepsOf returns the steps of a workflow item.
func stepsOf(item map[string]any) []step {
	var out []step
	for _, task := range item["workflow"].(map[string]any)["tasks"].([]any) {
		task := task.(map[string]any)
		title, _ := task["title"].(string)
		content, _ := task["content"].(string)
		out = append(out, step{Title: title, Content: content, Failed: task["icon"] == "lucide:circle-alert"})
	}
	return out
}

// streamedSteps returns the steps of the workflow items done in frames.
func streamedSteps(frames []frame) []step {
	var out []step
	for _, f := range frames {
		if f.typ() == "thread.item.done" && f.item()["type"] == "workflow" {
			out = append(out, stepsOf(f.item())...)
		}
	}
	return out
}

// forModel matches text written for a model, never for people.
func forModel(s string) bool {
	return strings.Contains(s, "_task") || strings.Contains(s, "task_id") || strings.Contains(s, "{")
}

// TestWidgetActionsConfirmInWorkflow: every kind of widget action, sync
// or streamed, leaves a workflow step the user sees after a reload
// (items.list), worded as a chat turn's confirmation; a failure leaves a
// failed step in words for people.
func TestWidgetActionsConfirmInWorkflow(t *testing.T) {
	t.Parallel()
	for name, db := range storetest.Backends(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, envOptions{db: db})
			alice := newUser("alice")
			mustAdd(t, e, alice, models.NewTask{Title: "Buy milk"})
			mustAdd(t, e, alice, models.NewTask{Title: "Call mom"})
			frames := e.stream(t, context.Background(), alice, createThread("/list"))
			thread, list := threadID(t, frames), widgets(frames)[0]["id"].(string)
			frames = e.stream(t, context.Background(), alice, addMessage(thread, "/add Pay rent"))
			card := widgets(frames)[0]["id"].(string)
			before := len(e.workflows(t, alice, thread)) // the /add's own confirmation

			act := func(typ string, payload map[string]any) map[string]any {
				return map[string]any{"type": typ, "payload": payload}
			}
			tests := []struct {
				name   string
				widget string
				action map[string]any
				want   step
			}{
				{"complete", list, act("task.complete", map[string]any{"task_id": 1}), step{Title: "Completed task 1: Buy milk"}},
				{"reopen", list, act("task.reopen", map[string]any{"task_id": 1}), step{Title: "Reopened task 1: Buy milk"}},
				{"delete", list, act("task.delete", map[string]any{"task_id": 2}),
					step{Title: "Moved to trash: Call mom (task 2)", Content: "Type /undo to restore it."}},
				{"undo", list, act("task.restore", map[string]any{"task_id": 2}), step{Title: "Restored task 2: Call mom"}},
				{"add", list, act("task.add", map[string]any{"title": "Water plants", "priority": "high", "due": "2026-05-20"}),
					step{Title: "Added task 4: Water plants", Content: "due 2026-05-20 · high priority"}},
				{"due tomorrow", card, act("task.due_tomorrow", map[string]any{"task_id": 3}),
					step{Title: "Updated task 3: Pay rent", Content: "due 2026-05-13"}},
				{"priority", card, act("task.priority", map[string]any{"task_id": 3, "priority": "low"}),
					step{Title: "Updated task 3: Pay rent", Content: "due 2026-05-13 · low priority"}},
				{"done on the card", card, act("task.complete", map[string]any{"task_id": 3}), step{Title: "Completed task 3: Pay rent"}},
				{"reopen on the card", card, act("task.reopen", map[string]any{"task_id": 3}), step{Title: "Reopened task 3: Pay rent"}},
				{"complete a task that never was", list, act("task.complete", map[string]any{"task_id": 99}),
					step{Title: "Couldn't update the task's status", Content: "Task 99 wasn't found. Type /list to see your tasks.", Failed: true}},
				{"add refused by the MCP server", list, act("task.add", map[string]any{"title": strings.Repeat("x", 300)}),
					step{Title: "Couldn't add the task", Content: "The title has 300 characters; the limit is 200.", Failed: true}},
			}
			for _, kind := range []string{"threads.sync_custom_action", "threads.custom_action"} {
				for _, tt := range tests {
					body := customAction(kind, thread, tt.widget, tt.action)
					if kind == "threads.sync_custom_action" {
						if _, err := e.call(t, alice, body); err != nil {
							t.Fatalf("%s %s: %v", kind, tt.name, err)
						}
					} else {
						frames := e.stream(t, context.Background(), alice, body)
						if diff := cmp.Diff([]step{tt.want}, streamedSteps(frames)); diff != "" {
							t.Errorf("%s %s: streamed steps (-want +got):\n%s", kind, tt.name, diff)
						}
					}
					got := e.workflows(t, alice, thread)
					if len(got) != before+1 {
						t.Fatalf("%s %s: %d workflow steps in items.list, want %d", kind, tt.name, len(got), before+1)
					}
					before++
					if diff := cmp.Diff(tt.want, got[len(got)-1]); diff != "" {
						t.Errorf("%s %s: step after a reload (-want +got):\n%s", kind, tt.name, diff)
					}
					if last := got[len(got)-1]; forModel(last.Title + " " + last.Content) {
						t.Errorf("%s %s: step %+v speaks to the model", kind, tt.name, last)
					}
				}
				// The second round adds task 5, and task 3 is low priority already.
				tests[4].want.Title = "Added task 5: Water plants"
				tests[5].want.Content = "due 2026-05-13 · low priority"
			}
			if n := len(e.taskList(t, alice)); n != 5 {
				t.Errorf("alice has %d tasks, want 5", n)
			}

			// A task deleted meanwhile (by another client): its box fails.
			if _, err := e.tasks.DeleteTask(context.Background(), alice, 1); err != nil {
				t.Fatal(err)
			}
			if _, err := e.call(t, alice, customAction("threads.sync_custom_action", thread, list,
				map[string]any{"type": "task.complete", "payload": map[string]any{"task_id": 1}})); err != nil {
				t.Fatal(err)
			}
			got := e.workflows(t, alice, thread)
			want := step{Title: "Couldn't update the task's status", Content: "Task 1 wasn't found. Type /list to see your tasks.", Failed: true}
			if diff := cmp.Diff(want, got[len(got)-1]); diff != "" {
				t.Errorf("completing a task deleted meanwhile (-want +got):\n%s", diff)
			}
			before++

			// Show more changes nothing: its list is its answer.
			if _, err := e.call(t, alice, customAction("threads.sync_custom_action", thread, list, map[string]any{"type": "task.more"})); err != nil {
				t.Fatal(err)
			}
			if got := len(e.workflows(t, alice, thread)); got != before {
				t.Errorf("show more wrote a workflow step (%d, want %d)", got, before)
			}
		})
	}
}
