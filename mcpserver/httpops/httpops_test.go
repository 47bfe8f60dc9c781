package httpops

import (
	"log/slog"
	"testing"
)

// TestLevel: a failing probe is a warning like any 5xx; a passing probe
// is debug, so a load balancer polling every second does not flood the
// log; everything else, 4xx included, is info.
func TestLevel(t *testing.T) {
	for _, tc := range []struct {
		route  string
		status int
		want   slog.Level
	}{
		{"/healthz", 200, slog.LevelDebug},
		{"/readyz", 200, slog.LevelDebug},
		{"/readyz", 503, slog.LevelWarn},
		{"/mcp", 500, slog.LevelWarn},
		{"/chatkit", 200, slog.LevelInfo},
		{"", 404, slog.LevelInfo},
	} {
		if got := Level(tc.route, tc.status); got != tc.want {
			t.Errorf("Level(%q, %d) = %v, want %v", tc.route, tc.status, got, tc.want)
		}
	}
}
