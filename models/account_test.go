package models

import (
	"errors"
	"strings"
	"testing"
)

func TestValidateAccountName(t *testing.T) {
	for in, want := range map[string]string{
		"alice":                 "alice",
		"  Alice ":              "alice",
		"bob.smith-2_x":         "bob.smith-2_x",
		"":                      "",
		"-alice":                "",
		"ali ce":                "",
		"alice@example":         "",
		"ålice":                 "",
		"a\x00b":                "",
		strings.Repeat("a", 64): strings.Repeat("a", 64),
		strings.Repeat("a", 65): "",
	} {
		got, err := ValidateAccountName(in)
		if want == "" {
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("ValidateAccountName(%q) = %q, %v; want an invalid-input error", in, got, err)
			}
			continue
		}
		if err != nil || got != want {
			t.Errorf("ValidateAccountName(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}
