// Package token issues and verifies TaskPilot's bearer JWTs.
//
// A Verifier accepts HS256 tokens signed with a shared secret, asymmetric
// tokens (RS*, PS*, ES*, EdDSA) signed by a key published at a JWKS URL, or
// both. Every accepted token has a non-empty "sub" (the TaskPilot user ID),
// an "exp" and an "aud" that contains the configured audience. Mint issues
// HS256 tokens for the CLI and for the chat server.
package token

import (
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/golang-jwt/jwt/v5"
)

// MinSecretLen is the shortest HS256 secret accepted, in bytes (256 bits).
const MinSecretLen = 32

// MaxSubjectLen is the longest "sub" accepted, in characters; it matches the
// width of the user ID column.
const MaxSubjectLen = 255

// ErrInvalidToken is wrapped by every error that rejects a token: expired,
// not yet valid, wrong audience or issuer, bad signature, missing sub or exp,
// unsupported alg, unknown key ID, malformed. The wrapping message says which.
var ErrInvalidToken = errors.New("invalid token")

// ErrNoKey reports that NewVerifier was given neither a secret nor a JWKS
// URL, so no token could ever be verified.
var ErrNoKey = errors.New("no verification key")

// hmacAlgs and jwksAlgs are the only algorithms ever accepted. "none" is
// never among them; HS256 is only checked against the secret and the
// asymmetric algorithms only against JWKS keys.
var (
	hmacAlgs = []string{"HS256"}
	jwksAlgs = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)

// Config configures a Verifier.
type Config struct {
	Secret     []byte        // HS256 shared secret, at least MinSecretLen bytes; empty disables HS256
	JWKSURL    string        // URL of a JSON Web Key Set; empty disables asymmetric algorithms
	Audience   string        // required; the "aud" claim must contain it
	Issuer     string        // if set, the "iss" claim must equal it
	Leeway     time.Duration // clock-skew tolerance for exp, nbf and iat
	HTTPClient *http.Client  // for JWKS fetches; nil means a client with a 10s timeout
	// CheckSubject, if set, is asked about the subject of every token that
	// is otherwise valid, such as "is this an active account". An error
	// wrapping ErrInvalidToken rejects the token; any other error means the
	// token could not be checked.
	CheckSubject func(ctx context.Context, sub string) error
	// Local, if set, also accepts the access tokens of TaskPilot's own
	// OAuth authorization server (see LocalKeys).
	Local *LocalKeys
}

// LocalKeys describe the tokens of TaskPilot's own OAuth authorization
// server: signed with ES256 by one of its keys, named by "kid", issued by
// Issuer (its URL) for Audience (the MCP server's canonical URL, RFC 8707). A
// token whose kid is one of these keys is checked against them only, and
// must carry exactly that issuer and audience.
type LocalKeys struct {
	Issuer   string // required "iss"
	Audience string // "aud" must contain it
	// Key returns the public key of kid if it is one of the server's
	// published keys (every key it signs with, and the ones it rotated
	// out until their tokens have expired).
	Key func(ctx context.Context, kid string) (crypto.PublicKey, bool)
	// CheckGrant, if set, is asked about the "grant_id" claim of every
	// local token that is otherwise valid ("is this grant still active"),
	// so a revoked grant's tokens stop working at once. An error wrapping
	// ErrInvalidToken rejects the token.
	CheckGrant func(ctx context.Context, grantID string) error
}

// Claims are the verified contents of a token.
type Claims struct {
	Subject   string    // the TaskPilot user ID
	Audience  []string  // every audience the token names
	ExpiresAt time.Time // when the token stops being valid
	Scopes    []string  // from "scope" (space-separated) or "scp"; may be empty
	ID        string    // "jti"; may be empty
}

// Verifier checks bearer tokens. It is safe for concurrent use.
type Verifier struct {
	secret   []byte
	keys     *keySet // nil without a JWKS URL
	audience string
	leeway   time.Duration
	algs     []string
	parser   *jwt.Parser
	now      func() time.Time
	check    func(ctx context.Context, sub string) error // nil: every subject is fine
	local    *LocalKeys
	lparser  *jwt.Parser // for tokens signed by a local key
}

// NewVerifier returns a Verifier for cfg. It needs cfg.Secret, cfg.JWKSURL
// or both (else the error wraps ErrNoKey), and cfg.Audience. The JWKS is
// fetched lazily, on the first token that needs it.
func NewVerifier(cfg Config) (*Verifier, error) {
	if len(cfg.Secret) == 0 && cfg.JWKSURL == "" && cfg.Local == nil {
		return nil, fmt.Errorf("new verifier: %w: set a secret or a JWKS URL", ErrNoKey)
	}
	if len(cfg.Secret) > 0 && len(cfg.Secret) < MinSecretLen {
		return nil, fmt.Errorf("new verifier: secret is %d bytes; at least %d are required", len(cfg.Secret), MinSecretLen)
	}
	if cfg.Audience == "" {
		return nil, errors.New("new verifier: audience is required")
	}
	if cfg.Leeway < 0 {
		return nil, errors.New("new verifier: leeway must not be negative")
	}
	v := &Verifier{
		secret:   slices.Clone(cfg.Secret),
		audience: cfg.Audience,
		leeway:   cfg.Leeway,
		now:      time.Now,
		check:    cfg.CheckSubject,
	}
	if len(v.secret) > 0 {
		v.algs = append(v.algs, hmacAlgs...)
	}
	if cfg.JWKSURL != "" {
		client := cfg.HTTPClient
		if client == nil {
			client = &http.Client{Timeout: 10 * time.Second}
		}
		v.keys = newKeySet(cfg.JWKSURL, client, func() time.Time { return v.now() })
		v.algs = append(v.algs, jwksAlgs...)
	}
	opts := []jwt.ParserOption{
		jwt.WithValidMethods(v.algs),
		jwt.WithAudience(cfg.Audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(cfg.Leeway),
		jwt.WithTimeFunc(func() time.Time { return v.now() }),
	}
	if cfg.Issuer != "" {
		opts = append(opts, jwt.WithIssuer(cfg.Issuer))
	}
	v.parser = jwt.NewParser(opts...)
	if l := cfg.Local; l != nil {
		if l.Issuer == "" || l.Audience == "" || l.Key == nil {
			return nil, errors.New("new verifier: local keys need an issuer, an audience and keys")
		}
		v.local = l
		v.lparser = jwt.NewParser(
			jwt.WithValidMethods([]string{"ES256"}),
			jwt.WithAudience(l.Audience),
			jwt.WithIssuer(l.Issuer),
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(),
			jwt.WithLeeway(cfg.Leeway),
			jwt.WithTimeFunc(func() time.Time { return v.now() }),
		)
	}
	return v, nil
}

// Leeway returns the configured clock-skew tolerance, so that callers that
// check the expiry again (such as HTTP middleware) can apply the same one.
func (v *Verifier) Leeway() time.Duration { return v.leeway }

// Verify checks raw's signature and claims and returns the claims. A rejected
// token gives an error wrapping ErrInvalidToken with a short reason
// ("invalid token: expired"). Any other error means the token could not be
// checked, e.g. because the JWKS could not be fetched; ctx bounds that fetch.
func (v *Verifier) Verify(ctx context.Context, raw string) (Claims, error) {
	var c claims
	parser, keyFunc := v.parser, func(t *jwt.Token) (any, error) { return v.key(ctx, t) }
	pub, local := v.localKey(ctx, raw)
	if local {
		parser, keyFunc = v.lparser, func(*jwt.Token) (any, error) { return pub, nil }
	}
	tok, err := parser.ParseWithClaims(raw, &c, keyFunc)
	if err != nil {
		if fe, ok := errors.AsType[*fetchError](err); ok {
			return Claims{}, fmt.Errorf("verify token: %w", fe)
		}
		return Claims{}, fmt.Errorf("%w: %s", ErrInvalidToken, v.reason(tok, &c, err))
	}
	switch n := utf8.RuneCountInString(c.Subject); {
	case n == 0:
		return Claims{}, fmt.Errorf("%w: missing sub", ErrInvalidToken)
	case n > MaxSubjectLen || !utf8.ValidString(c.Subject):
		return Claims{}, fmt.Errorf("%w: sub is longer than %d characters or not UTF-8", ErrInvalidToken, MaxSubjectLen)
	}
	if v.check != nil {
		if err := v.check(ctx, c.Subject); err != nil {
			return Claims{}, fmt.Errorf("verify token: %w", err)
		}
	}
	if local && v.local.CheckGrant != nil {
		if c.GrantID == "" {
			return Claims{}, fmt.Errorf("%w: missing grant_id", ErrInvalidToken)
		}
		if err := v.local.CheckGrant(ctx, c.GrantID); err != nil {
			return Claims{}, fmt.Errorf("verify token: %w", err)
		}
	}
	return Claims{
		Subject:   c.Subject,
		Audience:  []string(c.Audience),
		ExpiresAt: c.ExpiresAt.Time,
		Scopes:    append(c.Scope, c.Scp...),
		ID:        c.ID,
	}, nil
}

// localKey returns the local public key raw's header names, if any.
func (v *Verifier) localKey(ctx context.Context, raw string) (crypto.PublicKey, bool) {
	if v.local == nil {
		return nil, false
	}
	tok, _, err := jwt.NewParser().ParseUnverified(raw, jwt.MapClaims{})
	if err != nil {
		return nil, false
	}
	kid, _ := tok.Header["kid"].(string)
	if kid == "" {
		return nil, false
	}
	return v.local.Key(ctx, kid)
}

// key returns the verification key for t; the parser has already checked
// that t's algorithm is one of v.algs.
func (v *Verifier) key(ctx context.Context, t *jwt.Token) (any, error) {
	alg := t.Method.Alg()
	if slices.Contains(hmacAlgs, alg) {
		return v.secret, nil
	}
	kid, _ := t.Header["kid"].(string)
	if kid == "" {
		return nil, &keyError{"missing kid"}
	}
	k, err := v.keys.get(ctx, kid)
	if err != nil {
		return nil, err
	}
	if err := k.check(alg); err != nil {
		return nil, err
	}
	return k.pub, nil
}

// reason names why the parser rejected a token, in a few words.
func (v *Verifier) reason(tok *jwt.Token, c *claims, err error) string {
	var alg string
	if tok != nil {
		alg, _ = tok.Header["alg"].(string)
	}
	var kerr *keyError
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed):
		return "malformed"
	case tok != nil && !slices.Contains(v.algs, alg):
		return fmt.Sprintf("unsupported alg %q", alg)
	case errors.As(err, &kerr):
		return kerr.msg
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return "bad signature"
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		return "unverifiable"
	case c.ExpiresAt == nil:
		return "missing exp"
	case len(c.Audience) == 0:
		return "missing aud"
	case errors.Is(err, jwt.ErrTokenExpired):
		return "expired"
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return "not yet valid"
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return "issued in the future"
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return "wrong audience"
	case errors.Is(err, jwt.ErrTokenInvalidIssuer), errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return "wrong issuer"
	}
	return "rejected"
}

// claims is the JSON shape of a token's payload.
type claims struct {
	jwt.RegisteredClaims
	Scope scopes `json:"scope,omitempty"`
	Scp   scopes `json:"scp,omitempty"`
	// GrantID names the OAuth grant of a local token.
	GrantID string `json:"grant_id,omitempty"`
}

// scopes decodes a space-separated string or an array of strings.
type scopes []string

// UnmarshalJSON implements json.Unmarshaler.
func (s *scopes) UnmarshalJSON(b []byte) error {
	var str string
	if err := json.Unmarshal(b, &str); err == nil {
		*s = strings.Fields(str)
		return nil
	}
	var list []string
	if err := json.Unmarshal(b, &list); err != nil {
		return fmt.Errorf("scope: want a string or an array of strings: %w", err)
	}
	*s = list
	return nil
}
