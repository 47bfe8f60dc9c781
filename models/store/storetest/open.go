package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/taskpilot/taskpilot/models/store"
)

// The environment variables that point tests at a PostgreSQL server.
const (
	// EnvPostgresDSN names the server and an existing database to connect
	// to; each test gets a fresh database next to it.
	EnvPostgresDSN = "TASKPILOT_TEST_POSTGRES_DSN"
	// EnvRequirePostgres, set to 1, turns a missing DSN into a failure
	// instead of a skip (CI sets it).
	EnvRequirePostgres = "TASKPILOT_REQUIRE_POSTGRES"
)

// Open opens and migrates url and closes the store when tb ends.
func Open(tb testing.TB, url string) *store.Store {
	tb.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, url, store.Options{})
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("close store: %v", err)
		}
	})
	if err := s.Migrate(ctx); err != nil {
		tb.Fatalf("migrate: %v", err)
	}
	return s
}

// SQLiteURL returns the URL of a new SQLite file in tb's temp dir.
func SQLiteURL(tb testing.TB) string {
	tb.Helper()
	return "sqlite://" + filepath.Join(tb.TempDir(), "tasks.db")
}

// OpenSQLite opens a fresh, migrated store on a new SQLite file.
func OpenSQLite(tb testing.TB) *store.Store {
	tb.Helper()
	return Open(tb, SQLiteURL(tb))
}

// PostgresDSN returns TASKPILOT_TEST_POSTGRES_DSN, or skips tb when it is
// unset (fails tb when TASKPILOT_REQUIRE_POSTGRES=1).
func PostgresDSN(tb testing.TB) string {
	tb.Helper()
	dsn := os.Getenv(EnvPostgresDSN)
	if dsn == "" {
		if os.Getenv(EnvRequirePostgres) == "1" {
			tb.Fatal(EnvRequirePostgres + "=1 but " + EnvPostgresDSN + " is not set")
		}
		tb.Skip(EnvPostgresDSN + " is not set")
	}
	return dsn
}

// PostgresURL creates an empty database on the server of
// TASKPILOT_TEST_POSTGRES_DSN, drops it when tb ends, and returns its URL.
// It skips or fails tb as PostgresDSN does.
func PostgresURL(tb testing.TB) string {
	tb.Helper()
	u, err := url.Parse(PostgresDSN(tb))
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		tb.Fatal(EnvPostgresDSN + " must be a postgres:// URL")
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "tp_test_" + hex.EncodeToString(b)
	admin := u.String()
	if err := adminExec(admin, "CREATE DATABASE "+name); err != nil {
		tb.Fatalf("create database: %v", err)
	}
	// Registered before the store's own Close cleanup, so it runs after it.
	tb.Cleanup(func() {
		if err := adminExec(admin, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			tb.Errorf("drop database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}

// adminExec runs one statement on its own connection to dsn.
func adminExec(dsn, stmt string) error {
	// The "pgx" database/sql driver is registered by the store's
	// PostgreSQL dialector, which this package links in.
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(context.Background(), stmt)
	return err
}

// OpenPostgres opens a fresh, migrated store on a new PostgreSQL database
// that is dropped when tb ends. It skips or fails tb as PostgresDSN does.
func OpenPostgres(tb testing.TB) *store.Store {
	tb.Helper()
	return Open(tb, PostgresURL(tb))
}

// URLs returns the URLs of the databases to run a test on, by backend
// name: a new SQLite file always, and when TASKPILOT_TEST_POSTGRES_DSN is
// set, that database itself. It is shared with other tests and runs (a
// fresh database costs about half a second), so tests keep apart there by
// using user ids unique to the run. It fails tb when
// TASKPILOT_REQUIRE_POSTGRES=1 and the DSN is unset.
func URLs(tb testing.TB) map[string]string {
	tb.Helper()
	out := map[string]string{"sqlite": SQLiteURL(tb)}
	if os.Getenv(EnvPostgresDSN) != "" || os.Getenv(EnvRequirePostgres) == "1" {
		out["postgres"] = PostgresDSN(tb)
	}
	return out
}

// Backends opens and migrates a store on each of URLs, by backend name.
func Backends(tb testing.TB) map[string]*store.Store {
	tb.Helper()
	out := map[string]*store.Store{}
	for name, url := range URLs(tb) {
		out[name] = Open(tb, url)
	}
	return out
}

// ForEachBackend runs f as a subtest per backend of Backends.
func ForEachBackend(t *testing.T, f func(t *testing.T, s *store.Store)) {
	t.Helper()
	for name, s := range Backends(t) {
		t.Run(name, func(t *testing.T) { f(t, s) })
	}
}
