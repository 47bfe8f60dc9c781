// Package password hashes and checks account passwords with argon2id
// (golang.org/x/crypto/argon2), in the PHC string format
// "$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>" so that the parameters
// travel with each hash and can be raised later without a migration.
// It imports only the standard library and x/crypto.
package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id's cost parameters.
type Params struct {
	// Memory is in KiB.
	Memory uint32
	// Time is the number of passes over the memory.
	Time uint32
	// Threads is the degree of parallelism.
	Threads uint8
}

// Default is OWASP's recommended argon2id configuration (19 MiB, 2
// passes, 1 thread): about 30 ms per hash on one core of a small server.
var Default = Params{Memory: 19 * 1024, Time: 2, Threads: 1}

// Lengths of the salt and the derived key, in bytes.
const (
	saltLen = 16
	keyLen  = 32
)

// Bounds on a password, in characters (MaxLen keeps one hash cheap).
const (
	MinLen = 8
	MaxLen = 256
)

// ErrMalformed reports a stored hash that is not an argon2id PHC string.
var ErrMalformed = errors.New("malformed password hash")

// Check returns a message fit for a user when pw is not an acceptable
// new password, or "" when it is.
func Check(pw string) string {
	switch n := utf8.RuneCountInString(pw); {
	case !utf8.ValidString(pw):
		return "the password is not valid UTF-8"
	case n < MinLen:
		return fmt.Sprintf("the password must have at least %d characters", MinLen)
	case n > MaxLen:
		return fmt.Sprintf("the password must have at most %d characters", MaxLen)
	}
	return ""
}

// Hash returns the PHC string of pw under p with a fresh random salt.
func Hash(pw string, p Params) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password salt: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, keyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// Verify reports whether pw matches the PHC string encoded. It compares in
// constant time and fails with ErrMalformed on an unreadable hash.
func Verify(encoded, pw string) (bool, error) {
	p, salt, key, err := decode(encoded)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// NeedsRehash reports whether encoded was made with weaker parameters
// than p (or cannot be read), so a sign-in should store a new hash.
func NeedsRehash(encoded string, p Params) bool {
	got, _, _, err := decode(encoded)
	return err != nil || got.Memory < p.Memory || got.Time < p.Time || got.Threads < p.Threads
}

// decode parses "$argon2id$v=19$m=..,t=..,p=..$salt$key".
func decode(encoded string) (Params, []byte, []byte, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return Params{}, nil, nil, ErrMalformed
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return Params{}, nil, nil, ErrMalformed
	}
	var p Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil ||
		p.Memory < 8 || p.Memory > 4<<20 || p.Time < 1 || p.Time > 64 || p.Threads < 1 {
		return Params{}, nil, nil, ErrMalformed
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return Params{}, nil, nil, ErrMalformed
	}
	key, err := b64.DecodeString(parts[5])
	if err != nil || len(key) < 16 || len(key) > 64 {
		return Params{}, nil, nil, ErrMalformed
	}
	return p, salt, key, nil
}
