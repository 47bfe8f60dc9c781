package store

import (
	"database/sql"
	"errors"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/callbacks"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/logger"
	"gorm.io/gorm/migrator"
	"gorm.io/gorm/schema"
	"modernc.org/sqlite"
)

// sqliteDialect is GORM's dialect for SQLite on modernc.org/sqlite, the
// pure-Go SQLite the zero-setup default runs on.
//
// It is written here because no maintained GORM dialector fits: the
// official gorm.io/driver/sqlite links the cgo driver mattn/go-sqlite3
// (a machine without a C compiler could not run the default), and the
// pure-Go github.com/glebarez/sqlite is tied to a 2023 fork of
// modernc.org/sqlite that parses and plans every statement again on
// every execution (about a tenth of the chat server's CPU under load).
// modernc.org/sqlite keeps a prepared statement's SQLite handle, so
// GORM's PrepareStmt pays for parsing once per connection.
//
// It needs only what the store uses: inserts with RETURNING and ON
// CONFLICT, LIMIT and OFFSET, and the generic migrator for the first
// migration's CREATE TABLE.
type sqliteDialect struct {
	dsn string
}

// Name implements gorm.Dialector.
func (sqliteDialect) Name() string { return DialectSQLite }

// Initialize implements gorm.Dialector: it opens the database and
// registers GORM's callbacks with the clauses SQLite 3.35+ supports.
func (d sqliteDialect) Initialize(db *gorm.DB) error {
	conn, err := sql.Open("sqlite", d.dsn)
	if err != nil {
		return err
	}
	db.ConnPool = conn
	callbacks.RegisterDefaultCallbacks(db, &callbacks.Config{
		CreateClauses:        []string{"INSERT", "VALUES", "ON CONFLICT", "RETURNING"},
		UpdateClauses:        []string{"UPDATE", "SET", "FROM", "WHERE", "RETURNING"},
		DeleteClauses:        []string{"DELETE", "FROM", "WHERE", "RETURNING"},
		LastInsertIDReversed: true,
	})
	db.ClauseBuilders["LIMIT"] = buildSQLiteLimit
	db.ClauseBuilders["FOR"] = func(c clause.Clause, b clause.Builder) {
		if _, ok := c.Expression.(clause.Locking); ok {
			return // SQLite has no row locks: its writer holds the database
		}
		c.Build(b)
	}
	return nil
}

// buildSQLiteLimit writes LIMIT and OFFSET; SQLite needs a LIMIT (-1 for
// none) before an OFFSET.
func buildSQLiteLimit(c clause.Clause, b clause.Builder) {
	l, ok := c.Expression.(clause.Limit)
	if !ok {
		c.Build(b)
		return
	}
	n := -1
	if l.Limit != nil && *l.Limit >= 0 {
		n = *l.Limit
	}
	if n < 0 && l.Offset <= 0 {
		return
	}
	b.WriteString("LIMIT ")
	b.AddVar(b, n)
	if l.Offset > 0 {
		b.WriteString(" OFFSET ")
		b.AddVar(b, l.Offset)
	}
}

// Migrator implements gorm.Dialector with GORM's generic migrator.
func (d sqliteDialect) Migrator(db *gorm.DB) gorm.Migrator {
	return migrator.Migrator{Config: migrator.Config{DB: db, Dialector: d, CreateIndexAfterCreateTable: true}}
}

// DataTypeOf implements gorm.Dialector with SQLite's type affinities.
func (sqliteDialect) DataTypeOf(f *schema.Field) string {
	switch f.DataType {
	case schema.Bool:
		return "numeric"
	case schema.Int, schema.Uint:
		if f.AutoIncrement {
			return "integer PRIMARY KEY AUTOINCREMENT"
		}
		return "integer"
	case schema.Float:
		return "real"
	case schema.String:
		return "text"
	case schema.Time:
		if t, ok := f.TagSettings["TYPE"]; ok {
			return t
		}
		return "datetime"
	case schema.Bytes:
		return "blob"
	}
	return string(f.DataType)
}

// DefaultValueOf implements gorm.Dialector.
func (sqliteDialect) DefaultValueOf(f *schema.Field) clause.Expression {
	if f.AutoIncrement {
		return clause.Expr{SQL: "NULL"}
	}
	return clause.Expr{SQL: "DEFAULT"}
}

// BindVarTo implements gorm.Dialector.
func (sqliteDialect) BindVarTo(w clause.Writer, _ *gorm.Statement, _ any) { w.WriteByte('?') }

// QuoteTo implements gorm.Dialector: each dot-separated part of an
// identifier in backticks, backticks in it doubled.
func (sqliteDialect) QuoteTo(w clause.Writer, s string) {
	for i, part := range strings.Split(s, ".") {
		if i > 0 {
			w.WriteByte('.')
		}
		w.WriteByte('`')
		w.WriteString(strings.ReplaceAll(strings.Trim(part, "`"), "`", "``"))
		w.WriteByte('`')
	}
}

// Explain implements gorm.Dialector (for GORM's log lines).
func (sqliteDialect) Explain(sql string, vars ...any) string {
	return logger.ExplainSQL(sql, nil, `"`, vars...)
}

// SavePoint implements gorm.SavePointerDialectorInterface.
func (sqliteDialect) SavePoint(tx *gorm.DB, name string) error {
	return tx.Exec("SAVEPOINT " + name).Error
}

// RollbackTo implements gorm.SavePointerDialectorInterface.
func (sqliteDialect) RollbackTo(tx *gorm.DB, name string) error {
	return tx.Exec("ROLLBACK TO SAVEPOINT " + name).Error
}

// SQLite extended result codes of constraint failures
// (https://sqlite.org/rescode.html).
const (
	sqliteConstraintForeignKey = 787
	sqliteConstraintPrimaryKey = 1555
	sqliteConstraintUnique     = 2067
)

// Translate implements gorm.ErrorTranslator: duplicate keys and foreign
// key failures become GORM's errors.
func (sqliteDialect) Translate(err error) error {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return err
	}
	switch e.Code() {
	case sqliteConstraintUnique, sqliteConstraintPrimaryKey:
		return gorm.ErrDuplicatedKey
	case sqliteConstraintForeignKey:
		return gorm.ErrForeignKeyViolated
	}
	return err
}
