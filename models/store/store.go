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
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
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
}

// Open connects to url: "postgres://…" (or "postgresql://…"), "sqlite:///abs/path.db",
// "sqlite://rel/path.db" or "sqlite::memory:". SQLite files are created
// (with their directory) on first use and run in WAL mode with a busy timeout.
// Open does not migrate; call Migrate.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg := &gorm.Config{
		TranslateError:       true,
		DisableAutomaticPing: true,
		NowFunc:              now,
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
		if path != ":memory:" {
			if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
				return nil, fmt.Errorf("open sqlite: %w", err)
			}
		}
		sqlitePath = path
		dialector, dialect = sqlite.Open(sqliteDSN(path)), DialectSQLite
	}

	db, err := gorm.Open(translator{dialector}, cfg)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", dialect, unavailableError(err))
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", dialect, err)
	}
	if dialect == DialectSQLite {
		// One connection serializes writers (no SQLITE_BUSY inside the
		// process) and keeps an in-memory database alive.
		sqlDB.SetMaxOpenConns(1)
		sqlDB.SetConnMaxLifetime(0)
		sqlDB.SetConnMaxIdleTime(0)
	} else {
		sqlDB.SetMaxOpenConns(20)
		sqlDB.SetMaxIdleConns(5)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	}
	s := &Store{db: db, dialect: dialect}
	if err := s.Ping(ctx); err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("open %s: %w", dialect, err)
	}
	log.Debug("database opened", "dialect", dialect, "path", sqlitePath)
	return s, nil
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

// sqliteDSN adds the pragmas every connection needs to path.
func sqliteDSN(path string) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_pragma", "foreign_keys(1)")
	if path != ":memory:" {
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(NORMAL)")
	}
	q.Set("_txlock", "immediate") // writers take the lock up front and wait for it
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
