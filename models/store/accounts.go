package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/taskpilot/taskpilot/models"
)

// accountRow is a row of the accounts table.
type accountRow struct {
	Name         string `gorm:"primaryKey"`
	PasswordHash string
	Disabled     bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// TableName implements gorm's Tabler.
func (accountRow) TableName() string { return "accounts" }

func (r accountRow) account() models.Account {
	return models.Account{Name: r.Name, PasswordHash: r.PasswordHash, Disabled: r.Disabled,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

// migrateAccountsV5 creates the accounts table. An account's name is the
// user id of its tasks and threads.
func migrateAccountsV5(tx *gorm.DB) error {
	ts := "DATETIME"
	if tx.Name() == DialectPostgres {
		ts = "TIMESTAMPTZ"
	}
	err := tx.Exec(`CREATE TABLE accounts (
		name VARCHAR(64) PRIMARY KEY,
		password_hash TEXT NOT NULL,
		disabled BOOLEAN NOT NULL DEFAULT FALSE,
		created_at ` + ts + ` NOT NULL,
		updated_at ` + ts + ` NOT NULL
	)`).Error
	if err != nil {
		return fmt.Errorf("create accounts: %w", err)
	}
	return nil
}

// CreateAccount stores a new account. The name is canonicalised with
// models.ValidateAccountName; an existing name is models.ErrConflict.
func (s *Store) CreateAccount(ctx context.Context, name, passwordHash string) (models.Account, error) {
	n, err := models.ValidateAccountName(name)
	if err != nil {
		return models.Account{}, err
	}
	t := now()
	row := accountRow{Name: n, PasswordHash: passwordHash, CreatedAt: t, UpdatedAt: t}
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		err = dbError(err)
		if errors.Is(err, models.ErrConflict) {
			return models.Account{}, fmt.Errorf("account %s already exists: %w", n, models.ErrConflict)
		}
		return models.Account{}, fmt.Errorf("create account: %w", err)
	}
	return row.account(), nil
}

// GetAccount returns the account name, or models.ErrNotFound.
func (s *Store) GetAccount(ctx context.Context, name string) (models.Account, error) {
	n, err := models.ValidateAccountName(name)
	if err != nil {
		return models.Account{}, accountNotFound(name)
	}
	var row accountRow
	err = s.db.WithContext(ctx).Where("name = ?", n).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return models.Account{}, accountNotFound(n)
	}
	if err != nil {
		return models.Account{}, fmt.Errorf("get account: %w", dbError(err))
	}
	return row.account(), nil
}

// ListAccounts returns every account by name.
func (s *Store) ListAccounts(ctx context.Context) ([]models.Account, error) {
	var rows []accountRow
	if err := s.db.WithContext(ctx).Order("name").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list accounts: %w", dbError(err))
	}
	out := make([]models.Account, len(rows))
	for i, r := range rows {
		out[i] = r.account()
	}
	return out, nil
}

// CountAccounts returns how many accounts exist (0 before the first one,
// when TaskPilot offers its one-time setup).
func (s *Store) CountAccounts(ctx context.Context) (int64, error) {
	var n int64
	if err := s.db.WithContext(ctx).Model(&accountRow{}).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("count accounts: %w", dbError(err))
	}
	return n, nil
}

// SetAccountPassword replaces the password hash of name and ends all its
// sign-in sessions.
func (s *Store) SetAccountPassword(ctx context.Context, name, passwordHash string) error {
	return s.updateAccount(ctx, name, "set password", map[string]any{"password_hash": passwordHash}, true)
}

// SetAccountDisabled disables or re-enables name; disabling ends all its
// sign-in sessions.
func (s *Store) SetAccountDisabled(ctx context.Context, name string, disabled bool) error {
	return s.updateAccount(ctx, name, "disable account", map[string]any{"disabled": disabled}, disabled)
}

// updateAccount sets cols of name and, with endSessions, deletes its
// sessions in the same transaction.
func (s *Store) updateAccount(ctx context.Context, name, what string, cols map[string]any, endSessions bool) error {
	n, err := models.ValidateAccountName(name)
	if err != nil {
		return accountNotFound(name)
	}
	cols["updated_at"] = now()
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&accountRow{}).Where("name = ?", n).Updates(cols)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return accountNotFound(n)
		}
		if endSessions {
			return tx.Where("account = ?", n).Delete(&sessionRow{}).Error
		}
		return nil
	})
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		return fmt.Errorf("%s: %w", what, dbError(err))
	}
	return err
}

// DeleteAccount deletes name and everything that belongs to its user:
// tasks, task counters, chat threads with their items and feedback, and
// sign-in sessions. It is
// one transaction: either all of it goes or nothing does.
func (s *Store) DeleteAccount(ctx context.Context, name string) error {
	n, err := models.ValidateAccountName(name)
	if err != nil {
		return accountNotFound(name)
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("account = ?", n).Delete(&oauthGrantRow{}).Error; err != nil {
			return err
		}
		if err := tx.Where("account = ?", n).Delete(&sessionRow{}).Error; err != nil {
			return err
		}
		res := tx.Where("name = ?", n).Delete(&accountRow{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return accountNotFound(n)
		}
		// Children first, so the foreign keys hold at every statement.
		for _, table := range []string{"chat_feedback", "chat_items", "chat_threads", "tasks", "task_counters"} {
			if err := tx.Exec("DELETE FROM "+table+" WHERE user_id = ?", n).Error; err != nil {
				return fmt.Errorf("%s: %w", table, err)
			}
		}
		return nil
	})
	if err != nil {
		if errors.Is(err, models.ErrNotFound) {
			return err
		}
		return fmt.Errorf("delete account: %w", dbError(err))
	}
	return nil
}

func accountNotFound(name string) error {
	return fmt.Errorf("account %s: %w", name, models.ErrNotFound)
}
