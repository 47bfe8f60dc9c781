package store

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

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
