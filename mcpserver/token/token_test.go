package token_test

import (
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/taskpilot/taskpilot/mcpserver/token"
)

const audience = "taskpilot-mcp"

var (
	secret      = []byte("0123456789abcdef0123456789abcdef")
	otherSecret = []byte("fedcba9876543210fedcba9876543210")
)

// mustMint mints an HS256 token or fails the test.
func mustMint(t *testing.T, secret []byte, sub, aud, iss string, ttl time.Duration, now time.Time) string {
	t.Helper()
	s, err := token.Mint(secret, sub, aud, iss, ttl, now)
	if err != nil {
		t.Fatalf("Mint: %v", err)
	}
	return s
}

// mustSign signs claims with method and key, setting kid if not empty.
func mustSign(t *testing.T, method jwt.SigningMethod, c jwt.Claims, kid string, key any) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, c)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatalf("sign %s: %v", method.Alg(), err)
	}
	return s
}

func TestVerifyHS256(t *testing.T) {
	t.Parallel()
	now := time.Now()
	exp := now.Add(time.Hour)
	valid := jwt.RegisteredClaims{Subject: "alice", Audience: jwt.ClaimStrings{audience}, ExpiresAt: jwt.NewNumericDate(exp)}
	with := func(f func(c *jwt.MapClaims)) jwt.MapClaims {
		c := jwt.MapClaims{"sub": "alice", "aud": audience, "exp": exp.Unix()}
		f(&c)
		return c
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		cfg     token.Config // Secret and Audience default to secret and audience
		raw     string
		want    token.Claims
		wantErr string // the reason after "invalid token: "
	}{
		{
			name: "valid",
			raw:  mustMint(t, secret, "alice", audience, "", time.Hour, now),
			want: token.Claims{Subject: "alice", Audience: []string{audience}, ExpiresAt: exp.Truncate(time.Second)},
		},
		{
			name: "valid with issuer",
			cfg:  token.Config{Issuer: "https://tp.example"},
			raw:  mustMint(t, secret, "alice", audience, "https://tp.example", time.Hour, now),
			want: token.Claims{Subject: "alice", Audience: []string{audience}, ExpiresAt: exp.Truncate(time.Second)},
		},
		{
			name: "audience among several, scopes from scope and scp",
			raw: mustSign(t, jwt.SigningMethodHS256, with(func(c *jwt.MapClaims) {
				(*c)["aud"] = []string{"other", audience}
				(*c)["scope"] = "tasks:read tasks:write"
				(*c)["scp"] = []string{"admin"}
				(*c)["jti"] = "j1"
			}), "", secret),
			want: token.Claims{Subject: "alice", Audience: []string{"other", audience}, ExpiresAt: exp.Truncate(time.Second),
				Scopes: []string{"tasks:read", "tasks:write", "admin"}, ID: "j1"},
		},
		{
			name: "expired within leeway",
			cfg:  token.Config{Leeway: time.Minute},
			raw:  mustMint(t, secret, "alice", audience, "", time.Minute, now.Add(-time.Minute-10*time.Second)),
			want: token.Claims{Subject: "alice", Audience: []string{audience}, ExpiresAt: now.Add(-10 * time.Second).Truncate(time.Second)},
		},
		{name: "expired", raw: mustMint(t, secret, "alice", audience, "", time.Minute, now.Add(-time.Hour)), wantErr: "expired"},
		{name: "not yet valid", raw: mustMint(t, secret, "alice", audience, "", time.Hour, now.Add(10*time.Minute)), wantErr: "not yet valid"},
		{name: "wrong audience", raw: mustMint(t, secret, "alice", "chat", "", time.Hour, now), wantErr: "wrong audience"},
		{name: "wrong issuer", cfg: token.Config{Issuer: "https://tp.example"}, raw: mustMint(t, secret, "alice", audience, "https://evil.example", time.Hour, now), wantErr: "wrong issuer"},
		{name: "missing issuer", cfg: token.Config{Issuer: "https://tp.example"}, raw: mustMint(t, secret, "alice", audience, "", time.Hour, now), wantErr: "wrong issuer"},
		{name: "wrong secret", raw: mustMint(t, otherSecret, "alice", audience, "", time.Hour, now), wantErr: "bad signature"},
		{name: "alg none", raw: mustSign(t, jwt.SigningMethodNone, valid, "", jwt.UnsafeAllowNoneSignatureType), wantErr: `unsupported alg "none"`},
		{name: "HS384", raw: mustSign(t, jwt.SigningMethodHS384, valid, "", secret), wantErr: `unsupported alg "HS384"`},
		{name: "RS256 without JWKS", raw: mustSign(t, jwt.SigningMethodRS256, valid, "k1", rsaKey), wantErr: `unsupported alg "RS256"`},
		{
			name:    "HS256 without secret",
			cfg:     token.Config{Secret: []byte{}, JWKSURL: "http://127.0.0.1:1/jwks"},
			raw:     mustMint(t, secret, "alice", audience, "", time.Hour, now),
			wantErr: `unsupported alg "HS256"`,
		},
		{name: "missing sub", raw: mustSign(t, jwt.SigningMethodHS256, with(func(c *jwt.MapClaims) { delete(*c, "sub") }), "", secret), wantErr: "missing sub"},
		{name: "empty sub", raw: mustSign(t, jwt.SigningMethodHS256, with(func(c *jwt.MapClaims) { (*c)["sub"] = "" }), "", secret), wantErr: "missing sub"},
		{
			name:    "sub too long",
			raw:     mustSign(t, jwt.SigningMethodHS256, with(func(c *jwt.MapClaims) { (*c)["sub"] = strings.Repeat("a", 256) }), "", secret),
			wantErr: "sub is longer than 255 characters or not UTF-8",
		},
		{name: "missing exp", raw: mustSign(t, jwt.SigningMethodHS256, with(func(c *jwt.MapClaims) { delete(*c, "exp") }), "", secret), wantErr: "missing exp"},
		{name: "missing aud", raw: mustSign(t, jwt.SigningMethodHS256, with(func(c *jwt.MapClaims) { delete(*c, "aud") }), "", secret), wantErr: "missing aud"},
		{name: "exp not a number", raw: mustSign(t, jwt.SigningMethodHS256, with(func(c *jwt.MapClaims) { (*c)["exp"] = "tomorrow" }), "", secret), wantErr: "malformed"},
		{name: "scope not a string", raw: mustSign(t, jwt.SigningMethodHS256, with(func(c *jwt.MapClaims) { (*c)["scope"] = 42 }), "", secret), wantErr: "malformed"},
		{name: "malformed", raw: "not-a-token", wantErr: "malformed"},
		{name: "malformed segments", raw: "a.b.c", wantErr: "malformed"},
		{name: "empty", raw: "", wantErr: "malformed"},
		{
			name:    "tampered payload",
			raw:     swapPayload(mustMint(t, secret, "alice", audience, "", time.Hour, now), mustMint(t, secret, "bob", audience, "", time.Hour, now)),
			wantErr: "bad signature",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := tt.cfg
			if cfg.Secret == nil {
				cfg.Secret = secret
			}
			cfg.Audience = audience
			v, err := token.NewVerifier(cfg)
			if err != nil {
				t.Fatalf("NewVerifier: %v", err)
			}
			got, err := v.Verify(t.Context(), tt.raw)
			if tt.wantErr != "" {
				if !errors.Is(err, token.ErrInvalidToken) {
					t.Fatalf("Verify error = %v, want ErrInvalidToken", err)
				}
				if want := "invalid token: " + tt.wantErr; err.Error() != want {
					t.Errorf("Verify error = %q, want %q", err, want)
				}
				return
			}
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			opts := cmpopts.IgnoreFields(token.Claims{}, "ID")
			if tt.want.ID != "" {
				opts = nil
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty(), opts); diff != "" {
				t.Errorf("Verify claims (-want +got):\n%s", diff)
			}
		})
	}
}

// swapPayload returns a's header and signature around b's payload.
func swapPayload(a, b string) string {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	return pa[0] + "." + pb[1] + "." + pa[2]
}

func TestMintSetsClaims(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 5, 1, 12, 0, 0, 500, time.UTC)
	raw := mustMint(t, secret, "alice", audience, "https://tp.example", 15*time.Minute, now)
	var c jwt.MapClaims
	if _, _, err := jwt.NewParser().ParseUnverified(raw, &c); err != nil {
		t.Fatal(err)
	}
	if jti, _ := c["jti"].(string); len(jti) < 16 {
		t.Errorf("jti = %q, want a random ID", jti)
	}
	delete(c, "jti")
	want := jwt.MapClaims{
		"sub": "alice", "aud": []any{audience}, "iss": "https://tp.example",
		"iat": float64(now.Unix()), "nbf": float64(now.Unix()), "exp": float64(now.Add(15 * time.Minute).Unix()),
	}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("claims (-want +got):\n%s", diff)
	}

	// Two tokens minted at the same moment differ by jti.
	if other := mustMint(t, secret, "alice", audience, "https://tp.example", 15*time.Minute, now); other == raw {
		t.Error("two tokens minted at the same time are identical; jti is not random")
	}
}

func TestMintRejects(t *testing.T) {
	t.Parallel()
	now := time.Now()
	tests := []struct {
		name     string
		secret   []byte
		sub, aud string
		ttl      time.Duration
	}{
		{"short secret", []byte("short"), "alice", audience, time.Hour},
		{"empty subject", secret, "", audience, time.Hour},
		{"long subject", secret, strings.Repeat("a", 256), audience, time.Hour},
		{"empty audience", secret, "alice", "", time.Hour},
		{"zero ttl", secret, "alice", audience, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if s, err := token.Mint(tt.secret, tt.sub, tt.aud, "", tt.ttl, now); err == nil {
				t.Errorf("Mint = %q, want an error", s)
			}
		})
	}
}

func TestNewVerifierRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		cfg       token.Config
		wantNoKey bool
	}{
		{"no key", token.Config{Audience: audience}, true},
		{"short secret", token.Config{Secret: []byte("short"), Audience: audience}, false},
		{"no audience", token.Config{Secret: secret}, false},
		{"negative leeway", token.Config{Secret: secret, Audience: audience, Leeway: -time.Second}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := token.NewVerifier(tt.cfg)
			if err == nil {
				t.Fatal("NewVerifier succeeded, want an error")
			}
			if got := errors.Is(err, token.ErrNoKey); got != tt.wantNoKey {
				t.Errorf("errors.Is(%v, ErrNoKey) = %v, want %v", err, got, tt.wantNoKey)
			}
		})
	}
}
