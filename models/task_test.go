package models

import (
	"errors"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the zones of TestOverdue, whatever the machine has

	"github.com/google/go-cmp/cmp"
)

func TestValidateTitle(t *testing.T) {
	tests := []struct {
		in, want string
		wantErr  string
	}{
		{in: "  Buy milk  ", want: "Buy milk"},
		{in: strings.Repeat("é", MaxTitleLen), want: strings.Repeat("é", MaxTitleLen)},
		{in: "   ", wantErr: "title: must not be empty"},
		{in: strings.Repeat("a", MaxTitleLen+1), wantErr: "title: is 201 characters; the limit is 200"},
		{in: "two\nlines", wantErr: "single line"},
		{in: "bad \xff utf8", wantErr: "UTF-8"},
	}
	for _, tt := range tests {
		got, err := ValidateTitle(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, ErrInvalid) {
				t.Errorf("ValidateTitle(%q) error = %v, want ErrInvalid containing %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ValidateTitle(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestNormalizeTags(t *testing.T) {
	tests := []struct {
		in      []string
		want    Tags
		wantErr string
	}{
		{in: nil, want: Tags{}},
		{in: []string{" Home ", "home", "errand_1", "x-y"}, want: Tags{"home", "errand_1", "x-y"}},
		{in: []string{""}, wantErr: "must not be empty"},
		{in: []string{"has space"}, wantErr: "may only use"},
		{in: []string{strings.Repeat("a", MaxTagLen+1)}, wantErr: "longer than"},
		{in: strings.Split("a,b,c,d,e,f,g,h,i,j,k", ","), wantErr: "11 tags given; the limit is 10"},
	}
	for _, tt := range tests {
		got, err := NormalizeTags(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("NormalizeTags(%q) error = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !cmp.Equal(got, tt.want) {
			t.Errorf("NormalizeTags(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestParseDue(t *testing.T) {
	tests := []struct {
		in      string
		want    Due
		wantErr bool
	}{
		{in: "2026-11-28", want: Due{At: time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)}},
		{in: "2026-11-28T17:00:00+02:00", want: Due{At: time.Date(2026, 11, 28, 15, 0, 0, 0, time.UTC), HasTime: true}},
		{in: "2026-11-28T17:00", want: Due{At: time.Date(2026, 11, 28, 17, 0, 0, 0, time.UTC), HasTime: true}},
		{in: "tomorrow", wantErr: true},
		{in: "2026-02-30", wantErr: true},
		{in: "", wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParseDue("due", tt.in)
		if (err != nil) != tt.wantErr || (!tt.wantErr && !cmp.Equal(got, tt.want)) {
			t.Errorf("ParseDue(%q) = %v, %v; want %v (error %v)", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestParsePriority(t *testing.T) {
	for in, want := range map[string]Priority{"": PriorityMedium, "HIGH": PriorityHigh, " low ": PriorityLow} {
		if got, err := ParsePriority(in); err != nil || got != want {
			t.Errorf("ParsePriority(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParsePriority("urgent"); !errors.Is(err, ErrInvalid) {
		t.Errorf("ParsePriority(urgent) error = %v, want ErrInvalid", err)
	}
}

func TestOverdue(t *testing.T) {
	day := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	at := time.Date(2026, 11, 28, 17, 0, 0, 0, time.UTC)
	noon := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		task Task
		now  time.Time
		want bool
	}{
		{"no due", Task{}, at, false},
		{"date, during the day", Task{DueAt: &day}, at, false},
		{"date, next day", Task{DueAt: &day}, day.AddDate(0, 0, 1), true},
		{"date-time, before", Task{DueAt: &at, DueHasTime: true}, at.Add(-time.Second), false},
		{"date-time, at", Task{DueAt: &at, DueHasTime: true}, at, true},
		{"completed", Task{DueAt: &day, Completed: true}, day.AddDate(0, 0, 2), false},
		// 12:00 UTC on the 28th is already the 29th in Kiritimati (UTC+14),
		// still the 28th in Pago Pago (UTC-11).
		{"date, the next day in UTC+14", Task{DueAt: &day}, noon.In(zone(t, "Pacific/Kiritimati")), true},
		{"date, the same day in UTC-11", Task{DueAt: &day}, noon.In(zone(t, "Pacific/Pago_Pago")), false},
		{"date, the next day in UTC-11", Task{DueAt: &day}, day.Add(35 * time.Hour).In(zone(t, "Pacific/Pago_Pago")), true},
		{"date-time, the same moment in any zone", Task{DueAt: &at, DueHasTime: true}, at.In(zone(t, "Pacific/Pago_Pago")), true},
	}
	for _, tt := range tests {
		if got := tt.task.Overdue(tt.now); got != tt.want {
			t.Errorf("%s: Overdue = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestTagsRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		tags Tags
		want string
	}{
		{nil, "[]"},
		{Tags{}, "[]"},
		{Tags{"a"}, `["a"]`},
		{Tags{"a", "b-c_d"}, `["a","b-c_d"]`},
	} {
		if v, err := tc.tags.Value(); err != nil || v != tc.want {
			t.Errorf("%#v stored as %v, %v; want %s", tc.tags, v, err, tc.want)
		}
		var back Tags
		if err := back.Scan(tc.want); err != nil || len(back) != len(tc.tags) || (len(back) > 0 && !cmp.Equal(back, tc.tags)) {
			t.Errorf("%s read back as %#v, %v; want %#v", tc.want, back, err, tc.tags)
		}
	}
	for _, tc := range []struct {
		src  any
		want Tags
	}{
		{[]byte(`["a","b"]`), Tags{"a", "b"}},
		{`["a","b"]`, Tags{"a", "b"}},
		{`[ "x" ]`, Tags{"x"}},
		{"[]", Tags{}},
		{[]byte("[]"), Tags{}},
		{" [ ] ", Tags{}},
		{"null", Tags{}},
		{nil, Tags{}},
	} {
		got := Tags{"stale"}
		if err := got.Scan(tc.src); err != nil || got == nil || !cmp.Equal(got, tc.want) {
			t.Errorf("Scan(%#v) = %#v, %v; want %#v (non-nil)", tc.src, got, err, tc.want)
		}
	}
	for _, bad := range []any{`["a"`, `{}`, 42} {
		var got Tags
		if err := got.Scan(bad); err == nil {
			t.Errorf("Scan(%#v) = %#v, want an error", bad, got)
		}
	}
}

// zone loads a time zone or fails.
func zone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
