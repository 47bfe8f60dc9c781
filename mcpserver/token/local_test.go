package token_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/taskpilot/taskpilot/mcpserver/token"
)

// TestLocalKeys: tokens of TaskPilot's own authorization server are
// accepted only with its key, its issuer, the MCP server's audience
// (RFC 8707) and an active grant.
func TestLocalKeys(t *testing.T) {
	t.Parallel()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	const iss, aud = "https://tasks.example.com", "https://tasks.example.com/mcp"
	v, err := token.NewVerifier(token.Config{Secret: secret, Audience: audience,
		Local: &token.LocalKeys{Issuer: iss, Audience: aud,
			Key: func(_ context.Context, kid string) (crypto.PublicKey, bool) {
				if kid == "k1" {
					return &key.PublicKey, true
				}
				return nil, false
			},
			CheckGrant: func(_ context.Context, id string) error {
				if id == "g1" {
					return nil
				}
				return fmt.Errorf("%w: grant %s revoked", token.ErrInvalidToken, id)
			},
		}})
	if err != nil {
		t.Fatal(err)
	}
	sign := func(k *ecdsa.PrivateKey, kid string, claims jwt.MapClaims) string {
		tok := jwt.NewWithClaims(jwt.SigningMethodES256, claims)
		tok.Header["kid"] = kid
		s, err := tok.SignedString(k)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	now := time.Now()
	claims := func(change func(jwt.MapClaims)) jwt.MapClaims {
		c := jwt.MapClaims{"sub": "alice", "iss": iss, "aud": []string{aud}, "exp": now.Add(time.Minute).Unix(),
			"iat": now.Unix(), "scope": "read", "grant_id": "g1"}
		if change != nil {
			change(c)
		}
		return c
	}
	got, err := v.Verify(context.Background(), sign(key, "k1", claims(nil)))
	if err != nil || got.Subject != "alice" || len(got.Scopes) != 1 || got.Scopes[0] != "read" {
		t.Fatalf("valid local token: %+v, %v", got, err)
	}
	for _, tc := range []struct {
		name string
		raw  string
	}{
		{"another audience", sign(key, "k1", claims(func(c jwt.MapClaims) { c["aud"] = "https://other.example/mcp" }))},
		{"the HS256 audience", sign(key, "k1", claims(func(c jwt.MapClaims) { c["aud"] = audience }))},
		{"another issuer", sign(key, "k1", claims(func(c jwt.MapClaims) { c["iss"] = "https://evil.example" }))},
		{"another key under the kid", sign(other, "k1", claims(nil))},
		{"unknown kid", sign(key, "k2", claims(nil))},
		{"revoked grant", sign(key, "k1", claims(func(c jwt.MapClaims) { c["grant_id"] = "g2" }))},
		{"no grant", sign(key, "k1", claims(func(c jwt.MapClaims) { delete(c, "grant_id") }))},
		{"expired", sign(key, "k1", claims(func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Hour).Unix() }))},
	} {
		if _, err := v.Verify(context.Background(), tc.raw); !errors.Is(err, token.ErrInvalidToken) {
			t.Errorf("%s: %v, want ErrInvalidToken", tc.name, err)
		}
	}
}
