package models

import (
	"strings"
	"time"
)

// Account is a person who signs in to TaskPilot. Its Name is the user id
// that every task, thread and token of theirs carries.
type Account struct {
	// Name is the sign-in name and user id: see ValidateAccountName.
	Name string
	// PasswordHash is the argon2id PHC string (package models/password);
	// empty for an account that cannot sign in with a password yet.
	PasswordHash string
	// Disabled accounts cannot sign in, and their tokens are refused.
	Disabled bool
	// CreatedAt and UpdatedAt are set by the store.
	CreatedAt time.Time
	UpdatedAt time.Time
}

// MaxAccountName is the longest account name, in characters.
const MaxAccountName = 64

// ValidateAccountName returns name in its canonical form (trimmed, lower
// case): 1 to 64 of a-z, 0-9, '.', '_' and '-', starting with a letter or
// digit, so a name is safe in URLs, logs and token subjects.
func ValidateAccountName(name string) (string, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	if n == "" {
		return "", Invalid("name", "must not be empty")
	}
	if len(n) > MaxAccountName {
		return "", Invalid("name", "must have at most %d characters", MaxAccountName)
	}
	for i, r := range n {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
		case i > 0 && (r == '.' || r == '_' || r == '-'):
		default:
			return "", Invalid("name", "may hold only letters a-z, digits and . _ - (starting with a letter or digit)")
		}
	}
	return n, nil
}
