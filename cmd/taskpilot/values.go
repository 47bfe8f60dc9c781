package main

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"
)

// A value is one setting's place in the Config, typed. Flags, environment
// variables and the YAML file all set it through Set, so each source is
// parsed and checked alike; the caller names the source in the error.
type value interface {
	// Set parses s (a flag's argument, an environment variable, a YAML
	// scalar, or for a list a comma list) and stores it if it is valid.
	Set(s string) error
	// String is the value in the form Set reads.
	String() string
	// Type is pflag's name of the value's kind (string, bool, int,
	// duration or stringSlice), which the flag help shows.
	Type() string
}

// stringValue is a string setting; check, if not nil, refuses bad ones.
type stringValue struct {
	p     *string
	check func(string) error
}

func (v stringValue) Set(s string) error {
	if v.check != nil {
		if err := v.check(s); err != nil {
			return err
		}
	}
	*v.p = s
	return nil
}
func (v stringValue) String() string { return *v.p }
func (v stringValue) Type() string   { return "string" }

// boolValue is a true-or-false setting.
type boolValue struct{ p *bool }

func (v boolValue) Set(s string) error {
	b, err := parseBool(s)
	if err != nil {
		return err
	}
	*v.p = b
	return nil
}
func (v boolValue) String() string { return strconv.FormatBool(*v.p) }
func (v boolValue) Type() string   { return "bool" }

// parseBool reads what strconv.ParseBool reads and the YAML 1.1 words
// (yes, no, on, off, y, n) that YAML files have always been allowed for a
// boolean setting.
func parseBool(s string) (bool, error) {
	switch s {
	case "y", "Y", "yes", "Yes", "YES", "on", "On", "ON":
		return true, nil
	case "n", "N", "no", "No", "NO", "off", "Off", "OFF":
		return false, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, fmt.Errorf("%q is not true or false", s)
	}
	return b, nil
}

// intValue is a whole-number setting of at least min and, unless max is
// 0, at most max; below names the range in the error ("0 (off) or
// more").
type intValue struct {
	p     *int
	min   int
	below string // the allowed range, in words, for the error
	max   int    // 0: no maximum
}

func (v intValue) Set(s string) error {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return fmt.Errorf("%q is not a whole number", s)
	}
	if n < v.min || v.max != 0 && n > v.max {
		return fmt.Errorf("must be %s, not %d", v.below, n)
	}
	*v.p = n
	return nil
}
func (v intValue) String() string { return strconv.Itoa(*v.p) }
func (v intValue) Type() string   { return "int" }

// durationValue is a duration setting ("30s", "2m"); check, if not nil,
// refuses one out of range.
type durationValue struct {
	p     *time.Duration
	check func(time.Duration) error
}

func (v durationValue) Set(s string) error {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return fmt.Errorf("%q is not a duration such as 30s or 2m", s)
	}
	if v.check != nil {
		if err := v.check(d); err != nil {
			return err
		}
	}
	*v.p = d
	return nil
}
func (v durationValue) String() string { return v.p.String() }
func (v durationValue) Type() string   { return "duration" }

// listValue is a list setting, set from a comma list (a YAML list is set
// as its items joined by commas); empty items are dropped and check, if
// not nil, refuses a bad item.
type listValue struct {
	p     *[]string
	check func(string) error
}

func (v listValue) Set(s string) error {
	items := []string{}
	for item := range strings.SplitSeq(s, ",") {
		if item = strings.TrimSpace(item); item == "" {
			continue
		}
		if v.check != nil {
			if err := v.check(item); err != nil {
				return err
			}
		}
		items = append(items, item)
	}
	*v.p = items
	return nil
}

// String is the comma list; "" for none, which the flag help takes as no
// default.
func (v listValue) String() string { return strings.Join(*v.p, ",") }
func (v listValue) Type() string   { return "stringSlice" }

// authValue is an authentication mode setting that allows the modes in
// allowed, in the order the error lists them.
type authValue struct {
	p       *authMode
	allowed []authMode
}

func (v authValue) Set(s string) error {
	for _, m := range v.allowed {
		if m.String() == s {
			*v.p = m
			return nil
		}
	}
	names := make([]string, len(v.allowed))
	for i, m := range v.allowed {
		names[i] = m.String()
	}
	return fmt.Errorf("must be %s, not %q", orList(names), s)
}
func (v authValue) String() string { return v.p.String() }
func (v authValue) Type() string   { return "string" }

// Checks shared by several settings.

// notEmpty refuses an empty or blank value.
func notEmpty(s string) error {
	if strings.TrimSpace(s) == "" {
		return errors.New("must not be empty")
	}
	return nil
}

// choice returns a check that allows only the given values.
func choice(allowed ...string) func(string) error {
	return func(s string) error {
		if slices.Contains(allowed, s) {
			return nil
		}
		return fmt.Errorf("must be %s, not %q", orList(allowed), s)
	}
}

// hostPort refuses what is not a listen address host:port.
func hostPort(s string) error {
	if _, _, err := net.SplitHostPort(s); err != nil {
		return fmt.Errorf("%q is not host:port", s)
	}
	return nil
}

// optionalURL allows "" (the default applies) or an http(s) URL.
func optionalURL(s string) error {
	if s == "" {
		return nil
	}
	return checkURL(s)
}

// timeZone refuses a name that is not an IANA time zone ("" is the
// machine's).
func timeZone(s string) error {
	_, err := location(s)
	return err
}

// orList joins names as "a, b or c".
func orList(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}
