package mcpserver

import (
	"context"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Outcomes of a tool call, as Metrics.ToolCall reports them.
const (
	OutcomeOK    = "ok"
	OutcomeError = "error"
)

// UnknownTool is the tool name Metrics.ToolCall reports for a call of a
// tool the server does not have, so that the names stay a small set.
const UnknownTool = "unknown"

// Metrics records what the server does, e.g. as Prometheus counters
// (mcphttp.Metrics). It must be safe for concurrent use.
type Metrics interface {
	// ToolCall records one tools/call request. tool is one of the six tool
	// names or UnknownTool; outcome is OutcomeOK, or OutcomeError for a
	// tool error or a refused call (bad arguments, not authenticated).
	ToolCall(tool, outcome string)
}

// metricsMiddleware reports every tools/call to m. Added after the other
// middleware, it is the outermost and sees every call's final result.
func metricsMiddleware(m Metrics, tools []*mcp.Tool) mcp.Middleware {
	known := make(map[string]bool, len(tools))
	for _, t := range tools {
		known[t.Name] = true
	}
	return func(next mcp.MethodHandler) mcp.MethodHandler {
		return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
			res, err := next(ctx, method, req)
			call, ok := req.(*mcp.CallToolRequest)
			if !ok {
				return res, err
			}
			tool := UnknownTool
			if call.Params != nil && known[call.Params.Name] {
				tool = call.Params.Name
			}
			outcome := OutcomeOK
			if r, ok := res.(*mcp.CallToolResult); err != nil || !ok || r.IsError {
				outcome = OutcomeError
			}
			m.ToolCall(tool, outcome)
			return res, err
		}
	}
}
