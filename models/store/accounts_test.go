package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

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

// TestSessions: a session names its account until it expires, is ended
// by sign-out, a password change, disabling and deleting the account.
func TestSessions(t *testing.T) {
	forEachFreshBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		for _, u := range []string{"alice", "bob"} {
			if _, err := s.CreateAccount(ctx, u, "h"); err != nil {
				t.Fatal(err)
			}
		}
		later := time.Now().Add(time.Hour)
		create := func(id, account string, expires time.Time) {
			t.Helper()
			if err := s.CreateSession(ctx, id, account, expires); err != nil {
				t.Fatal(err)
			}
		}
		valid := func(id, want string) {
			t.Helper()
			a, err := s.SessionAccount(ctx, id)
			switch {
			case want == "" && !errors.Is(err, models.ErrNotFound):
				t.Errorf("session %s: %+v, %v; want not found", id, a, err)
			case want != "" && (err != nil || a.Name != want):
				t.Errorf("session %s: %+v, %v; want %s", id, a, err, want)
			}
		}
		create("s1", "alice", later)
		create("s2", "alice", later)
		create("old", "alice", time.Now().Add(-time.Second))
		create("b1", "bob", later)
		if err := s.CreateSession(ctx, "x", "carol", later); err == nil {
			t.Error("a session of a missing account was created")
		}
		valid("s1", "alice")
		valid("old", "")
		valid("nope", "")

		if err := s.DeleteSession(ctx, "s1"); err != nil {
			t.Fatal(err)
		}
		valid("s1", "")
		valid("s2", "alice")
		if err := s.SetAccountPassword(ctx, "alice", "h2"); err != nil {
			t.Fatal(err)
		}
		valid("s2", "")
		valid("b1", "bob")

		create("s3", "alice", later)
		if err := s.SetAccountDisabled(ctx, "alice", false); err != nil {
			t.Fatal(err)
		}
		valid("s3", "alice") // enabling ends nothing
		if err := s.SetAccountDisabled(ctx, "alice", true); err != nil {
			t.Fatal(err)
		}
		valid("s3", "")

		create("b2", "bob", later)
		if err := s.DeleteAccount(ctx, "bob"); err != nil {
			t.Fatal(err)
		}
		valid("b1", "")
		valid("b2", "")
	})
}

func TestKeysAndInvites(t *testing.T) {
	forEachFreshBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		v, err := s.EnsureKey(ctx, "signing", "first")
		if err != nil || v != "first" {
			t.Fatalf("EnsureKey = %q, %v", v, err)
		}
		if v, err := s.EnsureKey(ctx, "signing", "second"); err != nil || v != "first" {
			t.Fatalf("second EnsureKey = %q, %v; want the stored first", v, err)
		}
		if err := s.DeleteKey(ctx, "signing"); err != nil {
			t.Fatal(err)
		}
		if v, _ := s.EnsureKey(ctx, "signing", "third"); v != "third" {
			t.Fatalf("after delete: %q", v)
		}

		if err := s.CreateInvite(ctx, "inv1", time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateInvite(ctx, "old", time.Now().Add(-time.Second)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateAccountWithInvite(ctx, "old", "olga", "h"); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("expired invite: %v", err)
		}
		if _, err := s.CreateAccountWithInvite(ctx, "inv1", "bad name", "h"); !errors.Is(err, models.ErrInvalid) {
			t.Errorf("bad name: %v", err)
		}
		a, err := s.CreateAccountWithInvite(ctx, "inv1", "Ivan", "h")
		if err != nil || a.Name != "ivan" {
			t.Fatalf("sign up with invite: %+v, %v", a, err)
		}
		if _, err := s.CreateAccountWithInvite(ctx, "inv1", "ivana", "h"); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("second use of an invite: %v", err)
		}
		if err := s.CreateInvite(ctx, "inv2", time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateAccountWithInvite(ctx, "inv2", "ivan", "h"); !errors.Is(err, models.ErrConflict) {
			t.Errorf("taken name: %v", err)
		}
		// The failed attempt did not use the invite up.
		if _, err := s.CreateAccountWithInvite(ctx, "inv2", "ivy", "h"); err != nil {
			t.Errorf("invite after a failed attempt: %v", err)
		}
		if n, _ := s.CountAccounts(ctx); n != 2 {
			t.Errorf("accounts = %d, want 2", n)
		}
	})
}
