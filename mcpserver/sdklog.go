package mcpserver

import (
	"context"
	"log/slog"
)

// sdkLogHandler passes the SDK's logs on to the server's handler, except
// that the lines it writes at Info for every temporary session are moved
// to Debug. A stateless HTTP request (every call of the harness, of the
// 2026 protocol, of a client whose session lives on another replica) is
// served on a session of its own, and the SDK announced each with three
// lines ("server connecting", "server session connected" and
// "... disconnected" with session_id ""), which cost more than the
// request's own log line, written by mcphttp, that says the same. Lines of
// real sessions (with an id) stay at Info.
type sdkLogHandler struct{ slog.Handler }

// Handle implements slog.Handler.
func (h sdkLogHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level == slog.LevelInfo && temporarySession(r) {
		if !h.Handler.Enabled(ctx, slog.LevelDebug) {
			return nil
		}
		r.Level = slog.LevelDebug
	}
	return h.Handler.Handle(ctx, r)
}

// WithAttrs implements slog.Handler.
func (h sdkLogHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return sdkLogHandler{h.Handler.WithAttrs(attrs)}
}

// WithGroup implements slog.Handler.
func (h sdkLogHandler) WithGroup(name string) slog.Handler {
	return sdkLogHandler{h.Handler.WithGroup(name)}
}

// temporarySession reports whether r is one of the SDK's session
// lifecycle lines about a session without an id.
func temporarySession(r slog.Record) bool {
	switch r.Message {
	case "server connecting": // no id yet; "server session connected" follows with it
		return true
	case "server session connected", "server session disconnected":
		id := ""
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "session_id" {
				id = a.Value.String()
				return false
			}
			return true
		})
		return id == ""
	}
	return false
}
