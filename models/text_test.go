package models

import (
	"errors"
	"strings"
	"testing"
)

func TestValidateID(t *testing.T) {
	for _, tc := range []struct {
		in      string
		wantErr string // "" for valid
	}{
		{in: "thr_1a2b"},
		{in: "with space é"},
		{in: "", wantErr: "must not be empty"},
		{in: strings.Repeat("a", MaxIDLen+1), wantErr: "is 256 bytes; the limit is 255"},
		{in: "thr_\x00", wantErr: "control characters (found U+0000)"},
		{in: "thr\n1", wantErr: "(found U+000A)"},
		{in: "thr\u0085", wantErr: "(found U+0085)"},
		{in: "bad \xff", wantErr: "UTF-8"},
	} {
		err := ValidateID("thread_id", tc.in)
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("ValidateID(%q) = %v, want nil", tc.in, err)
		case tc.wantErr != "" && (err == nil || !errors.Is(err, ErrInvalid) ||
			!strings.Contains(err.Error(), "thread_id: ") || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("ValidateID(%q) = %v, want ErrInvalid naming thread_id and %q", tc.in, err, tc.wantErr)
		}
	}
}

func TestValidateLineAndText(t *testing.T) {
	for _, tc := range []struct {
		name      string
		multiline bool
		in, want  string
		wantErr   string
	}{
		{name: "trimmed", in: "  Groceries ", want: "Groceries"},
		{name: "empty", in: "", want: ""},
		{name: "nul in a line", in: "a\x00b", wantErr: "single line without control characters"},
		{name: "newline in a line", in: "a\nb", wantErr: "single line"},
		{name: "too long", in: strings.Repeat("é", 11), wantErr: "is 11 characters; the limit is 10"},
		{name: "lines", multiline: true, in: "a\n\tb\r\nc", want: "a\n\tb\r\nc"},
		{name: "nul in text", multiline: true, in: "a\x00b", wantErr: "other than tab and newline (found U+0000)"},
		{name: "escape in text", multiline: true, in: "a\x1bb", wantErr: "(found U+001B)"},
		{name: "bad utf8", multiline: true, in: "a\xffb", wantErr: "UTF-8"},
	} {
		validate := ValidateLine
		if tc.multiline {
			validate = ValidateText
		}
		got, err := validate("f", tc.in, 10)
		if tc.wantErr != "" {
			if err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s: got %q, %v; want an error containing %q", tc.name, got, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s: got %q, %v; want %q", tc.name, got, err, tc.want)
		}
	}
}

func TestValidateDescriptionRefusesNUL(t *testing.T) {
	if _, err := ValidateDescription("milk\x00eggs"); err == nil || !strings.Contains(err.Error(), "description: ") {
		t.Errorf("ValidateDescription with NUL: %v, want an error naming description", err)
	}
	if got, err := ValidateDescription("two\nlines\tand a tab"); err != nil || got != "two\nlines\tand a tab" {
		t.Errorf("ValidateDescription(lines) = %q, %v", got, err)
	}
}

func TestCleanText(t *testing.T) {
	for in, want := range map[string]string{
		"plain":                  "plain",
		"keep\ttab\nnl\r\n":      "keep\ttab\nnl\r\n",
		"nul\x00bell\x07del\x7f": "nulbelldel",
		"esc\x1b[31mred":         "esc[31mred",
		"bad \xff utf8":          "bad \uFFFD utf8",
		"c1 \u0085 kept":         "c1 \u0085 kept",
	} {
		if got := CleanText(in); got != want {
			t.Errorf("CleanText(%q) = %q, want %q", in, got, want)
		}
	}
}
