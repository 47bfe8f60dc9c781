package oauthserver

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
)

// Key is the server's ES256 signing key with its key ID (the RFC 7638
// thumbprint of its public half).
type Key struct {
	Private *ecdsa.PrivateKey
	ID      string
}

// NewKeyPEM returns a fresh P-256 private key, PEM-encoded (PKCS #8), to
// be stored the first time the server starts.
func NewKeyPEM() string {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err) // crypto/rand never fails
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		panic(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// ParseKey parses a key made by NewKeyPEM.
func ParseKey(s string) (Key, error) {
	b, _ := pem.Decode([]byte(s))
	if b == nil {
		return Key{}, errors.New("parse signing key: not PEM")
	}
	k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		return Key{}, fmt.Errorf("parse signing key: %w", err)
	}
	ek, ok := k.(*ecdsa.PrivateKey)
	if !ok || ek.Curve != elliptic.P256() {
		return Key{}, errors.New("parse signing key: not a P-256 key")
	}
	return Key{Private: ek, ID: thumbprint(&ek.PublicKey)}, nil
}

// jwk is a public JSON Web Key (RFC 7517).
type jwk struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
	Kid string `json:"kid,omitempty"`
	Use string `json:"use,omitempty"`
	Alg string `json:"alg,omitempty"`
}

func publicJWK(pub *ecdsa.PublicKey) jwk {
	b, err := pub.Bytes() // 0x04 || X || Y
	if err != nil {
		panic(err)
	}
	enc := base64.RawURLEncoding.EncodeToString
	return jwk{Kty: "EC", Crv: "P-256", X: enc(b[1:33]), Y: enc(b[33:])}
}

// thumbprint is the RFC 7638 SHA-256 thumbprint of pub.
func thumbprint(pub *ecdsa.PublicKey) string {
	j := publicJWK(pub)
	// Members in lexicographic order, no whitespace (RFC 7638 §3).
	canon, _ := json.Marshal(struct {
		Crv string `json:"crv"`
		Kty string `json:"kty"`
		X   string `json:"x"`
		Y   string `json:"y"`
	}{j.Crv, j.Kty, j.X, j.Y})
	sum := sha256.Sum256(canon)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// publicJWK is k's public half as a JWK with its kid.
func (k Key) publicJWK() jwk {
	j := publicJWK(&k.Private.PublicKey)
	j.Kid, j.Use, j.Alg = k.ID, "sig", "ES256"
	return j
}
