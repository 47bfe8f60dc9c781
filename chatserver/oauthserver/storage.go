package oauthserver

import (
	"context"
	"errors"
	"sync"

	"github.com/ory/fosite"
	"github.com/ory/fosite/handler/oauth2"
	"github.com/ory/fosite/storage"

	"github.com/taskpilot/taskpilot/models"
)

// tokenStore is fosite's storage: clients and grants come from the
// database; codes, PKCE challenges and token records are fosite's
// in-memory store. A refresh token works only while its grant is active
// and its account enabled; a refresh token used twice (reuse) revokes the
// whole grant, and so does revoking a refresh token (RFC 7009).
type tokenStore struct {
	*storage.MemoryStore
	clients *clients
	store   Store

	mu     sync.Mutex
	grants map[string]string // fosite request ID → grant ID
}

func newTokenStore(cs *clients, st Store) *tokenStore {
	return &tokenStore{MemoryStore: storage.NewMemoryStore(), clients: cs, store: st, grants: map[string]string{}}
}

// GetClient implements fosite.ClientManager.
func (s *tokenStore) GetClient(ctx context.Context, id string) (fosite.Client, error) {
	c, err := s.clients.get(ctx, id)
	if errors.Is(err, models.ErrNotFound) || errors.Is(err, errClientDocument) {
		return nil, fosite.ErrInvalidClient.WithWrap(err).WithHint(hintFor(err))
	}
	if err != nil {
		return nil, fosite.ErrServerError.WithWrap(err)
	}
	return c, nil
}

// hintFor is the message a client gets about a refused client_id.
func hintFor(err error) string {
	if errors.Is(err, errClientDocument) {
		return err.Error()
	}
	return "The client_id is not registered."
}

// grantID is the grant a token request or record belongs to.
func grantID(r fosite.Requester) string {
	if r == nil {
		return ""
	}
	if s, ok := r.GetSession().(*oauth2.JWTSession); ok && s.JWTClaims != nil {
		id, _ := s.JWTClaims.Extra[claimGrant].(string)
		return id
	}
	return ""
}

// CreateRefreshTokenSession implements oauth2.RefreshTokenStorage.
func (s *tokenStore) CreateRefreshTokenSession(ctx context.Context, sig, accessSig string, r fosite.Requester) error {
	s.mu.Lock()
	s.grants[r.GetID()] = grantID(r)
	s.mu.Unlock()
	return s.MemoryStore.CreateRefreshTokenSession(ctx, sig, accessSig, r)
}

// GetRefreshTokenSession implements oauth2.RefreshTokenStorage: a token
// of a revoked grant or a disabled or deleted account is not found; a
// reused one revokes its grant.
func (s *tokenStore) GetRefreshTokenSession(ctx context.Context, sig string, sess fosite.Session) (fosite.Requester, error) {
	r, err := s.MemoryStore.GetRefreshTokenSession(ctx, sig, sess)
	if errors.Is(err, fosite.ErrInactiveToken) {
		if id := grantID(r); id != "" {
			if rerr := s.store.RevokeOAuthGrant(ctx, "", id); rerr != nil && !errors.Is(rerr, models.ErrNotFound) {
				return nil, rerr
			}
		}
		return r, err
	}
	if err != nil {
		return r, err
	}
	g, gerr := s.store.GetOAuthGrant(ctx, grantID(r))
	switch {
	case errors.Is(gerr, models.ErrNotFound):
		return nil, fosite.ErrNotFound
	case gerr != nil:
		return nil, gerr
	case g.RevokedAt != nil:
		return nil, fosite.ErrNotFound
	}
	a, aerr := s.store.GetAccount(ctx, g.Account)
	switch {
	case errors.Is(aerr, models.ErrNotFound) || (aerr == nil && a.Disabled):
		return nil, fosite.ErrNotFound
	case aerr != nil:
		return nil, aerr
	}
	return r, nil
}

// RevokeRefreshToken implements oauth2.TokenRevocationStorage: revoking a
// refresh token (RFC 7009, or reuse) revokes its grant. Rotation does not
// come here (the memory store's RotateRefreshToken calls its own).
func (s *tokenStore) RevokeRefreshToken(ctx context.Context, requestID string) error {
	s.mu.Lock()
	id := s.grants[requestID]
	s.mu.Unlock()
	if id != "" {
		if err := s.store.RevokeOAuthGrant(ctx, "", id); err != nil && !errors.Is(err, models.ErrNotFound) {
			return err
		}
	}
	return s.MemoryStore.RevokeRefreshToken(ctx, requestID)
}
