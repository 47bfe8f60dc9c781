package chatserver_test

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
)

// TestPostgres runs the end-to-end scenarios on PostgreSQL when
// TASKPILOT_TEST_POSTGRES_DSN is set (and fails without it when
// TASKPILOT_REQUIRE_POSTGRES=1), each on a fresh database.
func TestPostgres(t *testing.T) {
	t.Parallel()
	postgresDSN(t)
	for name, scenario := range map[string]func(*testing.T, string){
		"end to end":  tasksEndToEnd,
		"other users": otherUsersThread,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			scenario(t, freshPostgres(t))
		})
	}
}

// postgresDSN returns TASKPILOT_TEST_POSTGRES_DSN, or skips tb (fails it
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
	// Registered before the stores' Close cleanups, so it runs after them.
	tb.Cleanup(func() {
		defer admin.Close()
		if _, err := admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
			tb.Errorf("drop database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}
