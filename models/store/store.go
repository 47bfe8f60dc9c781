// Package store is the only package that talks to the database. It opens
// SQLite or PostgreSQL through GORM, runs the versioned migrations and
// implements every query TaskPilot makes, always scoped to one user and
// always with the caller's context. GORM errors never leave this package:
// they become models.ErrNotFound, models.ErrConflict, models.ErrUnavailable
// (a database that cannot be reached or used right now, see errors.go) or
// a wrapped error.
package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/taskpilot/taskpilot/models"
)

// Dialect names returned by Store.Dialect.
const (
	DialectSQLite   = "sqlite"
	DialectPostgres = "postgres"
)

// slowQuery is the duration above which GORM logs a query as slow.
const slowQuery = 200 * time.Millisecond

// Options tunes Open.
type Options struct {
	Logger *slog.Logger // GORM's warnings and slow queries go here (never stdout); nil discards
}

// Store is a handle on the database. It is safe for concurrent use.
type Store struct {
	db      *gorm.DB
	dialect string
	pgDSN   string // the PostgreSQL connection string (for the change feed's LISTEN); "" on SQLite
	stmts   txStmts
}

// Open connects to url: "postgres://…" (or "postgresql://…"), "sqlite:///abs/path.db",
// "sqlite://rel/path.db" or "sqlite::memory:". SQLite files are created
// (with their directory) on first use and run in WAL mode with a busy
// timeout, held by this store alone unless the url ends in
// "?locking_mode=normal" (see sqliteDSN). A database that cannot be
// reached, or a SQLite file in use by another process or not writable, is
// reported wrapping models.ErrUnavailable. Open does not migrate; call
// Migrate.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg := &gorm.Config{
		TranslateError: true,
		PrepareStmt:    true, // each statement is parsed once per connection, not per call
		// A single statement is atomic on its own: wrapping each in
		// BEGIN and COMMIT costs two more round trips (and, in a
		// transaction, database/sql prepares the statement again).
		// Work of several statements runs in an explicit Transaction.
		SkipDefaultTransaction: true,
		DisableAutomaticPing:   true,
		NowFunc:                now,
		Logger: logger.NewSlogLogger(log, logger.Config{
			SlowThreshold:             slowQuery,
			LogLevel:                  logger.Warn,
			IgnoreRecordNotFoundError: true,
			ParameterizedQueries:      true, // never log task contents
		}),
	}

	var (
		dialector  gorm.Dialector
		dialect    string
		sqlitePath string
	)
	switch {
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		dialector, dialect = postgres.Open(url), DialectPostgres
	default:
		path, ok := sqliteFile(url)
		if !ok {
			return nil, fmt.Errorf("open database: unsupported url %q: use postgres://…, postgresql://…, sqlite:///abs/path.db, sqlite://rel/path.db, sqlite::memory: or a path ending in .db", redact(url))
		}
		var shared bool
		var err error
		if path, shared, err = sqliteLocking(path); err != nil {
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
		if path != ":memory:" {
			if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
				return nil, fmt.Errorf("open sqlite: %w", err)
			}
		}
		sqlitePath = path
		dialector, dialect = sqliteDialect{dsn: sqliteDSN(path, shared)}, DialectSQLite
	}

	db, err := gorm.Open(translator{dialector}, cfg)
	if err != nil {
		return nil, openError(dialect, sqlitePath, unavailableError(err))
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", dialect, err)
	}
	if dialect == DialectSQLite {
		// One connection serializes writers (no SQLITE_BUSY inside the
		// process) and keeps an in-memory database alive. With the
		// default exclusive locking (sqliteDSN) it is also the only
		// connection that can use the file: a second one, a read pool
		// included, would wait for the lock and fail with SQLITE_BUSY.
		sqlDB.SetMaxOpenConns(1)
		sqlDB.SetConnMaxLifetime(0)
		sqlDB.SetConnMaxIdleTime(0)
	} else {
		// A few connections per core: more only queue in PostgreSQL. All
		// of them may stay idle, so a burst does not close and reopen
		// connections (with 5 idle of 20, every burst above 5 did).
		n := pgPoolSize(runtime.GOMAXPROCS(0))
		sqlDB.SetMaxOpenConns(n)
		sqlDB.SetMaxIdleConns(n)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	}
	s := &Store{db: db, dialect: dialect}
	if dialect == DialectPostgres {
		s.pgDSN = url
	}
	if err := s.Ping(ctx); err != nil {
		_ = sqlDB.Close()
		return nil, openError(dialect, sqlitePath, err)
	}
	log.Debug("database opened", "dialect", dialect, "path", sqlitePath)
	return s, nil
}

// pgPoolSize is the PostgreSQL pool size for a process with procs
// cores: four connections per core, at least 4 and at most 20.
func pgPoolSize(procs int) int { return min(max(4*procs, 4), 20) }

// openError is the error of a failed Open. A SQLite file that stays
// locked is one another process holds (see sqliteDSN): the error says so.
func openError(dialect, sqlitePath string, err error) error {
	if sqlitePath != "" && sqlitePath != ":memory:" {
		if f, werr := os.OpenFile(sqlitePath, os.O_WRONLY, 0); werr == nil {
			_ = f.Close()
		} else if errors.Is(werr, os.ErrPermission) {
			return fmt.Errorf("open sqlite: %s cannot be written: TaskPilot needs write access to the database file and its folder: %w: %w", sqlitePath, models.ErrUnavailable, werr)
		}
	}
	if code, ok := sqliteCode(err); ok && code&0xff == sqliteBusy {
		return fmt.Errorf("open sqlite: %s is in use by another process: by default TaskPilot keeps a SQLite file to one process (add ?locking_mode=normal to the database URL of every process that shares it, or use PostgreSQL): %w", sqlitePath, err)
	}
	return fmt.Errorf("open %s: %w", dialect, err)
}

// now is the store's clock: UTC, at the microsecond precision both
// databases keep, so a returned task equals the same task read back.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// sqliteFile extracts the file path (or ":memory:") from a SQLite url.
func sqliteFile(u string) (string, bool) {
	switch {
	case u == "sqlite::memory:" || u == ":memory:":
		return ":memory:", true
	case strings.HasPrefix(u, "sqlite://"):
		p := strings.TrimPrefix(u, "sqlite://") // "/abs/path" or "rel/path"
		return p, p != ""
	case strings.HasPrefix(u, "sqlite:"):
		p := strings.TrimPrefix(u, "sqlite:")
		return p, p != ""
	case !strings.Contains(u, "://") && strings.HasSuffix(u, ".db"):
		return u, true
	}
	return "", false
}

// sqliteLocking splits the query of a SQLite path: "?locking_mode=normal"
// (share the file with other processes) or "?locking_mode=exclusive" (the
// default). It returns the bare path and whether the file is shared.
func sqliteLocking(path string) (string, bool, error) {
	path, query, ok := strings.Cut(path, "?")
	if !ok {
		return path, false, nil
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return "", false, fmt.Errorf("url query %q: %w", query, err)
	}
	shared := false
	for k, v := range q {
		switch {
		case k == "locking_mode" && len(v) == 1 && strings.EqualFold(v[0], "normal"):
			shared = true
		case k == "locking_mode" && len(v) == 1 && strings.EqualFold(v[0], "exclusive"):
		default:
			return "", false, fmt.Errorf("url query %q: the only setting is locking_mode=exclusive (the default) or locking_mode=normal", query)
		}
	}
	return path, shared, nil
}

// sqliteDSN adds the pragmas every connection needs to path.
//
// A file database runs in WAL mode, and by default with
// locking_mode=EXCLUSIVE set before WAL is entered: SQLite then keeps the
// WAL index in heap memory instead of a memory-mapped -shm file. With a
// mapped -shm, a file truncated or made unwritable under the running
// server faults inside the map (SIGBUS) and kills the process; in heap
// memory every file error is an ordinary I/O error that fails the request
// (models.ErrUnavailable) and the process stays up. The price: the file
// belongs to one connection of one process while the store is open.
// That is why SQLite runs on a single connection (see Open); a pool of
// read connections on the same file needs shared (normal) locking, which
// brings back the mapped -shm and its crash, or must stay on this one
// connection. shared (?locking_mode=normal) keeps the WAL index in shared
// memory so that several processes (or stores) can use the file at once.
//
// temp_store=MEMORY keeps SQLite's temporary files in memory. The one the
// store uses all the time is the statement journal: a write that is not
// the first of its transaction (add_task's insert, after the counter
// upsert) journals the pages it changes so that it can be undone alone.
// By default that journal may be a file: in an add_task CPU profile every
// insert wrote it (pwrite under subjournalPage, ~4%). It holds nothing
// needed after the transaction, so nothing durable moves to memory; the
// sorts the listings do are bounded by their LIMIT.
func sqliteDSN(path string, shared bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_pragma", "foreign_keys(1)")
	if path != ":memory:" {
		if !shared {
			q.Add("_pragma", "locking_mode(EXCLUSIVE)") // before journal_mode: see above
		}
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(NORMAL)")
		q.Add("_pragma", "temp_store(MEMORY)")
	}
	q.Set("_txlock", "immediate")   // writers take the lock up front and wait for it
	q.Set("_time_format", "sqlite") // 2006-01-02 15:04:05.999999999-07:00, which sorts as text
	return path + "?" + q.Encode()
}

// redact hides a password in a url for error messages.
func redact(s string) string {
	if u, err := url.Parse(s); err == nil && u.User != nil {
		return u.Redacted()
	}
	return s
}

// Dialect reports the database in use: DialectSQLite or DialectPostgres.
func (s *Store) Dialect() string { return s.dialect }

// Close releases the connection pool.
func (s *Store) Close() error {
	s.closeStmts()
	sqlDB, err := s.db.DB()
	if err != nil {
		return fmt.Errorf("close: %w", err)
	}
	if err := sqlDB.Close(); err != nil {
		return fmt.Errorf("close: %w", err)
	}
	return nil
}

// Ping checks that the database answers (for readiness probes).
func (s *Store) Ping(ctx context.Context) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return fmt.Errorf("ping: %w", err)
	}
	if err := sqlDB.PingContext(ctx); err != nil {
		return fmt.Errorf("ping: %w", unavailableError(err))
	}
	return nil
}
