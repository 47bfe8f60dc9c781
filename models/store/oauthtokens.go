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

// Kinds of OAuthToken.
const (
	OAuthCode    = "code"    // an authorization code
	OAuthPKCE    = "pkce"    // the PKCE challenge of an authorization code
	OAuthAccess  = "access"  // an access token
	OAuthRefresh = "refresh" // a refresh token
)

// OAuthToken is the authorization server's record of one code or token:
// only the token's signature (never the token itself), the grant it
// belongs to, and the authorization request it carries as the server
// serialized it. Every token of one grant shares its GrantID (the family
// that reuse detection revokes).
type OAuthToken struct {
	Kind      string    // OAuthCode, OAuthPKCE, OAuthAccess or OAuthRefresh
	Signature string    // the token's signature, its key
	GrantID   string    // the grant (an OAuthGrant's ID); its deletion deletes the record
	Active    bool      // false once a code is redeemed or a refresh token rotated or revoked
	Data      string    // the serialized request (JSON)
	ExpiresAt time.Time // when the record may be swept
}

type oauthTokenRow struct {
	Kind      string `gorm:"primaryKey"`
	Signature string `gorm:"primaryKey"`
	GrantID   string
	Active    bool
	Data      string
	ExpiresAt time.Time
	CreatedAt time.Time
}

// TableName implements gorm's Tabler.
func (oauthTokenRow) TableName() string { return "oauth_tokens" }

// signingKeyRow is a row of oauth_signing_keys: one generation of the
// authorization server's signing key.
type signingKeyRow struct {
	Generation int64 `gorm:"primaryKey;autoIncrement:false"`
	PrivatePEM string
	CreatedAt  time.Time
}

// TableName implements gorm's Tabler.
func (signingKeyRow) TableName() string { return "oauth_signing_keys" }

// migrateOAuthTokensV9 creates oauth_tokens (the authorization server's
// codes, PKCE challenges and token records, so they hold across restarts
// and replicas; deleting a grant deletes them) and oauth_signing_keys
// (one row per key generation: the primary key makes concurrent
// rotations create one key). The signing key stored in server_keys before
// (oauth-es256) becomes generation 1.
func migrateOAuthTokensV9(tx *gorm.DB) error {
	ts := "DATETIME"
	if tx.Name() == DialectPostgres {
		ts = "TIMESTAMPTZ"
	}
	for _, stmt := range []string{
		`CREATE TABLE oauth_tokens (
			kind VARCHAR(16) NOT NULL,
			signature VARCHAR(255) NOT NULL,
			grant_id VARCHAR(64) NOT NULL REFERENCES oauth_grants (id) ON DELETE CASCADE,
			active BOOLEAN NOT NULL,
			data TEXT NOT NULL,
			expires_at ` + ts + ` NOT NULL,
			created_at ` + ts + ` NOT NULL,
			PRIMARY KEY (kind, signature)
		)`,
		"CREATE INDEX idx_oauth_tokens_grant ON oauth_tokens (grant_id, kind)",
		"CREATE INDEX idx_oauth_tokens_expires ON oauth_tokens (expires_at)",
		`CREATE TABLE oauth_signing_keys (
			generation BIGINT PRIMARY KEY,
			private_pem TEXT NOT NULL,
			created_at ` + ts + ` NOT NULL
		)`,
		`INSERT INTO oauth_signing_keys (generation, private_pem, created_at)
			SELECT 1, value, created_at FROM server_keys WHERE name = 'oauth-es256'`,
		"DELETE FROM server_keys WHERE name = 'oauth-es256'",
	} {
		if err := tx.Exec(stmt).Error; err != nil {
			return fmt.Errorf("create oauth token tables: %w", err)
		}
	}
	return nil
}

// CreateOAuthToken stores t. A record of a grant that does not exist (or
// no longer does) is models.ErrNotFound; one whose kind and signature are
// taken is models.ErrConflict.
func (s *Store) CreateOAuthToken(ctx context.Context, t OAuthToken) error {
	row := oauthTokenRow{Kind: t.Kind, Signature: t.Signature, GrantID: t.GrantID, Active: t.Active,
		Data: t.Data, ExpiresAt: t.ExpiresAt.UTC().Truncate(time.Microsecond), CreatedAt: now()}
	err := s.db.WithContext(ctx).Create(&row).Error
	if errors.Is(err, gorm.ErrForeignKeyViolated) {
		return fmt.Errorf("create oauth %s: grant %q: %w", t.Kind, t.GrantID, models.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("create oauth %s: %w", t.Kind, dbError(err))
	}
	return nil
}

// GetOAuthToken returns the record of kind with signature, active or not,
// or models.ErrNotFound.
func (s *Store) GetOAuthToken(ctx context.Context, kind, signature string) (OAuthToken, error) {
	var row oauthTokenRow
	err := s.db.WithContext(ctx).Where("kind = ? AND signature = ?", kind, signature).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return OAuthToken{}, fmt.Errorf("oauth %s: %w", kind, models.ErrNotFound)
	}
	if err != nil {
		return OAuthToken{}, fmt.Errorf("get oauth %s: %w", kind, dbError(err))
	}
	return OAuthToken{Kind: row.Kind, Signature: row.Signature, GrantID: row.GrantID, Active: row.Active,
		Data: row.Data, ExpiresAt: row.ExpiresAt}, nil
}

// SpendOAuthToken marks the active record of kind with signature
// inactive, in one conditional UPDATE, and reports whether this call did
// it: of two replicas redeeming one code (or rotating one refresh token)
// at once, exactly one gets true. A missing or already inactive record
// gives false.
func (s *Store) SpendOAuthToken(ctx context.Context, kind, signature string) (bool, error) {
	res := s.db.WithContext(ctx).Model(&oauthTokenRow{}).
		Where("kind = ? AND signature = ? AND active", kind, signature).
		Update("active", false)
	if res.Error != nil {
		return false, fmt.Errorf("spend oauth %s: %w", kind, dbError(res.Error))
	}
	return res.RowsAffected == 1, nil
}

// DeactivateOAuthTokens marks every record of kind of grant inactive.
func (s *Store) DeactivateOAuthTokens(ctx context.Context, kind, grant string) error {
	err := s.db.WithContext(ctx).Model(&oauthTokenRow{}).
		Where("grant_id = ? AND kind = ? AND active", grant, kind).
		Update("active", false).Error
	if err != nil {
		return fmt.Errorf("deactivate oauth %s: %w", kind, dbError(err))
	}
	return nil
}

// DeleteOAuthToken removes the record of kind with signature; removing a
// missing one is no error.
func (s *Store) DeleteOAuthToken(ctx context.Context, kind, signature string) error {
	err := s.db.WithContext(ctx).Where("kind = ? AND signature = ?", kind, signature).Delete(&oauthTokenRow{}).Error
	if err != nil {
		return fmt.Errorf("delete oauth %s: %w", kind, dbError(err))
	}
	return nil
}

// DeleteOAuthTokens removes every record of kind of grant.
func (s *Store) DeleteOAuthTokens(ctx context.Context, kind, grant string) error {
	err := s.db.WithContext(ctx).Where("grant_id = ? AND kind = ?", grant, kind).Delete(&oauthTokenRow{}).Error
	if err != nil {
		return fmt.Errorf("delete oauth %s: %w", kind, dbError(err))
	}
	return nil
}

// SweepOAuthTokens removes the records that expired before cutoff and
// returns how many; replicas may sweep at the same time.
func (s *Store) SweepOAuthTokens(ctx context.Context, cutoff time.Time) (int64, error) {
	res := s.db.WithContext(ctx).Where("expires_at < ?", cutoff.UTC()).Delete(&oauthTokenRow{})
	if res.Error != nil {
		return 0, fmt.Errorf("sweep oauth tokens: %w", dbError(res.Error))
	}
	return res.RowsAffected, nil
}

// SigningKey is one generation of the authorization server's signing key.
type SigningKey struct {
	Generation int64     // 1 for the first key; a rotation adds the next
	PrivatePEM string    // the private key, PEM
	CreatedAt  time.Time // when it was made (the previous key retired then)
}

// ListSigningKeys returns the stored signing keys, newest first.
func (s *Store) ListSigningKeys(ctx context.Context) ([]SigningKey, error) {
	var rows []signingKeyRow
	if err := s.db.WithContext(ctx).Order("generation DESC").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list signing keys: %w", dbError(err))
	}
	out := make([]SigningKey, 0, len(rows))
	for _, r := range rows {
		out = append(out, SigningKey{Generation: r.Generation, PrivatePEM: r.PrivatePEM, CreatedAt: r.CreatedAt})
	}
	return out, nil
}

// AddSigningKey stores k unless its generation exists already, and
// reports whether it stored it: replicas rotating at once each propose
// the next generation, and only the first one is kept.
func (s *Store) AddSigningKey(ctx context.Context, k SigningKey) (bool, error) {
	if k.Generation < 1 {
		return false, fmt.Errorf("add signing key: generation %d: %w", k.Generation, models.ErrInvalid)
	}
	row := signingKeyRow{Generation: k.Generation, PrivatePEM: k.PrivatePEM, CreatedAt: k.CreatedAt.UTC().Truncate(time.Microsecond)}
	if row.CreatedAt.IsZero() {
		row.CreatedAt = now()
	}
	res := s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
	if res.Error != nil {
		return false, fmt.Errorf("add signing key: %w", dbError(res.Error))
	}
	return res.RowsAffected == 1, nil
}

// DeleteSigningKey removes the key of generation (once no token it signed
// can still be valid); removing a missing one is no error.
func (s *Store) DeleteSigningKey(ctx context.Context, generation int64) error {
	if err := s.db.WithContext(ctx).Where("generation = ?", generation).Delete(&signingKeyRow{}).Error; err != nil {
		return fmt.Errorf("delete signing key: %w", dbError(err))
	}
	return nil
}
