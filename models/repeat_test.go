package models

import (
	"strings"
	"testing"
	"time"
)

func date(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

// The calendar rules, like a calendar app: month ends and leap days keep
// the anchor's day when the month has it, weekdays follow the interval of
// weeks counted from the anchor's week.
func TestRepeatNextDates(t *testing.T) {
	tests := []struct {
		name   string
		rule   Repeat
		anchor string
		want   []string // the anchor, then the next dates
	}{
		{"daily", Repeat{Every: EveryDay}, "2026-12-30", []string{"2026-12-30", "2026-12-31", "2027-01-01"}},
		{"every 3 days", Repeat{Every: EveryDay, Interval: 3}, "2026-02-26", []string{"2026-02-26", "2026-03-01", "2026-03-04"}},
		{"weekly", Repeat{Every: EveryWeek}, "2026-12-24", []string{"2026-12-24", "2026-12-31", "2027-01-07"}},
		{"month end keeps day 31", Repeat{Every: EveryMonth}, "2026-01-31",
			[]string{"2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30", "2026-05-31"}},
		{"month end in a leap year", Repeat{Every: EveryMonth}, "2028-01-31", []string{"2028-01-31", "2028-02-29", "2028-03-31"}},
		{"day 30 through February", Repeat{Every: EveryMonth}, "2027-01-30", []string{"2027-01-30", "2027-02-28", "2027-03-30"}},
		{"every 2 months across the year", Repeat{Every: EveryMonth, Interval: 2}, "2026-10-31",
			[]string{"2026-10-31", "2026-12-31", "2027-02-28", "2027-04-30"}},
		{"every 12 months", Repeat{Every: EveryMonth, Interval: 12}, "2026-03-15", []string{"2026-03-15", "2027-03-15"}},
		{"leap day yearly", Repeat{Every: EveryYear}, "2028-02-29",
			[]string{"2028-02-29", "2029-02-28", "2030-02-28", "2031-02-28", "2032-02-29"}},
		{"every 4 years from a leap day", Repeat{Every: EveryYear, Interval: 4}, "2024-02-29", []string{"2024-02-29", "2028-02-29"}},
		{"weekdays Mon, Thu", Repeat{Every: EveryWeek, Weekdays: []string{"mon", "thu"}}, "2026-12-03",
			[]string{"2026-12-03", "2026-12-07", "2026-12-10", "2026-12-14"}},
		{"every 2 weeks on Mon, Thu", Repeat{Every: EveryWeek, Interval: 2, Weekdays: []string{"mon", "thu"}}, "2026-12-07",
			[]string{"2026-12-07", "2026-12-10", "2026-12-21", "2026-12-24", "2027-01-04"}},
		{"weekdays on a Sunday week end", Repeat{Every: EveryWeek, Weekdays: []string{"sat", "sun"}}, "2026-12-05",
			[]string{"2026-12-05", "2026-12-06", "2026-12-12"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rule, err := tc.rule.Normalize()
			if err != nil {
				t.Fatal(err)
			}
			anchor := date(tc.anchor)
			d := anchor
			for i, want := range tc.want[1:] {
				d = rule.NextDate(d, anchor)
				if got := d.Format(time.DateOnly); got != want {
					t.Fatalf("occurrence %d = %s, want %s (all: %v)", i+2, got, want, tc.want)
				}
			}
		})
	}
}

// A date-time due keeps its wall-clock time in the user's zone across DST
// changes; a date stays a date whatever the zone.
func TestRepeatTimeZones(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		loc  *time.Location
		rule Repeat
		due  string // RFC 3339 or date
		want []string
	}{
		{"weekly 9:00 Paris over spring DST", paris, Repeat{Every: EveryWeek}, "2026-03-23T08:00:00Z",
			[]string{"2026-03-30T07:00:00Z", "2026-04-06T07:00:00Z"}},
		{"daily 9:00 Paris over autumn DST", paris, Repeat{Every: EveryDay}, "2026-10-24T07:00:00Z",
			[]string{"2026-10-25T08:00:00Z", "2026-10-26T08:00:00Z"}},
		{"skipped hour moves forward", ny, Repeat{Every: EveryDay}, "2026-03-07T07:30:00Z", // 02:30 EST
			[]string{"2026-03-08T07:30:00Z", "2026-03-09T06:30:00Z"}}, // 03:30 EDT (02:30 does not exist), then 02:30 EDT
		{"late evening New York is the local date", ny, Repeat{Every: EveryMonth}, "2026-02-01T03:00:00Z", // Jan 31 22:00 EST
			[]string{"2026-03-01T03:00:00Z", "2026-04-01T02:00:00Z"}}, // Feb 28 22:00 EST, Mar 31 22:00 EDT
		{"date in any zone", ny, Repeat{Every: EveryMonth}, "2026-01-31", []string{"2026-02-28", "2026-03-31"}},
		{"UTC without a zone", nil, Repeat{Every: EveryDay}, "2026-03-28T23:30:00Z", []string{"2026-03-29T23:30:00Z"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := ParseDue("due", tc.due)
			if err != nil {
				t.Fatal(err)
			}
			occ := OccurrenceOf(d, tc.loc)
			anchor := occ.Date
			for i, want := range tc.want {
				occ.Date = tc.rule.NextDate(occ.Date, anchor)
				next := occ.Due(tc.loc)
				got := next.At.Format(time.RFC3339)
				if !next.HasTime {
					got = next.At.Format(time.DateOnly)
				}
				if got != want {
					t.Fatalf("occurrence %d = %s, want %s", i+2, got, want)
				}
			}
		})
	}
}

func TestToday(t *testing.T) {
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	la, _ := time.LoadLocation("America/Los_Angeles")
	now := time.Date(2026, 12, 3, 20, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		loc  *time.Location
		want string
	}{{nil, "2026-12-03"}, {tokyo, "2026-12-04"}, {la, "2026-12-03"}} {
		if got := Today(now, tc.loc).Format(time.DateOnly); got != tc.want {
			t.Errorf("Today(%v) = %s, want %s", tc.loc, got, tc.want)
		}
	}
}

func TestRepeatEnds(t *testing.T) {
	tests := []struct {
		name string
		rule Repeat
		next string
		done int
		want bool
	}{
		{"no end", Repeat{Every: EveryDay}, "2099-01-01", 500, false},
		{"before until", Repeat{Every: EveryDay, Until: "2026-12-31"}, "2026-12-31", 1, false},
		{"past until", Repeat{Every: EveryDay, Until: "2026-12-31"}, "2027-01-01", 1, true},
		{"count not reached", Repeat{Every: EveryDay, Count: 3}, "2026-12-05", 2, false},
		{"count reached", Repeat{Every: EveryDay, Count: 3}, "2026-12-06", 3, true},
	}
	for _, tc := range tests {
		if got := tc.rule.Ends(date(tc.next), tc.done); got != tc.want {
			t.Errorf("%s: Ends = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestRepeatNormalizeAndString(t *testing.T) {
	tests := []struct {
		in      Repeat
		want    string
		wantErr string
	}{
		{in: Repeat{Every: "DAY"}, want: "every day"},
		{in: Repeat{Every: "week", Interval: 2, Weekdays: []string{"thu", "Mon", "mon"}}, want: "every 2 weeks on Mon, Thu"},
		{in: Repeat{Every: "month", Until: "2026-12-31"}, want: "every month until 2026-12-31"},
		{in: Repeat{Every: "year", Count: 3}, want: "every year, 3 times"},
		{in: Repeat{Every: "fortnight"}, wantErr: `repeat.every: "fortnight" is not one of day, week, month, year`},
		{in: Repeat{Every: "day", Interval: 366}, wantErr: "repeat.interval: is 366; it must be between 1 and 365"},
		{in: Repeat{Every: "day", Weekdays: []string{"mon"}}, wantErr: "repeat.weekdays: only weekly rules"},
		{in: Repeat{Every: "week", Weekdays: []string{"monday"}}, wantErr: `repeat.weekdays: "monday" is not one of`},
		{in: Repeat{Every: "day", Until: "2026-12-31", Count: 2}, wantErr: "repeat: give until or count, not both"},
		{in: Repeat{Every: "day", Until: "next year"}, wantErr: "repeat.until"},
		{in: Repeat{Every: "day", Count: -1}, wantErr: "repeat.count"},
	}
	for _, tc := range tests {
		got, err := tc.in.Normalize()
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("Normalize(%+v) error = %v, want %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got.String() != tc.want {
			t.Errorf("Normalize(%+v) = %q, %v; want %q", tc.in, got.String(), err, tc.want)
		}
	}
}
