package mcpserver

import (
	"context"
	"slices"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The OAuth scopes of TaskPilot's tools. A token that names neither (a
// token from taskpilot token, the chat server's, or an identity provider
// that grants no TaskPilot scope) may call every tool; a token that names
// one or both may call only the tools of the scopes it names.
const (
	ScopeRead  = "read"  // list_tasks, find_task_by_name
	ScopeWrite = "write" // add_task, update_task, complete_task, delete_task
)

// readTools are the tools ScopeRead allows; every other tool needs
// ScopeWrite.
var readTools = []string{"list_tasks", "find_task_by_name"}

// toolScope returns the scope that tool needs.
func toolScope(tool string) string {
	if slices.Contains(readTools, tool) {
		return ScopeRead
	}
	return ScopeWrite
}

// allowed reports whether a caller with token info ti may call tool.
func allowed(ti *auth.TokenInfo, tool string) bool {
	if ti == nil || (!slices.Contains(ti.Scopes, ScopeRead) && !slices.Contains(ti.Scopes, ScopeWrite)) {
		return true
	}
	return slices.Contains(ti.Scopes, toolScope(tool))
}

// scopesMiddleware lists only the tools the caller's scopes allow and
// refuses calls to the others with a tool error naming the missing scope.
func scopesMiddleware(next mcp.MethodHandler) mcp.MethodHandler {
	return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
		var ti *auth.TokenInfo
		if ex := req.GetExtra(); ex != nil {
			ti = ex.TokenInfo
		}
		switch r := req.(type) {
		case *mcp.CallToolRequest:
			if r.Params != nil && !allowed(ti, r.Params.Name) {
				res := &mcp.CallToolResult{}
				res.SetError(insufficientScope{tool: r.Params.Name, scope: toolScope(r.Params.Name)})
				return res, nil
			}
		case *mcp.ListToolsRequest:
			res, err := next(ctx, method, req)
			if lr, ok := res.(*mcp.ListToolsResult); ok && err == nil {
				lr.Tools = slices.DeleteFunc(slices.Clone(lr.Tools), func(t *mcp.Tool) bool { return !allowed(ti, t.Name) })
			}
			return res, err
		}
		return next(ctx, method, req)
	}
}

// insufficientScope is the error of a call the token's scopes do not allow.
type insufficientScope struct{ tool, scope string }

func (e insufficientScope) Error() string {
	return "insufficient_scope: " + e.tool + " needs the " + e.scope + " scope, which this connection was not granted; reconnect and allow it"
}
