package oauthserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/ory/fosite"
	"github.com/ory/fosite/handler/oauth2"
	"github.com/ory/fosite/handler/pkce"

	"github.com/taskpilot/taskpilot/models"
	"github.com/taskpilot/taskpilot/models/store"
)

// TokenStore keeps fosite's records of codes, PKCE challenges and tokens
// (models/store.Store), so that they hold across restarts and replicas.
type TokenStore interface {
	CreateOAuthToken(ctx context.Context, t store.OAuthToken) error
	GetOAuthToken(ctx context.Context, kind, signature string) (store.OAuthToken, error)
	SpendOAuthToken(ctx context.Context, kind, signature string) (bool, error)
	DeactivateOAuthTokens(ctx context.Context, kind, grant string) error
	DeleteOAuthToken(ctx context.Context, kind, signature string) error
	DeleteOAuthTokens(ctx context.Context, kind, grant string) error
	SweepOAuthTokens(ctx context.Context, cutoff time.Time) (int64, error)
}

// replayWindow is how long a redeemed code's record is kept after the
// code expired, so that replaying it still revokes what it gave.
const replayWindow = 24 * time.Hour

// SweepInterval is how often Server.Run removes expired records.
const SweepInterval = 10 * time.Minute

// tokenStore is fosite's storage. Clients and grants come from the
// database, and so do codes, PKCE challenges and token records, by their
// signatures (the raw tokens are never stored). Every fosite request ID is
// its grant's ID (consent sets it), so "the tokens of request X" are the
// tokens of grant X. A refresh token works only while its grant is active
// and its account enabled; a redeemed code presented again, a rotated
// refresh token presented again, and RFC 7009 revocation of any token of
// a grant all revoke the grant, which ends every token issued from it
// (the MCP server checks the grant of every access token).
type tokenStore struct {
	clients *clients
	store   Store
	session func(account, grant, clientID string) *oauth2.JWTSession
	now     func() time.Time
}

var (
	_ oauth2.CoreStorage            = (*tokenStore)(nil)
	_ oauth2.TokenRevocationStorage = (*tokenStore)(nil)
	_ pkce.PKCERequestStorage       = (*tokenStore)(nil)
	_ fosite.ClientManager          = (*tokenStore)(nil)
)

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

// ClientAssertionJWTValid implements fosite.ClientManager; TaskPilot's
// clients are public and never authenticate with assertions.
func (s *tokenStore) ClientAssertionJWTValid(context.Context, string) error { return nil }

// SetClientAssertionJWT implements fosite.ClientManager.
func (s *tokenStore) SetClientAssertionJWT(context.Context, string, time.Time) error { return nil }

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

// record is a fosite request as stored: what the token endpoint and
// revocation read back, and nothing of the tokens themselves.
type record struct {
	ID              string                         `json:"id"`
	RequestedAt     time.Time                      `json:"at"`
	Client          string                         `json:"client"`
	Scopes          []string                       `json:"scope,omitempty"`
	GrantedScopes   []string                       `json:"granted_scope,omitempty"`
	Audience        []string                       `json:"aud,omitempty"`
	GrantedAudience []string                       `json:"granted_aud,omitempty"`
	Form            url.Values                     `json:"form,omitempty"`
	Subject         string                         `json:"sub"`
	Grant           string                         `json:"grant"`
	Expires         map[fosite.TokenType]time.Time `json:"exp,omitempty"`
}

// encode serializes r.
func encode(r fosite.Requester) (string, error) {
	rec := record{
		ID: r.GetID(), RequestedAt: r.GetRequestedAt(), Client: r.GetClient().GetID(),
		Scopes: r.GetRequestedScopes(), GrantedScopes: r.GetGrantedScopes(),
		Audience: r.GetRequestedAudience(), GrantedAudience: r.GetGrantedAudience(),
		Form: r.GetRequestForm(), Grant: grantID(r), Expires: map[fosite.TokenType]time.Time{},
	}
	if sess := r.GetSession(); sess != nil {
		rec.Subject = sess.GetSubject()
		for _, tt := range []fosite.TokenType{fosite.AuthorizeCode, fosite.AccessToken, fosite.RefreshToken} {
			if t := sess.GetExpiresAt(tt); !t.IsZero() {
				rec.Expires[tt] = t
			}
		}
	}
	b, err := json.Marshal(rec)
	return string(b), err
}

// decode is the request data encoded.
func (s *tokenStore) decode(data string) (fosite.Requester, error) {
	var rec record
	if err := json.Unmarshal([]byte(data), &rec); err != nil {
		return nil, fmt.Errorf("decode oauth record: %w", err)
	}
	sess := s.session(rec.Subject, rec.Grant, rec.Client)
	for tt, t := range rec.Expires {
		sess.SetExpiresAt(tt, t)
	}
	return &fosite.Request{
		ID: rec.ID, RequestedAt: rec.RequestedAt,
		Client:         &client{id: rec.Client, audience: s.clients.audience},
		RequestedScope: rec.Scopes, GrantedScope: rec.GrantedScopes,
		RequestedAudience: rec.Audience, GrantedAudience: rec.GrantedAudience,
		Form: rec.Form, Session: sess,
	}, nil
}

// put stores r under kind and signature until expires.
func (s *tokenStore) put(ctx context.Context, kind, sig string, r fosite.Requester, expires time.Time) error {
	data, err := encode(r)
	if err != nil {
		return fmt.Errorf("encode oauth %s: %w", kind, err)
	}
	return s.store.CreateOAuthToken(ctx, store.OAuthToken{Kind: kind, Signature: sig, GrantID: grantID(r),
		Active: true, Data: data, ExpiresAt: expires})
}

// get returns the record of kind and signature and its request;
// fosite.ErrNotFound when there is none.
func (s *tokenStore) get(ctx context.Context, kind, sig string) (store.OAuthToken, fosite.Requester, error) {
	t, err := s.store.GetOAuthToken(ctx, kind, sig)
	if errors.Is(err, models.ErrNotFound) {
		return t, nil, fosite.ErrNotFound
	}
	if err != nil {
		return t, nil, err
	}
	r, err := s.decode(t.Data)
	return t, r, err
}

// expiry is when r's token of type tt expires, or ttl from now when r's
// session does not say.
func (s *tokenStore) expiry(r fosite.Requester, tt fosite.TokenType, ttl time.Duration) time.Time {
	if sess := r.GetSession(); sess != nil {
		if t := sess.GetExpiresAt(tt); !t.IsZero() {
			return t
		}
	}
	return s.now().Add(ttl)
}

// revokeGrant revokes grant id (a missing one is gone already).
func (s *tokenStore) revokeGrant(ctx context.Context, id string) error {
	if id == "" {
		return nil
	}
	if err := s.store.RevokeOAuthGrant(ctx, "", id); err != nil && !errors.Is(err, models.ErrNotFound) {
		return err
	}
	return nil
}

// CreateAuthorizeCodeSession implements oauth2.AuthorizeCodeStorage. The
// record outlives the code by replayWindow, so that a replay is known.
func (s *tokenStore) CreateAuthorizeCodeSession(ctx context.Context, sig string, r fosite.Requester) error {
	return s.put(ctx, store.OAuthCode, sig, r, s.expiry(r, fosite.AuthorizeCode, CodeTTL).Add(replayWindow))
}

// GetAuthorizeCodeSession implements oauth2.AuthorizeCodeStorage: a
// redeemed code gives its request and fosite.ErrInvalidatedAuthorizeCode,
// on which fosite revokes what the code gave (RevokeRefreshToken).
func (s *tokenStore) GetAuthorizeCodeSession(ctx context.Context, sig string, _ fosite.Session) (fosite.Requester, error) {
	t, r, err := s.get(ctx, store.OAuthCode, sig)
	if err != nil {
		return nil, err
	}
	if !t.Active {
		return r, fosite.ErrInvalidatedAuthorizeCode
	}
	return r, nil
}

// InvalidateAuthorizeCodeSession implements oauth2.AuthorizeCodeStorage
// in one conditional update: when two replicas redeem one code at once,
// the second finds it spent, revokes the grant and issues nothing.
func (s *tokenStore) InvalidateAuthorizeCodeSession(ctx context.Context, sig string) error {
	ok, err := s.store.SpendOAuthToken(ctx, store.OAuthCode, sig)
	if err != nil || ok {
		return err
	}
	if t, terr := s.store.GetOAuthToken(ctx, store.OAuthCode, sig); terr == nil {
		if err := s.revokeGrant(ctx, t.GrantID); err != nil {
			return err
		}
	}
	return fosite.ErrInvalidatedAuthorizeCode
}

// CreatePKCERequestSession implements pkce.PKCERequestStorage.
func (s *tokenStore) CreatePKCERequestSession(ctx context.Context, sig string, r fosite.Requester) error {
	return s.put(ctx, store.OAuthPKCE, sig, r, s.expiry(r, fosite.AuthorizeCode, CodeTTL))
}

// GetPKCERequestSession implements pkce.PKCERequestStorage.
func (s *tokenStore) GetPKCERequestSession(ctx context.Context, sig string, _ fosite.Session) (fosite.Requester, error) {
	_, r, err := s.get(ctx, store.OAuthPKCE, sig)
	return r, err
}

// DeletePKCERequestSession implements pkce.PKCERequestStorage.
func (s *tokenStore) DeletePKCERequestSession(ctx context.Context, sig string) error {
	return s.store.DeleteOAuthToken(ctx, store.OAuthPKCE, sig)
}

// CreateAccessTokenSession implements oauth2.AccessTokenStorage. Access
// tokens are JWTs the MCP server checks by itself; their records serve
// RFC 7009, which finds an access token's grant by its signature.
func (s *tokenStore) CreateAccessTokenSession(ctx context.Context, sig string, r fosite.Requester) error {
	return s.put(ctx, store.OAuthAccess, sig, r, s.expiry(r, fosite.AccessToken, AccessTokenTTL))
}

// GetAccessTokenSession implements oauth2.AccessTokenStorage.
func (s *tokenStore) GetAccessTokenSession(ctx context.Context, sig string, _ fosite.Session) (fosite.Requester, error) {
	_, r, err := s.get(ctx, store.OAuthAccess, sig)
	return r, err
}

// DeleteAccessTokenSession implements oauth2.AccessTokenStorage.
func (s *tokenStore) DeleteAccessTokenSession(ctx context.Context, sig string) error {
	return s.store.DeleteOAuthToken(ctx, store.OAuthAccess, sig)
}

// CreateRefreshTokenSession implements oauth2.RefreshTokenStorage.
func (s *tokenStore) CreateRefreshTokenSession(ctx context.Context, sig, _ string, r fosite.Requester) error {
	return s.put(ctx, store.OAuthRefresh, sig, r, s.expiry(r, fosite.RefreshToken, RefreshTokenTTL))
}

// GetRefreshTokenSession implements oauth2.RefreshTokenStorage: a token
// of a revoked grant or a disabled or deleted account is not found; a
// rotated one (reuse) revokes its grant and gives
// fosite.ErrInactiveToken.
func (s *tokenStore) GetRefreshTokenSession(ctx context.Context, sig string, _ fosite.Session) (fosite.Requester, error) {
	t, r, err := s.get(ctx, store.OAuthRefresh, sig)
	if err != nil {
		return nil, err
	}
	if !t.Active {
		if err := s.revokeGrant(ctx, t.GrantID); err != nil {
			return nil, err
		}
		return r, fosite.ErrInactiveToken
	}
	g, gerr := s.store.GetOAuthGrant(ctx, t.GrantID)
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

// DeleteRefreshTokenSession implements oauth2.RefreshTokenStorage.
func (s *tokenStore) DeleteRefreshTokenSession(ctx context.Context, sig string) error {
	return s.store.DeleteOAuthToken(ctx, store.OAuthRefresh, sig)
}

// RotateRefreshToken implements oauth2.RefreshTokenStorage: the refresh
// token used is spent in one conditional update. When two requests use
// one refresh token at once (on two replicas, say) the second finds it
// spent: that is reuse, and revokes the grant. The old access tokens stay
// recorded until they expire, so they can still be revoked (RFC 7009).
func (s *tokenStore) RotateRefreshToken(ctx context.Context, requestID, sig string) error {
	ok, err := s.store.SpendOAuthToken(ctx, store.OAuthRefresh, sig)
	if err != nil || ok {
		return err
	}
	if err := s.revokeGrant(ctx, requestID); err != nil {
		return err
	}
	return fosite.ErrInactiveToken.WithHint("The refresh token was already used.")
}

// RevokeRefreshToken implements oauth2.TokenRevocationStorage: revoking
// a refresh token (RFC 7009, code replay, or reuse) revokes its grant,
// the whole family of tokens issued from one consent.
func (s *tokenStore) RevokeRefreshToken(ctx context.Context, requestID string) error {
	if err := s.revokeGrant(ctx, requestID); err != nil {
		return err
	}
	return s.store.DeactivateOAuthTokens(ctx, store.OAuthRefresh, requestID)
}

// RevokeAccessToken implements oauth2.TokenRevocationStorage. Fosite
// calls RevokeRefreshToken with it, which revokes the grant, so the
// access tokens (which the MCP server checks against their grant) stop
// working at once; this removes their records.
func (s *tokenStore) RevokeAccessToken(ctx context.Context, requestID string) error {
	return s.store.DeleteOAuthTokens(ctx, store.OAuthAccess, requestID)
}

// sweep removes the records that expired.
func (s *tokenStore) sweep(ctx context.Context, log *slog.Logger) {
	n, err := s.store.SweepOAuthTokens(ctx, s.now())
	switch {
	case err != nil && ctx.Err() == nil:
		log.ErrorContext(ctx, "sweep oauth tokens", "err", err)
	case n > 0:
		log.DebugContext(ctx, "swept oauth tokens", "records", n)
	}
}
