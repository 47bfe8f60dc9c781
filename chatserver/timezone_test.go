package chatserver_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/taskpilot/taskpilot/chatserver/chatkit"
)

// TestBrowserTimeZone: the time zone the page sends with a turn is the
// one of "today" and "tomorrow", for the model and for /add due:tomorrow;
// a missing or invalid one falls back to the server's (UTC here).
func TestBrowserTimeZone(t *testing.T) {
	t.Parallel()
	h := newHarness(t, config{})
	// 25 hours apart: their dates always differ.
	east, west := "Pacific/Kiritimati", "Pacific/Pago_Pago"
	date := func(zone string, days int) string {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			t.Fatal(err)
		}
		return time.Now().In(loc).AddDate(0, 0, days).Format(time.DateOnly)
	}
	tests := []struct{ header, zone string }{
		{east, east},
		{west, west},
		{"", "UTC"},
		{"Mars/Olympus_Mons", "UTC"},
		{"Local", "UTC"},
		{"../../etc/localtime", "UTC"},
		{"/usr/share/zoneinfo/Asia/Tokyo", "UTC"},
		{strings.Repeat("A", 100), "UTC"},
	}
	for _, tt := range tests {
		h.header = http.Header{chatkit.TimeZoneHeader: {tt.header}}
		text := streamedText(h.stream("alice", createReq("what day is it")))
		want := "today is " + time.Now().In(must(time.LoadLocation(tt.zone))).Weekday().String() + ", " + date(tt.zone, 0) +
			" (time zone " + tt.zone + "); tomorrow is " + date(tt.zone, 1)
		if !strings.Contains(text, want) {
			t.Errorf("header %q: the model was told %q, want %q", tt.header, text, want)
		}
	}

	for i, zone := range []string{east, west} {
		h.header = http.Header{chatkit.TimeZoneHeader: {zone}}
		h.stream("alice", createReq("/add Buy milk due:tomorrow"))
		tasks := h.tasks("alice")
		if len(tasks) != i+1 {
			t.Fatalf("tasks %+v", tasks)
		}
		if got, want := tasks[i].Due(), date(zone, 1); got != want {
			t.Errorf("/add due:tomorrow in %s: due %s, want %s", zone, got, want)
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
