package models

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits on task fields. Input beyond them is rejected, never truncated.
const (
	MaxTitleLen       = 200  // characters
	MaxDescriptionLen = 4000 // characters
	MaxTags           = 10
	MaxTagLen         = 32 // characters
)

// Priority is a task's importance.
type Priority string

// The allowed priorities. PriorityMedium is the default.
const (
	PriorityLow    Priority = "low"
	PriorityMedium Priority = "medium"
	PriorityHigh   Priority = "high"
)

// Priorities lists the allowed priorities from lowest to highest.
var Priorities = []Priority{PriorityLow, PriorityMedium, PriorityHigh}

// ParsePriority validates s (case-insensitive); empty means PriorityMedium.
func ParsePriority(s string) (Priority, error) {
	switch p := Priority(strings.ToLower(strings.TrimSpace(s))); p {
	case "":
		return PriorityMedium, nil
	case PriorityLow, PriorityMedium, PriorityHigh:
		return p, nil
	}
	return "", Invalid("priority", "%q is not one of low, medium, high", s)
}

// Rank orders priorities: low 1, medium 2, high 3.
func (p Priority) Rank() int {
	switch p {
	case PriorityLow:
		return 1
	case PriorityHigh:
		return 3
	}
	return 2
}

// Task is one user's to-do item.
//
// ID is the internal primary key and never leaves the server. Number is what
// users and models call the task: it counts from 1 per user and is never
// reused, even after a delete.
type Task struct {
	ID          uint64     `gorm:"primaryKey;autoIncrement" json:"-"`
	UserID      string     `gorm:"size:255;not null;uniqueIndex:idx_tasks_user_number,priority:1" json:"-"`
	Number      int64      `gorm:"not null;uniqueIndex:idx_tasks_user_number,priority:2" json:"task_id"`
	Title       string     `gorm:"size:200;not null" json:"title"`
	Description string     `gorm:"type:text;not null;default:''" json:"description"`
	Completed   bool       `gorm:"not null;default:false" json:"completed"`
	CompletedAt *time.Time `json:"completed_at,omitempty"`
	Priority    Priority   `gorm:"size:10;not null;default:'medium'" json:"priority"`
	// DueAt is the due moment in UTC. For a date-only due (DueHasTime false)
	// it is midnight UTC of that date.
	DueAt      *time.Time `json:"-"`
	DueHasTime bool       `gorm:"not null;default:false" json:"-"`
	Tags       Tags       `gorm:"type:text;not null;default:'[]'" json:"tags"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
	// Repeat is the repeat rule; nil for a one-off task.
	Repeat *Repeat `gorm:"-" json:"repeat,omitempty"`
	// RepeatDone counts the completions of a repeating task so far.
	RepeatDone int `gorm:"-" json:"-"`
	// DeletedAt is when the task went to the trash; nil outside it.
	DeletedAt *time.Time `gorm:"-" json:"deleted_at,omitempty"`
}

// DueValue is the task's due date as a Due, or nil.
func (t Task) DueValue() *Due {
	if t.DueAt == nil {
		return nil
	}
	return &Due{At: *t.DueAt, HasTime: t.DueHasTime}
}

// Due formats the due date as the API shows it: "2006-01-02" for a date,
// RFC 3339 in UTC for a date-time, "" when there is none.
func (t Task) Due() string {
	if t.DueAt == nil {
		return ""
	}
	if t.DueHasTime {
		return t.DueAt.UTC().Format(time.RFC3339)
	}
	return t.DueAt.UTC().Format(time.DateOnly)
}

// Overdue reports whether the task is pending and its due moment has passed
// at now. A date-only due is overdue from the day after in now's time zone
// (the user's): from the midnight that ends that date there.
func (t Task) Overdue(now time.Time) bool {
	if t.Completed || t.DueAt == nil {
		return false
	}
	end := *t.DueAt
	if !t.DueHasTime {
		d := t.DueAt.UTC()
		end = time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, now.Location())
	}
	return !now.Before(end)
}

// Due is a parsed due date: a date, or a date-time.
type Due struct {
	At      time.Time // UTC; midnight for a date
	HasTime bool
}

// ParseDue accepts "YYYY-MM-DD" or an RFC 3339 date-time (with offset or Z;
// "YYYY-MM-DDTHH:MM[:SS]" without an offset is taken as UTC). field names the
// input for the error message.
func ParseDue(field, s string) (Due, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return Due{At: t.UTC()}, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02 15:04"} {
		if t, err := time.Parse(layout, s); err == nil {
			return Due{At: t.UTC().Truncate(time.Second), HasTime: true}, nil
		}
	}
	return Due{}, Invalid(field, "%q is not a date (YYYY-MM-DD) or date-time (RFC 3339, e.g. 2026-05-01T17:00:00Z)", s)
}

// ValidateTitle trims and checks a title: 1..MaxTitleLen characters, no
// control characters (see ValidateLine).
func ValidateTitle(s string) (string, error) {
	s, err := ValidateLine("title", s, MaxTitleLen)
	if err != nil {
		return "", err
	}
	if s == "" {
		return "", Invalid("title", "must not be empty")
	}
	return s, nil
}

// ValidateDescription trims and checks a description: at most
// MaxDescriptionLen characters, no control characters but tab and newline
// (see ValidateText); it may be empty.
func ValidateDescription(s string) (string, error) {
	return ValidateText("description", s, MaxDescriptionLen)
}

var tagPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// NormalizeTag lowercases and trims one tag and checks it: 1..MaxTagLen
// characters of a-z, 0-9, '-' and '_', starting with a letter or digit.
func NormalizeTag(s string) (string, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	if t == "" {
		return "", Invalid("tags", "a tag must not be empty")
	}
	if utf8.RuneCountInString(t) > MaxTagLen {
		return "", Invalid("tags", "tag %q is longer than %d characters", s, MaxTagLen)
	}
	if !tagPattern.MatchString(t) {
		return "", Invalid("tags", "tag %q may only use letters, digits, '-' and '_'", s)
	}
	return t, nil
}

// NormalizeTags normalizes every tag, drops duplicates (keeping order) and
// checks the count (at most MaxTags).
func NormalizeTags(in []string) (Tags, error) {
	out := make(Tags, 0, len(in))
	seen := make(map[string]bool, len(in))
	for _, s := range in {
		t, err := NormalizeTag(s)
		if err != nil {
			return nil, err
		}
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	if len(out) > MaxTags {
		return nil, Invalid("tags", "%d tags given; the limit is %d", len(out), MaxTags)
	}
	return out, nil
}

// Tags is a task's list of labels. It is stored as a JSON array in a text
// column, which works the same on SQLite and PostgreSQL.
type Tags []string

// Value implements driver.Valuer.
func (t Tags) Value() (driver.Value, error) {
	if len(t) == 0 {
		return "[]", nil // most tasks: no JSON encoding for them
	}
	b, err := json.Marshal([]string(t))
	return string(b), err
}

// Scan implements sql.Scanner.
func (t *Tags) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case nil:
		*t = Tags{}
		return nil
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		return fmt.Errorf("scan tags: unsupported type %T", src)
	}
	if string(b) == "[]" {
		// Most tasks have no tags: no JSON decoding for them.
		*t = Tags{}
		return nil
	}
	var s []string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("scan tags: %w", err)
	}
	if s == nil {
		s = []string{}
	}
	*t = s
	return nil
}
