package threadstore_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/taskpilot/taskpilot/chatserver/chatkit"
	"github.com/taskpilot/taskpilot/chatserver/chatkit/storetest"
	"github.com/taskpilot/taskpilot/chatserver/threadstore"
	"github.com/taskpilot/taskpilot/models"
	"github.com/taskpilot/taskpilot/models/store"
)

func TestSQLite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) chatkit.Store {
		return threadstore.New(mustOpen(t, "sqlite://"+filepath.Join(t.TempDir(), "chat.db")))
	})
}

func TestPostgres(t *testing.T) {
	postgresDSN(t)
	storetest.Run(t, func(t *testing.T) chatkit.Store {
		return threadstore.New(mustOpen(t, freshPostgres(t)))
	})
}

// TestLargePageIsCapped checks that a client asking for more items than
// the store serves at once gets a full page and has_more, not an error.
func TestLargePageIsCapped(t *testing.T) {
	ctx := t.Context()
	s := threadstore.New(mustOpen(t, "sqlite::memory:"))
	if err := s.SaveThread(ctx, "alice", &chatkit.ThreadMetadata{ID: "thr_1", CreatedAt: chatkit.Now()}); err != nil {
		t.Fatal(err)
	}
	for i := range models.MaxPageLimit + 1 {
		item := &chatkit.EndOfTurnItem{ItemBase: chatkit.ItemBase{ID: fmt.Sprintf("eot_%03d", i), ThreadID: "thr_1", CreatedAt: chatkit.Now()}}
		if err := s.AddThreadItem(ctx, "alice", "thr_1", item); err != nil {
			t.Fatal(err)
		}
	}
	page, err := s.LoadThreadItems(ctx, "alice", "thr_1", chatkit.ListOptions{Limit: 1000, Order: chatkit.OrderAsc})
	if err != nil {
		t.Fatalf("LoadThreadItems(limit 1000): %v", err)
	}
	if len(page.Data) != models.MaxPageLimit || !page.HasMore || page.After != "eot_099" {
		t.Errorf("page: %d items, HasMore %v, After %q; want %d, true, eot_099", len(page.Data), page.HasMore, page.After, models.MaxPageLimit)
	}
}

// TestNotFoundMatchesBoth checks that a missing thread is reported as
// chatkit.ErrNotFound (what the ChatKit server checks) with the store's
// message.
func TestNotFoundMatchesBoth(t *testing.T) {
	s := threadstore.New(mustOpen(t, "sqlite::memory:"))
	_, err := s.LoadThread(t.Context(), "alice", "thr_missing")
	if !errors.Is(err, chatkit.ErrNotFound) || !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("err = %v, want chatkit.ErrNotFound and models.ErrNotFound", err)
	}
	if want := "get thread: thread thr_missing: not found"; err.Error() != want {
		t.Errorf("message = %q, want %q", err, want)
	}
}

// mustOpen opens and migrates url and closes the store when tb ends.
func mustOpen(tb testing.TB, url string) *store.Store {
	tb.Helper()
	s, err := store.Open(context.Background(), url, store.Options{})
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	if err := s.Migrate(context.Background()); err != nil {
		tb.Fatalf("Migrate: %v", err)
	}
	return s
}

// postgresDSN returns TASKPILOT_TEST_POSTGRES_DSN or skips tb (fails it
// when TASKPILOT_REQUIRE_POSTGRES=1).
func postgresDSN(tb testing.TB) string {
	tb.Helper()
	dsn := os.Getenv("TASKPILOT_TEST_POSTGRES_DSN")
	if dsn == "" {
		if os.Getenv("TASKPILOT_REQUIRE_POSTGRES") == "1" {
			tb.Fatal("TASKPILOT_REQUIRE_POSTGRES=1 but TASKPILOT_TEST_POSTGRES_DSN is not set")
		}
		tb.Skip("TASKPILOT_TEST_POSTGRES_DSN is not set")
	}
	return dsn
}

// freshPostgres creates an empty database on the server of the test DSN,
// drops it when tb ends, and returns its URL. (A copy of the helper in
// models/store's tests, which other packages cannot import.)
func freshPostgres(tb testing.TB) string {
	tb.Helper()
	u, err := url.Parse(postgresDSN(tb))
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		tb.Fatalf("TASKPILOT_TEST_POSTGRES_DSN must be a postgres:// URL")
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "tp_test_" + hex.EncodeToString(b)

	// The "pgx" database/sql driver is registered by the store's
	// PostgreSQL dialector, which this test links in.
	admin, err := sql.Open("pgx", u.String())
	if err != nil {
		tb.Fatalf("open admin connection: %v", err)
	}
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		tb.Fatalf("create database: %v", err)
	}
	// Registered before the store's own Close cleanup, so it runs after it.
	tb.Cleanup(func() {
		defer admin.Close()
		if _, err := admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
			tb.Errorf("drop database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}
