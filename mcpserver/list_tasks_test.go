package mcpserver

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/taskpilot/taskpilot/models"
	"github.com/taskpilot/taskpilot/models/store"
	"github.com/taskpilot/taskpilot/models/store/storetest"
)

// seedTasks adds tasks for user straight to the store, in order, so they
// get task numbers 1, 2, 3, ... Titles starting with "done:" are completed.
func seedTasks(t *testing.T, st TaskStore, user string, tasks ...models.NewTask) {
	t.Helper()
	ctx := context.Background()
	for _, nt := range tasks {
		done := strings.HasPrefix(nt.Title, "done:")
		nt.Title = strings.TrimPrefix(nt.Title, "done:")
		if nt.Tags == nil {
			nt.Tags = models.Tags{}
		}
		task, err := st.CreateTask(ctx, user, nt)
		if err != nil {
			t.Fatalf("seed %q: %v", nt.Title, err)
		}
		if done {
			if _, err := st.SetTaskCompleted(ctx, user, task.Number, true); err != nil {
				t.Fatalf("seed %q: %v", nt.Title, err)
			}
		}
	}
}

// due parses a due date for seeding.
func due(t *testing.T, s string) *models.Due {
	t.Helper()
	d, err := models.ParseDue("due", s)
	if err != nil {
		t.Fatal(err)
	}
	return &d
}

// ids lists the task numbers of a page.
func ids(tasks []taskJSON) []int64 {
	out := []int64{}
	for _, t := range tasks {
		out = append(out, t.TaskID)
	}
	return out
}

func TestListTasks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args map[string]any
		want []int64
	}{
		{"everything by default", map[string]any{}, []int64{1, 2, 3, 4, 5}},
		{"pending", map[string]any{"status": "pending"}, []int64{1, 2, 4, 5}},
		{"completed", map[string]any{"status": "completed"}, []int64{3}},
		{"priority", map[string]any{"priority": "high"}, []int64{1}},
		{"tag", map[string]any{"tag": "home"}, []int64{1, 2}},
		{"tag in any case", map[string]any{"tag": "HOME"}, []int64{1, 2}},
		{"query in title or description", map[string]any{"query": "MILK"}, []int64{1, 5}},
		{"query matching nothing", map[string]any{"query": "dentist"}, []int64{}},
		{"due before a date excludes that day", map[string]any{"due_before": "2026-05-10"}, []int64{1, 3}},
		{"due before the next day", map[string]any{"due_before": "2026-05-11"}, []int64{1, 3, 4}},
		{"due after a date excludes that day", map[string]any{"due_after": "2026-05-10"}, []int64{2}},
		{"due after a moment", map[string]any{"due_after": "2026-05-10T12:00:00Z"}, []int64{2, 4}},
		{"overdue", map[string]any{"overdue": true}, []int64{1}},
		{"sort by due, undated last", map[string]any{"sort": "due"}, []int64{1, 3, 4, 2, 5}},
		{"sort by priority", map[string]any{"sort": "priority"}, []int64{1, 2, 4, 5, 3}},
		{"sort by title", map[string]any{"sort": "title"}, []int64{1, 4, 5, 2, 3}},
		{"filters combine", map[string]any{"status": "pending", "tag": "home", "sort": "title"}, []int64{1, 2}},
	}
	storetest.ForEachBackend(t, func(t *testing.T, st *store.Store) {
		user := newUser("list")
		seedTasks(t, st, user,
			models.NewTask{Title: "Buy milk", Priority: models.PriorityHigh, Due: due(t, "2026-05-01"), Tags: models.Tags{"home"}},
			models.NewTask{Title: "Pay rent", Due: due(t, "2026-05-31"), Tags: models.Tags{"home", "bills"}},
			models.NewTask{Title: "done:Write report", Priority: models.PriorityLow, Due: due(t, "2026-05-02"), Tags: models.Tags{"work"}},
			models.NewTask{Title: "Call mom", Due: due(t, "2026-05-10T18:00:00Z")},
			models.NewTask{Title: "Feed the cat", Description: "and the milk for the cat"},
		)
		cs := connect(t, st, Options{DefaultUser: user})
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				out, _ := mustOK[listTasksOut](t, cs, "list_tasks", tt.args)
				if diff := cmp.Diff(tt.want, ids(out.Tasks)); diff != "" {
					t.Errorf("task ids (-want +got):\n%s", diff)
				}
				// Counts always cover all of the user's tasks.
				if want := (taskCounts{Total: 5, Pending: 4, Completed: 1}); out.Counts != want {
					t.Errorf("counts = %+v, want %+v", out.Counts, want)
				}
				if out.NextCursor != "" {
					t.Errorf("next_cursor = %q on a single page", out.NextCursor)
				}
			})
		}
	})
}

func TestListTasksOutput(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, st *store.Store) {
		user := newUser("listout")
		cs := connect(t, st, Options{DefaultUser: user})

		out, text := mustOK[listTasksOut](t, cs, "list_tasks", nil)
		if text != "The user has no tasks yet." || out.Tasks == nil || len(out.Tasks) != 0 {
			t.Errorf("empty list: text %q, tasks %#v", text, out.Tasks)
		}

		seedTasks(t, st, user,
			models.NewTask{Title: "Buy milk", Priority: models.PriorityHigh, Due: due(t, "2026-05-01"), Tags: models.Tags{"home", "errands"}},
			models.NewTask{Title: "done:Pay rent", Due: due(t, "2026-05-31")},
			models.NewTask{Title: "Call mom", Priority: models.PriorityLow, Due: due(t, "2026-05-10T18:00:00Z")},
		)
		out, text = mustOK[listTasksOut](t, cs, "list_tasks", nil)
		wantText := "3 tasks (2 pending, 1 completed):\n" +
			"#1 [ ] Buy milk (due 2026-05-01, overdue, high, tags: home, errands)\n" +
			"#2 [x] Pay rent (due 2026-05-31)\n" +
			"#3 [ ] Call mom (due 2026-05-10T18:00:00Z, low)"
		if diff := cmp.Diff(wantText, text); diff != "" {
			t.Errorf("text (-want +got):\n%s", diff)
		}
		want := []taskJSON{
			{TaskID: 1, Title: "Buy milk", Priority: "high", Due: "2026-05-01", Overdue: true, Tags: []string{"home", "errands"}},
			{TaskID: 2, Title: "Pay rent", Completed: true, Priority: "medium", Due: "2026-05-31", Tags: []string{}},
			{TaskID: 3, Title: "Call mom", Priority: "low", Due: "2026-05-10T18:00:00Z", Tags: []string{}},
		}
		if diff := cmp.Diff(want, out.Tasks, ignoreTimes); diff != "" {
			t.Errorf("tasks (-want +got):\n%s", diff)
		}
		if out.Tasks[1].CompletedAt == "" || out.Tasks[0].CompletedAt != "" {
			t.Errorf("completed_at: pending %q, completed %q", out.Tasks[0].CompletedAt, out.Tasks[1].CompletedAt)
		}

		_, text = mustOK[listTasksOut](t, cs, "list_tasks", map[string]any{"status": "completed"})
		if want := "Showing 1 of the user's 3 tasks (2 pending, 1 completed):\n#2 [x] Pay rent (due 2026-05-31)"; text != want {
			t.Errorf("filtered text = %q, want %q", text, want)
		}
		_, text = mustOK[listTasksOut](t, cs, "list_tasks", map[string]any{"query": "dentist"})
		if want := "No tasks match. The user has 3 tasks (2 pending, 1 completed)."; text != want {
			t.Errorf("no-match text = %q, want %q", text, want)
		}
	})
}

// Overdue depends on the server's clock: a date is overdue from the next
// day, a date-time from that moment.
func TestListTasksOverdueClock(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, st *store.Store) {
		user := newUser("clock")
		seedTasks(t, st, user,
			models.NewTask{Title: "Date", Due: due(t, "2026-05-10")},
			models.NewTask{Title: "Moment", Due: due(t, "2026-05-10T12:00:00Z")},
		)
		for _, tt := range []struct {
			now  string
			want []int64
		}{
			{"2026-05-10T11:59:59Z", []int64{}},
			{"2026-05-10T12:00:00Z", []int64{2}},
			{"2026-05-11T00:00:01Z", []int64{1, 2}},
		} {
			now := due(t, tt.now).At
			cs := connect(t, st, Options{DefaultUser: user, Now: func() time.Time { return now }})
			out, _ := mustOK[listTasksOut](t, cs, "list_tasks", map[string]any{"overdue": true})
			if diff := cmp.Diff(tt.want, ids(out.Tasks)); diff != "" {
				t.Errorf("at %s: overdue ids (-want +got):\n%s", tt.now, diff)
			}
			all, _ := mustOK[listTasksOut](t, cs, "list_tasks", nil)
			var flagged []int64
			for _, task := range all.Tasks {
				if task.Overdue {
					flagged = append(flagged, task.TaskID)
				}
			}
			if diff := cmp.Diff(tt.want, flagged, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("at %s: overdue flags (-want +got):\n%s", tt.now, diff)
			}
		}
	})
}

// Following next_cursor walks every task exactly once, in order.
func TestListTasksPagination(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, st *store.Store) {
		user := newUser("pages")
		var seed []models.NewTask
		for title := range strings.FieldsSeq("kiwi apple mango banana cherry grape lemon fig") {
			seed = append(seed, models.NewTask{Title: title})
		}
		seedTasks(t, st, user, seed...)
		cs := connect(t, st, Options{DefaultUser: user})
		for _, sort := range []string{"created", "title"} {
			var got []int64
			args := map[string]any{"limit": 3, "sort": sort}
			for pages := 1; ; pages++ {
				out, text := mustOK[listTasksOut](t, cs, "list_tasks", args)
				got = append(got, ids(out.Tasks)...)
				if out.NextCursor == "" {
					if pages != 3 {
						t.Errorf("sort %s: %d pages, want 3", sort, pages)
					}
					break
				}
				if len(out.Tasks) != 3 || !strings.Contains(text, `cursor "`+out.NextCursor+`"`) {
					t.Errorf("sort %s page %d: %d tasks, text %q", sort, pages, len(out.Tasks), text)
				}
				if pages > 5 {
					t.Fatalf("sort %s: pagination does not end", sort)
				}
				args["cursor"] = out.NextCursor
			}
			want := map[string][]int64{
				"created": {1, 2, 3, 4, 5, 6, 7, 8},
				"title":   {2, 4, 5, 8, 6, 1, 7, 3},
			}[sort]
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("sort %s: ids across pages (-want +got):\n%s", sort, diff)
			}
		}
	})
}
