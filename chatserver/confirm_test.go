package chatserver_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/taskpilot/taskpilot/chatserver/agent"
	"github.com/taskpilot/taskpilot/chatserver/chatkit/chatkittest"
)

// TestConfirmations: every tool call of a turn, by the model or by a
// slash command, single or bulk, shows as a step of a workflow item that
// the server writes from the tool's result; every failed call as a failed
// step with a message for people. The workflow is stored, so items.list
// returns it as it was streamed.
func TestConfirmations(t *testing.T) {
	t.Parallel()
	confirmations(t, "")
}

// step is a workflow step as the tests look at it.
type step struct {
	Title, Content string
	Failed         bool
}

// confirmations is TestConfirmations on the database at dbURL ("" means
// a new SQLite file).
func confirmations(t *testing.T, dbURL string) {
	chatkittest.RequireSchemas(t)
	h := newHarness(t, config{dbURL: dbURL})
	h.stream("alice", createReq("/add Buy milk !high due:2026-12-10"))

	tests := []struct {
		text string
		want step
	}{
		// Slash commands.
		{"/add Call mom", step{Title: "Added task 2: Call mom"}},
		{"/list", step{Title: "Showing 2 tasks"}},
		{"/done 1", step{Title: "Completed task 1: Buy milk"}},
		{"/undo 1", step{Title: "Reopened task 1: Buy milk"}},
		{"/delete 2", step{Title: "Moved to trash: Call mom (task 2)", Content: "Type /undo to restore it."}},
		{"/trash", step{Title: "Showing 1 task in the trash"}},
		{"/undo", step{Title: "Restored task 2: Call mom"}},
		{"/done 1 99", step{Title: "Completed 1 of 2 tasks", Content: "✓ #1 Buy milk\n✗ Task 99 wasn't found. Type /list to see your tasks.", Failed: true}},
		{"/done 98 99", step{Title: "Completed none of 2 tasks", Failed: true,
			Content: "✗ Task 98 wasn't found. Type /list to see your tasks.\n✗ Task 99 wasn't found. Type /list to see your tasks."}},
		{"/delete 99", step{Title: "Couldn't delete the task", Content: "Task 99 wasn't found. Type /list to see your tasks.", Failed: true}},
		// The model's calls of every tool.
		{`call add_task {"title":"Pay rent","due":"2026-12-01","tags":["bills"]}`, step{Title: "Added task 3: Pay rent", Content: "due 2026-12-01 · tags: bills"}},
		{`call add_task {"tasks":[{"title":"A"},{"title":"B"}]}`, step{Title: "Added 2 tasks", Content: "✓ #4 A\n✓ #5 B"}},
		{`call list_tasks {"status":"pending"}`, step{Title: "Showing 4 tasks"}},
		{`call list_tasks {"ids_only":true}`, step{Title: "Selected 5 tasks"}},
		{`call find_task_by_name {"name":"rent"}`, step{Title: "Found task 3: Pay rent"}},
		{`call complete_task {"task_ids":[4,5]}`, step{Title: "Completed 2 tasks", Content: "✓ #4 A\n✓ #5 B"}},
		{`call complete_task {"task_id":4,"completed":false}`, step{Title: "Reopened task 4: A"}},
		{`call update_task {"task_id":3,"priority":"high"}`, step{Title: "Updated task 3: Pay rent", Content: "due 2026-12-01 · high priority · tags: bills"}},
		{`call delete_task {"task_ids":[4,5]}`, step{Title: "Moved to trash: 2 tasks", Content: "✓ #4 A\n✓ #5 B\nType /undo to restore them."}},
		{`call update_task {"task_ids":[4,5],"restore":true}`, step{Title: "Restored 2 tasks", Content: "✓ #4 A\n✓ #5 B"}},
		{`call delete_task {"task_id":5}`, step{Title: "Moved to trash: B (task 5)", Content: "Type /undo to restore it."}},
		// The model's failed calls.
		{`call complete_task {"task_id":99}`, step{Title: "Couldn't update the task's status", Content: "Task 99 wasn't found. Type /list to see your tasks.", Failed: true}},
		{`call find_task_by_name {"name":"zzz"}`, step{Title: "Couldn't find the task", Content: "No task matches “zzz”.", Failed: true}},
		{`call add_task {"title":"Pay bills"}`, step{Title: "Added task 6: Pay bills"}},
		{`call find_task_by_name {"name":"pay"}`, step{Title: "Couldn't find the task", Content: "Several tasks match “pay”. Say which one you mean, or give its number.", Failed: true}},
		{`call update_task {"task_id":3}`, step{Title: "Couldn't update the task", Content: "The request wasn't valid, so nothing was changed.", Failed: true}},
		{`call add_task {"title":"X","due":"someday"}`, step{Title: "Couldn't add the task", Content: "The request wasn't valid, so nothing was changed.", Failed: true}},
		{`call add_task {"title":"` + strings.Repeat("x", 201) + `"}`, step{Title: "Couldn't add the task", Content: "The title has 201 characters; the limit is 200.", Failed: true}},
		{`call update_task {"task_id":1,"restore":true}`, step{Title: "Couldn't update the task", Content: "Task 1 is not in the trash.", Failed: true}},
		{`call delete_task {}`, step{Title: "Couldn't delete the task", Content: "The request wasn't valid, so nothing was changed.", Failed: true}},
		{`call no_such_tool {}`, step{Title: "That didn't work", Content: "That action isn't available on this server.", Failed: true}},
	}
	for _, tt := range tests {
		// Each in a thread of its own, to compare the thread's calls and
		// steps one to one.
		events := h.stream("alice", createReq(tt.text))
		if has(events, "error") {
			t.Errorf("%s: error event in %v", tt.text, types(events))
			continue
		}
		done := doneWorkflows(t, events)
		if len(done) != 1 {
			t.Errorf("%s: %d workflows done, want 1: %v", tt.text, len(done), types(events))
			continue
		}
		got := steps(t, done[0])
		if tt.want.Content == "" && len(got) == 1 && !tt.want.Failed {
			tt.want.Content = got[0].Content // details not under test
		}
		if diff := cmp.Diff([]step{tt.want}, got); diff != "" {
			t.Errorf("%s: steps (-want +got):\n%s", tt.text, diff)
		}
		for _, s := range got {
			if low := strings.ToLower(s.Title + s.Content); strings.Contains(low, "_task") || strings.Contains(low, "task_id") || strings.Contains(low, "call list") {
				t.Errorf("%s: step %+v has text meant for the model", tt.text, s)
			}
		}

		// Every call has its step, a failed call a failed step, and
		// items.list returns the workflow as it was streamed.
		thread := threadID(t, events)
		var records []agent.ToolCallRecord
		for _, it := range h.allItems("alice", thread) {
			if rec, ok := agent.DecodeToolCall(it); ok {
				records = append(records, rec)
			}
		}
		var listed [][]byte
		for _, it := range h.items("alice", thread) {
			if it["type"] == "workflow" {
				b, _ := json.Marshal(it)
				listed = append(listed, b)
			}
		}
		if len(listed) != 1 || string(listed[0]) != string(done[0]) {
			t.Errorf("%s: items.list workflows %s, want the streamed %s", tt.text, listed, done[0])
		}
		if len(records) != len(got) {
			t.Errorf("%s: %d tool calls, %d steps", tt.text, len(records), len(got))
			continue
		}
		for i, rec := range records {
			if rec.Status != agent.StatusOK && !got[i].Failed {
				t.Errorf("%s: call %s failed (%s) but its step %+v does not", tt.text, rec.Tool, rec.Error, got[i])
			}
		}
	}
}

// doneWorkflows returns the raw workflow items of the thread.item.done
// events.
func doneWorkflows(t *testing.T, events []event) [][]byte {
	t.Helper()
	var out [][]byte
	for _, ev := range events {
		if ev.Type != "thread.item.done" {
			continue
		}
		item := ev.M["item"].(map[string]any)
		if item["type"] == "workflow" {
			b, _ := json.Marshal(item)
			out = append(out, b)
		}
	}
	return out
}

// steps decodes a workflow item's steps.
func steps(t *testing.T, raw []byte) []step {
	t.Helper()
	var w struct {
		Workflow struct {
			Tasks []struct {
				Title, Content, Icon string
				Status               string `json:"status_indicator"`
			} `json:"tasks"`
		} `json:"workflow"`
	}
	if err := json.Unmarshal(raw, &w); err != nil {
		t.Fatal(err)
	}
	var out []step
	for _, task := range w.Workflow.Tasks {
		if task.Status == "loading" {
			t.Errorf("a done workflow has a loading step: %s", raw)
		}
		out = append(out, step{Title: task.Title, Content: task.Content, Failed: task.Icon == "lucide:circle-alert"})
	}
	return out
}
