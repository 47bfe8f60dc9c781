package models

import (
	"errors"
	"fmt"
)

// ErrNotFound reports that a record does not exist for the calling user.
// Another user's record is reported the same way, so existence never leaks.
var ErrNotFound = errors.New("not found")

// ErrConflict reports a write that clashed with existing data.
var ErrConflict = errors.New("conflict")

// ErrUnavailable reports that the database could not be reached or could
// not do the work right now: the connection was refused or cut, the server
// is shutting down, starting up or out of connections, the file is locked,
// read-only or failing. It is a fault of the service, not of the request:
// the same request may succeed when tried again, so edges answer it as
// retryable (HTTP 503, a ChatKit error with allow_retry). Stores wrap it
// with the cause, so errors.Is matches it.
var ErrUnavailable = errors.New("database unavailable")

// ErrInvalid is matched by every *ValidationError via errors.Is.
var ErrInvalid = errors.New("invalid input")

// ValidationError reports one bad input field with a message fit for a user
// or a model to read and act on.
type ValidationError struct {
	Field  string // the input field, as named in the API (e.g. "title")
	Reason string // what is wrong and what is allowed
}

// Error implements error.
func (e *ValidationError) Error() string {
	if e.Field == "" {
		return e.Reason
	}
	return fmt.Sprintf("%s: %s", e.Field, e.Reason)
}

// Is makes errors.Is(err, ErrInvalid) true for validation errors.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

// Invalid returns a *ValidationError for field with a formatted reason.
func Invalid(field, format string, args ...any) error {
	return &ValidationError{Field: field, Reason: fmt.Sprintf(format, args...)}
}
