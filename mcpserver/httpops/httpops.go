// Package httpops is the operations contract both of TaskPilot's HTTP
// servers (mcpserver/mcphttp and chatserver) keep, so that probes, load
// balancers and log pipelines see one server, whichever they talk to:
//
//	GET /healthz  200 {"status":"ok"} while the process runs
//	GET /readyz   200 {"status":"ok"} when the readiness check passes within
//	              ReadyTimeout, else 503 {"status":"unavailable"} (the cause
//	              is logged at Warn as "not ready", never sent)
//
// Both answer Content-Type application/json and Cache-Control no-store.
// Every request gets an id (RequestID) echoed in X-Request-Id, and one log
// line when it is over (Log): message "http request", at Warn for a 5xx,
// Debug for the probes, Info otherwise, with the attributes method, route
// (the matched route pattern, "" when none matched), status, bytes (of the
// body), duration and request_id, then the server's own (user on the chat
// server, rpc_method on the MCP server). It imports only the standard
// library.
package httpops

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"time"
)

// RequestIDHeader carries the request id in and out.
const RequestIDHeader = "X-Request-Id"

// ReadyTimeout bounds one readiness check.
const ReadyTimeout = 2 * time.Second

// Message is the message of the request log line.
const Message = "http request"

// Bodies of the probes' answers.
var (
	okBody          = []byte(`{"status":"ok"}`)
	unavailableBody = []byte(`{"status":"unavailable"}`)
)

// Healthz answers GET /healthz: the process is up.
func Healthz(w http.ResponseWriter, _ *http.Request) {
	write(w, http.StatusOK, okBody)
}

// Readyz returns the handler of GET /readyz: 200 when ready (nil means
// always ready) returns nil within ReadyTimeout, else 503; the error is
// logged on log, not sent.
func Readyz(ready func(context.Context) error, log *slog.Logger) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if ready != nil {
			ctx, cancel := context.WithTimeout(r.Context(), ReadyTimeout)
			defer cancel()
			if err := ready(ctx); err != nil {
				log.WarnContext(ctx, "not ready", "err", err)
				write(w, http.StatusServiceUnavailable, unavailableBody)
				return
			}
		}
		write(w, http.StatusOK, okBody)
	}
}

// write answers a probe.
func write(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// RequestID returns the id of r: the client's X-Request-Id if it is 1 to
// 64 characters of [A-Za-z0-9._-] (so it can go into logs and headers as
// is), else 16 new random hex digits.
func RequestID(r *http.Request) string {
	if id := r.Header.Get(RequestIDHeader); validRequestID(id) {
		return id
	}
	var b [8]byte
	_, _ = rand.Read(b[:]) // never fails
	return hex.EncodeToString(b[:])
}

func validRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
		default:
			return false
		}
	}
	return true
}

// Level is the level of a request's log line: Warn for a 5xx, Debug for
// the probes (/healthz, /readyz), Info otherwise.
func Level(route string, status int) slog.Level {
	switch {
	case status >= 500:
		return slog.LevelWarn
	case route == "/healthz" || route == "/readyz":
		return slog.LevelDebug
	}
	return slog.LevelInfo
}

// Request is what the log line says about a finished request.
type Request struct {
	Method   string
	Route    string // the matched route pattern; "" when none matched
	Status   int
	Bytes    int // of the response body
	Duration time.Duration
	// RequestID, if not empty, is logged as request_id. Leave it empty
	// when log's handler adds it from ctx.
	RequestID string
}

// Log writes the request's log line on log, at Level, followed by extra.
func Log(ctx context.Context, log *slog.Logger, r Request, extra ...slog.Attr) {
	level := Level(r.Route, r.Status)
	if !log.Enabled(ctx, level) {
		return
	}
	attrs := make([]slog.Attr, 0, 6+len(extra))
	attrs = append(attrs,
		slog.String("method", r.Method),
		slog.String("route", r.Route),
		slog.Int("status", r.Status),
		slog.Int("bytes", r.Bytes),
		slog.Duration("duration", r.Duration))
	if r.RequestID != "" {
		attrs = append(attrs, slog.String("request_id", r.RequestID))
	}
	log.LogAttrs(ctx, level, Message, append(attrs, extra...)...)
}
