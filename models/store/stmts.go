package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"sync"

	"gorm.io/gorm"
)

// Statements the store writes out and prepares itself.
//
// GORM's PrepareStmt prepares a statement first seen in a transaction on
// that transaction and caches it; the statement dies with the
// transaction, so every later transaction prepares it again (for SQLite
// a parse and plan of the whole statement, about 7% of an add_task).
// The hot statements of a transaction are prepared once on the pool
// instead (prepareTx), and database/sql's Tx.StmtContext reuses their
// handle on the transaction's connection. The listing, written out too,
// runs on the same cache (query), without GORM's statement building and
// callbacks (about 3% of a list_tasks).

// txStmts caches the statements prepareTx prepared, by their text with ?
// placeholders.
type txStmts struct {
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

// maxTxStmts bounds the statements txStmts keeps: a handful of fixed
// statements, the inserts of a few dozen sizes and the listings of the
// filter combinations in use. Others run unprepared.
const maxTxStmts = 512

// txStmt is a statement prepared on the pool; one for a transaction is
// prepared before the transaction begins (it holds SQLite's one
// connection, which preparing on the pool would wait for).
type txStmt struct {
	query string    // with ? placeholders, bound for the dialect
	stmt  *sql.Stmt // nil: run unprepared
}

// prepareTx returns query, with ? placeholders, prepared on the pool,
// once: later calls return the cached statement. Past maxTxStmts
// statements it returns query to run unprepared.
func (s *Store) prepareTx(ctx context.Context, query string) (txStmt, error) {
	s.stmts.mu.Lock()
	defer s.stmts.mu.Unlock()
	bound := s.bind(query)
	if st, ok := s.stmts.m[query]; ok {
		return txStmt{query: bound, stmt: st}, nil
	}
	if len(s.stmts.m) >= maxTxStmts {
		return txStmt{query: bound}, nil
	}
	sqlDB, err := s.db.DB()
	if err != nil {
		return txStmt{}, err
	}
	st, err := sqlDB.PrepareContext(ctx, bound)
	if err != nil {
		return txStmt{}, unavailableError(err)
	}
	if s.stmts.m == nil {
		s.stmts.m = map[string]*sql.Stmt{}
	}
	s.stmts.m[query] = st
	return txStmt{query: bound, stmt: st}, nil
}

// rows runs the statement with args in GORM transaction tx. The caller
// closes the rows.
func (t txStmt) rows(ctx context.Context, tx *gorm.DB, args ...any) (*sql.Rows, error) {
	sqlTx, ok := sqlTxOf(tx)
	if !ok {
		return nil, errNotSQLTx
	}
	if t.stmt == nil {
		return sqlTx.QueryContext(ctx, t.query, args...)
	}
	return sqlTx.StmtContext(ctx, t.stmt).QueryContext(ctx, args...)
}

// exec runs the statement, which returns no rows, with args in GORM
// transaction tx.
func (t txStmt) exec(ctx context.Context, tx *gorm.DB, args ...any) (sql.Result, error) {
	sqlTx, ok := sqlTxOf(tx)
	if !ok {
		return nil, errNotSQLTx
	}
	if t.stmt == nil {
		return sqlTx.ExecContext(ctx, t.query, args...)
	}
	return sqlTx.StmtContext(ctx, t.stmt).ExecContext(ctx, args...)
}

// scan runs the statement with args in GORM transaction tx and scans
// its first row into dest (sql.ErrNoRows when there is none).
func (t txStmt) scan(ctx context.Context, tx *gorm.DB, dest []any, args ...any) error {
	sqlTx, ok := sqlTxOf(tx)
	if !ok {
		return errNotSQLTx
	}
	var row *sql.Row
	if t.stmt == nil {
		row = sqlTx.QueryRowContext(ctx, t.query, args...)
	} else {
		row = sqlTx.StmtContext(ctx, t.stmt).QueryRowContext(ctx, args...)
	}
	return row.Scan(dest...)
}

// query runs query, with ? placeholders, on the pool as a statement
// prepared once (see prepareTx). The caller closes the rows.
func (s *Store) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := s.prepareTx(ctx, query)
	if err != nil {
		return nil, err
	}
	if st.stmt != nil {
		return st.stmt.QueryContext(ctx, args...)
	}
	sqlDB, err := s.db.DB()
	if err != nil {
		return nil, err
	}
	return sqlDB.QueryContext(ctx, st.query, args...)
}

// closeStmts closes the cached statements.
func (s *Store) closeStmts() {
	s.stmts.mu.Lock()
	defer s.stmts.mu.Unlock()
	for _, st := range s.stmts.m {
		_ = st.Close()
	}
	s.stmts.m = nil
}

// bind rewrites the ? placeholders of query for the dialect: $1, $2, …
// on PostgreSQL. The store's statements have no ? elsewhere.
func (s *Store) bind(query string) string {
	if s.dialect != DialectPostgres {
		return query
	}
	var b strings.Builder
	n := 0
	for {
		i := strings.IndexByte(query, '?')
		if i < 0 {
			b.WriteString(query)
			return b.String()
		}
		n++
		b.WriteString(query[:i])
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(n))
		query = query[i+1:]
	}
}

// errNotSQLTx is the error of a txStmt run outside a GORM transaction on
// database/sql (a bug).
var errNotSQLTx = errors.New("query in transaction: not a database/sql transaction")

// sqlTxOf returns the database/sql transaction under GORM transaction tx.
func sqlTxOf(tx *gorm.DB) (*sql.Tx, bool) {
	switch p := tx.Statement.ConnPool.(type) {
	case *sql.Tx:
		return p, true
	case *gorm.PreparedStmtTX:
		t, ok := p.Tx.(*sql.Tx)
		return t, ok
	}
	return nil, false
}
