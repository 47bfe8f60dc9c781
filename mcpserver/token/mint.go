package token

import (
	"crypto/rand"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/golang-jwt/jwt/v5"
)

// Mint returns an HS256 token for subject, signed with secret. It sets "sub",
// "aud" (a one-element array), "iss" (only if issuer is not empty), "iat" and
// "nbf" (now), "exp" (now+ttl) and a random "jti". Times have one-second
// precision.
func Mint(secret []byte, subject, audience, issuer string, ttl time.Duration, now time.Time) (string, error) {
	switch n := utf8.RuneCountInString(subject); {
	case len(secret) < MinSecretLen:
		return "", fmt.Errorf("mint token: secret is %d bytes; at least %d are required", len(secret), MinSecretLen)
	case n == 0 || n > MaxSubjectLen || !utf8.ValidString(subject):
		return "", fmt.Errorf("mint token: subject must be 1 to %d characters of UTF-8", MaxSubjectLen)
	case audience == "":
		return "", errors.New("mint token: audience is required")
	case ttl <= 0:
		return "", errors.New("mint token: ttl must be positive")
	}
	c := jwt.RegisteredClaims{
		Subject:   subject,
		Audience:  jwt.ClaimStrings{audience},
		Issuer:    issuer,
		IssuedAt:  jwt.NewNumericDate(now),
		NotBefore: jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
		ID:        rand.Text(),
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(secret)
	if err != nil {
		return "", fmt.Errorf("mint token: %w", err)
	}
	return s, nil
}
