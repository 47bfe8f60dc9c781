package mcpserver

import (
	"encoding/json"
	"testing"
	"time"
)

// TestWireTimeMatchesJSON: the tools' times are the text time.Time's
// MarshalJSON writes for the same moment in UTC, whatever the precision
// and zone of the stored time.
func TestWireTimeMatchesJSON(t *testing.T) {
	kiritimati := time.FixedZone("LINT", 14*3600)
	for _, tc := range []struct {
		name string
		t    time.Time
	}{
		{"whole seconds", time.Date(2026, 12, 3, 17, 5, 9, 0, time.UTC)},
		{"microseconds", time.Date(2026, 12, 3, 17, 5, 9, 123456000, time.UTC)},
		{"trailing zeros cut", time.Date(2026, 1, 2, 3, 4, 5, 120000000, time.UTC)},
		{"nanoseconds", time.Date(2026, 1, 2, 3, 4, 5, 1, time.UTC)},
		{"other zone", time.Date(2026, 12, 4, 7, 5, 9, 500, kiritimati)},
		{"monotonic reading", time.Now()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := json.Marshal(tc.t.UTC())
			if err != nil {
				t.Fatal(err)
			}
			var want string
			if err := json.Unmarshal(b, &want); err != nil {
				t.Fatal(err)
			}
			if got := wireTime(tc.t); got != want {
				t.Errorf("wireTime = %q, want %q", got, want)
			}
			if got := wireTimePtr(&tc.t); got != want {
				t.Errorf("wireTimePtr = %q, want %q", got, want)
			}
		})
	}
	if got := wireTimePtr(nil); got != "" {
		t.Errorf("wireTimePtr(nil) = %q, want absent", got)
	}
}

// TestTaskLineDeletedDate: a task in the trash shows the UTC date it was
// deleted on.
func TestTaskLineDeletedDate(t *testing.T) {
	for _, tc := range []struct {
		deleted time.Time
		want    string
	}{
		{time.Date(2026, 12, 3, 23, 59, 59, 999999000, time.UTC), "#4 [ ] Buy milk (deleted 2026-12-03)"},
		{time.Date(2026, 12, 4, 0, 30, 0, 0, time.FixedZone("X", 3600)), "#4 [ ] Buy milk (deleted 2026-12-03)"},
	} {
		tj := taskJSON{TaskID: 4, Title: "Buy milk", Priority: "medium", DeletedAt: wireTime(tc.deleted)}
		if got := taskLine(tj); got != tc.want {
			t.Errorf("taskLine = %q, want %q", got, tc.want)
		}
	}
}
