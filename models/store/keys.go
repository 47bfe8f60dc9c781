package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/taskpilot/taskpilot/models"
)

// keyRow is a row of server_keys: a secret the servers generate once and
// share through the database (every replica and both servers of one
// deployment read the same value).
type keyRow struct {
	Name      string `gorm:"primaryKey"`
	Value     string
	CreatedAt time.Time
}

// TableName implements gorm's Tabler.
func (keyRow) TableName() string { return "server_keys" }

// inviteRow is a row of invites: a single-use sign-up link, by the hash
// of its secret.
type inviteRow struct {
	IDHash    string `gorm:"primaryKey"`
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedBy    *string
}

// TableName implements gorm's Tabler.
func (inviteRow) TableName() string { return "invites" }

// migrateKeysV7 creates server_keys and invites.
func migrateKeysV7(tx *gorm.DB) error {
	ts := "DATETIME"
	if tx.Name() == DialectPostgres {
		ts = "TIMESTAMPTZ"
	}
	for _, stmt := range []string{
		`CREATE TABLE server_keys (
			name VARCHAR(64) PRIMARY KEY,
			value TEXT NOT NULL,
			created_at ` + ts + ` NOT NULL
		)`,
		`CREATE TABLE invites (
			id_hash VARCHAR(64) PRIMARY KEY,
			created_at ` + ts + ` NOT NULL,
			expires_at ` + ts + ` NOT NULL,
			used_by VARCHAR(64)
		)`,
	} {
		if err := tx.Exec(stmt).Error; err != nil {
			return fmt.Errorf("create key tables: %w", err)
		}
	}
	return nil
}

// EnsureKey returns the server key name, storing value as it when there
// is none yet. Concurrent callers (replicas starting together) all get
// the one value that was stored first.
func (s *Store) EnsureKey(ctx context.Context, name, value string) (string, error) {
	db := s.db.WithContext(ctx)
	row := keyRow{Name: name, Value: value, CreatedAt: now()}
	if err := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
		return "", fmt.Errorf("store key %s: %w", name, dbError(err))
	}
	var got keyRow
	if err := db.Where("name = ?", name).Take(&got).Error; err != nil {
		return "", fmt.Errorf("read key %s: %w", name, dbError(err))
	}
	return got.Value, nil
}

// DeleteKey removes the server key name (a used setup secret).
func (s *Store) DeleteKey(ctx context.Context, name string) error {
	if err := s.db.WithContext(ctx).Where("name = ?", name).Delete(&keyRow{}).Error; err != nil {
		return fmt.Errorf("delete key %s: %w", name, dbError(err))
	}
	return nil
}

// CreateInvite stores an invite by the hash of its secret.
func (s *Store) CreateInvite(ctx context.Context, idHash string, expires time.Time) error {
	row := inviteRow{IDHash: idHash, CreatedAt: now(), ExpiresAt: expires.UTC()}
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("create invite: %w", dbError(err))
	}
	return nil
}

// CreateAccountWithInvite creates an account and uses up the unexpired,
// unused invite idHash in one transaction: an invite makes one account,
// even when two people race for it. A bad invite is models.ErrNotFound.
func (s *Store) CreateAccountWithInvite(ctx context.Context, idHash, name, passwordHash string) (models.Account, error) {
	var acct models.Account
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		n, err := models.ValidateAccountName(name)
		if err != nil {
			return err
		}
		res := tx.Model(&inviteRow{}).
			Where("id_hash = ? AND used_by IS NULL AND expires_at > ?", idHash, now()).
			Update("used_by", n)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("invite: %w", models.ErrNotFound)
		}
		acct, err = (&Store{db: tx, dialect: s.dialect}).CreateAccount(ctx, n, passwordHash)
		return err
	})
	if err != nil {
		if errors.Is(err, models.ErrNotFound) || errors.Is(err, models.ErrConflict) || errors.Is(err, models.ErrInvalid) {
			return models.Account{}, err
		}
		return models.Account{}, fmt.Errorf("sign up: %w", dbError(err))
	}
	return acct, nil
}
