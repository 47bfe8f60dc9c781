package mcphttp

import (
	"log/slog"
	"net/http"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/taskpilot/taskpilot/mcpserver"
)

// Metrics are the MCP server's Prometheus metrics:
//
//	taskpilot_mcp_requests_total{method, status}   requests to /mcp
//	taskpilot_mcp_tool_calls_total{tool, outcome}  tool calls
//
// method is the JSON-RPC method of a POST ("tools/call"; "unknown" when
// it is not one of MCP's) or the HTTP method of a GET or DELETE; status
// is the HTTP status. Pass the same Metrics to mcpserver.Options (tool
// calls) and to Options (requests, and GET /metrics).
type Metrics struct {
	gatherer  prometheus.Gatherer
	requests  *prometheus.CounterVec
	toolCalls *prometheus.CounterVec
}

var _ mcpserver.Metrics = (*Metrics)(nil)

// NewMetrics registers the MCP server's metrics in reg. GET /metrics
// serves everything reg holds, so a process can add its own collectors
// (Go runtime, database pool) or share reg with the chat server. It
// panics if reg already holds these metrics.
func NewMetrics(reg *prometheus.Registry) *Metrics {
	m := &Metrics{
		gatherer: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "taskpilot_mcp_requests_total",
			Help: "HTTP requests to the MCP endpoint, by JSON-RPC method (HTTP method for GET and DELETE) and HTTP status.",
		}, []string{"method", "status"}),
		toolCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "taskpilot_mcp_tool_calls_total",
			Help: "MCP tool calls, by tool and outcome (ok or error).",
		}, []string{"tool", "outcome"}),
	}
	reg.MustRegister(m.requests, m.toolCalls)
	return m
}

// ToolCall implements mcpserver.Metrics.
func (m *Metrics) ToolCall(tool, outcome string) {
	m.toolCalls.WithLabelValues(tool, outcome).Inc()
}

// request counts one request to /mcp.
func (m *Metrics) request(method string, status int) {
	m.requests.WithLabelValues(method, strconv.Itoa(status)).Inc()
}

// handler serves the registry in the Prometheus text format.
func (m *Metrics) handler(log *slog.Logger) http.Handler {
	return promhttp.HandlerFor(m.gatherer, promhttp.HandlerOpts{
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelError),
	})
}

// rpcMethods are the JSON-RPC methods a client may send; any other is
// counted as "unknown", so that a client cannot make up label values.
var rpcMethods = map[string]bool{
	"initialize": true, "notifications/initialized": true, "ping": true,
	"tools/list": true, "tools/call": true, "notifications/cancelled": true,
	"notifications/progress": true, "notifications/roots/list_changed": true,
	"server/discover": true, "subscriptions/listen": true,
	"resources/list": true, "resources/templates/list": true, "resources/read": true,
	"resources/subscribe": true, "resources/unsubscribe": true,
	"prompts/list": true, "prompts/get": true,
	"completion/complete": true, "logging/setLevel": true,
}

// methodLabel is the method label of a request to /mcp.
func methodLabel(r *http.Request) string {
	switch r.Method {
	case http.MethodPost:
		if m := rpcMethod(r); rpcMethods[m] {
			return m
		}
	case http.MethodGet, http.MethodDelete, http.MethodOptions, http.MethodHead, http.MethodPut, http.MethodPatch:
		return r.Method
	}
	return "unknown"
}
