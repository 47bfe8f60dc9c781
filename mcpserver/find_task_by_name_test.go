package mcpserver

import (
	"fmt"
	"strings"
	"testing"

	"github.com/taskpilot/taskpilot/models"
	"github.com/taskpilot/taskpilot/models/store"
	"github.com/taskpilot/taskpilot/models/store/storetest"
)

func TestFindTaskByName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		query   string
		wantID  int64  // 0 when an error is expected
		wantErr string // the whole error text
	}{
		{name: "exact title beats substrings", query: "milk", wantID: 2},
		{name: "exact title ignores case", query: "MILK THE COW", wantID: 3},
		{name: "exact title among longer ones", query: "call mom", wantID: 5},
		{name: "unique substring", query: "rent", wantID: 4},
		{name: "surrounding spaces are ignored", query: "  rent ", wantID: 4},
		{name: "completed task is found", query: "tax", wantID: 7},
		{name: "ambiguous substring", query: "mil",
			wantErr: `Several tasks match "mil": 1 "Buy milk", 2 "Milk", 3 "Milk the cow". Ask the user which one, or use a more specific name.`},
		{name: "ambiguous with a completed task", query: "mom",
			wantErr: `Several tasks match "mom": 5 "Call Mom", 6 "Call mom later" (completed). Ask the user which one, or use a more specific name.`},
		{name: "no match", query: "dentist",
			wantErr: `No task matches "dentist". Call list_tasks to see the user's tasks and their task ids.`},
		{name: "wildcards are literal", query: "%",
			wantErr: `No task matches "%". Call list_tasks to see the user's tasks and their task ids.`},
	}
	storetest.ForEachBackend(t, func(t *testing.T, st *store.Store) {
		user := newUser("find")
		seedTasks(t, st, user,
			models.NewTask{Title: "Buy milk"},
			models.NewTask{Title: "Milk"},
			models.NewTask{Title: "Milk the cow"},
			models.NewTask{Title: "Pay rent"},
			models.NewTask{Title: "Call Mom"},
			models.NewTask{Title: "done:Call mom later"},
			models.NewTask{Title: "done:File taxes"},
		)
		cs := connect(t, st, Options{DefaultUser: user})
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				args := map[string]any{"name": tt.query}
				if tt.wantErr != "" {
					if msg := mustFail(t, cs, "find_task_by_name", args); msg != tt.wantErr {
						t.Errorf("error = %q\nwant    %q", msg, tt.wantErr)
					}
					return
				}
				out, text := mustOK[findTaskByNameOut](t, cs, "find_task_by_name", args)
				if out.TaskID != tt.wantID || out.Task.TaskID != tt.wantID || out.Title != out.Task.Title {
					t.Errorf("found %+v, want task %d", out, tt.wantID)
				}
				want := fmt.Sprintf("Found task %d: %s", out.TaskID, out.Title)
				if out.Task.Completed {
					want += " (completed)"
				}
				if text != want {
					t.Errorf("text = %q, want %q", text, want)
				}
			})
		}
	})
}

// An ambiguous name lists at most ten candidates.
func TestFindTaskByNameManyMatches(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, st *store.Store) {
		user := newUser("findmany")
		var seed []models.NewTask
		for i := range 12 {
			seed = append(seed, models.NewTask{Title: fmt.Sprintf("Chore %d", i+1)})
		}
		seedTasks(t, st, user, seed...)
		cs := connect(t, st, Options{DefaultUser: user})
		msg := mustFail(t, cs, "find_task_by_name", map[string]any{"name": "chore"})
		if !strings.Contains(msg, `10 "Chore 10" and more. Ask the user`) || strings.Contains(msg, `"Chore 11"`) {
			t.Errorf("error = %q", msg)
		}
	})
}
