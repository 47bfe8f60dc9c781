package store_test

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
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
