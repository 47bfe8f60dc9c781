package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/taskpilot/taskpilot/models"
	"github.com/taskpilot/taskpilot/models/store"
	"github.com/taskpilot/taskpilot/models/store/storetest"
)

func TestThreadsSQLite(t *testing.T) {
	storetest.RunThreads(t, func(t *testing.T) *store.Store { return storetest.OpenSQLite(t) })
}

func TestThreadsSQLiteMemory(t *testing.T) {
	storetest.RunThreads(t, func(t *testing.T) *store.Store { return storetest.Open(t, "sqlite::memory:") })
}

func TestThreadsPostgres(t *testing.T) {
	storetest.PostgresDSN(t)
	storetest.RunThreads(t, func(t *testing.T) *store.Store { return storetest.OpenPostgres(t) })
}

// databases opens a fresh store per database: SQLite always, PostgreSQL
// when configured (OpenPostgres skips or fails that subtest otherwise).
var databases = map[string]func(testing.TB) *store.Store{
	"sqlite":   storetest.OpenSQLite,
	"postgres": storetest.OpenPostgres,
}

func item(id string, sec int) models.ThreadItem {
	return models.ThreadItem{ID: id, Type: "assistant_message", CreatedAt: time.Unix(int64(1_780_000_000+sec), 0).UTC(),
		Data: []byte(`{"type":"assistant_message","id":"` + id + `","content":[]}`)}
}

func thread(id string) models.Thread {
	return models.Thread{ID: id, Status: `{"type":"active"}`, Metadata: `{}`}
}

// TestFeedbackKeptAndCascaded checks what SaveFeedback records: the latest
// rating per item, all or none, and nothing left once the item or thread
// is deleted (a recreated item starts unrated).
func TestFeedbackKeptAndCascaded(t *testing.T) {
	for name, open := range databases {
		t.Run(name, func(t *testing.T) {
			s, ctx := open(t), t.Context()
			must := func(err error) {
				t.Helper()
				if err != nil {
					t.Fatal(err)
				}
			}
			feedback := func() map[string]models.FeedbackKind {
				t.Helper()
				fb, err := s.Feedback(ctx, "alice", "thr_1")
				must(err)
				return fb
			}
			must(s.SaveThread(ctx, "alice", thread("thr_1")))
			for _, it := range []models.ThreadItem{item("msg_1", 1), item("msg_2", 2), item("msg_3", 3)} {
				must(s.AddThreadItem(ctx, "alice", "thr_1", it))
			}
			must(s.SaveFeedback(ctx, "alice", "thr_1", []string{"msg_1", "msg_2"}, "positive"))
			must(s.SaveFeedback(ctx, "alice", "thr_1", []string{"msg_2"}, "negative"))
			if err := s.SaveFeedback(ctx, "alice", "thr_1", []string{"msg_3", "msg_missing"}, "negative"); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("SaveFeedback with a missing item: err = %v, want ErrNotFound", err)
			}
			want := map[string]models.FeedbackKind{"msg_1": "positive", "msg_2": "negative"}
			if diff := cmp.Diff(want, feedback()); diff != "" {
				t.Errorf("feedback (-want +got):\n%s", diff)
			}

			must(s.DeleteThreadItem(ctx, "alice", "thr_1", "msg_1"))
			must(s.AddThreadItem(ctx, "alice", "thr_1", item("msg_1", 4)))
			if diff := cmp.Diff(map[string]models.FeedbackKind{"msg_2": "negative"}, feedback()); diff != "" {
				t.Errorf("feedback after deleting msg_1 (-want +got):\n%s", diff)
			}

			must(s.DeleteThread(ctx, "alice", "thr_1"))
			must(s.SaveThread(ctx, "alice", thread("thr_1")))
			must(s.AddThreadItem(ctx, "alice", "thr_1", item("msg_2", 5)))
			if got := feedback(); len(got) != 0 {
				t.Errorf("feedback after deleting the thread = %v, want none", got)
			}
		})
	}
}

func TestThreadsSurviveReopen(t *testing.T) {
	ctx := context.Background()
	url := "sqlite://" + filepath.Join(t.TempDir(), "threads.db")
	title := "Groceries"
	th := thread("thr_1")
	th.Title, th.CreatedAt = &title, time.Date(2026, 3, 1, 9, 0, 0, 123456000, time.UTC)
	var (
		before      models.Thread
		beforeItems []models.ThreadItem
	)
	{
		s, err := store.Open(ctx, url, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveThread(ctx, "alice", th); err != nil {
			t.Fatal(err)
		}
		for _, it := range []models.ThreadItem{item("msg_2", 1), item("msg_1", 1), item("msg_0", 0)} {
			if err := s.AddThreadItem(ctx, "alice", "thr_1", it); err != nil {
				t.Fatal(err)
			}
		}
		if before, err = s.GetThread(ctx, "alice", "thr_1"); err != nil {
			t.Fatal(err)
		}
		if beforeItems, _, err = s.ListThreadItems(ctx, "alice", "thr_1", models.PageQuery{}); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	s := storetest.Open(t, url)
	after, err := s.GetThread(ctx, "alice", "thr_1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(before, after); diff != "" {
		t.Errorf("thread after reopen (-before +after):\n%s", diff)
	}
	items, _, err := s.ListThreadItems(ctx, "alice", "thr_1", models.PageQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(beforeItems, items); diff != "" {
		t.Errorf("items after reopen (-before +after):\n%s", diff)
	}
	var ids []string
	for _, it := range items {
		ids = append(ids, it.ID)
	}
	if diff := cmp.Diff([]string{"msg_0", "msg_2", "msg_1"}, ids); diff != "" {
		t.Errorf("item order after reopen (-want +got):\n%s", diff)
	}
}

// TestFeedbackLongList: one rating of more items than a single INSERT can
// bind on either database (14,000 rows of 5 parameters: above SQLite's
// 32,766 and PostgreSQL's 65,535) is recorded whole, and a list with one
// missing or malformed id records nothing.
func TestFeedbackLongList(t *testing.T) {
	for name, open := range databases {
		t.Run(name, func(t *testing.T) {
			s, ctx := open(t), t.Context()
			if err := s.SaveThread(ctx, "alice", thread("thr_1")); err != nil {
				t.Fatal(err)
			}
			ids, err := s.SeedThreadItems(ctx, "alice", "thr_1", 14_000)
			if err != nil {
				t.Fatal(err)
			}
			for _, tc := range []struct {
				name string
				ids  []string
				want error
			}{
				{"one missing", append(slices.Clone(ids), "msg_missing"), models.ErrNotFound},
				{"one with NUL", append(slices.Clone(ids), "msg_\x00"), models.ErrInvalid},
			} {
				if err := s.SaveFeedback(ctx, "alice", "thr_1", tc.ids, "negative"); !errors.Is(err, tc.want) {
					t.Errorf("%s: SaveFeedback = %v, want %v", tc.name, err, tc.want)
				}
			}
			if fb, err := s.Feedback(ctx, "alice", "thr_1"); err != nil || len(fb) != 0 {
				t.Fatalf("after failed ratings: %d ratings, %v; want none", len(fb), err)
			}
			if err := s.SaveFeedback(ctx, "alice", "thr_1", ids, "positive"); err != nil {
				t.Fatalf("SaveFeedback(%d ids): %v", len(ids), err)
			}
			fb, err := s.Feedback(ctx, "alice", "thr_1")
			if err != nil {
				t.Fatal(err)
			}
			if len(fb) != len(ids) || fb[ids[0]] != models.FeedbackPositive || fb[ids[len(ids)-1]] != models.FeedbackPositive {
				t.Errorf("recorded %d ratings (first %q, last %q), want %d positive", len(fb), fb[ids[0]], fb[ids[len(ids)-1]], len(ids))
			}
		})
	}
}

// TestAddThreadItems: several items are appended in one call, in order;
// a batch with a duplicate id stores none of its items.
func TestAddThreadItems(t *testing.T) {
	for name, open := range databases {
		t.Run(name, func(t *testing.T) {
			s, ctx := open(t), t.Context()
			if err := s.SaveThread(ctx, "alice", thread("thr_1")); err != nil {
				t.Fatal(err)
			}
			ids := func() []string {
				items, _, err := s.ListThreadItems(ctx, "alice", "thr_1", models.PageQuery{})
				if err != nil {
					t.Fatal(err)
				}
				var out []string
				for _, it := range items {
					out = append(out, it.ID)
				}
				return out
			}
			if err := s.AddThreadItems(ctx, "alice", "thr_1", []models.ThreadItem{item("b", 1), item("a", 1), item("c", 1)}); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{"b", "a", "c"}, ids()); diff != "" {
				t.Errorf("items (-want +got):\n%s", diff)
			}
			err := s.AddThreadItems(ctx, "alice", "thr_1", []models.ThreadItem{item("d", 2), item("a", 2)})
			if !errors.Is(err, models.ErrConflict) {
				t.Errorf("batch with a duplicate id: %v, want ErrConflict", err)
			}
			if err := s.AddThreadItems(ctx, "bob", "thr_1", []models.ThreadItem{item("e", 3), item("f", 3)}); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("batch into another user's thread: %v, want ErrNotFound", err)
			}
			if diff := cmp.Diff([]string{"b", "a", "c"}, ids()); diff != "" {
				t.Errorf("items after the refused batches (-want +got):\n%s", diff)
			}
		})
	}
}

// TestCreateThread: a new thread and its first items are stored in one
// transaction: all of them, or nothing when any part fails (an item
// refused by the database after the thread's row was written included).
// Another user's thread of the same id stays untouched.
func TestCreateThread(t *testing.T) {
	for name, open := range databases {
		t.Run(name, func(t *testing.T) {
			s, ctx := open(t), t.Context()
			ids := func(user, threadID string) []string {
				items, _, err := s.ListThreadItems(ctx, user, threadID, models.PageQuery{})
				if err != nil {
					t.Fatalf("items of %s's %s: %v", user, threadID, err)
				}
				var out []string
				for _, it := range items {
					out = append(out, it.ID)
				}
				return out
			}
			titled := thread("thr_1")
			title := "Groceries"
			titled.Title = &title
			if err := s.CreateThread(ctx, "alice", titled, []models.ThreadItem{item("b", 1), item("a", 1)}); err != nil {
				t.Fatal(err)
			}
			got, err := s.GetThread(ctx, "alice", "thr_1")
			if err != nil || got.Title == nil || *got.Title != title || got.CreatedAt.IsZero() {
				t.Fatalf("created thread: %+v, %v", got, err)
			}
			if diff := cmp.Diff([]string{"b", "a"}, ids("alice", "thr_1")); diff != "" {
				t.Errorf("items (-want +got):\n%s", diff)
			}

			// The same id again for alice: refused, nothing added.
			err = s.CreateThread(ctx, "alice", thread("thr_1"), []models.ThreadItem{item("c", 2)})
			if !errors.Is(err, models.ErrConflict) {
				t.Errorf("an existing thread: %v, want ErrConflict", err)
			}
			// Bob's thread of the same id is his own; alice's is untouched.
			if err := s.CreateThread(ctx, "bob", thread("thr_1"), []models.ThreadItem{item("d", 2)}); err != nil {
				t.Fatalf("bob's thread of alice's id: %v", err)
			}
			if diff := cmp.Diff([]string{"d"}, ids("bob", "thr_1")); diff != "" {
				t.Errorf("bob's items (-want +got):\n%s", diff)
			}
			got, err = s.GetThread(ctx, "alice", "thr_1")
			if err != nil || got.Title == nil || *got.Title != title {
				t.Errorf("alice's thread after the refusal and bob's: %+v, %v", got, err)
			}
			if diff := cmp.Diff([]string{"b", "a"}, ids("alice", "thr_1")); diff != "" {
				t.Errorf("alice's items after the refusal and bob's (-want +got):\n%s", diff)
			}

			// The items' INSERT fails in the database (a duplicate id)
			// after the thread's: neither is kept.
			err = s.CreateThread(ctx, "alice", thread("thr_2"), []models.ThreadItem{item("e", 3), item("e", 3)})
			if !errors.Is(err, models.ErrConflict) {
				t.Errorf("duplicate item ids: %v, want ErrConflict", err)
			}
			if _, err := s.GetThread(ctx, "alice", "thr_2"); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("thread of a failed create: %v, want ErrNotFound", err)
			}
			// An item the store refuses before writing: nothing either.
			bad := item("f", 3)
			bad.Data = []byte("{not json")
			if err := s.CreateThread(ctx, "alice", thread("thr_3"), []models.ThreadItem{bad}); !errors.Is(err, models.ErrInvalid) {
				t.Errorf("an item of bad JSON: %v, want ErrInvalid", err)
			}
			if _, err := s.GetThread(ctx, "alice", "thr_3"); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("thread of a refused create: %v, want ErrNotFound", err)
			}
			// The thread can then be created for real.
			if err := s.CreateThread(ctx, "alice", thread("thr_2"), []models.ThreadItem{item("e", 3)}); err != nil {
				t.Fatalf("create after the failure: %v", err)
			}
			if diff := cmp.Diff([]string{"e"}, ids("alice", "thr_2")); diff != "" {
				t.Errorf("items (-want +got):\n%s", diff)
			}
		})
	}
}
