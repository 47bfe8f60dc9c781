package store

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/taskpilot/taskpilot/models"
)

// TestBind: PostgreSQL gets numbered placeholders, SQLite keeps ?.
func TestBind(t *testing.T) {
	pg := &Store{dialect: DialectPostgres}
	if got, want := pg.bind("a = ? AND (b, c) > (?, ?) LIMIT ?"), "a = $1 AND (b, c) > ($2, $3) LIMIT $4"; got != want {
		t.Errorf("postgres: %q, want %q", got, want)
	}
	lite := &Store{dialect: DialectSQLite}
	if got, want := lite.bind("a = ? AND b = ?"), "a = ? AND b = ?"; got != want {
		t.Errorf("sqlite: %q, want %q", got, want)
	}
}

// TestStatementCacheFull: once the cache holds maxTxStmts statements,
// creates and listings still work, unprepared, and numbers stay
// consecutive.
func TestStatementCacheFull(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "t.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for i := 0; len(s.stmts.m) < maxTxStmts; i++ {
		if _, err := s.prepareTx(ctx, fmt.Sprintf("SELECT %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 3 {
		task, err := s.CreateTask(ctx, "alice", models.NewTask{Title: "Buy milk"})
		if err != nil {
			t.Fatal(err)
		}
		if task.Number != int64(i+1) {
			t.Errorf("task number %d, want %d", task.Number, i+1)
		}
	}
	page, err := s.ListTasks(ctx, "alice", models.TaskFilter{Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Tasks) != 2 || page.Counts.Total != 3 || page.NextCursor == "" {
		t.Errorf("page: %d tasks, counts %+v, cursor %q", len(page.Tasks), page.Counts, page.NextCursor)
	}
}

// TestDBTime: SQLite time text in every layout modernc.org/sqlite reads
// scans to the same time, and so does a time.Time; other text is an
// error.
func TestDBTime(t *testing.T) {
	want := time.Date(2026, 5, 1, 17, 4, 5, 123456000, time.UTC)
	for _, s := range []string{
		"2026-05-01 17:04:05.123456+00:00",
		"2026-05-01 19:04:05.123456+02:00",
		"2026-05-01T17:04:05.123456+00:00",
		"2026-05-01 17:04:05.123456",
		"2026-05-01T17:04:05.123456Z",
		"2026-05-01 17:04:05.123456 +0000 UTC",
		"2026-05-01 17:04:05.123456 +0000 UTC m=+0.000000001",
	} {
		var got dbTime
		if err := got.Scan(s); err != nil {
			t.Errorf("%q: %v", s, err)
			continue
		}
		if !time.Time(got).Equal(want) {
			t.Errorf("%q: %v, want %v", s, time.Time(got), want)
		}
	}
	var d dbTime
	if err := d.Scan([]byte("2026-05-01")); err != nil || !time.Time(d).Equal(time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("date: %v, %v", time.Time(d), err)
	}
	if err := d.Scan(want); err != nil || !time.Time(d).Equal(want) {
		t.Errorf("time.Time: %v, %v", time.Time(d), err)
	}
	if err := d.Scan("yesterday"); err == nil {
		t.Error("yesterday: no error")
	}
}
