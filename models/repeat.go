package models

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Frequency is the unit of a repeat rule.
type Frequency string

// The repeat frequencies.
const (
	EveryDay   Frequency = "day"
	EveryWeek  Frequency = "week"
	EveryMonth Frequency = "month"
	EveryYear  Frequency = "year"
)

// Frequencies lists the allowed repeat frequencies.
var Frequencies = []Frequency{EveryDay, EveryWeek, EveryMonth, EveryYear}

// Limits of a repeat rule.
const (
	MaxRepeatInterval = 365
	MaxRepeatCount    = 1000
)

// WeekdayNames are the weekday names a weekly rule takes, Monday first.
var WeekdayNames = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

// Repeat is a task's repeat rule: every Interval days, weeks, months or
// years, for weekly rules on the given weekdays, until a date or for a
// number of occurrences (Count, the first one included).
type Repeat struct {
	Every    Frequency `json:"every"`
	Interval int       `json:"interval"`
	Weekdays []string  `json:"weekdays,omitempty"` // mon..sun, in week order
	Until    string    `json:"until,omitempty"`    // YYYY-MM-DD, inclusive
	Count    int       `json:"count,omitempty"`    // occurrences in all
}

// Normalize validates r and returns it in canonical form: lowercase,
// interval 1 when 0, weekdays deduplicated in week order.
func (r Repeat) Normalize() (Repeat, error) {
	r.Every = Frequency(strings.ToLower(strings.TrimSpace(string(r.Every))))
	if !slices.Contains(Frequencies, r.Every) {
		return Repeat{}, Invalid("repeat.every", "%q is not one of day, week, month, year", r.Every)
	}
	if r.Interval == 0 {
		r.Interval = 1
	}
	if r.Interval < 1 || r.Interval > MaxRepeatInterval {
		return Repeat{}, Invalid("repeat.interval", "is %d; it must be between 1 and %d", r.Interval, MaxRepeatInterval)
	}
	if len(r.Weekdays) > 0 && r.Every != EveryWeek {
		return Repeat{}, Invalid("repeat.weekdays", "only weekly rules (every: week) take weekdays")
	}
	var days []string
	for _, name := range WeekdayNames {
		for _, w := range r.Weekdays {
			if strings.ToLower(strings.TrimSpace(w)) == name {
				days = append(days, name)
				break
			}
		}
	}
	for _, w := range r.Weekdays {
		if !slices.Contains(WeekdayNames, strings.ToLower(strings.TrimSpace(w))) {
			return Repeat{}, Invalid("repeat.weekdays", "%q is not one of mon, tue, wed, thu, fri, sat, sun", w)
		}
	}
	r.Weekdays = days
	if r.Until != "" && r.Count != 0 {
		return Repeat{}, Invalid("repeat", "give until or count, not both")
	}
	if r.Until != "" {
		d, err := time.Parse(time.DateOnly, strings.TrimSpace(r.Until))
		if err != nil {
			return Repeat{}, Invalid("repeat.until", "%q is not a date (YYYY-MM-DD)", r.Until)
		}
		r.Until = d.Format(time.DateOnly)
	}
	if r.Count < 0 || r.Count > MaxRepeatCount {
		return Repeat{}, Invalid("repeat.count", "is %d; it must be between 1 and %d", r.Count, MaxRepeatCount)
	}
	return r, nil
}

// String is the rule as a person reads it: "every day", "every 2 weeks on
// Mon, Thu", "every month until 2026-12-31", "every year, 3 times".
func (r Repeat) String() string {
	unit := string(r.Every)
	s := "every " + unit
	if r.Interval > 1 {
		s = fmt.Sprintf("every %d %ss", r.Interval, unit)
	}
	if len(r.Weekdays) > 0 {
		names := make([]string, len(r.Weekdays))
		for i, w := range r.Weekdays {
			names[i] = strings.ToUpper(w[:1]) + w[1:]
		}
		s += " on " + strings.Join(names, ", ")
	}
	switch {
	case r.Until != "":
		s += " until " + r.Until
	case r.Count == 1:
		s += ", once"
	case r.Count > 1:
		s += fmt.Sprintf(", %d times", r.Count)
	}
	return s
}

// Encode returns the stored form of r: JSON, or "" for nil.
func (r *Repeat) Encode() string {
	if r == nil {
		return ""
	}
	b, _ := json.Marshal(r) // cannot fail: plain fields
	return string(b)
}

// DecodeRepeat parses the stored form of a rule; "" is no rule.
func DecodeRepeat(s string) (*Repeat, error) {
	if s == "" {
		return nil, nil
	}
	var r Repeat
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		return nil, fmt.Errorf("decode repeat rule: %w", err)
	}
	return &r, nil
}

// Occurrence is one due date of a repeating task: a calendar date, and for a
// due with a time of day that wall-clock time in the user's time zone.
type Occurrence struct {
	Date    time.Time // midnight UTC of the date
	HasTime bool
	Clock   time.Duration // time of day in the user's zone, when HasTime
}

// OccurrenceOf splits a due into its date and, for a date-time, its
// wall-clock time in loc (nil means UTC).
func OccurrenceOf(d Due, loc *time.Location) Occurrence {
	if loc == nil {
		loc = time.UTC
	}
	if !d.HasTime {
		t := d.At.UTC()
		return Occurrence{Date: time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)}
	}
	t := d.At.In(loc)
	date := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	clock := time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute + time.Duration(t.Second())*time.Second
	return Occurrence{Date: date, HasTime: true, Clock: clock}
}

// Due turns the occurrence back into a due in UTC. A wall-clock time that
// a DST change skips moves forward by the gap (2:30 becomes 3:30), as
// calendar apps do.
func (o Occurrence) Due(loc *time.Location) Due {
	if !o.HasTime {
		return Due{At: o.Date}
	}
	if loc == nil {
		loc = time.UTC
	}
	c := o.Clock
	at := time.Date(o.Date.Year(), o.Date.Month(), o.Date.Day(),
		int(c/time.Hour), int(c%time.Hour/time.Minute), int(c%time.Minute/time.Second), 0, loc)
	if l := at.In(loc); l.Day() == o.Date.Day() {
		got := time.Duration(l.Hour())*time.Hour + time.Duration(l.Minute())*time.Minute + time.Duration(l.Second())*time.Second
		if got < c {
			at = at.Add(c - got)
		}
	}
	return Due{At: at.UTC(), HasTime: true}
}

// NextDate returns the date of the occurrence after date under r, for a
// rule anchored at anchor (the first due date, whose day of month and
// month monthly and yearly rules keep: Jan 31 monthly gives Feb 28 or 29,
// then Mar 31). Both dates are midnight UTC. r must be normalized.
func (r Repeat) NextDate(date, anchor time.Time) time.Time {
	n := max(r.Interval, 1)
	switch r.Every {
	case EveryDay:
		return date.AddDate(0, 0, n)
	case EveryWeek:
		if len(r.Weekdays) == 0 {
			return date.AddDate(0, 0, 7*n)
		}
		start := weekStart(anchor)
		for d := date.AddDate(0, 0, 1); ; d = d.AddDate(0, 0, 1) {
			weeks := int(weekStart(d).Sub(start).Hours()/24) / 7
			if weeks >= 0 && weeks%n == 0 && slices.Contains(r.Weekdays, weekdayName(d)) {
				return d
			}
		}
	case EveryMonth:
		y, m := date.Year(), int(date.Month())-1+n
		y, m = y+m/12, m%12
		return clampDate(y, time.Month(m+1), anchor.Day())
	default: // EveryYear
		return clampDate(date.Year()+n, anchor.Month(), anchor.Day())
	}
}

// clampDate is the date y-m-day, or the month's last day when the month is
// shorter.
func clampDate(y int, m time.Month, day int) time.Time {
	last := time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
	return time.Date(y, m, min(day, last), 0, 0, 0, 0, time.UTC)
}

// weekStart is the Monday of d's week.
func weekStart(d time.Time) time.Time {
	off := (int(d.Weekday()) + 6) % 7 // Monday 0
	return time.Date(d.Year(), d.Month(), d.Day()-off, 0, 0, 0, 0, time.UTC)
}

// weekdayName is d's weekday as mon..sun.
func weekdayName(d time.Time) string {
	return WeekdayNames[(int(d.Weekday())+6)%7]
}

// FirstDate returns the first date on or after date that r allows: for a
// weekly rule with weekdays, the first of those weekdays; else date.
func (r Repeat) FirstDate(date time.Time) time.Time {
	if r.Every != EveryWeek || len(r.Weekdays) == 0 {
		return date
	}
	for d := date; ; d = d.AddDate(0, 0, 1) {
		if slices.Contains(r.Weekdays, weekdayName(d)) {
			return d
		}
	}
}

// Ends reports whether the rule has no occurrence at next after done
// occurrences have been completed: next is past Until, or done reached
// Count.
func (r Repeat) Ends(next time.Time, done int) bool {
	if r.Count > 0 && done >= r.Count {
		return true
	}
	if r.Until != "" {
		until, err := time.Parse(time.DateOnly, r.Until)
		if err == nil && next.After(until) {
			return true
		}
	}
	return false
}

// Today is the date (midnight UTC) of now in loc (nil means UTC).
func Today(now time.Time, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	t := now.In(loc)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}
