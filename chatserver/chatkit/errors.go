package chatkit

import (
	"errors"
	"fmt"
)

// ErrNotFound reports a thread or item that does not exist for the calling
// user. Stores return it (possibly wrapped); another user's data is reported
// the same way, so existence never leaks.
var ErrNotFound = errors.New("not found")

// ErrUnavailable reports a store that cannot be reached or used right now
// (the database is down, restarting, locked or read-only). Stores return
// it (possibly wrapped) for such faults, so that the client is told to try
// again: a stream ends with an error event that allows a retry, and the
// HTTP layer answers 503. Refusals (ErrNotFound, a bad request) are never
// retryable.
var ErrUnavailable = errors.New("store unavailable")

// ErrUnsupported reports a request type TaskPilot does not implement:
// attachments.create, attachments.delete and input.transcribe (there is no
// file or audio storage), threads.custom_action without an [ActionHandler],
// threads.sync_custom_action without a [SyncActionHandler], and user
// messages that reference attachments.
var ErrUnsupported = errors.New("not supported")

// RequestError reports a request body that is not a valid ChatKit request:
// malformed JSON, an unknown type, or params that are missing, mistyped or
// out of range. The HTTP layer answers it with 400.
type RequestError struct {
	Reason string // what is wrong, e.g. `params.thread_id: required`
}

// Error implements error.
func (e *RequestError) Error() string { return "invalid request: " + e.Reason }

func invalid(format string, args ...any) error {
	return &RequestError{Reason: fmt.Sprintf(format, args...)}
}

// StreamError is an error a [Responder] returns to control the error event
// that ends the stream. Any other error becomes
// {"type":"error","code":"stream.error","allow_retry":true}.
//
// With a Message the event is {"code":"custom","message":Message}, which the
// client shows verbatim; without one it is {"code":"stream.error"}, which the
// client shows as its own localized generic error. AllowRetry shows a retry
// button.
type StreamError struct {
	Message    string
	AllowRetry bool
	Err        error // optional cause, for logs only; never sent
}

// Error implements error.
func (e *StreamError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = "stream error"
	}
	if e.Err != nil {
		return msg + ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the cause.
func (e *StreamError) Unwrap() error { return e.Err }

// errorEvent turns the error that ended a stream into the event that
// tells the client, the one place that decides allow_retry. A
// *StreamError says it itself. An unavailable store allows a retry and a
// refusal (not found) does not, wherever they happen. Any other error
// allows a retry once the turn has started (a model or tool failure), and
// not before it (a request the server cannot act on: a retry of an item
// that is not a user message, a stale tool output, ...).
func errorEvent(err error, turnStarted bool) *ErrorEvent {
	if se, ok := errors.AsType[*StreamError](err); ok {
		if se.Message != "" {
			return &ErrorEvent{Code: ErrorCodeCustom, Message: se.Message, AllowRetry: se.AllowRetry}
		}
		return &ErrorEvent{Code: ErrorCodeStream, AllowRetry: se.AllowRetry}
	}
	switch {
	case errors.Is(err, ErrUnavailable):
		return &ErrorEvent{Code: ErrorCodeStream, AllowRetry: true}
	case errors.Is(err, ErrNotFound):
		return &ErrorEvent{Code: ErrorCodeStream, AllowRetry: false}
	}
	return &ErrorEvent{Code: ErrorCodeStream, AllowRetry: turnStarted}
}
