package agent

import (
	"context"
	"errors"
	"net"
	"time"

	"github.com/openai/openai-go/v3"
)

// Kinds of model errors, as Metrics.ModelError reports them.
const (
	ModelErrorTimeout   = "timeout"    // the request timed out
	ModelErrorStatus4xx = "status_4xx" // the endpoint answered 4xx (bad key, quota, bad request)
	ModelErrorStatus5xx = "status_5xx" // the endpoint answered 5xx
	ModelErrorOther     = "other"      // connection refused, a broken stream, ...
)

// UnknownTool is the tool name Metrics.ToolCall reports when the model
// calls a tool the MCP server does not have.
const UnknownTool = "unknown"

// Metrics records what the agent does, e.g. as Prometheus metrics
// (chatserver.Metrics). It must be safe for concurrent use.
type Metrics interface {
	// ObserveFirstToken records the time from the start of a model
	// request to its first text delta.
	ObserveFirstToken(d time.Duration)
	// ToolCall records one MCP tool call: tool is the MCP server's tool
	// name or UnknownTool; outcome is StatusOK or StatusError.
	ToolCall(tool, outcome string)
	// ModelError records a failed model request (after retries) of kind
	// ModelErrorTimeout, ModelErrorStatus4xx, ModelErrorStatus5xx or
	// ModelErrorOther. Requests the user cancelled are not errors.
	ModelError(kind string)
}

// noMetrics is the Metrics of an agent configured without any.
type noMetrics struct{}

func (noMetrics) ObserveFirstToken(time.Duration) {}
func (noMetrics) ToolCall(string, string)         {}
func (noMetrics) ModelError(string)               {}

// modelFailed records err, the failure of a model request, unless the
// turn was cancelled.
func (a *Agent) modelFailed(ctx context.Context, err error) {
	if ctx.Err() == nil {
		a.cfg.Metrics.ModelError(modelErrorKind(err))
	}
}

// modelErrorKind classifies a model request's error.
func modelErrorKind(err error) string {
	var apiErr *openai.Error
	var netErr net.Error
	switch {
	case errors.As(err, &apiErr) && apiErr.StatusCode >= 500:
		return ModelErrorStatus5xx
	case errors.As(err, &apiErr) && apiErr.StatusCode >= 400:
		return ModelErrorStatus4xx
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return ModelErrorTimeout
	}
	return ModelErrorOther
}
