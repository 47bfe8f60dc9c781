package mcpserver

import (
	"maps"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/taskpilot/taskpilot/models"
	"github.com/taskpilot/taskpilot/models/store"
	"github.com/taskpilot/taskpilot/models/store/storetest"
)

func TestUpdateTask(t *testing.T) {
	t.Parallel()
	// Every case starts from this task, as task 1 of a fresh user.
	start := models.NewTask{Title: "Buy milk", Description: "2 litres", Priority: models.PriorityLow,
		Tags: models.Tags{"home"}}
	base := taskJSON{TaskID: 1, Title: "Buy milk", Description: "2 litres", Priority: "low", Due: "2026-06-01",
		Tags: []string{"home"}}
	with := func(f func(*taskJSON)) taskJSON {
		t := base
		t.Tags = append([]string{}, base.Tags...)
		f(&t)
		return t
	}
	tests := []struct {
		name     string
		args     map[string]any
		want     taskJSON
		wantText string
	}{
		{"title", map[string]any{"title": " Buy oat milk "},
			with(func(t *taskJSON) { t.Title = "Buy oat milk" }), "Updated task 1: Buy oat milk (changed title)"},
		{"clear description", map[string]any{"description": ""},
			with(func(t *taskJSON) { t.Description = "" }), "Updated task 1: Buy milk (changed description)"},
		{"priority", map[string]any{"priority": "high"},
			with(func(t *taskJSON) { t.Priority = "high" }), "Updated task 1: Buy milk (changed priority)"},
		{"due to a past date", map[string]any{"due": "2026-05-01"},
			with(func(t *taskJSON) { t.Due = "2026-05-01"; t.Overdue = true }), "Updated task 1: Buy milk (changed due date)"},
		{"due to a moment", map[string]any{"due": "2026-06-01T08:00:00Z"},
			with(func(t *taskJSON) { t.Due = "2026-06-01T08:00:00Z" }), "Updated task 1: Buy milk (changed due date)"},
		{"clear due", map[string]any{"clear_due": true},
			with(func(t *taskJSON) { t.Due = "" }), "Updated task 1: Buy milk (changed due date)"},
		{"replace tags", map[string]any{"tags": []string{"Errands", "shop"}},
			with(func(t *taskJSON) { t.Tags = []string{"errands", "shop"} }), "Updated task 1: Buy milk (changed tags)"},
		{"remove all tags", map[string]any{"tags": []string{}},
			with(func(t *taskJSON) { t.Tags = []string{} }), "Updated task 1: Buy milk (changed tags)"},
		{"several fields", map[string]any{"title": "Buy bread", "priority": "medium", "clear_due": true},
			with(func(t *taskJSON) { t.Title = "Buy bread"; t.Priority = "medium"; t.Due = "" }),
			"Updated task 1: Buy bread (changed title, priority, due date)"},
	}
	storetest.ForEachBackend(t, func(t *testing.T, st *store.Store) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				user := newUser("update")
				nt := start
				nt.Due = due(t, "2026-06-01")
				seedTasks(t, st, user, nt)
				cs := connect(t, st, Options{DefaultUser: user})
				args := map[string]any{"task_id": 1}
				maps.Copy(args, tt.args)
				out, text := mustOK[updateTaskOut](t, cs, "update_task", args)
				want := updateTaskOut{TaskID: 1, Status: "updated", Title: tt.want.Title, Task: &tt.want}
				if diff := cmp.Diff(want, out, ignoreTimes); diff != "" {
					t.Errorf("output (-want +got):\n%s", diff)
				}
				if text != tt.wantText {
					t.Errorf("text = %q, want %q", text, tt.wantText)
				}
				stored := allTasks(t, st, user)
				if len(stored) != 1 {
					t.Fatalf("%d tasks stored", len(stored))
				}
				if diff := cmp.Diff(*out.Task, toTaskJSON(stored[0], testNow)); diff != "" {
					t.Errorf("stored task differs (-returned +stored):\n%s", diff)
				}
			})
		}
	})
}
