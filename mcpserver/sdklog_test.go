package mcpserver

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

// TestSDKLogHandler: the SDK's lines about temporary sessions (one per
// stateless request) are Debug, those of real sessions and every other
// line keep their level.
func TestSDKLogHandler(t *testing.T) {
	for _, tc := range []struct {
		name  string
		msg   string
		attrs []any
		info  bool // written at Info level
		debug bool // written, at Debug, when Debug is enabled
	}{
		{"connecting", "server connecting", nil, false, true},
		{"temporary connected", "server session connected", []any{"session_id", ""}, false, true},
		{"temporary disconnected", "server session disconnected", []any{"session_id", ""}, false, true},
		{"real connected", "server session connected", []any{"session_id", "S1"}, true, false},
		{"real disconnected", "server session disconnected", []any{"session_id", "S1"}, true, false},
		{"other", "resource subscribed", []any{"uri", "task://1", "session_id", ""}, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, level := range []slog.Level{slog.LevelInfo, slog.LevelDebug} {
				var buf bytes.Buffer
				log := slog.New(sdkLogHandler{slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: level})})
				log.With("component", "mcpserver").Info(tc.msg, tc.attrs...)
				got := buf.String()
				switch {
				case tc.info && !strings.Contains(got, "level=INFO"):
					t.Errorf("at %v: %q, want it at INFO", level, got)
				case !tc.info && level == slog.LevelInfo && got != "":
					t.Errorf("at %v: %q, want nothing", level, got)
				case tc.debug && level == slog.LevelDebug && !strings.Contains(got, "level=DEBUG"):
					t.Errorf("at %v: %q, want it at DEBUG", level, got)
				}
				if got != "" && !strings.Contains(got, "component=mcpserver") {
					t.Errorf("at %v: %q lost the logger's attributes", level, got)
				}
			}
		})
	}
}
