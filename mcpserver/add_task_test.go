package mcpserver

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/taskpilot/taskpilot/models/store"
	"github.com/taskpilot/taskpilot/models/store/storetest"
)

func TestAddTask(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		args     map[string]any
		want     taskJSON
		wantText string
	}{{
		name:     "title only",
		args:     map[string]any{"title": "Buy milk"},
		want:     taskJSON{TaskID: 1, Title: "Buy milk", Priority: "medium", Tags: []string{}},
		wantText: "Added task 1: Buy milk",
	}, {
		name: "every field, trimmed and normalized",
		args: map[string]any{
			"title":       "  Pay rent  ",
			"description": " Transfer to landlord ",
			"priority":    "high",
			"due":         "2026-06-01",
			"tags":        []string{"Home", "bills", "home"},
		},
		want: taskJSON{TaskID: 1, Title: "Pay rent", Description: "Transfer to landlord", Priority: "high",
			Due: "2026-06-01", Tags: []string{"home", "bills"}},
		wantText: "Added task 1: Pay rent",
	}, {
		name:     "date-time due is shown in UTC",
		args:     map[string]any{"title": "Call mom", "due": "2026-05-10T19:30:00+02:00"},
		want:     taskJSON{TaskID: 1, Title: "Call mom", Priority: "medium", Due: "2026-05-10T17:30:00Z", Tags: []string{}},
		wantText: "Added task 1: Call mom",
	}, {
		name:     "past due date is overdue at once",
		args:     map[string]any{"title": "File taxes", "due": "2026-04-30", "priority": "low"},
		want:     taskJSON{TaskID: 1, Title: "File taxes", Priority: "low", Due: "2026-04-30", Overdue: true, Tags: []string{}},
		wantText: "Added task 1: File taxes",
	}, {
		name:     "unicode title of exactly 200 characters",
		args:     map[string]any{"title": strings.Repeat("é", 200)},
		want:     taskJSON{TaskID: 1, Title: strings.Repeat("é", 200), Priority: "medium", Tags: []string{}},
		wantText: "Added task 1: " + strings.Repeat("é", 200),
	}}
	storetest.ForEachBackend(t, func(t *testing.T, st *store.Store) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				user := newUser("add")
				cs := connect(t, st, Options{DefaultUser: user})
				out, text := mustOK[addTaskOut](t, cs, "add_task", tt.args)
				if text != tt.wantText {
					t.Errorf("text = %q, want %q", text, tt.wantText)
				}
				want := addTaskOut{TaskID: tt.want.TaskID, Status: "created", Title: tt.want.Title, Task: &tt.want}
				if diff := cmp.Diff(want, out, ignoreTimes); diff != "" {
					t.Errorf("output (-want +got):\n%s", diff)
				}
				if out.Task.CreatedAt == "" || out.Task.CompletedAt != "" {
					t.Errorf("created_at %q, completed_at %q", out.Task.CreatedAt, out.Task.CompletedAt)
				}
				// The task is really stored, and listed the same way.
				got, err := st.GetTask(context.Background(), user, out.TaskID)
				if err != nil {
					t.Fatalf("stored task: %v", err)
				}
				if diff := cmp.Diff(*out.Task, toTaskJSON(got, testNow)); diff != "" {
					t.Errorf("stored task differs (-returned +stored):\n%s", diff)
				}
			})
		}
	})
}

// Task numbers count per user and are never reused.
func TestAddTaskNumbers(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, st *store.Store) {
		cs := connect(t, st, Options{DefaultUser: newUser("numbers")})
		for want := int64(1); want <= 3; want++ {
			out, _ := mustOK[addTaskOut](t, cs, "add_task", map[string]any{"title": "Task"})
			if out.TaskID != want {
				t.Fatalf("task_id = %d, want %d", out.TaskID, want)
			}
		}
		mustOK[deleteTaskOut](t, cs, "delete_task", map[string]any{"task_id": 3})
		out, _ := mustOK[addTaskOut](t, cs, "add_task", map[string]any{"title": "After delete"})
		if out.TaskID != 4 {
			t.Errorf("task_id after deleting 3 = %d, want 4", out.TaskID)
		}
	})
}
