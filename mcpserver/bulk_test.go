package mcpserver

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/taskpilot/taskpilot/models"
	"github.com/taskpilot/taskpilot/models/store"
	"github.com/taskpilot/taskpilot/models/store/storetest"
)

// Bulk calls with good and bad items: each item succeeds or fails on its
// own, the result lists each one, and the text counts them.
func TestBulkMixedItems(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, st *store.Store) {
		user := newUser("bulk")
		cs := connect(t, st, Options{DefaultUser: user})

		added, text := mustOK[addTaskOut](t, cs, "add_task", map[string]any{"tasks": []any{
			map[string]any{"title": "Buy milk", "tags": []string{"groceries"}},
			map[string]any{"title": "   "},
			map[string]any{"title": "Buy eggs", "tags": []string{"groceries"}, "priority": "high"},
			map[string]any{"title": "Pay rent", "due": "someday"},
			map[string]any{"title": "Water plants", "repeat": map[string]any{"every": "week"}},
		}})
		wantAdded := []itemResult{
			{Item: 1, TaskID: 1, Status: "created", Title: "Buy milk"},
			{Item: 2, Error: "Item 2: invalid title: must not be empty."},
			{Item: 3, TaskID: 2, Status: "created", Title: "Buy eggs"},
			{Item: 4, Error: `Item 4: invalid due: "someday" is not a date (YYYY-MM-DD) or date-time (RFC 3339, e.g. 2026-05-01T17:00:00Z).`},
			{Item: 5, TaskID: 3, Status: "created", Title: "Water plants"},
		}
		if diff := cmp.Diff(addTaskOut{Results: wantAdded, Succeeded: 3}, added); diff != "" {
			t.Errorf("add_task(tasks) (-want +got):\n%s", diff)
		}
		if !strings.HasPrefix(text, "3 of 5 tasks added.") {
			t.Errorf("add text = %q", text)
		}
		stored := allTasks(t, st, user)
		if len(stored) != 3 || stored[2].Repeat == nil || stored[2].Due() != "2026-05-10" {
			t.Fatalf("stored tasks: %+v (want 3, the last repeating from today)", stored)
		}

		// "Complete everything tagged groceries" is two calls.
		sel, _ := mustOK[listTasksOut](t, cs, "list_tasks", map[string]any{"tag": "groceries", "ids_only": true})
		if diff := cmp.Diff([]int64{1, 2}, sel.TaskIDs); diff != "" || len(sel.Tasks) != 0 {
			t.Errorf("ids_only (-want +got):\n%s tasks %v", diff, sel.Tasks)
		}
		done, text := mustOK[completeTaskOut](t, cs, "complete_task", map[string]any{"task_ids": []int64{1, 99, 2, 1}})
		wantDone := completeTaskOut{Succeeded: 2, Results: []itemResult{
			{TaskID: 1, Status: "completed", Title: "Buy milk"},
			{TaskID: 99, Error: "Task 99 not found."},
			{TaskID: 2, Status: "completed", Title: "Buy eggs"},
		}}
		if diff := cmp.Diff(wantDone, done); diff != "" {
			t.Errorf("complete_task(task_ids) (-want +got):\n%s", diff)
		}
		if !strings.HasPrefix(text, "2 of 3 tasks completed.") {
			t.Errorf("complete text = %q", text)
		}

		upd, _ := mustOK[updateTaskOut](t, cs, "update_task", map[string]any{"task_ids": []int64{2, 3, 42}, "priority": "low"})
		if upd.Succeeded != 2 || upd.Results[2].Error != "Task 42 not found." {
			t.Errorf("update_task(task_ids) = %+v", upd)
		}
		// A change that does not fit one task fails for that task alone.
		upd, _ = mustOK[updateTaskOut](t, cs, "update_task", map[string]any{"task_ids": []int64{1, 3}, "clear_due": true})
		if upd.Succeeded != 1 || !strings.Contains(upd.Results[1].Error, "a repeating task needs a due date") {
			t.Errorf("clear_due on a repeating task = %+v", upd)
		}

		del, text := mustOK[deleteTaskOut](t, cs, "delete_task", map[string]any{"task_ids": []int64{1, 2, 7}})
		if del.Succeeded != 2 || del.Results[2].Error != "Task 7 not found." || !strings.Contains(text, "restore=true") {
			t.Errorf("delete_task(task_ids) = %+v %q", del, text)
		}
		list, _ := mustOK[listTasksOut](t, cs, "list_tasks", nil)
		if diff := cmp.Diff([]int64{3}, ids(list.Tasks)); diff != "" || list.Counts != (taskCounts{Total: 1, Pending: 1}) {
			t.Errorf("after bulk delete: ids %v counts %+v", ids(list.Tasks), list.Counts)
		}
	})
}

// Deleted tasks go to the trash: they keep their numbers, vanish from
// every list, count and lookup, and come back with restore.
func TestTrashAndRestore(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, st *store.Store) {
		user := newUser("trash")
		seedTasks(t, st, user, models.NewTask{Title: "Buy milk"}, models.NewTask{Title: "done:Pay rent"}, models.NewTask{Title: "Call mom"})
		before := allTasks(t, st, user)
		cs := connect(t, st, Options{DefaultUser: user, TrashRetention: 7 * 24 * time.Hour})

		_, text := mustOK[deleteTaskOut](t, cs, "delete_task", map[string]any{"task_ids": []int64{2, 3}})
		if !strings.Contains(text, "trash for 7 days") {
			t.Errorf("delete text = %q", text)
		}
		list, _ := mustOK[listTasksOut](t, cs, "list_tasks", map[string]any{"status": "all"})
		if diff := cmp.Diff([]int64{1}, ids(list.Tasks)); diff != "" || list.Counts != (taskCounts{Total: 1, Pending: 1}) {
			t.Errorf("list after delete: %v %+v", ids(list.Tasks), list.Counts)
		}
		if msg := mustFail(t, cs, "find_task_by_name", map[string]any{"name": "rent"}); !strings.HasPrefix(msg, "No task matches") {
			t.Errorf("find a trashed task: %q", msg)
		}
		if msg := mustFail(t, cs, "complete_task", map[string]any{"task_id": 3}); !strings.HasPrefix(msg, "Task 3 not found.") {
			t.Errorf("complete a trashed task: %q", msg)
		}
		trash, text := mustOK[listTasksOut](t, cs, "list_tasks", map[string]any{"status": "deleted", "sort": "deleted"})
		if diff := cmp.Diff([]int64{3, 2}, ids(trash.Tasks)); diff != "" || trash.Tasks[0].DeletedAt == "" {
			t.Errorf("trash (-want +got):\n%s", diff)
		}
		if !strings.HasPrefix(text, "In the trash") || !strings.Contains(text, "kept for 7 days after deletion") {
			t.Errorf("trash text = %q", text)
		}

		out, text := mustOK[updateTaskOut](t, cs, "update_task", map[string]any{"task_id": 2, "restore": true})
		if out.Status != "restored" || out.TaskID != 2 || text != "Restored task 2 from the trash: Pay rent" {
			t.Errorf("restore = %+v %q", out, text)
		}
		out, _ = mustOK[updateTaskOut](t, cs, "update_task", map[string]any{"task_ids": []int64{3, 2}, "restore": true})
		if out.Succeeded != 1 || out.Results[1].Error != "Task 2 is not in the trash." {
			t.Errorf("restore again = %+v", out)
		}
		if diff := diffTasks(before, allTasks(t, st, user)); diff != "" {
			t.Errorf("restored tasks differ (-before +after):\n%s", diff)
		}
		list, _ = mustOK[listTasksOut](t, cs, "list_tasks", nil)
		if list.Counts != (taskCounts{Total: 3, Pending: 2, Completed: 1}) {
			t.Errorf("counts after restore = %+v", list.Counts)
		}
		if _, text := mustOK[listTasksOut](t, cs, "list_tasks", map[string]any{"status": "deleted"}); text != "The trash is empty." {
			t.Errorf("empty trash text = %q", text)
		}
	})
}

// The server purges the trash after the retention: a single idempotent
// DELETE, safe when several replicas run it at once.
func TestTrashPurge(t *testing.T) {
	t.Parallel()
	// A purge covers every user: each backend gets a database of its own,
	// not the one other tests share.
	backends := map[string]func(testing.TB) *store.Store{"sqlite": storetest.OpenSQLite, "postgres": storetest.OpenPostgres}
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) { testTrashPurge(t, backends[name](t)) })
	}
}

func testTrashPurge(t *testing.T, st *store.Store) {
	{
		ctx := context.Background()
		user := newUser("purge")
		seedTasks(t, st, user, models.NewTask{Title: "Old"}, models.NewTask{Title: "Keep"}, models.NewTask{Title: "Live"})
		if _, err := st.DeleteTasks(ctx, user, []int64{1}); err != nil {
			t.Fatal(err)
		}
		// Within the retention nothing goes.
		if n, err := st.PurgeTrash(ctx, time.Now().Add(-time.Hour)); err != nil || n != 0 {
			t.Fatalf("purge before the retention: %d, %v", n, err)
		}
		time.Sleep(5 * time.Millisecond)
		cutoff := time.Now()
		time.Sleep(5 * time.Millisecond)
		if _, err := st.DeleteTasks(ctx, user, []int64{2}); err != nil {
			t.Fatal(err)
		}
		// Two replicas purging at once: task 1 goes exactly once, task 2
		// (deleted after the cutoff) stays.
		purged := make(chan int64, 2)
		for range 2 {
			go func() {
				n, err := st.PurgeTrash(ctx, cutoff)
				if err != nil {
					t.Error(err)
				}
				purged <- n
			}()
		}
		if a, b := <-purged, <-purged; a+b != 1 {
			t.Errorf("purged %d + %d tasks, want 1 in all", a, b)
		}
		cs := connect(t, st, Options{DefaultUser: user})
		trash, _ := mustOK[listTasksOut](t, cs, "list_tasks", map[string]any{"status": "deleted"})
		if diff := cmp.Diff([]int64{2}, ids(trash.Tasks)); diff != "" {
			t.Errorf("trash after purge (-want +got):\n%s", diff)
		}
		if msg := mustFail(t, cs, "update_task", map[string]any{"task_id": 1, "restore": true}); msg != "Task 1 is not in the trash." {
			t.Errorf("restore a purged task: %q", msg)
		}
		// Numbers are never reused, not even after a purge.
		added, _ := mustOK[addTaskOut](t, cs, "add_task", map[string]any{"title": "New"})
		if added.TaskID != 4 {
			t.Errorf("new task after purge = %d, want 4", added.TaskID)
		}

		// The server's own loop purges on start.
		ctx2, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { st.RunTrashPurge(ctx2, time.Nanosecond, time.Hour, nil); close(done) }()
		deadline := time.Now().Add(5 * time.Second)
		for {
			trash, _ = mustOK[listTasksOut](t, cs, "list_tasks", map[string]any{"status": "deleted"})
			if len(trash.Tasks) == 0 || time.Now().After(deadline) {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
		<-done
		if len(trash.Tasks) != 0 {
			t.Errorf("RunTrashPurge left %v in the trash", ids(trash.Tasks))
		}
		list, _ := mustOK[listTasksOut](t, cs, "list_tasks", nil)
		if list.Counts != (taskCounts{Total: 2, Pending: 2}) {
			t.Errorf("counts after purge = %+v", list.Counts)
		}
	}
}

// Completing a repeating task moves the same task to its next date; past
// count it completes for good; completed=false undoes the last roll.
func TestRepeatingTasks(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, st *store.Store) {
		user := newUser("repeat")
		cs := connect(t, st, Options{DefaultUser: user})
		rent, text := mustOK[addTaskOut](t, cs, "add_task", map[string]any{"title": "Pay rent", "due": "2026-01-31",
			"repeat": map[string]any{"every": "month"}, "tags": []string{"bills"}})
		if rent.Task.RepeatText != "every month" || rent.Task.Repeat == nil || rent.Task.Repeat.Every != "month" || rent.Task.Repeat.Interval != 1 {
			t.Errorf("added = %+v", rent.Task)
		}
		if text != "Added task 1: Pay rent (repeats every month, first due Sat 31 Jan)" {
			t.Errorf("add text = %q", text)
		}
		steps := []struct {
			completed bool
			wantDue   string
			wantText  string
			wantDone  bool
		}{
			{true, "2026-02-28", "Done. Next: Sat 28 Feb. Task 1 (Pay rent) repeats every month and is pending again.", false},
			{true, "2026-03-31", "Done. Next: Tue 31 Mar. Task 1 (Pay rent) repeats every month and is pending again.", false},
			{false, "2026-02-28", "Undid the last completion of task 1: Pay rent is due Sat 28 Feb again.", false},
			{false, "2026-01-31", "Undid the last completion of task 1: Pay rent is due Sat 31 Jan again.", false},
			{false, "2026-01-31", "Task 1 was already pending: Pay rent", false},
			{true, "2026-02-28", "Done. Next: Sat 28 Feb.", false},
		}
		for i, s := range steps {
			out, text := mustOK[completeTaskOut](t, cs, "complete_task", map[string]any{"task_id": 1, "completed": s.completed})
			task, err := st.GetTask(context.Background(), user, 1)
			if err != nil {
				t.Fatal(err)
			}
			if task.Due() != s.wantDue || task.Completed != s.wantDone || !strings.HasPrefix(text, s.wantText) {
				t.Errorf("step %d: due %s completed %v text %q; want %s %v %q", i+1, task.Due(), task.Completed, text, s.wantDue, s.wantDone, s.wantText)
			}
			if s.completed && out.NextDue != s.wantDue {
				t.Errorf("step %d: next_due = %q", i+1, out.NextDue)
			}
		}

		// A rule with a count completes for good at the last one.
		mustOK[addTaskOut](t, cs, "add_task", map[string]any{"title": "Physio", "due": "2026-05-11",
			"repeat": map[string]any{"every": "week", "weekdays": []string{"thu", "mon"}, "count": 2}})
		out, _ := mustOK[completeTaskOut](t, cs, "complete_task", map[string]any{"task_id": 2})
		if out.NextDue != "2026-05-14" {
			t.Errorf("physio next = %q, want Thu 2026-05-14", out.NextDue)
		}
		_, text = mustOK[completeTaskOut](t, cs, "complete_task", map[string]any{"task_id": 2})
		if !strings.Contains(text, "done for good") {
			t.Errorf("last completion text = %q", text)
		}
		list, _ := mustOK[listTasksOut](t, cs, "list_tasks", map[string]any{"repeating": true})
		if diff := cmp.Diff([]int64{1, 2}, ids(list.Tasks)); diff != "" || !list.Tasks[1].Completed || list.Tasks[1].RepeatText != "every week on Mon, Thu, 2 times" {
			t.Errorf("repeating list: %v %+v", ids(list.Tasks), list.Tasks)
		}
		if list.Counts.Completed != 1 {
			t.Errorf("counts = %+v: the rolls must not count as completed", list.Counts)
		}
		// Reopening the final completion makes it pending at its last date.
		mustOK[completeTaskOut](t, cs, "complete_task", map[string]any{"task_id": 2, "completed": false})
		out, _ = mustOK[completeTaskOut](t, cs, "complete_task", map[string]any{"task_id": 2})
		if out.NextDue != "" {
			t.Errorf("re-completing the last one rolled to %q", out.NextDue)
		}

		// update_task sets and clears rules; a rule without a due date starts today.
		mustOK[addTaskOut](t, cs, "add_task", map[string]any{"title": "Stretch"})
		upd, _ := mustOK[updateTaskOut](t, cs, "update_task", map[string]any{"task_id": 3, "repeat": map[string]any{"every": "day", "interval": 2}})
		if upd.Task.Due != "2026-05-10" || upd.Task.RepeatText != "every 2 days" {
			t.Errorf("set rule: %+v", upd.Task)
		}
		upd, _ = mustOK[updateTaskOut](t, cs, "update_task", map[string]any{"task_id": 3, "repeat": map[string]any{"every": "none"}})
		if upd.Task.Repeat != nil || upd.Task.RepeatText != "" || upd.Task.Due != "2026-05-10" {
			t.Errorf("clear rule: %+v", upd.Task)
		}
		out, _ = mustOK[completeTaskOut](t, cs, "complete_task", map[string]any{"task_id": 3})
		if out.NextDue != "" {
			t.Errorf("a cleared rule still rolls: %+v", out)
		}
	})
}

// "Today" and a date-time's wall-clock time are the user's.
func TestRepeatingTasksTimeZone(t *testing.T) {
	t.Parallel()
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	storetest.ForEachBackend(t, func(t *testing.T, st *store.Store) {
		// 20:00 UTC on 10 May is already 11 May in Tokyo.
		cs := connect(t, st, Options{DefaultUser: newUser("tz"), Location: tokyo,
			Now: func() time.Time { return time.Date(2026, 5, 10, 20, 0, 0, 0, time.UTC) }})
		added, _ := mustOK[addTaskOut](t, cs, "add_task", map[string]any{"title": "Journal", "repeat": map[string]any{"every": "day"}})
		if added.Task.Due != "2026-05-11" {
			t.Errorf("today in Tokyo = %q, want 2026-05-11", added.Task.Due)
		}
		// 9:00 in Paris every week keeps 9:00 over the DST change.
		cs = connect(t, st, Options{DefaultUser: newUser("tz"), Location: paris})
		mustOK[addTaskOut](t, cs, "add_task", map[string]any{"title": "Standup", "due": "2026-03-23T09:00:00+01:00", "repeat": map[string]any{"every": "week"}})
		out, text := mustOK[completeTaskOut](t, cs, "complete_task", map[string]any{"task_id": 1})
		if out.NextDue != "2026-03-30T07:00:00Z" || !strings.HasPrefix(text, "Done. Next: Mon 30 Mar 09:00.") {
			t.Errorf("next = %q %q, want 09:00 Paris summer time", out.NextDue, text)
		}
	})
}

// Another user's numbers in any bulk list are not-found items and change
// nothing; the trash is per user too.
func TestBulkIsolation(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		alice, bob := newUser("alice"), newUser("bob")
		seedTasks(t, st, alice, models.NewTask{Title: "A1"}, models.NewTask{Title: "A2"}, models.NewTask{Title: "A3"})
		if _, err := st.DeleteTasks(ctx, alice, []int64{3}); err != nil {
			t.Fatal(err)
		}
		seedTasks(t, st, bob, models.NewTask{Title: "B1"})
		aliceBefore := allTasks(t, st, alice)
		cs := connect(t, st, Options{DefaultUser: bob})

		for _, call := range []struct {
			tool string
			args map[string]any
		}{
			{"complete_task", map[string]any{"task_ids": []int64{1, 2, 3}}},
			{"complete_task", map[string]any{"task_ids": []int64{2, 3}, "completed": false}},
			{"update_task", map[string]any{"task_ids": []int64{2, 3}, "title": "Hacked"}},
			{"update_task", map[string]any{"task_ids": []int64{2, 3}, "restore": true}},
			{"update_task", map[string]any{"task_ids": []int64{2, 3}, "repeat": map[string]any{"every": "day"}}},
			{"delete_task", map[string]any{"task_ids": []int64{2, 3}}},
		} {
			res := callTool(t, cs, call.tool, call.args)
			if res.IsError {
				t.Errorf("%s(%v): %s", call.tool, call.args, textOf(res))
				continue
			}
			if text := textOf(res); !strings.Contains(text, "Task 2 ") || !strings.Contains(text, "Task 3 ") {
				t.Errorf("%s(%v): %q, want tasks 2 and 3 as failed items", call.tool, call.args, text)
			}
		}
		trash, text := mustOK[listTasksOut](t, cs, "list_tasks", map[string]any{"status": "deleted"})
		if len(trash.Tasks) != 0 || text != "The trash is empty." {
			t.Errorf("bob's trash: %v %q", ids(trash.Tasks), text)
		}
		sel, _ := mustOK[listTasksOut](t, cs, "list_tasks", map[string]any{"ids_only": true})
		if diff := cmp.Diff([]int64{1}, sel.TaskIDs); diff != "" {
			t.Errorf("bob's ids: %v", sel.TaskIDs)
		}
		if diff := diffTasks(aliceBefore, allTasks(t, st, alice)); diff != "" {
			t.Errorf("alice's tasks changed (-before +after):\n%s", diff)
		}
		aliceTrash, err := st.ListTasks(ctx, alice, models.TaskFilter{Status: models.StatusDeleted})
		if err != nil || len(aliceTrash.Tasks) != 1 || aliceTrash.Tasks[0].Number != 3 {
			t.Errorf("alice's trash changed: %+v %v", aliceTrash.Tasks, err)
		}
	})
}

// ids_only selects up to 1000 numbers for a bulk action in one call.
func TestListIDsOnly(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, st *store.Store) {
		user := newUser("ids")
		in := make([]models.NewTask, 150)
		for i := range in {
			in[i] = models.NewTask{Title: fmt.Sprintf("Task %d", i+1), Tags: models.Tags{}}
			if i%3 == 0 {
				in[i].Tags = models.Tags{"groceries"}
			}
		}
		if _, err := st.CreateTasks(context.Background(), user, in); err != nil {
			t.Fatal(err)
		}
		cs := connect(t, st, Options{DefaultUser: user})
		all, _ := mustOK[listTasksOut](t, cs, "list_tasks", map[string]any{"ids_only": true})
		if len(all.TaskIDs) != 150 || all.NextCursor != "" || all.TaskIDs[149] != 150 {
			t.Errorf("ids_only: %d ids, cursor %q", len(all.TaskIDs), all.NextCursor)
		}
		page, text := mustOK[listTasksOut](t, cs, "list_tasks", map[string]any{"ids_only": true, "tag": "groceries", "limit": 40})
		if len(page.TaskIDs) != 40 || page.TaskIDs[1] != 4 || page.NextCursor == "" || !strings.HasPrefix(text, "40 matching task ids: 1, 4, 7") {
			t.Errorf("page: %v %q %q", page.TaskIDs, page.NextCursor, text)
		}
		rest, _ := mustOK[listTasksOut](t, cs, "list_tasks", map[string]any{"ids_only": true, "tag": "groceries", "limit": 40, "cursor": page.NextCursor})
		if len(rest.TaskIDs) != 10 || rest.NextCursor != "" {
			t.Errorf("rest: %v %q", rest.TaskIDs, rest.NextCursor)
		}
		if msg := mustFail(t, cs, "list_tasks", map[string]any{"limit": 500}); !strings.Contains(msg, "only ids_only=true lists up to 1000") {
			t.Errorf("limit 500 without ids_only: %q", msg)
		}
	})
}

// A trash that is never purged is not promised to the model as temporary.
func TestTrashNeverPurged(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, st *store.Store) {
		user := newUser("forever")
		seedTasks(t, st, user, models.NewTask{Title: "Buy milk"})
		cs := connect(t, st, Options{DefaultUser: user, TrashRetention: -1})
		_, text := mustOK[deleteTaskOut](t, cs, "delete_task", map[string]any{"task_id": 1})
		if text != "Deleted task 1: Buy milk. It is in the trash: update_task(task_id=1, restore=true) restores it." {
			t.Errorf("text = %q", text)
		}
		if _, text := mustOK[listTasksOut](t, cs, "list_tasks", map[string]any{"status": "deleted"}); !strings.HasPrefix(text, "In the trash (restore with update_task(restore=true)):") {
			t.Errorf("trash text = %q", text)
		}
	})
}

// Concurrent completions of one repeating task each complete one
// occurrence: none is lost (the rows are locked while they roll).
func TestConcurrentRolls(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, st *store.Store) {
		user := newUser("rolls")
		cs := connect(t, st, Options{DefaultUser: user})
		mustOK[addTaskOut](t, cs, "add_task", map[string]any{"title": "Water plants", "due": "2026-06-01", "repeat": map[string]any{"every": "day"}})
		const n = 8
		errs := make(chan string, n)
		for range n {
			go func() {
				res := callTool(t, cs, "complete_task", map[string]any{"task_id": 1})
				if res.IsError {
					errs <- textOf(res)
					return
				}
				errs <- ""
			}()
		}
		for range n {
			if e := <-errs; e != "" {
				t.Error(e)
			}
		}
		task, err := st.GetTask(context.Background(), user, 1)
		if err != nil {
			t.Fatal(err)
		}
		if task.Due() != "2026-06-09" || task.RepeatDone != n || task.Completed {
			t.Errorf("after %d completions: due %s, done %d, completed %v; want 2026-06-09, %d, pending", n, task.Due(), task.RepeatDone, task.Completed, n)
		}
	})
}
