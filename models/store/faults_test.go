package store_test

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/taskpilot/taskpilot/models"
	"github.com/taskpilot/taskpilot/models/store"
	"github.com/taskpilot/taskpilot/models/store/storetest"
)

// TestPostgresUnavailable cuts the connection between a store and a real
// PostgreSQL server (a proxy in between) and requires every kind of call
// to fail with models.ErrUnavailable, and refusals made while the server
// is up (not found, invalid input) never to.
func TestPostgresUnavailable(t *testing.T) {
	t.Parallel()
	proxy, dbURL := storetest.NewProxy(t, storetest.PostgresURL(t))
	s := storetest.Open(t, dbURL)
	ctx := context.Background()
	if _, err := s.CreateTask(ctx, "alice", models.NewTask{Title: "Buy milk"}); err != nil {
		t.Fatal(err)
	}

	// Refusals while the database is up.
	_, err := s.GetTask(ctx, "alice", 99)
	refusal(t, "GetTask of a missing task", err, models.ErrNotFound)
	_, err = s.CreateTask(ctx, "alice", models.NewTask{Title: ""})
	refusal(t, "CreateTask without a title", err, models.ErrInvalid)
	_, err = s.GetThread(ctx, "alice", "thr_missing")
	refusal(t, "GetThread of a missing thread", err, models.ErrNotFound)

	proxy.Cut()
	calls := map[string]func() error{
		"Ping": func() error { return s.Ping(ctx) },
		"CreateTask": func() error {
			_, err := s.CreateTask(ctx, "alice", models.NewTask{Title: "Call mum"})
			return err
		},
		"GetTask": func() error {
			_, err := s.GetTask(ctx, "alice", 1)
			return err
		},
		"ListTasks": func() error {
			_, err := s.ListTasks(ctx, "alice", models.TaskFilter{Limit: 10})
			return err
		},
		"SetTaskCompleted": func() error {
			_, err := s.SetTaskCompleted(ctx, "alice", 1, true)
			return err
		},
		"DeleteTask": func() error {
			_, err := s.DeleteTask(ctx, "alice", 1)
			return err
		},
		"GetThread": func() error {
			_, err := s.GetThread(ctx, "alice", "thr_1")
			return err
		},
		"SaveThread": func() error {
			return s.SaveThread(ctx, "alice", models.Thread{ID: "thr_1", Status: `{"type":"active"}`, Metadata: "{}", CreatedAt: time.Now()})
		},
		"ListThreads": func() error {
			_, _, err := s.ListThreads(ctx, "alice", models.PageQuery{Limit: 10})
			return err
		},
	}
	for name, call := range calls {
		err := call()
		if !errors.Is(err, models.ErrUnavailable) {
			t.Errorf("%s with the database gone: err = %v, want models.ErrUnavailable", name, err)
		}
		if errors.Is(err, models.ErrNotFound) || errors.Is(err, models.ErrInvalid) {
			t.Errorf("%s with the database gone: err = %v is also a refusal", name, err)
		}
	}
}

// refusal requires err to be target and not models.ErrUnavailable.
func refusal(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) || errors.Is(err, models.ErrUnavailable) {
		t.Errorf("%s: err = %v, want %v and not unavailable", what, err, target)
	}
}

// TestPostgresOpenUnavailable opens stores on a server that does not
// answer and on one that refuses the database: the first is unavailable,
// the second is not.
func TestPostgresOpenUnavailable(t *testing.T) {
	t.Parallel()
	u, err := url.Parse(storetest.PostgresDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	closed := *u
	closed.Host = "127.0.0.1:1" // nothing listens
	if _, err := store.Open(context.Background(), closed.String(), store.Options{}); !errors.Is(err, models.ErrUnavailable) {
		t.Errorf("Open on a closed port: err = %v, want models.ErrUnavailable", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	<-ctx.Done()
	if _, err := store.Open(ctx, u.String(), store.Options{}); !errors.Is(err, models.ErrUnavailable) {
		t.Errorf("Open past its deadline: err = %v, want models.ErrUnavailable", err)
	}
}

// TestPostgresTerminatedBackend kills the store's server processes
// (pg_terminate_backend on the test's own database only, as an
// administrator's shutdown does): a call on a killed connection is either
// retried on a new one by the pool or fails as unavailable, never as a
// refusal or an internal error.
func TestPostgresTerminatedBackend(t *testing.T) {
	t.Parallel()
	dbURL := storetest.PostgresURL(t)
	s := storetest.Open(t, dbURL)
	ctx := context.Background()
	if _, err := s.CreateTask(ctx, "alice", models.NewTask{Title: "Buy milk"}); err != nil {
		t.Fatal(err)
	}
	admin, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	terminated := 0
	for range 3 {
		if _, err := admin.ExecContext(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`); err != nil {
			t.Fatal(err)
		}
		_, err := s.GetTask(ctx, "alice", 1)
		switch {
		case err == nil:
		case errors.Is(err, models.ErrUnavailable) && !errors.Is(err, models.ErrNotFound):
			terminated++
		default:
			t.Fatalf("GetTask after pg_terminate_backend: err = %v, want nil or models.ErrUnavailable", err)
		}
	}
	t.Logf("%d of 3 calls failed as unavailable; the rest were retried by the pool", terminated)
}

// TestSQLiteOneProcess: a SQLite file is kept to one store (one process)
// by default, so that its WAL index lives in heap memory; a second store
// on the file is refused with an error that says why and how to share it,
// and ?locking_mode=normal shares it. No -shm file (a shared-memory map)
// exists by default.
func TestSQLiteOneProcess(t *testing.T) {
	t.Parallel()
	url := storetest.SQLiteURL(t)
	s := storetest.Open(t, url)
	if _, err := s.CreateTask(context.Background(), "alice", models.NewTask{Title: "Buy milk"}); err != nil {
		t.Fatal(err)
	}
	path := strings.TrimPrefix(url, "sqlite://")
	if _, err := os.Stat(path + "-shm"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a -shm file exists (%v): the WAL index is in shared memory", err)
	}
	_, err := store.Open(context.Background(), url, store.Options{})
	if !errors.Is(err, models.ErrUnavailable) || !strings.Contains(err.Error(), "in use by another process") || !strings.Contains(err.Error(), "locking_mode=normal") {
		t.Errorf("second store on the file: err = %v, want it to say the file is in use and how to share it", err)
	}

	shared := storetest.SQLiteURL(t) + "?locking_mode=normal"
	a, b := storetest.Open(t, shared), storetest.Open(t, shared)
	if _, err := a.CreateTask(context.Background(), "alice", models.NewTask{Title: "Buy milk"}); err != nil {
		t.Fatal(err)
	}
	if task, err := b.GetTask(context.Background(), "alice", 1); err != nil || task.Title != "Buy milk" {
		t.Errorf("shared file read by the second store: %+v, %v", task, err)
	}
	if _, err := store.Open(context.Background(), storetest.SQLiteURL(t)+"?locking_mode=sometimes", store.Options{}); err == nil || !strings.Contains(err.Error(), "locking_mode") {
		t.Errorf("unknown locking mode: err = %v, want it refused", err)
	}
}

// TestSQLiteReadOnly makes a SQLite database read-only under an open
// store (chattr +i on the file and its WAL, which stops writes even
// through open files; it needs root on a file system that supports it):
// writes fail as models.ErrUnavailable with an error that says the
// database cannot be written, reads still work, and writes work again once
// it is writable. Without chattr it makes the file read-only (chmod 0444)
// and requires a new store on it to be refused, saying so.
func TestSQLiteReadOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := storetest.SQLiteURL(t)
	path := strings.TrimPrefix(url, "sqlite://")
	s := storetest.Open(t, url)
	if _, err := s.CreateTask(ctx, "alice", models.NewTask{Title: "Buy milk"}); err != nil {
		t.Fatal(err)
	}
	files := []string{path, path + "-wal"}
	writable := func() {
		for _, f := range files {
			_ = exec.Command("chattr", "-i", f).Run()
			_ = os.Chmod(f, 0o644)
		}
	}
	t.Cleanup(writable)
	immutable := true
	for _, f := range files {
		if exec.Command("chattr", "+i", f).Run() != nil {
			immutable = false
		}
	}
	if !immutable {
		// Without chattr (not root), make the files read-only and open a
		// new store: it is refused, saying why.
		writable()
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if err := os.Chmod(f, 0o444); err != nil && !errors.Is(err, os.ErrNotExist) {
				t.Fatal(err) // Close checkpoints and removes the WAL
			}
		}
		if f, err := os.OpenFile(path, os.O_WRONLY, 0); err == nil {
			f.Close()
			t.Fatal("cannot make the database read-only: neither chattr +i nor chmod stops this user writing")
		}
		_, err := store.Open(ctx, url, store.Options{})
		if !errors.Is(err, models.ErrUnavailable) || !strings.Contains(err.Error(), "cannot be written") {
			t.Errorf("open a read-only database: err = %v, want models.ErrUnavailable saying it cannot be written", err)
		}
		return
	}
	t.Logf("read-only by chattr +i: %v", immutable)

	_, err := s.CreateTask(ctx, "alice", models.NewTask{Title: "Call mum"})
	if !errors.Is(err, models.ErrUnavailable) || !strings.Contains(err.Error(), "cannot be written") {
		t.Errorf("CreateTask on a read-only database: err = %v, want models.ErrUnavailable saying it cannot be written", err)
	}
	if task, err := s.GetTask(ctx, "alice", 1); err != nil || task.Title != "Buy milk" {
		t.Errorf("GetTask on a read-only database: %+v, %v; want the task", task, err)
	}
	writable()
	if immutable {
		if _, err := s.CreateTask(ctx, "alice", models.NewTask{Title: "Call mum"}); err != nil {
			t.Errorf("CreateTask once writable again: %v", err)
		}
	}
}
