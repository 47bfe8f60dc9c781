package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// migrationLockID keys the PostgreSQL advisory lock that serializes
// migrations across processes ("taskpilot" in ASCII, truncated).
const migrationLockID int64 = 0x7461736b70696c6f

// migration is one versioned schema change. Versions only grow; a
// released migration is never edited, only followed by a new one.
type migration struct {
	version int
	name    string
	up      func(tx *gorm.DB) error
}

// migrations returns every migration in version order. Append new ones at
// the end.
func migrations() []migration {
	return []migration{
		{1, "tasks and task counters", migrateTasksV1},
		{2, "chat threads, items and feedback", migrateThreadsV2},
		{3, "turn leases and rate buckets", migrateLimitsV3},
		{4, "repeating tasks and trash", migrateTasksV4},
		{5, "accounts", migrateAccountsV5},
		{6, "sign-in sessions", migrateSessionsV6},
		{7, "server keys and invites", migrateKeysV7},
		{8, "oauth clients and grants", migrateOAuthV8},
		{9, "oauth tokens and signing keys", migrateOAuthTokensV9},
	}
}

// Migrate applies every pending versioned migration; it is idempotent and
// safe to run from several processes at once.
func (s *Store) Migrate(ctx context.Context) error {
	for _, m := range migrations() {
		if err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			return s.apply(tx, m)
		}); err != nil {
			return fmt.Errorf("migrate %d (%s): %w", m.version, m.name, err)
		}
	}
	return nil
}

// apply runs m inside tx unless it was already applied.
func (s *Store) apply(tx *gorm.DB, m migration) error {
	if s.dialect == DialectPostgres {
		// Held until the transaction ends; a second migrator waits here and
		// then sees the version recorded.
		if err := tx.Exec("SELECT pg_advisory_xact_lock(?)", migrationLockID).Error; err != nil {
			return fmt.Errorf("lock: %w", err)
		}
	}
	if err := tx.Exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY,
		applied_at TIMESTAMP NOT NULL
	)`).Error; err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	var n int64
	if err := tx.Raw("SELECT COUNT(*) FROM schema_migrations WHERE version = ?", m.version).Scan(&n).Error; err != nil {
		return fmt.Errorf("read schema_migrations: %w", err)
	}
	if n > 0 {
		return nil
	}
	if err := m.up(tx); err != nil {
		return err
	}
	return tx.Exec("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)", m.version, now()).Error
}

// taskV1 is the tasks table as migration 1 creates it. It is frozen: later
// schema changes go in new migrations, not here.
type taskV1 struct {
	ID           uint64     `gorm:"primaryKey;autoIncrement"`
	UserID       string     `gorm:"size:255;not null"`
	Number       int64      `gorm:"not null"`
	Title        string     `gorm:"size:200;not null"`
	TitleKey     string     `gorm:"size:200;not null"`
	Description  string     `gorm:"type:text;not null;default:''"`
	Completed    bool       `gorm:"not null;default:false"`
	CompletedAt  *time.Time ``
	Priority     string     `gorm:"size:10;not null;default:'medium'"`
	PriorityRank int        `gorm:"type:smallint;not null;default:2"`
	DueAt        *time.Time ``
	DueHasTime   bool       `gorm:"not null;default:false"`
	DueKey       int64      `gorm:"not null"`
	OverdueAt    int64      `gorm:"not null"`
	Tags         string     `gorm:"type:text;not null;default:'[]'"`
	CreatedAt    time.Time  `gorm:"not null"`
	UpdatedAt    time.Time  `gorm:"not null"`
}

// TableName implements gorm's Tabler.
func (taskV1) TableName() string { return "tasks" }

// counterV1 is the task_counters table as migration 1 creates it.
type counterV1 struct {
	UserID     string `gorm:"primaryKey;size:255"`
	LastNumber int64  `gorm:"not null;default:0"`
	Total      int64  `gorm:"not null;default:0"`
	Completed  int64  `gorm:"not null;default:0"`
}

// TableName implements gorm's Tabler.
func (counterV1) TableName() string { return "task_counters" }

// migrateTasksV1 creates the tasks and task_counters tables and the
// indexes that keep every listing of one user's tasks O(page): each sort
// key is followed by the task number, the tie-breaker.
func migrateTasksV1(tx *gorm.DB) error {
	if err := tx.Migrator().CreateTable(&taskV1{}, &counterV1{}); err != nil {
		return fmt.Errorf("create tables: %w", err)
	}
	for _, stmt := range []string{
		"CREATE UNIQUE INDEX IF NOT EXISTS idx_tasks_user_number ON tasks (user_id, number)",
		"CREATE INDEX IF NOT EXISTS idx_tasks_user_due ON tasks (user_id, due_key, number)",
		"CREATE INDEX IF NOT EXISTS idx_tasks_user_priority ON tasks (user_id, priority_rank, number)",
		"CREATE INDEX IF NOT EXISTS idx_tasks_user_title ON tasks (user_id, title_key, number)",
	} {
		if err := tx.Exec(stmt).Error; err != nil {
			return fmt.Errorf("create index: %w", err)
		}
	}
	return nil
}

// migrateThreadsV2 creates the ChatKit tables. A thread is keyed by its
// user and id; items and feedback hang off it with cascading foreign keys.
// seq is a monotonic insertion counter that breaks created_at ties, and
// the (…, created_at, seq) indexes keep every listing O(page).
func migrateThreadsV2(tx *gorm.DB) error {
	seq, ts := "INTEGER PRIMARY KEY AUTOINCREMENT", "DATETIME"
	if tx.Name() == DialectPostgres {
		seq, ts = "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", "TIMESTAMPTZ"
	}
	for _, stmt := range []string{
		`CREATE TABLE chat_threads (
			seq ` + seq + `,
			user_id VARCHAR(255) NOT NULL,
			id VARCHAR(255) NOT NULL,
			title TEXT,
			status TEXT NOT NULL,
			allowed_image_domains TEXT,
			metadata TEXT NOT NULL,
			created_at ` + ts + ` NOT NULL,
			updated_at ` + ts + ` NOT NULL,
			UNIQUE (user_id, id)
		)`,
		`CREATE TABLE chat_items (
			seq ` + seq + `,
			user_id VARCHAR(255) NOT NULL,
			thread_id VARCHAR(255) NOT NULL,
			id VARCHAR(255) NOT NULL,
			type VARCHAR(64) NOT NULL,
			created_at ` + ts + ` NOT NULL,
			data TEXT NOT NULL,
			UNIQUE (user_id, thread_id, id),
			FOREIGN KEY (user_id, thread_id) REFERENCES chat_threads (user_id, id) ON DELETE CASCADE
		)`,
		`CREATE TABLE chat_feedback (
			user_id VARCHAR(255) NOT NULL,
			thread_id VARCHAR(255) NOT NULL,
			item_id VARCHAR(255) NOT NULL,
			kind VARCHAR(16) NOT NULL,
			created_at ` + ts + ` NOT NULL,
			PRIMARY KEY (user_id, thread_id, item_id),
			FOREIGN KEY (user_id, thread_id, item_id) REFERENCES chat_items (user_id, thread_id, id) ON DELETE CASCADE
		)`,
		"CREATE INDEX idx_chat_threads_user_created ON chat_threads (user_id, created_at, seq)",
		"CREATE INDEX idx_chat_items_thread_created ON chat_items (user_id, thread_id, created_at, seq)",
	} {
		if err := tx.Exec(stmt).Error; err != nil {
			return fmt.Errorf("create chat tables: %w", err)
		}
	}
	return nil
}

// migrateLimitsV3 creates the tables that make the chat server's limits
// hold across replicas on PostgreSQL (see leases.go and ratelimit.go):
// one lease row per thread with a turn running, and one token bucket row
// per rate-limited key. SQLite gets them too, so both schemas stay alike,
// though its single process keeps its limits in memory.
func migrateLimitsV3(tx *gorm.DB) error {
	ts, float := "DATETIME", "REAL"
	if tx.Name() == DialectPostgres {
		ts, float = "TIMESTAMPTZ", "DOUBLE PRECISION"
	}
	for _, stmt := range []string{
		`CREATE TABLE turn_leases (
			user_id TEXT NOT NULL,
			thread_id TEXT NOT NULL,
			holder TEXT NOT NULL,
			expires_at ` + ts + ` NOT NULL,
			PRIMARY KEY (user_id, thread_id)
		)`,
		`CREATE TABLE rate_buckets (
			key TEXT PRIMARY KEY,
			tokens ` + float + ` NOT NULL,
			updated_at ` + ts + ` NOT NULL
		)`,
		"CREATE INDEX idx_turn_leases_expires ON turn_leases (expires_at)",
		"CREATE INDEX idx_rate_buckets_updated ON rate_buckets (updated_at)",
	} {
		if err := tx.Exec(stmt).Error; err != nil {
			return fmt.Errorf("create limit tables: %w", err)
		}
	}
	return nil
}

// migrateTasksV4 adds repeat rules and the trash to tasks: the rule (JSON,
// ” for none), its anchor date, the number of completions so far, the
// completion history (JSON, for undoing a roll) and deleted_us (when the
// task went to the trash in Unix microseconds, 0 outside it: an integer
// compares the same on both databases), with indexes for listing the trash
// and purging it.
func migrateTasksV4(tx *gorm.DB) error {
	for _, stmt := range []string{
		"ALTER TABLE tasks ADD COLUMN repeat_rule TEXT NOT NULL DEFAULT ''",
		"ALTER TABLE tasks ADD COLUMN repeat_anchor VARCHAR(10) NOT NULL DEFAULT ''",
		"ALTER TABLE tasks ADD COLUMN repeat_done INTEGER NOT NULL DEFAULT 0",
		"ALTER TABLE tasks ADD COLUMN completions TEXT NOT NULL DEFAULT '[]'",
		"ALTER TABLE tasks ADD COLUMN deleted_us BIGINT NOT NULL DEFAULT 0",
		"CREATE INDEX idx_tasks_user_deleted ON tasks (user_id, deleted_us, number)",
		"CREATE INDEX idx_tasks_deleted ON tasks (deleted_us)",
	} {
		if err := tx.Exec(stmt).Error; err != nil {
			return fmt.Errorf("add repeat and trash columns: %w", err)
		}
	}
	return nil
}
