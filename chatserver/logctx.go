package chatserver

import (
	"context"
	"log/slog"
)

// requestIDCtxKey keys the request id in a request's context.
type requestIDCtxKey struct{}

// withRequestID returns ctx carrying the request id.
func withRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDCtxKey{}, id)
}

// LogHandler wraps h so that every record logged with a chat request's
// context (InfoContext, WarnContext, ...) carries the request's id as
// request_id, also from the packages the request runs through (the agent,
// the ChatKit engine). Build the loggers given to them from it; New wraps
// its own logger itself. Wrapping twice adds nothing.
func LogHandler(h slog.Handler) slog.Handler {
	if _, ok := h.(requestIDHandler); ok {
		return h
	}
	return requestIDHandler{h}
}

// requestIDHandler is the slog.Handler LogHandler returns.
type requestIDHandler struct{ slog.Handler }

// Handle adds request_id from ctx, if any.
func (h requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	if id, ok := ctx.Value(requestIDCtxKey{}).(string); ok {
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

// WithAttrs keeps the wrapper on derived handlers.
func (h requestIDHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(attrs)}
}

// WithGroup keeps the wrapper on derived handlers.
func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}
