package store_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/taskpilot/taskpilot/models"
	"github.com/taskpilot/taskpilot/models/store"
	"github.com/taskpilot/taskpilot/models/store/storetest"
)

func TestSQLite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) *store.Store { return storetest.OpenSQLite(t) })
}

func TestSQLiteMemory(t *testing.T) {
	storetest.Run(t, func(t *testing.T) *store.Store { return storetest.Open(t, "sqlite::memory:") })
}

func TestPostgres(t *testing.T) {
	storetest.PostgresDSN(t)
	storetest.Run(t, func(t *testing.T) *store.Store { return storetest.OpenPostgres(t) })
}

func TestReopenSQLiteFile(t *testing.T) {
	ctx := context.Background()
	url := "sqlite://" + filepath.Join(t.TempDir(), "nested", "dir", "tasks.db")
	var created models.Task
	{
		s, err := store.Open(ctx, url, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			task, err := s.CreateTask(ctx, "alice", models.NewTask{Title: "keep", Tags: models.Tags{"x"}, Due: &models.Due{At: time.Date(2026, 5, 1, 17, 0, 0, 0, time.UTC), HasTime: true}})
			if err != nil {
				t.Fatal(err)
			}
			if i == 1 {
				created = task
			}
		}
		if _, err := s.DeleteTask(ctx, "alice", 3); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	s := storetest.Open(t, url)
	page, err := s.ListTasks(ctx, "alice", models.TaskFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(page.Tasks); got != 2 || page.Counts.Total != 2 {
		t.Fatalf("after reopen: %d tasks, counts %+v; want 2", got, page.Counts)
	}
	if diff := cmp.Diff(created, page.Tasks[1]); diff != "" {
		t.Errorf("task 2 after reopen (-before +after):\n%s", diff)
	}
	next, err := s.CreateTask(ctx, "alice", models.NewTask{Title: "after"})
	if err != nil {
		t.Fatal(err)
	}
	if next.Number != 4 {
		t.Errorf("number after reopen = %d, want 4 (3 was deleted, never reused)", next.Number)
	}
}

func TestOpenURLs(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	tests := []struct {
		url     string
		file    string // created relative to dir; "" for none
		dialect string
	}{
		{"sqlite://" + filepath.Join(dir, "abs", "a.db"), "abs/a.db", store.DialectSQLite},
		{"sqlite://rel/b.db", "rel/b.db", store.DialectSQLite},
		{"sqlite::memory:", "", store.DialectSQLite},
		{"plain.db", "plain.db", store.DialectSQLite},
	}
	for _, tc := range tests {
		t.Run(tc.url, func(t *testing.T) {
			s := storetest.Open(t, tc.url)
			if got := s.Dialect(); got != tc.dialect {
				t.Errorf("Dialect() = %q, want %q", got, tc.dialect)
			}
			if _, err := s.CreateTask(t.Context(), "alice", models.NewTask{Title: "x"}); err != nil {
				t.Fatal(err)
			}
			if tc.file != "" {
				if _, err := os.Stat(filepath.Join(dir, tc.file)); err != nil {
					t.Errorf("database file: %v", err)
				}
			}
		})
	}
}

func TestOpenRejectsUnknownURL(t *testing.T) {
	for _, u := range []string{"mysql://root:hunter2@localhost/db", "tasks.sqlite", ""} {
		_, err := store.Open(context.Background(), u, store.Options{})
		if err == nil {
			t.Fatalf("Open(%q) succeeded", u)
		}
		for _, want := range []string{"postgres://", "sqlite:///", "sqlite::memory:"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("Open(%q) error %q does not name the accepted form %q", u, err, want)
			}
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("Open(%q) error leaks the password: %q", u, err)
		}
	}
}

func TestPostgresConnectErrorHidesPassword(t *testing.T) {
	u, err := url.Parse(storetest.PostgresDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword("nosuchuser", "hunter2")
	u.Host = "127.0.0.1:1" // nothing listens
	_, err = store.Open(context.Background(), u.String(), store.Options{})
	if err == nil {
		t.Fatal("Open succeeded against a closed port")
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error leaks the password: %q", err)
	}
}

// TestConcurrentMigrate runs Migrate from two handles on one empty
// database at once, as two starting processes would.
func TestConcurrentMigrate(t *testing.T) {
	urls := map[string]func(testing.TB) string{
		// Two handles on one SQLite file need shared locking.
		"sqlite":   func(tb testing.TB) string { return storetest.SQLiteURL(tb) + "?locking_mode=normal" },
		"postgres": storetest.PostgresURL,
	}
	for name, mk := range urls {
		t.Run(name, func(t *testing.T) {
			url := mk(t)
			var stores []*store.Store
			for range 2 {
				s, err := store.Open(t.Context(), url, store.Options{})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = s.Close() })
				stores = append(stores, s)
			}
			var wg sync.WaitGroup
			errs := make([]error, len(stores))
			for i, s := range stores {
				wg.Go(func() { errs[i] = s.Migrate(t.Context()) })
			}
			wg.Wait()
			if err := errors.Join(errs...); err != nil {
				t.Fatalf("concurrent Migrate: %v", err)
			}
			if _, err := stores[0].CreateTask(t.Context(), "alice", models.NewTask{Title: "x"}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestLogsGoToLoggerWithoutTaskContents checks that GORM reports to the
// given logger (never stdout, which belongs to MCP over stdio) and that
// logged SQL keeps its placeholders instead of users' task text.
func TestLogsGoToLoggerWithoutTaskContents(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	s, err := store.Open(t.Context(), "sqlite::memory:", store.Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Exec(t.Context(), "SELECT * FROM no_such_table WHERE title = ?", "my secret task"); err == nil {
		t.Fatal("query on a missing table succeeded")
	}
	out := buf.String()
	if !strings.Contains(out, "no_such_table") {
		t.Errorf("failed query not logged; log = %q", out)
	}
	if strings.Contains(out, "my secret task") {
		t.Errorf("log contains a query argument: %q", out)
	}
}
