package oauthserver

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/ory/fosite/token/jwt"

	"github.com/taskpilot/taskpilot/models/store"
)

// Signing key rotation defaults.
const (
	// DefaultKeyRotation is how old the signing key gets before a new one
	// replaces it.
	DefaultKeyRotation = 30 * 24 * time.Hour
	// DefaultKeyRetention is how long a replaced key stays published and
	// accepted: far longer than the access tokens it signed live
	// (AccessTokenTTL), plus the time replicas take to see the new key
	// (KeyCheckInterval).
	DefaultKeyRetention = time.Hour
	// KeyCheckInterval is how often a running server reloads the keys and
	// rotates them when due (Keys.Run).
	KeyCheckInterval = time.Minute
	// keyReloadGap is the least time between two reloads for tokens whose
	// kid is unknown (made by another replica a moment ago, or forged).
	keyReloadGap = 5 * time.Second
)

// KeyStore keeps the signing keys (models/store.Store).
type KeyStore interface {
	ListSigningKeys(ctx context.Context) ([]store.SigningKey, error)
	AddSigningKey(ctx context.Context, k store.SigningKey) (bool, error)
	DeleteSigningKey(ctx context.Context, generation int64) error
}

// KeysConfig configures LoadKeys.
type KeysConfig struct {
	Store KeyStore
	// Rotation is the signing key's age at which a new one replaces it;
	// 0 means DefaultKeyRotation.
	Rotation time.Duration
	// Retention is how long a replaced key still verifies tokens and is
	// published in the JWKS; 0 means DefaultKeyRetention.
	Retention time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Keys are the authorization server's ES256 signing keys, kept in the
// database so that every replica and the MCP server use the same ones.
// The newest key signs; each key it replaced verifies tokens and stays in
// the JWKS for the retention period after it was replaced, then is
// dropped. Keys is safe for concurrent use.
type Keys struct {
	cfg KeysConfig

	mu       sync.RWMutex
	keys     []storedKey // newest first
	reloaded time.Time   // when an unknown kid last made us reload
}

// storedKey is a key with the time it was made and the time the next one
// replaced it (zero for the signing key).
type storedKey struct {
	Key
	created time.Time
	retired time.Time
}

// LoadKeys loads the stored keys, creating the first one, or a new one
// when the signing key is older than the rotation period.
func LoadKeys(ctx context.Context, cfg KeysConfig) (*Keys, error) {
	if cfg.Store == nil {
		return nil, errors.New("load signing keys: a store is required")
	}
	if cfg.Rotation <= 0 {
		cfg.Rotation = DefaultKeyRotation
	}
	if cfg.Retention <= 0 {
		cfg.Retention = DefaultKeyRetention
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	k := &Keys{cfg: cfg}
	if err := k.Rotate(ctx); err != nil {
		return nil, err
	}
	return k, nil
}

// Rotate makes a new signing key when there is none or the current one is
// older than the rotation period, drops the keys replaced longer ago than
// the retention period, and reloads. Replicas may rotate at once: each
// proposes the next generation and the database keeps one.
func (k *Keys) Rotate(ctx context.Context) error {
	stored, err := k.cfg.Store.ListSigningKeys(ctx)
	if err != nil {
		return fmt.Errorf("signing keys: %w", err)
	}
	now := k.cfg.Now()
	if len(stored) == 0 || now.Sub(stored[0].CreatedAt) >= k.cfg.Rotation {
		next := store.SigningKey{Generation: 1, PrivatePEM: NewKeyPEM(), CreatedAt: now}
		if len(stored) > 0 {
			next.Generation = stored[0].Generation + 1
		}
		if _, err := k.cfg.Store.AddSigningKey(ctx, next); err != nil {
			return fmt.Errorf("rotate signing key: %w", err)
		}
		if stored, err = k.cfg.Store.ListSigningKeys(ctx); err != nil {
			return fmt.Errorf("signing keys: %w", err)
		}
	}
	kept := stored[:0:0]
	for i, sk := range stored {
		if i > 0 && now.Sub(stored[i-1].CreatedAt) > k.cfg.Retention {
			if err := k.cfg.Store.DeleteSigningKey(ctx, sk.Generation); err != nil {
				return fmt.Errorf("drop signing key: %w", err)
			}
			continue
		}
		kept = append(kept, sk)
	}
	return k.set(kept)
}

// Signing returns the key that signs new tokens.
func (k *Keys) Signing() Key {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.keys[0].Key
}

// published returns the keys that verify tokens now: the signing key and
// those it replaced less than the retention period ago.
func (k *Keys) published() []Key {
	now := k.cfg.Now()
	k.mu.RLock()
	defer k.mu.RUnlock()
	out := make([]Key, 0, len(k.keys))
	for _, sk := range k.keys {
		if sk.retired.IsZero() || now.Sub(sk.retired) <= k.cfg.Retention {
			out = append(out, sk.Key)
		}
	}
	return out
}

func (k *Keys) find(kid string) (crypto.PublicKey, bool) {
	for _, key := range k.published() {
		if key.ID == kid {
			return &key.Private.PublicKey, true
		}
	}
	return nil, false
}

// PublicKey returns the public key of kid when it is a published key, for
// token.LocalKeys. An unknown kid (a key another replica made a moment
// ago) reloads the keys, at most once every few seconds.
func (k *Keys) PublicKey(ctx context.Context, kid string) (crypto.PublicKey, bool) {
	if pub, ok := k.find(kid); ok {
		return pub, true
	}
	k.mu.Lock()
	due := k.cfg.Now().Sub(k.reloaded) >= keyReloadGap
	if due {
		k.reloaded = k.cfg.Now()
	}
	k.mu.Unlock()
	if !due || k.reload(ctx) != nil {
		return nil, false
	}
	return k.find(kid)
}

// reload reads the stored keys without rotating.
func (k *Keys) reload(ctx context.Context) error {
	stored, err := k.cfg.Store.ListSigningKeys(ctx)
	if err != nil {
		return fmt.Errorf("signing keys: %w", err)
	}
	return k.set(stored)
}

// set makes stored (newest first) the keys.
func (k *Keys) set(stored []store.SigningKey) error {
	keys := make([]storedKey, 0, len(stored))
	for i, s := range stored {
		sk := storedKey{created: s.CreatedAt}
		if i > 0 {
			sk.retired = stored[i-1].CreatedAt
		}
		var err error
		if sk.Key, err = ParseKey(s.PrivatePEM); err != nil {
			return fmt.Errorf("signing key %d: %w", s.Generation, err)
		}
		keys = append(keys, sk)
	}
	if len(keys) == 0 {
		return errors.New("signing keys: none stored")
	}
	k.mu.Lock()
	k.keys = keys
	k.mu.Unlock()
	return nil
}

// Run rotates (Rotate) every interval until ctx ends; failures are
// logged and retried at the next tick. An interval of 0 means
// KeyCheckInterval.
func (k *Keys) Run(ctx context.Context, interval time.Duration, log *slog.Logger) {
	if interval <= 0 {
		interval = KeyCheckInterval
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if err := k.Rotate(ctx); err != nil && ctx.Err() == nil {
				log.ErrorContext(ctx, "rotate signing keys", "err", err)
			}
		}
	}
}

// jwks is the JSON Web Key Set of the published keys, signing key first.
func (k *Keys) jwks() any {
	var out []jwk
	for _, key := range k.published() {
		out = append(out, key.publicJWK())
	}
	return map[string]any{"keys": out}
}

// signer is fosite's JWT signer on Keys: it signs with the signing key,
// naming it by kid whatever the session says, and checks a token with the
// published key its kid names.
type signer struct{ keys *Keys }

var _ jwt.Signer = signer{}

func constKey(k Key) *jwt.DefaultSigner {
	return &jwt.DefaultSigner{GetPrivateKey: func(context.Context) (any, error) { return k.Private, nil }}
}

// Generate implements jwt.Signer.
func (s signer) Generate(ctx context.Context, claims jwt.MapClaims, header jwt.Mapper) (string, string, error) {
	key := s.keys.Signing()
	h := jwt.NewHeaders()
	for name, v := range header.ToMap() {
		h.Add(name, v)
	}
	h.Add("kid", key.ID)
	return constKey(key).Generate(ctx, claims, h)
}

// keyOf returns the published key that token's kid names.
func (s signer) keyOf(ctx context.Context, token string) (*jwt.DefaultSigner, error) {
	var kid string
	_, _ = jwt.Parse(token, func(t *jwt.Token) (any, error) {
		kid, _ = t.Header["kid"].(string)
		return nil, errors.New("only the header is read")
	})
	for _, key := range s.keys.published() {
		if key.ID == kid {
			return constKey(key), nil
		}
	}
	return nil, fmt.Errorf("token signed by unknown key %q", kid)
}

// Validate implements jwt.Signer.
func (s signer) Validate(ctx context.Context, token string) (string, error) {
	d, err := s.keyOf(ctx, token)
	if err != nil {
		return "", err
	}
	return d.Validate(ctx, token)
}

// Decode implements jwt.Signer.
func (s signer) Decode(ctx context.Context, token string) (*jwt.Token, error) {
	d, err := s.keyOf(ctx, token)
	if err != nil {
		return nil, err
	}
	return d.Decode(ctx, token)
}

// Hash implements jwt.Signer.
func (s signer) Hash(ctx context.Context, in []byte) ([]byte, error) {
	return (&jwt.DefaultSigner{}).Hash(ctx, in)
}

// GetSignature implements jwt.Signer.
func (s signer) GetSignature(ctx context.Context, token string) (string, error) {
	return (&jwt.DefaultSigner{}).GetSignature(ctx, token)
}

// GetSigningMethodLength implements jwt.Signer.
func (s signer) GetSigningMethodLength(ctx context.Context) int {
	return (&jwt.DefaultSigner{}).GetSigningMethodLength(ctx)
}
