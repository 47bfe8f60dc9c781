package chatserver

import (
	"context"
	"testing"
	"time"
)

// TestMemoryBuckets: the in-process buckets (SQLite, one replica) start
// full, refill at the rate, tell how long until the next token, and
// forget full buckets.
func TestMemoryBuckets(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	b := newMemoryBuckets(func() time.Time { return now })
	take := func(key string) (bool, time.Duration) {
		t.Helper()
		ok, wait, err := b.Take(context.Background(), key, 1.0/60, 2) // one a minute, burst 2
		if err != nil {
			t.Fatal(err)
		}
		return ok, wait
	}
	for i := range 2 {
		if ok, _ := take("alice"); !ok {
			t.Fatalf("request %d of the burst refused", i+1)
		}
	}
	for _, tc := range []struct {
		advance  time.Duration
		wantOK   bool
		wantWait time.Duration
	}{
		{0, false, time.Minute},
		{30 * time.Second, false, 30 * time.Second},
		{30 * time.Second, true, 0},
		{0, false, time.Minute},
	} {
		now = now.Add(tc.advance)
		ok, wait := take("alice")
		if ok != tc.wantOK || (wait-tc.wantWait).Abs() > time.Millisecond {
			t.Errorf("after +%v: %v, wait %v; want %v, wait %v", tc.advance, ok, wait, tc.wantOK, tc.wantWait)
		}
	}
	if ok, _ := take("bob"); !ok {
		t.Error("bob refused because of alice")
	}
	now = now.Add(time.Hour)
	take("carol") // sweeps the full buckets of alice and bob
	if _, kept := b.limiters["alice"]; kept || len(b.limiters) != 1 {
		t.Errorf("after an hour, buckets kept: %v; want only carol's", b.limiters)
	}
}
