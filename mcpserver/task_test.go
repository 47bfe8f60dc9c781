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

// TestTaskLine: the one-line summary lists only the details a task has,
// in a fixed order; a task in the trash shows the UTC date it was
// deleted on.
func TestTaskLine(t *testing.T) {
	base := taskJSON{TaskID: 4, Title: "Buy milk", Priority: "medium"}
	with := func(f func(*taskJSON)) taskJSON {
		tj := base
		f(&tj)
		return tj
	}
	for _, tc := range []struct {
		name string
		task taskJSON
		want string
	}{
		{"plain", base, "#4 [ ] Buy milk"},
		{"completed", with(func(t *taskJSON) { t.Completed = true }), "#4 [x] Buy milk"},
		{"due and overdue", with(func(t *taskJSON) { t.Due = "2026-11-28"; t.Overdue = true }), "#4 [ ] Buy milk (due 2026-11-28, overdue)"},
		{"priority", with(func(t *taskJSON) { t.Priority = "high" }), "#4 [ ] Buy milk (high)"},
		{"tags", with(func(t *taskJSON) { t.Tags = []string{"home", "errands"} }), "#4 [ ] Buy milk (tags: home, errands)"},
		{"no tags", with(func(t *taskJSON) { t.Tags = []string{} }), "#4 [ ] Buy milk"},
		{"repeats", with(func(t *taskJSON) { t.RepeatText = "every week" }), "#4 [ ] Buy milk (repeats every week)"},
		{"deleted late in the day", with(func(t *taskJSON) {
			t.DeletedAt = wireTime(time.Date(2026, 12, 3, 23, 59, 59, 999999000, time.UTC))
		}), "#4 [ ] Buy milk (deleted 2026-12-03)"},
		{"deleted in another zone", with(func(t *taskJSON) {
			t.DeletedAt = wireTime(time.Date(2026, 12, 4, 0, 30, 0, 0, time.FixedZone("X", 3600)))
		}), "#4 [ ] Buy milk (deleted 2026-12-03)"},
		{"everything", with(func(t *taskJSON) {
			t.TaskID, t.Completed, t.Due, t.Overdue, t.Priority = 12345, true, "2026-05-01T17:00:00Z", true, "low"
			t.Tags, t.RepeatText, t.DeletedAt = []string{"work"}, "every 2 weeks on Mon, Thu", "2026-06-01T08:00:00.5Z"
		}), "#12345 [x] Buy milk (due 2026-05-01T17:00:00Z, overdue, low, tags: work, repeats every 2 weeks on Mon, Thu, deleted 2026-06-01)"},
	} {
		if got := taskLine(tc.task); got != tc.want {
			t.Errorf("%s: taskLine = %q, want %q", tc.name, got, tc.want)
		}
	}
}
