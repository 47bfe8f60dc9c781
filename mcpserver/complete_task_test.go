package mcpserver

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/taskpilot/taskpilot/models"
	"github.com/taskpilot/taskpilot/models/store"
	"github.com/taskpilot/taskpilot/models/store/storetest"
)

func TestCompleteTask(t *testing.T) {
	t.Parallel()
	steps := []struct {
		name     string
		args     map[string]any
		want     completeTaskOut
		wantText string
		wantDone bool
	}{
		{"complete", map[string]any{"task_id": 2}, completeTaskOut{TaskID: 2, Status: "completed", Title: "Pay rent"}, "Completed task 2: Pay rent", true},
		{"complete again sets, never toggles", map[string]any{"task_id": 2, "completed": true}, completeTaskOut{TaskID: 2, Status: "completed", Title: "Pay rent"}, "Task 2 was already completed: Pay rent", true},
		{"reopen", map[string]any{"task_id": 2, "completed": false}, completeTaskOut{TaskID: 2, Status: "reopened", Title: "Pay rent"}, "Reopened task 2: Pay rent", false},
		{"reopen again", map[string]any{"task_id": 2, "completed": false}, completeTaskOut{TaskID: 2, Status: "reopened", Title: "Pay rent"}, "Task 2 was already pending: Pay rent", false},
	}
	storetest.ForEachBackend(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		user := newUser("complete")
		seedTasks(t, st, user, models.NewTask{Title: "Buy milk"}, models.NewTask{Title: "Pay rent"})
		cs := connect(t, st, Options{DefaultUser: user})
		for _, s := range steps {
			out, text := mustOK[completeTaskOut](t, cs, "complete_task", s.args)
			if diff := cmp.Diff(s.want, out); diff != "" {
				t.Errorf("%s: output (-want +got):\n%s", s.name, diff)
			}
			if text != s.wantText {
				t.Errorf("%s: text = %q, want %q", s.name, text, s.wantText)
			}
			task, err := st.GetTask(ctx, user, 2)
			if err != nil {
				t.Fatal(err)
			}
			if task.Completed != s.wantDone || (task.CompletedAt != nil) != s.wantDone {
				t.Errorf("%s: stored completed=%v completed_at=%v, want completed=%v", s.name, task.Completed, task.CompletedAt, s.wantDone)
			}
			if other, _ := st.GetTask(ctx, user, 1); other.Completed {
				t.Errorf("%s: task 1 was completed too", s.name)
			}
		}
	})
}

func TestDeleteTask(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, st *store.Store) {
		user := newUser("delete")
		seedTasks(t, st, user, models.NewTask{Title: "Buy milk"}, models.NewTask{Title: "done:Pay rent"})
		cs := connect(t, st, Options{DefaultUser: user})

		out, text := mustOK[deleteTaskOut](t, cs, "delete_task", map[string]any{"task_id": 2})
		if diff := cmp.Diff(deleteTaskOut{TaskID: 2, Status: "deleted", Title: "Pay rent"}, out); diff != "" {
			t.Errorf("output (-want +got):\n%s", diff)
		}
		if text != "Deleted task 2: Pay rent. It is in the trash for 30 days: update_task(task_id=2, restore=true) restores it." {
			t.Errorf("text = %q", text)
		}
		list, _ := mustOK[listTasksOut](t, cs, "list_tasks", nil)
		if diff := cmp.Diff([]int64{1}, ids(list.Tasks)); diff != "" {
			t.Errorf("remaining ids (-want +got):\n%s", diff)
		}
		if want := (taskCounts{Total: 1, Pending: 1}); list.Counts != want {
			t.Errorf("counts = %+v, want %+v", list.Counts, want)
		}
		if msg := mustFail(t, cs, "delete_task", map[string]any{"task_id": 2}); msg != "Task 2 not found. Call list_tasks to see the user's task ids." {
			t.Errorf("second delete: %q", msg)
		}
	})
}
