package token

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"time"
)

// JWKS cache policy.
const (
	keyTTL        = 10 * time.Minute // a fetched key set is fresh this long
	minRefetch    = 30 * time.Second // fetches are at least this far apart
	maxJWKSBytes  = 1 << 20
	minRSAKeyBits = 2048
)

// keyError rejects a token because of its key: the token names no key ID, or
// one the key set does not publish, or a key that does not fit its algorithm.
type keyError struct{ msg string }

func (e *keyError) Error() string { return e.msg }

// fetchError means the key set could not be fetched; the token is not known
// to be bad.
type fetchError struct{ err error }

func (e *fetchError) Error() string { return "fetch jwks: " + e.err.Error() }
func (e *fetchError) Unwrap() error { return e.err }

// keySet is a JSON Web Key Set fetched from a URL and cached by key ID.
type keySet struct {
	url    string
	client *http.Client
	now    func() time.Time

	mu          sync.Mutex // held during fetches, which are rare
	keys        map[string]jwk
	fetchedAt   time.Time // of the last successful fetch
	attemptedAt time.Time // of the last fetch, successful or not
	lastErr     error     // of the last fetch; nil if it succeeded
}

func newKeySet(url string, client *http.Client, now func() time.Time) *keySet {
	return &keySet{url: url, client: client, now: now}
}

// jwk is one usable public key.
type jwk struct {
	pub crypto.PublicKey // *rsa.PublicKey, *ecdsa.PublicKey or ed25519.PublicKey
	alg string           // the JWK's "alg"; empty means any alg that fits the key
}

// get returns the key with ID kid. It fetches the set when the cache is
// older than keyTTL or lacks kid, but never more than once per minRefetch;
// this bounds the load that tokens with made-up key IDs can cause. If a fetch
// fails, keys from the previous set keep working.
func (s *keySet) get(ctx context.Context, kid string) (jwk, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	k, ok := s.keys[kid]
	if ok && now.Sub(s.fetchedAt) < keyTTL {
		return k, nil
	}
	if s.attemptedAt.IsZero() || now.Sub(s.attemptedAt) >= minRefetch {
		s.attemptedAt = now
		keys, err := s.fetch(ctx)
		s.lastErr = err
		if err == nil {
			s.keys, s.fetchedAt = keys, now
		}
		k, ok = s.keys[kid]
	}
	switch {
	case ok:
		return k, nil
	case s.lastErr != nil:
		return jwk{}, &fetchError{s.lastErr}
	}
	return jwk{}, &keyError{fmt.Sprintf("unknown key id %q", kid)}
}

// fetch downloads and parses the key set. Keys that are not for signatures,
// have no ID or cannot be parsed are skipped.
func (s *keySet) fetch(ctx context.Context) (map[string]jwk, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("status %s", resp.Status)
	}
	var doc struct {
		Keys []rawJWK `json:"keys"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxJWKSBytes)).Decode(&doc); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	keys := make(map[string]jwk, len(doc.Keys))
	for _, r := range doc.Keys {
		if r.Kid == "" || (r.Use != "" && r.Use != "sig") {
			continue
		}
		pub, err := r.publicKey()
		if err != nil {
			continue
		}
		keys[r.Kid] = jwk{pub: pub, alg: r.Alg}
	}
	if len(keys) == 0 {
		return nil, errors.New("no usable signing keys")
	}
	return keys, nil
}

// check reports whether the key may verify a token signed with alg.
func (k jwk) check(alg string) error {
	if k.alg != "" && k.alg != alg {
		return &keyError{fmt.Sprintf("key is for %s, token uses %s", k.alg, alg)}
	}
	var fits bool
	switch pub := k.pub.(type) {
	case *rsa.PublicKey:
		fits = strings.HasPrefix(alg, "RS") || strings.HasPrefix(alg, "PS")
	case *ecdsa.PublicKey:
		fits = alg == ecdsaAlgs[pub.Curve.Params().Name]
	case ed25519.PublicKey:
		fits = alg == "EdDSA"
	}
	if !fits {
		return &keyError{fmt.Sprintf("key does not fit alg %s", alg)}
	}
	return nil
}

// ecdsaAlgs maps each supported curve to its JWS algorithm.
var ecdsaAlgs = map[string]string{"P-256": "ES256", "P-384": "ES384", "P-521": "ES512"}

// rawJWK is a JSON Web Key as published (RFC 7517, RFC 7518, RFC 8037).
type rawJWK struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	Alg string `json:"alg"`
	Crv string `json:"crv"`
	N   string `json:"n"`
	E   string `json:"e"`
	X   string `json:"x"`
	Y   string `json:"y"`
}

// publicKey parses an RSA, EC (P-256, P-384, P-521) or OKP Ed25519 key.
func (r rawJWK) publicKey() (crypto.PublicKey, error) {
	switch r.Kty {
	case "RSA":
		n, err := b64(r.N)
		if err != nil {
			return nil, err
		}
		e, err := b64(r.E)
		if err != nil {
			return nil, err
		}
		if len(e) == 0 || len(e) > 4 {
			return nil, errors.New("bad RSA exponent")
		}
		exp := new(big.Int).SetBytes(e).Int64()
		pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(exp)}
		if pub.N.BitLen() < minRSAKeyBits || exp < 3 || exp%2 == 0 {
			return nil, errors.New("weak RSA key")
		}
		return pub, nil
	case "EC":
		var curve elliptic.Curve
		switch r.Crv {
		case "P-256":
			curve = elliptic.P256()
		case "P-384":
			curve = elliptic.P384()
		case "P-521":
			curve = elliptic.P521()
		default:
			return nil, fmt.Errorf("unsupported curve %q", r.Crv)
		}
		size := (curve.Params().BitSize + 7) / 8
		x, err := b64(r.X)
		if err != nil {
			return nil, err
		}
		y, err := b64(r.Y)
		if err != nil {
			return nil, err
		}
		if len(x) != size || len(y) != size {
			return nil, errors.New("bad EC coordinates")
		}
		point := append(append([]byte{4}, x...), y...)
		return ecdsa.ParseUncompressedPublicKey(curve, point)
	case "OKP":
		if r.Crv != "Ed25519" {
			return nil, fmt.Errorf("unsupported curve %q", r.Crv)
		}
		x, err := b64(r.X)
		if err != nil {
			return nil, err
		}
		if len(x) != ed25519.PublicKeySize {
			return nil, errors.New("bad Ed25519 key")
		}
		return ed25519.PublicKey(x), nil
	}
	return nil, fmt.Errorf("unsupported key type %q", r.Kty)
}

// b64 decodes unpadded base64url, tolerating padding.
func b64(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}
