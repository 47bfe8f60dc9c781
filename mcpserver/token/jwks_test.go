package token_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/taskpilot/taskpilot/mcpserver/token"
)

// jwksServer serves a key set that a test can change, and counts fetches.
type jwksServer struct {
	*httptest.Server
	mu      sync.Mutex
	keys    []map[string]string
	status  int
	fetches int
}

func newJWKSServer(t *testing.T, keys ...map[string]string) *jwksServer {
	t.Helper()
	s := &jwksServer{keys: keys, status: http.StatusOK}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.fetches++
		if s.status != http.StatusOK {
			http.Error(w, "down", s.status)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": s.keys})
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *jwksServer) set(status int, keys ...map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status, s.keys = status, keys
}

func (s *jwksServer) fetchCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fetches
}

// publicJWK encodes pub as a JWK with the given kid (and alg, if not empty).
func publicJWK(t *testing.T, kid, alg string, pub crypto.PublicKey) map[string]string {
	t.Helper()
	enc := base64.RawURLEncoding.EncodeToString
	k := map[string]string{"kid": kid, "use": "sig"}
	if alg != "" {
		k["alg"] = alg
	}
	switch pub := pub.(type) {
	case *rsa.PublicKey:
		k["kty"], k["n"], k["e"] = "RSA", enc(pub.N.Bytes()), enc(big.NewInt(int64(pub.E)).Bytes())
	case *ecdsa.PublicKey:
		b, err := pub.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		size := (len(b) - 1) / 2
		k["kty"], k["crv"], k["x"], k["y"] = "EC", pub.Curve.Params().Name, enc(b[1:1+size]), enc(b[1+size:])
	case ed25519.PublicKey:
		k["kty"], k["crv"], k["x"] = "OKP", "Ed25519", enc(pub)
	default:
		t.Fatalf("publicJWK: unsupported %T", pub)
	}
	return k
}

func mustRSA(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func mustEC(t *testing.T, c elliptic.Curve) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(c, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestVerifyJWKS(t *testing.T) {
	t.Parallel()
	rsaKey, otherRSA := mustRSA(t), mustRSA(t)
	p256, p384, p521 := mustEC(t, elliptic.P256()), mustEC(t, elliptic.P384()), mustEC(t, elliptic.P521())
	edPub, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	smallRSA, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	srv := newJWKSServer(t,
		publicJWK(t, "rsa", "", &rsaKey.PublicKey),
		publicJWK(t, "rsa-rs256", "RS256", &rsaKey.PublicKey),
		publicJWK(t, "p256", "", &p256.PublicKey),
		publicJWK(t, "p384", "", &p384.PublicKey),
		publicJWK(t, "p521", "ES512", &p521.PublicKey),
		publicJWK(t, "ed", "", edPub),
		publicJWK(t, "small", "", &smallRSA.PublicKey),
		map[string]string{"kid": "enc", "kty": "OKP", "crv": "Ed25519", "use": "enc", "x": base64.RawURLEncoding.EncodeToString(edPub)},
		map[string]string{"kid": "junk", "kty": "EC", "crv": "P-256", "x": "AAAA", "y": "AAAA"},
	)
	v, err := token.NewVerifier(token.Config{JWKSURL: srv.URL, Audience: audience, HTTPClient: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	c := jwt.RegisteredClaims{Subject: "alice", Audience: jwt.ClaimStrings{audience}, ExpiresAt: jwt.NewNumericDate(time.Now().Add(time.Hour))}

	tests := []struct {
		name    string
		method  jwt.SigningMethod
		kid     string
		key     any
		wantErr string // the reason after "invalid token: "; empty means valid
	}{
		{"RS256", jwt.SigningMethodRS256, "rsa", rsaKey, ""},
		{"RS512", jwt.SigningMethodRS512, "rsa", rsaKey, ""},
		{"PS256", jwt.SigningMethodPS256, "rsa", rsaKey, ""},
		{"RS256 key pinned to RS256", jwt.SigningMethodRS256, "rsa-rs256", rsaKey, ""},
		{"ES256", jwt.SigningMethodES256, "p256", p256, ""},
		{"ES384", jwt.SigningMethodES384, "p384", p384, ""},
		{"ES512", jwt.SigningMethodES512, "p521", p521, ""},
		{"EdDSA", jwt.SigningMethodEdDSA, "ed", edKey, ""},
		{"PS256 with key pinned to RS256", jwt.SigningMethodPS256, "rsa-rs256", rsaKey, "key is for RS256, token uses PS256"},
		{"ES384 naming a P-256 key", jwt.SigningMethodES384, "p256", p384, "key does not fit alg ES384"},
		{"EdDSA naming an RSA key", jwt.SigningMethodEdDSA, "rsa", edKey, "key does not fit alg EdDSA"},
		{"signed by another RSA key", jwt.SigningMethodRS256, "rsa", otherRSA, "bad signature"},
		{"weak RSA key is not loaded", jwt.SigningMethodRS256, "small", smallRSA, `unknown key id "small"`},
		{"encryption key is not loaded", jwt.SigningMethodEdDSA, "enc", edKey, `unknown key id "enc"`},
		{"bad EC point is not loaded", jwt.SigningMethodES256, "junk", p256, `unknown key id "junk"`},
		{"unknown kid", jwt.SigningMethodRS256, "nope", rsaKey, `unknown key id "nope"`},
		{"missing kid", jwt.SigningMethodRS256, "", rsaKey, "missing kid"},
		{"HS256 without a secret", jwt.SigningMethodHS256, "rsa", secret, `unsupported alg "HS256"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := v.Verify(t.Context(), mustSign(t, tt.method, c, tt.kid, tt.key))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if got.Subject != "alice" {
					t.Errorf("Subject = %q, want alice", got.Subject)
				}
				return
			}
			if !errors.Is(err, token.ErrInvalidToken) || err.Error() != "invalid token: "+tt.wantErr {
				t.Errorf("Verify error = %v, want invalid token: %s", err, tt.wantErr)
			}
		})
	}
	// One fetch at the first token, at most one more for the unknown kids
	// (all within the 30 s rate limit).
	if n := srv.fetchCount(); n > 2 {
		t.Errorf("JWKS fetched %d times, want at most 2", n)
	}
}

// TestJWKSRotation walks a key set through rotation, the refetch rate limit,
// expiry of the cache and an outage of the JWKS endpoint.
func TestJWKSRotation(t *testing.T) {
	t.Parallel()
	k1, k2 := mustEC(t, elliptic.P256()), mustEC(t, elliptic.P256())
	jwk1, jwk2 := publicJWK(t, "k1", "", &k1.PublicKey), publicJWK(t, "k2", "", &k2.PublicKey)
	srv := newJWKSServer(t, jwk1)
	v, err := token.NewVerifier(token.Config{JWKSURL: srv.URL, Audience: audience, HTTPClient: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	v.SetNow(func() time.Time { return now })
	c := jwt.RegisteredClaims{Subject: "alice", Audience: jwt.ClaimStrings{audience}, ExpiresAt: jwt.NewNumericDate(now.Add(2 * time.Hour))}
	tok1 := mustSign(t, jwt.SigningMethodES256, c, "k1", k1)
	tok2 := mustSign(t, jwt.SigningMethodES256, c, "k2", k2)
	tok3 := mustSign(t, jwt.SigningMethodES256, c, "k3", k2)

	steps := []struct {
		name        string
		advance     time.Duration
		change      func()
		raw         string
		wantErr     string // "" for valid; otherwise a substring of the error
		wantFetches int
	}{
		{name: "first token fetches the set", raw: tok1, wantFetches: 1},
		{name: "cached key is not refetched", advance: time.Minute, raw: tok1, wantFetches: 1},
		{name: "new key published", change: func() { srv.set(http.StatusOK, jwk1, jwk2) }, raw: tok2, wantFetches: 2},
		{name: "unknown kid right after a fetch is rate limited", advance: 10 * time.Second, raw: tok3, wantErr: `invalid token: unknown key id "k3"`, wantFetches: 2},
		{name: "unknown kid after the rate limit refetches", advance: 25 * time.Second, raw: tok3, wantErr: `invalid token: unknown key id "k3"`, wantFetches: 3},
		{name: "old key retired: still trusted while the cache is fresh", change: func() { srv.set(http.StatusOK, jwk2) }, advance: time.Minute, raw: tok1, wantFetches: 3},
		{name: "old key retired: rejected once the cache expires", advance: 10 * time.Minute, raw: tok1, wantErr: `invalid token: unknown key id "k1"`, wantFetches: 4},
		{name: "outage: cached key keeps working", change: func() { srv.set(http.StatusInternalServerError) }, advance: 11 * time.Minute, raw: tok2, wantFetches: 5},
		{name: "outage: unknown kid is an error, not a bad token", advance: time.Minute, raw: tok3, wantErr: "fetch jwks: status 500", wantFetches: 6},
		{name: "recovery", change: func() { srv.set(http.StatusOK, jwk1, jwk2) }, advance: time.Minute, raw: tok1, wantFetches: 7},
	}
	for _, s := range steps {
		now = now.Add(s.advance)
		if s.change != nil {
			s.change()
		}
		_, err := v.Verify(t.Context(), s.raw)
		switch {
		case s.wantErr == "" && err != nil:
			t.Errorf("%s: Verify: %v", s.name, err)
		case s.wantErr != "" && (err == nil || !strings.Contains(err.Error(), s.wantErr)):
			t.Errorf("%s: Verify error = %v, want %q", s.name, err, s.wantErr)
		case strings.HasPrefix(s.wantErr, "fetch") && errors.Is(err, token.ErrInvalidToken):
			t.Errorf("%s: Verify error %v wraps ErrInvalidToken; a JWKS outage must not look like a bad token", s.name, err)
		}
		if got := srv.fetchCount(); got != s.wantFetches {
			t.Errorf("%s: %d fetches, want %d", s.name, got, s.wantFetches)
		}
	}
}

func TestJWKSUnreachable(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close() // nothing listens at srv.URL any more
	v, err := token.NewVerifier(token.Config{JWKSURL: srv.URL, Audience: audience})
	if err != nil {
		t.Fatal(err)
	}
	k := mustEC(t, elliptic.P256())
	c := jwt.RegisteredClaims{Subject: "alice", Audience: jwt.ClaimStrings{audience}, ExpiresAt: jwt.NewNumericDate(time.Now().Add(time.Hour))}
	_, err = v.Verify(t.Context(), mustSign(t, jwt.SigningMethodES256, c, "k1", k))
	if err == nil || errors.Is(err, token.ErrInvalidToken) || !strings.Contains(err.Error(), "fetch jwks") {
		t.Errorf("Verify error = %v, want a fetch jwks error that is not ErrInvalidToken", err)
	}
}
