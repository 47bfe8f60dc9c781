package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/taskpilot/taskpilot/models"
)

// sessionRow is a row of auth_sessions: one signed-in browser. Only a
// hash of the session's secret is stored, so a copy of the database does
// not sign anyone in.
type sessionRow struct {
	IDHash    string `gorm:"primaryKey"`
	Account   string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// TableName implements gorm's Tabler.
func (sessionRow) TableName() string { return "auth_sessions" }

// migrateSessionsV6 creates auth_sessions; deleting an account deletes its
// sessions.
func migrateSessionsV6(tx *gorm.DB) error {
	ts := "DATETIME"
	if tx.Name() == DialectPostgres {
		ts = "TIMESTAMPTZ"
	}
	for _, stmt := range []string{
		`CREATE TABLE auth_sessions (
			id_hash VARCHAR(64) PRIMARY KEY,
			account VARCHAR(64) NOT NULL REFERENCES accounts (name) ON DELETE CASCADE,
			created_at ` + ts + ` NOT NULL,
			expires_at ` + ts + ` NOT NULL
		)`,
		"CREATE INDEX idx_auth_sessions_account ON auth_sessions (account)",
		"CREATE INDEX idx_auth_sessions_expires ON auth_sessions (expires_at)",
	} {
		if err := tx.Exec(stmt).Error; err != nil {
			return fmt.Errorf("create auth_sessions: %w", err)
		}
	}
	return nil
}

// CreateSession stores a session of account, identified by idHash (a hash
// of the browser's secret) until expires.
func (s *Store) CreateSession(ctx context.Context, idHash, account string, expires time.Time) error {
	row := sessionRow{IDHash: idHash, Account: account, CreatedAt: now(), ExpiresAt: expires.UTC()}
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("create session: %w", dbError(err))
	}
	return nil
}

// SessionAccount returns the account of the unexpired session idHash, or
// models.ErrNotFound.
func (s *Store) SessionAccount(ctx context.Context, idHash string) (models.Account, error) {
	var row accountRow
	err := s.db.WithContext(ctx).
		Table("auth_sessions").
		Select("accounts.*").
		Joins("JOIN accounts ON accounts.name = auth_sessions.account").
		Where("auth_sessions.id_hash = ? AND auth_sessions.expires_at > ?", idHash, now()).
		Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return models.Account{}, fmt.Errorf("session: %w", models.ErrNotFound)
	}
	if err != nil {
		return models.Account{}, fmt.Errorf("get session: %w", dbError(err))
	}
	return row.account(), nil
}

// DeleteSession ends the session idHash; ending a missing one is no error.
func (s *Store) DeleteSession(ctx context.Context, idHash string) error {
	if err := s.db.WithContext(ctx).Where("id_hash = ?", idHash).Delete(&sessionRow{}).Error; err != nil {
		return fmt.Errorf("delete session: %w", dbError(err))
	}
	return nil
}

// DeleteAccountSessions ends every session of account (after a password
// change or when it is disabled) and the expired sessions of everyone.
func (s *Store) DeleteAccountSessions(ctx context.Context, account string) error {
	n, err := models.ValidateAccountName(account)
	if err != nil {
		return nil // no such account, so no sessions
	}
	err = s.db.WithContext(ctx).Where("account = ? OR expires_at <= ?", n, now()).Delete(&sessionRow{}).Error
	if err != nil {
		return fmt.Errorf("delete sessions: %w", dbError(err))
	}
	return nil
}
