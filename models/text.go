package models

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The rules for text that comes from users and models, in one place, so
// that both databases store (or refuse) exactly the same: PostgreSQL
// cannot store NUL in text at all, SQLite stores anything, so without them
// one input is a 500 on one database and fine on the other.
//
//   - Ids (thread, item, cursor positions) are exact names: any control
//     character is refused, never stripped (ValidateID).
//   - Single-line text (titles, queries) refuses every control character
//     (ValidateLine); multi-line text (descriptions) allows tab, newline
//     and carriage return only (ValidateText). Input beyond a limit is
//     refused, never truncated.
//   - What a person types into a chat is cleaned instead (CleanText): a
//     pasted NUL is not worth an error.

// MaxIDLen bounds ids such as thread and item ids, in bytes (the columns
// are VARCHAR(255)).
const MaxIDLen = 255

// ValidateID checks an id: 1..MaxIDLen bytes of valid UTF-8 without
// control characters. field names it in the error.
func ValidateID(field, id string) error {
	switch {
	case id == "":
		return Invalid(field, "must not be empty")
	case len(id) > MaxIDLen:
		return Invalid(field, "is %d bytes; the limit is %d", len(id), MaxIDLen)
	case !utf8.ValidString(id):
		return Invalid(field, "must be valid UTF-8")
	}
	if r, ok := firstControl(id, false); ok {
		return Invalid(field, "must not contain control characters (found %s)", runeName(r))
	}
	return nil
}

// ValidateLine trims s and checks it as one line of text: valid UTF-8, at
// most maxLen characters, no control characters. It may be empty.
func ValidateLine(field, s string, maxLen int) (string, error) {
	s = strings.TrimSpace(s)
	if err := checkText(field, s, maxLen); err != nil {
		return "", err
	}
	if _, ok := firstControl(s, false); ok {
		return "", Invalid(field, "must be a single line without control characters")
	}
	return s, nil
}

// ValidateText trims s and checks it as text of several lines: valid
// UTF-8, at most maxLen characters, no control characters but tab,
// newline and carriage return. It may be empty.
func ValidateText(field, s string, maxLen int) (string, error) {
	s = strings.TrimSpace(s)
	if err := checkText(field, s, maxLen); err != nil {
		return "", err
	}
	if r, ok := firstControl(s, true); ok {
		return "", Invalid(field, "must not contain control characters other than tab and newline (found %s)", runeName(r))
	}
	return s, nil
}

func checkText(field, s string, maxLen int) error {
	if !utf8.ValidString(s) {
		return Invalid(field, "must be valid UTF-8")
	}
	if n := utf8.RuneCountInString(s); n > maxLen {
		return Invalid(field, "is %d characters; the limit is %d", n, maxLen)
	}
	return nil
}

// CleanText returns s with NUL and the other C0 control characters
// (except tab, newline and carriage return) and DEL removed, and invalid
// UTF-8 replaced by U+FFFD: what a person typed, made safe to store and
// send on.
func CleanText(s string) string {
	if !strings.ContainsFunc(s, strippable) && utf8.ValidString(s) {
		return s
	}
	s = strings.ToValidUTF8(s, string(utf8.RuneError))
	return strings.Map(func(r rune) rune {
		if strippable(r) {
			return -1
		}
		return r
	}, s)
}

// firstControl returns the first control character of s: C0, DEL or C1
// (unicode.IsControl), with tab, newline and carriage return allowed when
// multiline is set.
func firstControl(s string, multiline bool) (rune, bool) {
	for _, r := range s {
		if unicode.IsControl(r) && !(multiline && (r == '\t' || r == '\n' || r == '\r')) {
			return r, true
		}
	}
	return 0, false
}

// strippable reports what CleanText removes: a C0 control character
// other than tab, newline and carriage return, or DEL.
func strippable(r rune) bool {
	return (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0x7f
}

// runeName names a character for an error message: "U+0000".
func runeName(r rune) string { return fmt.Sprintf("U+%04X", r) }
