// Package store is the only package that talks to the database. It opens
// SQLite or PostgreSQL through GORM, runs the versioned migrations and
// implements every query TaskPilot makes, always scoped to one user and
// always with the caller's context. GORM errors never leave this package:
// they become models.ErrNotFound, models.ErrConflict or a wrapped error.
package store

import (
	"context"
	"errors"
	"log/slog"

	"github.com/taskpilot/taskpilot/models"
)

var errTODO = errors.New("not implemented")

// Options tunes Open.
type Options struct {
	Logger *slog.Logger // GORM's warnings and slow queries go here (never stdout); nil discards
}

// Store is a handle on the database. It is safe for concurrent use.
type Store struct{}

// Open connects to url: "postgres://…" (or "postgresql://…"), "sqlite:///abs/path.db",
// "sqlite://rel/path.db" or "sqlite::memory:". SQLite files are created
// (with their directory) on first use and run in WAL mode with a busy timeout.
// Open does not migrate; call Migrate.
func Open(ctx context.Context, url string, opts Options) (*Store, error) { return nil, errTODO }

// Close releases the connection pool.
func (s *Store) Close() error { return errTODO }

// Ping checks that the database answers (for readiness probes).
func (s *Store) Ping(ctx context.Context) error { return errTODO }

// Migrate applies every pending versioned migration; it is idempotent and
// safe to run from several processes at once.
func (s *Store) Migrate(ctx context.Context) error { return errTODO }

// CreateTask stores a new task for userID with the next task number.
func (s *Store) CreateTask(ctx context.Context, userID string, in models.NewTask) (models.Task, error) {
	return models.Task{}, errTODO
}

// GetTask returns userID's task number n, or models.ErrNotFound.
func (s *Store) GetTask(ctx context.Context, userID string, n int64) (models.Task, error) {
	return models.Task{}, errTODO
}

// ListTasks returns one page of userID's tasks matching f, with counts over
// all of userID's tasks. A bad cursor or limit is a *models.ValidationError.
func (s *Store) ListTasks(ctx context.Context, userID string, f models.TaskFilter) (models.TaskPage, error) {
	return models.TaskPage{}, errTODO
}

// FindTasksByTitle returns userID's tasks whose title equals name
// case-insensitively; if there are none, those whose title contains name
// case-insensitively. At most limit tasks, by task number.
func (s *Store) FindTasksByTitle(ctx context.Context, userID, name string, limit int) ([]models.Task, error) {
	return nil, errTODO
}

// SetTaskCompleted sets (never toggles) the completed flag of userID's task n
// and its completed_at, and returns the task as stored.
func (s *Store) SetTaskCompleted(ctx context.Context, userID string, n int64, completed bool) (models.Task, error) {
	return models.Task{}, errTODO
}

// UpdateTask applies p to userID's task n and returns the task as stored.
func (s *Store) UpdateTask(ctx context.Context, userID string, n int64, p models.TaskPatch) (models.Task, error) {
	return models.Task{}, errTODO
}

// DeleteTask deletes userID's task n and returns it as it was.
func (s *Store) DeleteTask(ctx context.Context, userID string, n int64) (models.Task, error) {
	return models.Task{}, errTODO
}
