package agent

import (
	"testing"
	"time"
	"unsafe"
)

// The turns of a day in one time zone share one prompt string; another
// day or zone gets its own prompt.
func TestPromptCache(t *testing.T) {
	var c promptCache
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Skip(err)
	}
	morning := time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)
	first := c.get(morning, time.UTC)
	if first != systemPrompt(morning, time.UTC) {
		t.Fatal("cached prompt differs from systemPrompt")
	}
	if again := c.get(morning.Add(10*time.Hour), time.UTC); unsafe.StringData(again) != unsafe.StringData(first) {
		t.Error("same day and zone: the prompt was made again")
	}
	for _, tt := range []struct {
		now time.Time
		loc *time.Location
	}{
		{morning.Add(24 * time.Hour), time.UTC},
		{morning, paris},
		{morning.Add(23 * time.Hour), paris}, // already the 4th in Paris
	} {
		if got, want := c.get(tt.now, tt.loc), systemPrompt(tt.now, tt.loc); got != want {
			t.Errorf("get(%v, %v) is not systemPrompt's prompt", tt.now, tt.loc)
		}
	}
}
