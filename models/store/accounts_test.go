package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/taskpilot/taskpilot/models"
	"github.com/taskpilot/taskpilot/models/store"
	"github.com/taskpilot/taskpilot/models/store/storetest"
)

// forEachFreshBackend runs f on a new SQLite database and, when
// PostgreSQL is configured, a new PostgreSQL database: accounts are not
// scoped by user, so these tests cannot share the run's database.
func forEachFreshBackend(t *testing.T, f func(t *testing.T, s *store.Store)) {
	t.Run("sqlite", func(t *testing.T) { f(t, storetest.OpenSQLite(t)) })
	if _, ok := storetest.URLs(t)["postgres"]; ok {
		t.Run("postgres", func(t *testing.T) { f(t, storetest.OpenPostgres(t)) })
	}
}

func TestAccounts(t *testing.T) {
	forEachFreshBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if n, err := s.CountAccounts(ctx); err != nil || n != 0 {
			t.Fatalf("CountAccounts on a new database = %d, %v; want 0", n, err)
		}
		a, err := s.CreateAccount(ctx, " Alice ", "hash-1")
		if err != nil {
			t.Fatal(err)
		}
		if a.Name != "alice" || a.PasswordHash != "hash-1" || a.Disabled || a.CreatedAt.IsZero() {
			t.Fatalf("created %+v", a)
		}
		if _, err := s.CreateAccount(ctx, "ALICE", "x"); !errors.Is(err, models.ErrConflict) {
			t.Fatalf("second alice: %v, want ErrConflict", err)
		}
		if _, err := s.CreateAccount(ctx, "bad name", "x"); !errors.Is(err, models.ErrInvalid) {
			t.Fatalf("bad name: %v, want ErrInvalid", err)
		}
		if _, err := s.CreateAccount(ctx, "bob", "hash-b"); err != nil {
			t.Fatal(err)
		}
		if err := s.SetAccountPassword(ctx, "Alice", "hash-2"); err != nil {
			t.Fatal(err)
		}
		if err := s.SetAccountDisabled(ctx, "alice", true); err != nil {
			t.Fatal(err)
		}
		got, err := s.GetAccount(ctx, "alice")
		if err != nil || got.PasswordHash != "hash-2" || !got.Disabled {
			t.Fatalf("after passwd and disable: %+v, %v", got, err)
		}
		list, err := s.ListAccounts(ctx)
		if err != nil || len(list) != 2 || list[0].Name != "alice" || list[1].Name != "bob" {
			t.Fatalf("ListAccounts = %+v, %v", list, err)
		}
		for name, err := range map[string]error{
			"get":     func() error { _, err := s.GetAccount(ctx, "carol"); return err }(),
			"passwd":  s.SetAccountPassword(ctx, "carol", "x"),
			"disable": s.SetAccountDisabled(ctx, "carol", true),
			"delete":  s.DeleteAccount(ctx, "carol"),
			"invalid": s.DeleteAccount(ctx, "not a name"),
		} {
			if !errors.Is(err, models.ErrNotFound) {
				t.Errorf("%s of a missing account: %v, want ErrNotFound", name, err)
			}
		}
	})
}

// TestDeleteAccountDeletesItsData: deleting alice removes her tasks,
// counters and threads (with items and feedback), and leaves bob's alone.
func TestDeleteAccountDeletesItsData(t *testing.T) {
	forEachFreshBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		for _, u := range []string{"alice", "bob"} {
			if _, err := s.CreateAccount(ctx, u, "h"); err != nil {
				t.Fatal(err)
			}
			if _, err := s.CreateTask(ctx, u, models.NewTask{Title: "task of " + u}); err != nil {
				t.Fatal(err)
			}
			th := models.Thread{ID: "thr_1", Status: `{"type":"active"}`, Metadata: "{}"}
			if err := s.SaveThread(ctx, u, th); err != nil {
				t.Fatal(err)
			}
			it := models.ThreadItem{ID: "msg_1", ThreadID: "thr_1", Type: "user_message", Data: []byte(`{}`)}
			if err := s.AddThreadItem(ctx, u, "thr_1", it); err != nil {
				t.Fatal(err)
			}
			if err := s.SaveFeedback(ctx, u, "thr_1", []string{"msg_1"}, "positive"); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.DeleteAccount(ctx, "alice"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetAccount(ctx, "alice"); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("alice after delete: %v", err)
		}
		page, err := s.ListTasks(ctx, "alice", models.TaskFilter{Limit: 10})
		if err != nil || len(page.Tasks) != 0 || page.Counts.Total != 0 {
			t.Errorf("alice's tasks after delete: %+v, %v", page, err)
		}
		if _, err := s.GetThread(ctx, "alice", "thr_1"); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("alice's thread after delete: %v", err)
		}
		// A new alice starts from task number 1 again.
		if _, err := s.CreateAccount(ctx, "alice", "h"); err != nil {
			t.Fatal(err)
		}
		if task, err := s.CreateTask(ctx, "alice", models.NewTask{Title: "fresh"}); err != nil || task.Number != 1 {
			t.Errorf("new alice's first task: %+v, %v; want number 1", task, err)
		}
		page, err = s.ListTasks(ctx, "bob", models.TaskFilter{Limit: 10})
		if err != nil || len(page.Tasks) != 1 {
			t.Errorf("bob's tasks after alice's delete: %+v, %v", page, err)
		}
		if _, err := s.GetThreadItem(ctx, "bob", "thr_1", "msg_1"); err != nil {
			t.Errorf("bob's item after alice's delete: %v", err)
		}
	})
}
