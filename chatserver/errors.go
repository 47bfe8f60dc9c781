package chatserver

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/taskpilot/taskpilot/chatserver/chatkit"
	"github.com/taskpilot/taskpilot/models"
)

// errorBody is the JSON of every error outside a stream:
// {"error":{"code":"...","message":"..."}}.
type errorBody struct {
	Error apiError `json:"error"`
}

type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// writeError answers with status and the JSON error body.
func writeError(c *gin.Context, status int, code, msg string) {
	c.JSON(status, errorBody{apiError{Code: code, Message: msg}})
}

// retryAfter is the Retry-After of a 503 unavailable answer, in seconds:
// about the time a database takes to restart.
const retryAfter = "5"

// writeKitError maps an error of chatkit.Server.Handle (or of reading the
// request, or of the store) to a status and a message that reveals no
// internals; failures are logged. It is the one place that maps errors to
// HTTP outside a stream: an unavailable store is 503 "unavailable" with
// Retry-After (the client may try again), a refusal is a 4xx, anything
// else 500.
func (s *server) writeKitError(c *gin.Context, err error) {
	var re *chatkit.RequestError
	var tooLarge *http.MaxBytesError
	var invalid *models.ValidationError
	switch {
	case errors.As(err, &tooLarge):
		writeError(c, http.StatusRequestEntityTooLarge, "body_too_large",
			"request body is larger than "+byteSize(tooLarge.Limit))
	case errors.As(err, &re):
		writeError(c, http.StatusBadRequest, "invalid_request", re.Reason)
	case errors.As(err, &invalid):
		// The edge checks first; this keeps a store's refusal a 400 too.
		writeError(c, http.StatusBadRequest, "invalid_request", invalid.Error())
	case errors.Is(err, chatkit.ErrNotFound):
		writeError(c, http.StatusNotFound, "not_found", "thread or item not found")
	case errors.Is(err, chatkit.ErrUnsupported):
		writeError(c, http.StatusNotImplemented, "not_supported", err.Error())
	case errors.Is(err, chatkit.ErrUnavailable), errors.Is(err, models.ErrUnavailable): // the latter from the shared turn leases
		s.log.WarnContext(c.Request.Context(), "store unavailable", "err", err, "user", userOf(c))
		c.Header("Retry-After", retryAfter)
		writeError(c, http.StatusServiceUnavailable, "unavailable",
			"the database is temporarily unavailable; try again in a few seconds")
	case c.Request.Context().Err() != nil:
		// The client is gone; nobody reads the answer.
		s.log.InfoContext(c.Request.Context(), "request abandoned by the client", "err", err)
		writeError(c, http.StatusServiceUnavailable, "cancelled", "request cancelled")
	default:
		s.log.ErrorContext(c.Request.Context(), "request failed", "err", err, "user", userOf(c))
		writeError(c, http.StatusInternalServerError, "internal", "internal error")
	}
}

// byteSize formats n bytes for a message: "1 MiB", "512 KiB", "100 bytes".
func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}
