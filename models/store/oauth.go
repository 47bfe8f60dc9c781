package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/taskpilot/taskpilot/models"
)

// OAuthClient is a client of the OAuth authorization server registered by
// RFC 7591 dynamic registration.
type OAuthClient struct {
	ID           string    // the client_id the server issued
	Name         string    // client_name, shown on the consent page
	RedirectURIs []string  // registered redirect URIs, matched exactly
	CreatedAt    time.Time // when it registered
}

// OAuthGrant is one user's consent to one client: the scopes it may use.
// Refresh tokens stop working when the grant is revoked.
type OAuthGrant struct {
	ID         string     // random identifier, shown by taskpilot user grants
	Account    string     // the account that consented
	ClientID   string     // the client's client_id (a URL for metadata-document clients)
	ClientName string     // the client's name when consent was given
	Scopes     []string   // the granted scopes
	CreatedAt  time.Time  // when consent was given
	RevokedAt  *time.Time // when it was revoked; nil while active
}

type oauthClientRow struct {
	ID           string `gorm:"primaryKey"`
	Name         string
	RedirectURIs string // newline-separated
	CreatedAt    time.Time
}

// TableName implements gorm's Tabler.
func (oauthClientRow) TableName() string { return "oauth_clients" }

type oauthGrantRow struct {
	ID         string `gorm:"primaryKey"`
	Account    string
	ClientID   string
	ClientName string
	Scopes     string // space-separated
	CreatedAt  time.Time
	RevokedAt  *time.Time
}

// TableName implements gorm's Tabler.
func (oauthGrantRow) TableName() string { return "oauth_grants" }

// migrateOAuthV8 creates oauth_clients and oauth_grants; deleting an
// account deletes its grants.
func migrateOAuthV8(tx *gorm.DB) error {
	ts := "DATETIME"
	if tx.Name() == DialectPostgres {
		ts = "TIMESTAMPTZ"
	}
	for _, stmt := range []string{
		`CREATE TABLE oauth_clients (
			id VARCHAR(64) PRIMARY KEY,
			name VARCHAR(200) NOT NULL,
			redirect_uris TEXT NOT NULL,
			created_at ` + ts + ` NOT NULL
		)`,
		`CREATE TABLE oauth_grants (
			id VARCHAR(64) PRIMARY KEY,
			account VARCHAR(64) NOT NULL REFERENCES accounts (name) ON DELETE CASCADE,
			client_id VARCHAR(2048) NOT NULL,
			client_name VARCHAR(200) NOT NULL,
			scopes TEXT NOT NULL,
			created_at ` + ts + ` NOT NULL,
			revoked_at ` + ts + `
		)`,
		"CREATE INDEX idx_oauth_grants_account ON oauth_grants (account)",
	} {
		if err := tx.Exec(stmt).Error; err != nil {
			return fmt.Errorf("create oauth tables: %w", err)
		}
	}
	return nil
}

// CreateOAuthClient stores a dynamically registered client.
func (s *Store) CreateOAuthClient(ctx context.Context, c OAuthClient) error {
	row := oauthClientRow{ID: c.ID, Name: c.Name, RedirectURIs: strings.Join(c.RedirectURIs, "\n"), CreatedAt: now()}
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("create oauth client: %w", dbError(err))
	}
	return nil
}

// GetOAuthClient returns the registered client id, or models.ErrNotFound.
func (s *Store) GetOAuthClient(ctx context.Context, id string) (OAuthClient, error) {
	var row oauthClientRow
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return OAuthClient{}, fmt.Errorf("oauth client: %w", models.ErrNotFound)
	}
	if err != nil {
		return OAuthClient{}, fmt.Errorf("get oauth client: %w", dbError(err))
	}
	return OAuthClient{ID: row.ID, Name: row.Name, RedirectURIs: strings.Split(row.RedirectURIs, "\n"), CreatedAt: row.CreatedAt}, nil
}

// CreateOAuthGrant stores a grant.
func (s *Store) CreateOAuthGrant(ctx context.Context, g OAuthGrant) error {
	row := oauthGrantRow{ID: g.ID, Account: g.Account, ClientID: g.ClientID, ClientName: g.ClientName,
		Scopes: strings.Join(g.Scopes, " "), CreatedAt: now()}
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("create grant: %w", dbError(err))
	}
	return nil
}

// GetOAuthGrant returns the grant id, or models.ErrNotFound.
func (s *Store) GetOAuthGrant(ctx context.Context, id string) (OAuthGrant, error) {
	var row oauthGrantRow
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return OAuthGrant{}, fmt.Errorf("grant: %w", models.ErrNotFound)
	}
	if err != nil {
		return OAuthGrant{}, fmt.Errorf("get grant: %w", dbError(err))
	}
	return row.grant(), nil
}

// ListOAuthGrants returns account's grants, oldest first, revoked ones too.
func (s *Store) ListOAuthGrants(ctx context.Context, account string) ([]OAuthGrant, error) {
	var rows []oauthGrantRow
	if err := s.db.WithContext(ctx).Where("account = ?", account).Order("created_at, id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list grants: %w", dbError(err))
	}
	out := make([]OAuthGrant, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.grant())
	}
	return out, nil
}

// RevokeOAuthGrant revokes account's grant id (account "" matches any
// account). Revoking a revoked grant is fine; an unknown one is
// models.ErrNotFound.
func (s *Store) RevokeOAuthGrant(ctx context.Context, account, id string) error {
	q := s.db.WithContext(ctx).Model(&oauthGrantRow{}).Where("id = ?", id)
	if account != "" {
		q = q.Where("account = ?", account)
	}
	var n int64
	if err := q.Count(&n).Error; err != nil {
		return fmt.Errorf("revoke grant: %w", dbError(err))
	}
	if n == 0 {
		return fmt.Errorf("grant %q: %w", id, models.ErrNotFound)
	}
	t := now()
	if err := s.db.WithContext(ctx).Model(&oauthGrantRow{}).Where("id = ? AND revoked_at IS NULL", id).
		Update("revoked_at", t).Error; err != nil {
		return fmt.Errorf("revoke grant: %w", dbError(err))
	}
	return nil
}

func (r oauthGrantRow) grant() OAuthGrant {
	return OAuthGrant{ID: r.ID, Account: r.Account, ClientID: r.ClientID, ClientName: r.ClientName,
		Scopes: strings.Fields(r.Scopes), CreatedAt: r.CreatedAt, RevokedAt: r.RevokedAt}
}
