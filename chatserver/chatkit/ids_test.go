package chatkit_test

import (
	"regexp"
	"testing"

	"github.com/taskpilot/taskpilot/chatserver/chatkit"
)

// TestNewIDsDoNotCollide: a user's thread ids must be unique, and a busy
// user (or a single-user install) makes tens of thousands of threads.
// Among 200,000 ids of 32 random bits two are equal 99% of the time
// (the new thread then fails to be stored); with 64 bits, never.
func TestNewIDsDoNotCollide(t *testing.T) {
	t.Parallel()
	format := regexp.MustCompile(`^thr_[0-9a-f]{16}$`)
	seen := make(map[string]bool, 200_000)
	for range 200_000 {
		id := chatkit.NewID(chatkit.ThreadIDPrefix)
		if seen[id] {
			t.Fatalf("id %s made twice in %d", id, len(seen))
		}
		seen[id] = true
	}
	for id := range seen {
		if !format.MatchString(id) {
			t.Fatalf("id %q, want thr_ and 16 hex digits", id)
		}
		break
	}
}
