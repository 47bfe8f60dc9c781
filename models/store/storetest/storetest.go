// Package storetest is the behaviour suite for models/store. Run it against
// every database the store supports (mattermost's storetest pattern):
//
//	storetest.Run(t, func(t *testing.T) *store.Store { … a fresh, migrated store … })
//
// It also opens fresh test databases for any package's tests: OpenSQLite
// always, OpenPostgres when TASKPILOT_TEST_POSTGRES_DSN is set (skipping
// otherwise, failing when TASKPILOT_REQUIRE_POSTGRES=1), and Backends or
// ForEachBackend for both.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/taskpilot/taskpilot/models"
	"github.com/taskpilot/taskpilot/models/store"
)

// Run runs every store test. open must return a fresh, migrated, empty
// store and close it when the test ends.
func Run(t *testing.T, open func(t *testing.T) *store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s *store.Store)
	}{
		{"CreateAndGet", testCreateAndGet},
		{"CreatedIDs", testCreatedIDs},
		{"CreateRejectsBadInput", testCreateRejectsBadInput},
		{"NumbersNeverReused", testNumbersNeverReused},
		{"Isolation", testIsolation},
		{"SetCompleted", testSetCompleted},
		{"Update", testUpdate},
		{"UpdateRejects", testUpdateRejects},
		{"Delete", testDelete},
		{"ListFilters", testListFilters},
		{"ListSorts", testListSorts},
		{"Pagination", testPagination},
		{"ListRejects", testListRejects},
		{"DefaultLimit", testDefaultLimit},
		{"Counts", testCounts},
		{"FindByTitle", testFindByTitle},
		{"MigrateTwice", testMigrateTwice},
		{"ConcurrentCreate", testConcurrentCreate},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, open(t))
		})
	}
}

// ignoreGenerated leaves out the fields the store picks itself.
var ignoreGenerated = cmpopts.IgnoreFields(models.Task{}, "ID", "CreatedAt", "UpdatedAt")

func ctx(t *testing.T) context.Context { return t.Context() }

func mustCreate(t *testing.T, s *store.Store, user string, in models.NewTask) models.Task {
	t.Helper()
	task, err := s.CreateTask(ctx(t), user, in)
	if err != nil {
		t.Fatalf("CreateTask(%q, %q): %v", user, in.Title, err)
	}
	return task
}

func mustGet(t *testing.T, s *store.Store, user string, n int64) models.Task {
	t.Helper()
	task, err := s.GetTask(ctx(t), user, n)
	if err != nil {
		t.Fatalf("GetTask(%q, %d): %v", user, n, err)
	}
	return task
}

func mustList(t *testing.T, s *store.Store, user string, f models.TaskFilter) models.TaskPage {
	t.Helper()
	page, err := s.ListTasks(ctx(t), user, f)
	if err != nil {
		t.Fatalf("ListTasks(%q, %+v): %v", user, f, err)
	}
	return page
}

func mustDue(t *testing.T, s string) *models.Due {
	t.Helper()
	d, err := models.ParseDue("due", s)
	if err != nil {
		t.Fatal(err)
	}
	return &d
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func numbers(tasks []models.Task) []int64 {
	out := []int64{}
	for _, t := range tasks {
		out = append(out, t.Number)
	}
	return out
}

// wantField fails unless err is a *models.ValidationError for field.
func wantField(t *testing.T, err error, field string) {
	t.Helper()
	var ve *models.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v, want a *models.ValidationError for %q", err, field)
	}
	if ve.Field != field {
		t.Fatalf("err field = %q (%v), want %q", ve.Field, err, field)
	}
	if !errors.Is(err, models.ErrInvalid) {
		t.Fatalf("errors.Is(%v, ErrInvalid) = false", err)
	}
}

func wantNotFound(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("%s: err = %v, want models.ErrNotFound", what, err)
	}
}

func testCreateAndGet(t *testing.T, s *store.Store) {
	tests := []struct {
		name string
		in   models.NewTask
		want models.Task
	}{
		{
			name: "defaults",
			in:   models.NewTask{Title: "Buy milk"},
			want: models.Task{UserID: "alice", Number: 1, Title: "Buy milk", Priority: models.PriorityMedium, Tags: models.Tags{}},
		},
		{
			name: "every field",
			in: models.NewTask{Title: "File taxes", Description: "before the deadline", Priority: models.PriorityHigh,
				Due: mustDue(t, "2026-04-15"), Tags: models.Tags{"home", "money"}},
			want: models.Task{UserID: "alice", Number: 2, Title: "File taxes", Description: "before the deadline",
				Priority: models.PriorityHigh, DueAt: new(at("2026-04-15T00:00:00Z")), Tags: models.Tags{"home", "money"}},
		},
		{
			name: "date-time due kept in UTC",
			in:   models.NewTask{Title: "Call Bob", Due: mustDue(t, "2026-05-01T17:30:00+02:00")},
			want: models.Task{UserID: "alice", Number: 3, Title: "Call Bob", Priority: models.PriorityMedium,
				DueAt: new(at("2026-05-01T15:30:00Z")), DueHasTime: true, Tags: models.Tags{}},
		},
		{
			name: "input normalized again",
			in:   models.NewTask{Title: "  Spaces  ", Priority: "LOW", Tags: models.Tags{"Work", "work"}},
			want: models.Task{UserID: "alice", Number: 4, Title: "Spaces", Priority: models.PriorityLow, Tags: models.Tags{"work"}},
		},
		{
			name: "unicode title",
			in:   models.NewTask{Title: "Über café ☕"},
			want: models.Task{UserID: "alice", Number: 5, Title: "Über café ☕", Priority: models.PriorityMedium, Tags: models.Tags{}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := time.Now().Add(-time.Second)
			got := mustCreate(t, s, "alice", tc.in)
			if diff := cmp.Diff(tc.want, got, ignoreGenerated); diff != "" {
				t.Errorf("CreateTask (-want +got):\n%s", diff)
			}
			if got.CreatedAt.Before(before) || got.CreatedAt.Location() != time.UTC || !got.UpdatedAt.Equal(got.CreatedAt) {
				t.Errorf("CreatedAt = %v, UpdatedAt = %v; want now, in UTC, equal", got.CreatedAt, got.UpdatedAt)
			}
			if diff := cmp.Diff(got, mustGet(t, s, "alice", got.Number)); diff != "" {
				t.Errorf("GetTask differs from CreateTask (-create +get):\n%s", diff)
			}
		})
	}
}

// testCreatedIDs: every created task comes back with the id it was
// stored under, whether it was created alone or with others, ids are
// never shared, and a listing returns each user's tasks as GetTask does.
func testCreatedIDs(t *testing.T, s *store.Store) {
	seen := map[uint64]bool{}
	for _, step := range []struct {
		user   string
		titles []string
	}{
		{"alice", []string{"one"}},
		{"alice", []string{"two", "three", "four"}},
		{"bob", []string{"five"}},
		{"alice", []string{"six"}},
		{"bob", []string{"seven", "eight"}},
	} {
		in := make([]models.NewTask, len(step.titles))
		for i, title := range step.titles {
			in[i] = models.NewTask{Title: title}
		}
		created, err := s.CreateTasks(ctx(t), step.user, in)
		if err != nil || len(created) != len(in) {
			t.Fatalf("CreateTasks(%q, %v) = %d tasks, %v", step.user, step.titles, len(created), err)
		}
		for _, task := range created {
			if task.ID == 0 || seen[task.ID] {
				t.Errorf("%s: id %d is zero or taken", task.Title, task.ID)
			}
			seen[task.ID] = true
			if got := mustGet(t, s, step.user, task.Number); got.ID != task.ID || got.Title != task.Title {
				t.Errorf("%s: created with id %d, stored as %q with id %d", task.Title, task.ID, got.Title, got.ID)
			}
		}
	}
	for user, want := range map[string]int{"alice": 5, "bob": 3} {
		page, err := s.ListTasks(ctx(t), user, models.TaskFilter{})
		if err != nil || len(page.Tasks) != want {
			t.Fatalf("ListTasks(%q) = %d tasks, %v; want %d", user, len(page.Tasks), err, want)
		}
		for _, task := range page.Tasks {
			if diff := cmp.Diff(mustGet(t, s, user, task.Number), task); diff != "" {
				t.Errorf("%s's task %d listed differs from GetTask (-get +list):\n%s", user, task.Number, diff)
			}
		}
	}
}

func testCreateRejectsBadInput(t *testing.T, s *store.Store) {
	tags := make(models.Tags, models.MaxTags+1)
	for i := range tags {
		tags[i] = string(rune('a' + i))
	}
	tests := []struct {
		name  string
		in    models.NewTask
		field string
	}{
		{"empty title", models.NewTask{Title: "  "}, "title"},
		{"long title", models.NewTask{Title: strings.Repeat("x", models.MaxTitleLen+1)}, "title"},
		{"too many tags", models.NewTask{Title: "x", Tags: tags}, "tags"},
		{"bad tag", models.NewTask{Title: "x", Tags: models.Tags{"no spaces"}}, "tags"},
		{"bad priority", models.NewTask{Title: "x", Priority: "urgent"}, "priority"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.CreateTask(ctx(t), "alice", tc.in)
			wantField(t, err, tc.field)
		})
	}
	page := mustList(t, s, "alice", models.TaskFilter{})
	if len(page.Tasks) != 0 || page.Counts.Total != 0 {
		t.Errorf("after rejected creates: %d tasks, counts %+v; want none", len(page.Tasks), page.Counts)
	}
	// A rejected create uses up no number.
	if got := mustCreate(t, s, "alice", models.NewTask{Title: "ok"}); got.Number != 1 {
		t.Errorf("first accepted task number = %d, want 1", got.Number)
	}
}

func testNumbersNeverReused(t *testing.T, s *store.Store) {
	steps := []struct {
		op   string // "add" or "del"
		user string
		n    int64 // task to delete, or the number add must return
	}{
		{"add", "alice", 1}, {"add", "alice", 2}, {"add", "alice", 3},
		{"del", "alice", 3}, {"add", "alice", 4}, // the highest number is not reused
		{"del", "alice", 1}, {"del", "alice", 4}, {"add", "alice", 5},
		{"add", "bob", 1},                                             // each user counts from 1
		{"del", "alice", 2}, {"del", "alice", 5}, {"add", "alice", 6}, // not even when all are gone
	}
	for _, st := range steps {
		switch st.op {
		case "add":
			if got := mustCreate(t, s, st.user, models.NewTask{Title: "t"}); got.Number != st.n {
				t.Fatalf("%s's new task number = %d, want %d", st.user, got.Number, st.n)
			}
		case "del":
			if _, err := s.DeleteTask(ctx(t), st.user, st.n); err != nil {
				t.Fatalf("DeleteTask(%s, %d): %v", st.user, st.n, err)
			}
		}
	}
	if got := numbers(mustList(t, s, "alice", models.TaskFilter{}).Tasks); !cmp.Equal(got, []int64{6}) {
		t.Errorf("alice's tasks = %v, want [6]", got)
	}
}

func testIsolation(t *testing.T, s *store.Store) {
	a := mustCreate(t, s, "alice", models.NewTask{Title: "Secret plan", Tags: models.Tags{"x"}})
	ops := []struct {
		name string
		call func() error
	}{
		{"get", func() error { _, err := s.GetTask(ctx(t), "bob", a.Number); return err }},
		{"update", func() error {
			_, err := s.UpdateTask(ctx(t), "bob", a.Number, models.TaskPatch{Title: new("Hijacked")})
			return err
		}},
		{"complete", func() error { _, err := s.SetTaskCompleted(ctx(t), "bob", a.Number, true); return err }},
		{"delete", func() error { _, err := s.DeleteTask(ctx(t), "bob", a.Number); return err }},
	}
	for _, op := range ops {
		t.Run(op.name, func(t *testing.T) {
			wantNotFound(t, "bob "+op.name+" alice's task", op.call())
		})
	}
	page := mustList(t, s, "bob", models.TaskFilter{})
	if len(page.Tasks) != 0 || page.Counts != (models.TaskCounts{}) {
		t.Errorf("bob's list = %v, counts %+v; want empty", numbers(page.Tasks), page.Counts)
	}
	if got, _ := s.FindTasksByTitle(ctx(t), "bob", "secret plan", 10); len(got) != 0 {
		t.Errorf("bob finds %d of alice's tasks by title", len(got))
	}
	if diff := cmp.Diff(a, mustGet(t, s, "alice", a.Number)); diff != "" {
		t.Errorf("alice's task changed (-before +after):\n%s", diff)
	}
	if c := mustList(t, s, "alice", models.TaskFilter{}).Counts; c != (models.TaskCounts{Total: 1, Pending: 1}) {
		t.Errorf("alice's counts = %+v, want 1 pending", c)
	}
}

func testSetCompleted(t *testing.T, s *store.Store) {
	task := mustCreate(t, s, "alice", models.NewTask{Title: "Water plants"})
	var firstCompletedAt time.Time
	steps := []struct {
		name      string
		completed bool
		want      models.TaskCounts
	}{
		{"complete", true, models.TaskCounts{Total: 1, Completed: 1}},
		{"complete again keeps completed_at", true, models.TaskCounts{Total: 1, Completed: 1}},
		{"reopen", false, models.TaskCounts{Total: 1, Pending: 1}},
		{"reopen again", false, models.TaskCounts{Total: 1, Pending: 1}},
		{"complete after reopen", true, models.TaskCounts{Total: 1, Completed: 1}},
	}
	for i, st := range steps {
		got, err := s.SetTaskCompleted(ctx(t), "alice", task.Number, st.completed)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if got.Completed != st.completed || (got.CompletedAt != nil) != st.completed {
			t.Errorf("%s: completed = %v, completed_at = %v", st.name, got.Completed, got.CompletedAt)
		}
		switch i {
		case 0:
			firstCompletedAt = *got.CompletedAt
		case 1:
			if !got.CompletedAt.Equal(firstCompletedAt) {
				t.Errorf("%s: completed_at moved from %v to %v", st.name, firstCompletedAt, got.CompletedAt)
			}
		}
		if diff := cmp.Diff(got, mustGet(t, s, "alice", task.Number)); diff != "" {
			t.Errorf("%s: returned task differs from stored (-returned +stored):\n%s", st.name, diff)
		}
		if c := mustList(t, s, "alice", models.TaskFilter{}).Counts; c != st.want {
			t.Errorf("%s: counts = %+v, want %+v", st.name, c, st.want)
		}
	}
	_, err := s.SetTaskCompleted(ctx(t), "alice", 99, true)
	wantNotFound(t, "complete task 99", err)
}

func testUpdate(t *testing.T, s *store.Store) {
	orig := models.NewTask{Title: "Draft", Description: "first", Priority: models.PriorityLow,
		Due: mustDue(t, "2026-03-01"), Tags: models.Tags{"a"}}
	tests := []struct {
		name  string
		patch models.TaskPatch
		want  func(*models.Task)
	}{
		{"title", models.TaskPatch{Title: new(" Final ")}, func(w *models.Task) { w.Title = "Final" }},
		{"description cleared", models.TaskPatch{Description: new("")}, func(w *models.Task) { w.Description = "" }},
		{"priority", models.TaskPatch{Priority: new(models.PriorityHigh)}, func(w *models.Task) { w.Priority = models.PriorityHigh }},
		{"due to date-time", models.TaskPatch{Due: mustDue(t, "2026-03-02T09:00:00Z")}, func(w *models.Task) {
			w.DueAt, w.DueHasTime = new(at("2026-03-02T09:00:00Z")), true
		}},
		{"clear due", models.TaskPatch{ClearDue: true}, func(w *models.Task) { w.DueAt = nil }},
		{"tags replaced", models.TaskPatch{Tags: new(models.Tags{"B", "c"})}, func(w *models.Task) { w.Tags = models.Tags{"b", "c"} }},
		{"tags emptied", models.TaskPatch{Tags: new(models.Tags{})}, func(w *models.Task) { w.Tags = models.Tags{} }},
		{"several", models.TaskPatch{Title: new("New"), Priority: new(models.PriorityMedium)}, func(w *models.Task) {
			w.Title, w.Priority = "New", models.PriorityMedium
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			task := mustCreate(t, s, "alice", orig)
			want := task
			tc.want(&want)
			got, err := s.UpdateTask(ctx(t), "alice", task.Number, tc.patch)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(models.Task{}, "UpdatedAt")); diff != "" {
				t.Errorf("UpdateTask (-want +got):\n%s", diff)
			}
			if got.UpdatedAt.Before(task.UpdatedAt) {
				t.Errorf("UpdatedAt went back from %v to %v", task.UpdatedAt, got.UpdatedAt)
			}
			if diff := cmp.Diff(got, mustGet(t, s, "alice", task.Number)); diff != "" {
				t.Errorf("returned task differs from stored (-returned +stored):\n%s", diff)
			}
		})
	}
}

func testUpdateRejects(t *testing.T, s *store.Store) {
	task := mustCreate(t, s, "alice", models.NewTask{Title: "Keep me"})
	tests := []struct {
		name  string
		patch models.TaskPatch
		field string
	}{
		{"empty patch", models.TaskPatch{}, ""},
		{"due and clear due", models.TaskPatch{Due: mustDue(t, "2026-01-01"), ClearDue: true}, "due"},
		{"empty title", models.TaskPatch{Title: new("")}, "title"},
		{"bad priority", models.TaskPatch{Priority: new(models.Priority("asap"))}, "priority"},
		{"bad tag", models.TaskPatch{Title: new("ok"), Tags: new(models.Tags{"a b"})}, "tags"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.UpdateTask(ctx(t), "alice", task.Number, tc.patch)
			wantField(t, err, tc.field)
		})
	}
	if diff := cmp.Diff(task, mustGet(t, s, "alice", task.Number)); diff != "" {
		t.Errorf("rejected updates changed the task (-before +after):\n%s", diff)
	}
	_, err := s.UpdateTask(ctx(t), "alice", 42, models.TaskPatch{Title: new("x")})
	wantNotFound(t, "update task 42", err)
}

func testDelete(t *testing.T, s *store.Store) {
	a := mustCreate(t, s, "alice", models.NewTask{Title: "One", Tags: models.Tags{"x"}})
	b := mustCreate(t, s, "alice", models.NewTask{Title: "Two"})
	b, _ = s.SetTaskCompleted(ctx(t), "alice", b.Number, true)

	for _, want := range []models.Task{a, b} {
		got, err := s.DeleteTask(ctx(t), "alice", want.Number)
		if err != nil {
			t.Fatal(err)
		}
		// It went to the trash, otherwise as it was.
		if got.DeletedAt == nil || time.Since(*got.DeletedAt) > time.Minute {
			t.Errorf("DeletedAt = %v, want now", got.DeletedAt)
		}
		want.DeletedAt = got.DeletedAt
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("DeleteTask returned (-want +got):\n%s", diff)
		}
		_, err = s.GetTask(ctx(t), "alice", want.Number)
		wantNotFound(t, "get deleted task", err)
		_, err = s.DeleteTask(ctx(t), "alice", want.Number)
		wantNotFound(t, "delete deleted task", err)
	}
	if c := mustList(t, s, "alice", models.TaskFilter{}).Counts; c != (models.TaskCounts{}) {
		t.Errorf("counts after deleting everything = %+v, want zero", c)
	}
}

// seedListing creates alice's fixed listing fixture (and one task of bob's)
// and returns the clock used for "overdue".
func seedListing(t *testing.T, s *store.Store) time.Time {
	t.Helper()
	for _, in := range []models.NewTask{
		/* 1 */ {Title: "Pay rent", Priority: models.PriorityHigh, Due: mustDue(t, "2026-06-01"), Tags: models.Tags{"home", "money"}},
		/* 2 */ {Title: "buy milk", Description: "2% or whole", Priority: models.PriorityLow, Tags: models.Tags{"shop"}},
		/* 3 */ {Title: "Call mom", Due: mustDue(t, "2026-06-10T18:00:00Z"), Tags: models.Tags{"family"}},
		/* 4 */ {Title: "Write report", Description: "Quarterly NUMBERS", Priority: models.PriorityHigh, Due: mustDue(t, "2026-06-10T09:00:00Z"), Tags: models.Tags{"work"}},
		/* 5 */ {Title: "Alpha 100% done", Due: mustDue(t, "2026-06-09"), Tags: models.Tags{"work_x"}},
		/* 6 */ {Title: "apple pie", Priority: models.PriorityLow, Tags: models.Tags{"workx"}},
		/* 7 */ {Title: "Zebra", Priority: models.PriorityHigh, Due: mustDue(t, "2026-05-01"), Tags: models.Tags{"home"}},
		/* 8 */ {Title: "Buy Milk", Description: "again"},
	} {
		mustCreate(t, s, "alice", in)
	}
	for _, n := range []int64{1, 6} {
		if _, err := s.SetTaskCompleted(ctx(t), "alice", n, true); err != nil {
			t.Fatal(err)
		}
	}
	mustCreate(t, s, "bob", models.NewTask{Title: "Pay rent", Tags: models.Tags{"home"}})
	return at("2026-06-10T09:00:00Z")
}

func testListFilters(t *testing.T, s *store.Store) {
	now := seedListing(t, s)
	tests := []struct {
		name string
		f    models.TaskFilter
		want []int64
	}{
		{"all", models.TaskFilter{}, []int64{1, 2, 3, 4, 5, 6, 7, 8}},
		{"status all", models.TaskFilter{Status: models.StatusAll}, []int64{1, 2, 3, 4, 5, 6, 7, 8}},
		{"pending", models.TaskFilter{Status: models.StatusPending}, []int64{2, 3, 4, 5, 7, 8}},
		{"completed", models.TaskFilter{Status: models.StatusCompleted}, []int64{1, 6}},
		{"priority high", models.TaskFilter{Priority: models.PriorityHigh}, []int64{1, 4, 7}},
		{"priority low pending", models.TaskFilter{Priority: models.PriorityLow, Status: models.StatusPending}, []int64{2}},
		{"tag", models.TaskFilter{Tag: "home"}, []int64{1, 7}},
		{"tag matches whole tags only", models.TaskFilter{Tag: "work"}, []int64{4}},
		{"tag underscore is not a wildcard", models.TaskFilter{Tag: "work_x"}, []int64{5}},
		{"tag unknown", models.TaskFilter{Tag: "nope"}, []int64{}},
		{"query title any case", models.TaskFilter{Query: "MILK"}, []int64{2, 8}},
		{"query description any case", models.TaskFilter{Query: "numbers"}, []int64{4}},
		{"query percent is literal", models.TaskFilter{Query: "100%"}, []int64{5}},
		{"query percent anywhere", models.TaskFilter{Query: "%"}, []int64{2, 5}},
		{"query underscore is literal", models.TaskFilter{Query: "_"}, []int64{}},
		{"query part of a word", models.TaskFilter{Query: "pi"}, []int64{6}},
		{"due before is strict", models.TaskFilter{DueBefore: new(at("2026-06-10T09:00:00Z"))}, []int64{1, 5, 7}},
		{"due after is strict", models.TaskFilter{DueAfter: new(at("2026-06-10T09:00:00Z"))}, []int64{3}},
		{"due window", models.TaskFilter{DueAfter: new(at("2026-05-01T00:00:00Z")), DueBefore: new(at("2026-06-10T00:00:00Z"))}, []int64{1, 5}},
		// 7 (May 1) and 5 (June 9, a whole day, over at June 10 00:00) are
		// overdue; 4 is due exactly now; 1 is overdue but completed; 3 is later.
		{"overdue", models.TaskFilter{Overdue: true, Now: now}, []int64{4, 5, 7}},
		{"overdue a second earlier", models.TaskFilter{Overdue: true, Now: now.Add(-time.Second)}, []int64{5, 7}},
		{"date due today is not overdue", models.TaskFilter{Overdue: true, Now: at("2026-06-09T23:59:59Z")}, []int64{7}},
		{"overdue and tag", models.TaskFilter{Overdue: true, Now: now, Tag: "work"}, []int64{4}},
		// A date is over at its end in Now's time zone, the user's: 12:00 UTC
		// on June 9 is June 10 in UTC+14; 09:30 UTC on June 10 is still June 9
		// in UTC-11 (while 4's moment has passed everywhere).
		{"date over in UTC+14", models.TaskFilter{Overdue: true, Now: at("2026-06-09T12:00:00Z").In(time.FixedZone("UTC+14", 14*3600))}, []int64{5, 7}},
		{"same instant in UTC", models.TaskFilter{Overdue: true, Now: at("2026-06-09T12:00:00Z")}, []int64{7}},
		{"date not over in UTC-11", models.TaskFilter{Overdue: true, Now: at("2026-06-10T09:30:00Z").In(time.FixedZone("UTC-11", -11*3600))}, []int64{4, 7}},
		{"combined", models.TaskFilter{Status: models.StatusPending, Priority: models.PriorityHigh, Tag: "home"}, []int64{7}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.f.Limit = models.MaxListLimit
			page := mustList(t, s, "alice", tc.f)
			if diff := cmp.Diff(tc.want, numbers(page.Tasks)); diff != "" {
				t.Errorf("task numbers (-want +got):\n%s", diff)
			}
			if page.NextCursor != "" {
				t.Errorf("NextCursor = %q on a single page", page.NextCursor)
			}
			if want := (models.TaskCounts{Total: 8, Pending: 6, Completed: 2}); page.Counts != want {
				t.Errorf("counts = %+v, want %+v whatever the filter", page.Counts, want)
			}
		})
	}
}

func testListSorts(t *testing.T, s *store.Store) {
	seedListing(t, s)
	tests := []struct {
		sort models.Sort
		want []int64
	}{
		{"", []int64{1, 2, 3, 4, 5, 6, 7, 8}},
		{models.SortCreated, []int64{1, 2, 3, 4, 5, 6, 7, 8}},
		// Soonest first; date-only dues at midnight; no due last, by number.
		{models.SortDue, []int64{7, 1, 5, 4, 3, 2, 6, 8}},
		{models.SortPriority, []int64{1, 4, 7, 3, 5, 8, 2, 6}},
		// Case-insensitive; equal titles ("buy milk", "Buy Milk") by number.
		{models.SortTitle, []int64{5, 6, 2, 8, 3, 1, 4, 7}},
	}
	for _, tc := range tests {
		t.Run(string(tc.sort), func(t *testing.T) {
			page := mustList(t, s, "alice", models.TaskFilter{Sort: tc.sort})
			if diff := cmp.Diff(tc.want, numbers(page.Tasks)); diff != "" {
				t.Errorf("order (-want +got):\n%s", diff)
			}
		})
	}
}

func testPagination(t *testing.T, s *store.Store) {
	// 30 tasks with many equal sort keys, so ties must be broken by number.
	prios := []models.Priority{models.PriorityLow, models.PriorityMedium, models.PriorityHigh}
	titles := []string{"beta", "Alpha", "alpha", "Gamma", "b"}
	for i := range 30 {
		in := models.NewTask{Title: titles[i%len(titles)], Priority: prios[i%3]}
		if i%4 != 0 {
			in.Due = mustDue(t, []string{"2026-01-02", "2026-01-01T12:00:00Z", "2026-01-03"}[i%3])
		}
		task := mustCreate(t, s, "alice", in)
		if i%5 == 0 {
			if _, err := s.SetTaskCompleted(ctx(t), "alice", task.Number, true); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, sort := range []models.Sort{models.SortCreated, models.SortDue, models.SortPriority, models.SortTitle} {
		for _, status := range []models.Status{models.StatusAll, models.StatusPending} {
			want := numbers(mustList(t, s, "alice", models.TaskFilter{Sort: sort, Status: status, Limit: models.MaxListLimit}).Tasks)
			for _, limit := range []int{1, 4, 7, 24, 30} {
				t.Run(fmt.Sprintf("%s/%s/limit%d", sort, status, limit), func(t *testing.T) {
					var got []int64
					f := models.TaskFilter{Sort: sort, Status: status, Limit: limit}
					for pages := 0; ; pages++ {
						if pages > len(want) {
							t.Fatalf("more than %d pages: cursor never ends", pages)
						}
						page := mustList(t, s, "alice", f)
						if len(page.Tasks) > limit || (page.NextCursor != "" && len(page.Tasks) != limit) {
							t.Fatalf("page %d has %d tasks with limit %d (next %q)", pages, len(page.Tasks), limit, page.NextCursor)
						}
						got = append(got, numbers(page.Tasks)...)
						if page.NextCursor == "" {
							break
						}
						f.Cursor = page.NextCursor
					}
					if diff := cmp.Diff(want, got); diff != "" {
						t.Errorf("pages joined differ from one full listing (-want +got):\n%s", diff)
					}
				})
			}
		}
	}
}

func testListRejects(t *testing.T, s *store.Store) {
	mustCreate(t, s, "alice", models.NewTask{Title: "a"})
	mustCreate(t, s, "alice", models.NewTask{Title: "b"})
	dueCursor := mustList(t, s, "alice", models.TaskFilter{Sort: models.SortDue, Limit: 1}).NextCursor
	if dueCursor == "" {
		t.Fatal("no cursor after the first of two tasks")
	}
	tests := []struct {
		name  string
		f     models.TaskFilter
		field string
	}{
		{"limit negative", models.TaskFilter{Limit: -1}, "limit"},
		{"limit too big", models.TaskFilter{Limit: models.MaxListLimit + 1}, "limit"},
		{"cursor not base64", models.TaskFilter{Cursor: "%%%"}, "cursor"},
		{"cursor not json", models.TaskFilter{Cursor: "aGVsbG8"}, "cursor"},
		{"cursor without position", models.TaskFilter{Cursor: "e30"}, "cursor"}, // {}
		{"cursor for another sort", models.TaskFilter{Sort: models.SortTitle, Cursor: dueCursor}, "cursor"},
		{"cursor for default sort", models.TaskFilter{Cursor: dueCursor}, "cursor"},
		{"unknown sort", models.TaskFilter{Sort: "random"}, "sort"},
		{"unknown status", models.TaskFilter{Status: "done"}, "status"},
		{"bad priority", models.TaskFilter{Priority: "urgent"}, "priority"},
		{"bad tag", models.TaskFilter{Tag: "a b"}, "tag"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.ListTasks(ctx(t), "alice", tc.f)
			wantField(t, err, tc.field)
		})
	}
}

func testDefaultLimit(t *testing.T, s *store.Store) {
	for range models.DefaultListLimit + 1 {
		mustCreate(t, s, "alice", models.NewTask{Title: "t"})
	}
	page := mustList(t, s, "alice", models.TaskFilter{})
	if len(page.Tasks) != models.DefaultListLimit || page.NextCursor == "" {
		t.Fatalf("limit 0 gave %d tasks (next %q), want %d and a cursor", len(page.Tasks), page.NextCursor, models.DefaultListLimit)
	}
	rest := mustList(t, s, "alice", models.TaskFilter{Cursor: page.NextCursor})
	if got := numbers(rest.Tasks); !cmp.Equal(got, []int64{models.DefaultListLimit + 1}) || rest.NextCursor != "" {
		t.Errorf("second page = %v (next %q), want [%d] and no cursor", got, rest.NextCursor, models.DefaultListLimit+1)
	}
}

func testCounts(t *testing.T, s *store.Store) {
	steps := []struct {
		name string
		do   func(t *testing.T)
		want models.TaskCounts
	}{
		{"empty", func(*testing.T) {}, models.TaskCounts{}},
		{"three added", func(t *testing.T) {
			for range 3 {
				mustCreate(t, s, "alice", models.NewTask{Title: "t"})
			}
		}, models.TaskCounts{Total: 3, Pending: 3}},
		{"two completed", func(t *testing.T) {
			for _, n := range []int64{1, 2, 2} {
				if _, err := s.SetTaskCompleted(ctx(t), "alice", n, true); err != nil {
					t.Fatal(err)
				}
			}
		}, models.TaskCounts{Total: 3, Pending: 1, Completed: 2}},
		{"completed one deleted", func(t *testing.T) {
			if _, err := s.DeleteTask(ctx(t), "alice", 1); err != nil {
				t.Fatal(err)
			}
		}, models.TaskCounts{Total: 2, Pending: 1, Completed: 1}},
		{"reopened", func(t *testing.T) {
			if _, err := s.SetTaskCompleted(ctx(t), "alice", 2, false); err != nil {
				t.Fatal(err)
			}
		}, models.TaskCounts{Total: 2, Pending: 2}},
		{"pending one deleted", func(t *testing.T) {
			if _, err := s.DeleteTask(ctx(t), "alice", 3); err != nil {
				t.Fatal(err)
			}
		}, models.TaskCounts{Total: 1, Pending: 1}},
		{"failed calls change nothing", func(t *testing.T) {
			_, _ = s.DeleteTask(ctx(t), "alice", 3)
			_, _ = s.SetTaskCompleted(ctx(t), "alice", 3, true)
			_, _ = s.CreateTask(ctx(t), "alice", models.NewTask{})
		}, models.TaskCounts{Total: 1, Pending: 1}},
	}
	for _, st := range steps {
		st.do(t)
		for _, f := range []models.TaskFilter{{}, {Status: models.StatusCompleted, Limit: 1}, {Tag: "none"}} {
			if got := mustList(t, s, "alice", f).Counts; got != st.want {
				t.Errorf("%s: counts with filter %+v = %+v, want %+v", st.name, f, got, st.want)
			}
		}
	}
}

func testFindByTitle(t *testing.T, s *store.Store) {
	for _, title := range []string{
		/* 1 */ "Buy milk", "buy MILK", "Buy milk and eggs", "Milk the cow",
		/* 5 */ "50% off", "500 things", "a_b", "axb", "Café Über",
	} {
		mustCreate(t, s, "alice", models.NewTask{Title: title})
	}
	mustCreate(t, s, "bob", models.NewTask{Title: "Buy milk"})
	tests := []struct {
		name  string
		query string
		limit int
		want  []int64
	}{
		{"exact matches win, any case", "BUY MILK", 10, []int64{1, 2}},
		{"exact with spaces around", "  buy milk ", 10, []int64{1, 2}},
		{"substring when no exact match", "milk", 10, []int64{1, 2, 3, 4}},
		{"substring limited", "milk", 2, []int64{1, 2}},
		{"percent is literal", "50%", 10, []int64{5}},
		{"underscore is literal", "a_b", 10, []int64{7}},
		{"underscore substring is literal", "_", 10, []int64{7}},
		{"unicode exact", "café über", 10, []int64{9}},
		{"no match", "bread", 10, []int64{}},
		{"zero limit means default", "milk", 0, []int64{1, 2, 3, 4}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.FindTasksByTitle(ctx(t), "alice", tc.query, tc.limit)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, numbers(got)); diff != "" {
				t.Errorf("found (-want +got):\n%s", diff)
			}
		})
	}
	_, err := s.FindTasksByTitle(ctx(t), "alice", "  ", 10)
	if !errors.Is(err, models.ErrInvalid) {
		t.Errorf("empty name: err = %v, want ErrInvalid", err)
	}
}

func testMigrateTwice(t *testing.T, s *store.Store) {
	a := mustCreate(t, s, "alice", models.NewTask{Title: "survives"})
	for range 2 {
		if err := s.Migrate(ctx(t)); err != nil {
			t.Fatalf("Migrate again: %v", err)
		}
	}
	if diff := cmp.Diff(a, mustGet(t, s, "alice", a.Number)); diff != "" {
		t.Errorf("task changed by Migrate (-before +after):\n%s", diff)
	}
	if b := mustCreate(t, s, "alice", models.NewTask{Title: "next"}); b.Number != 2 {
		t.Errorf("number after Migrate = %d, want 2", b.Number)
	}
}

func testConcurrentCreate(t *testing.T, s *store.Store) {
	const n = 50
	var wg sync.WaitGroup
	errs := make(chan error, n)
	got := make(chan int64, n)
	for i := range n {
		wg.Go(func() {
			task, err := s.CreateTask(ctx(t), "alice", models.NewTask{Title: fmt.Sprintf("task %d", i)})
			if err != nil {
				errs <- err
				return
			}
			got <- task.Number
		})
	}
	wg.Wait()
	close(errs)
	close(got)
	for err := range errs {
		t.Errorf("CreateTask: %v", err)
	}
	var nums []int64
	for n := range got {
		nums = append(nums, n)
	}
	slices.Sort(nums)
	want := make([]int64, n)
	for i := range want {
		want[i] = int64(i + 1)
	}
	if diff := cmp.Diff(want, nums); diff != "" {
		t.Errorf("numbers (-want +got):\n%s", diff)
	}
	page := mustList(t, s, "alice", models.TaskFilter{Limit: models.MaxListLimit})
	if len(page.Tasks) != n || page.Counts.Total != n {
		t.Errorf("listed %d tasks, counted %d; want %d", len(page.Tasks), page.Counts.Total, n)
	}
}
