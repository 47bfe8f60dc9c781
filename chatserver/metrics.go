package chatserver

import (
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the chat server's Prometheus metrics, the agent's included:
//
//	taskpilot_chat_requests_total{type, status}           requests
//	taskpilot_chat_stream_duration_seconds{type}          SSE streams, histogram
//	taskpilot_chat_open_streams                           SSE streams open now
//	taskpilot_chat_time_to_first_token_seconds            model request to first text, histogram
//	taskpilot_chat_tool_calls_total{tool, outcome}        the agent's MCP tool calls
//	taskpilot_chat_model_errors_total{kind}               failed model requests
//
// type is the ChatKit request type ("threads.create"; "unknown" when the
// body is not a valid request), "rest" for the REST endpoint or "other"
// (health checks, pages, /metrics); status is the HTTP status. Pass the
// same Metrics to Options and to agent.Config (it implements
// agent.Metrics).
type Metrics struct {
	gatherer       prometheus.Gatherer
	requests       *prometheus.CounterVec
	streamDuration *prometheus.HistogramVec
	openStreams    prometheus.Gauge
	firstToken     prometheus.Histogram
	toolCalls      *prometheus.CounterVec
	modelErrors    *prometheus.CounterVec
}

// NewMetrics registers the chat server's metrics in reg. GET /metrics
// serves everything reg holds, so a process can add its own collectors
// (Go runtime, database pool) or share reg with the MCP server. It
// panics if reg already holds these metrics.
func NewMetrics(reg *prometheus.Registry) *Metrics {
	m := &Metrics{
		gatherer: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "taskpilot_chat_requests_total",
			Help: "Chat server requests, by ChatKit request type (rest, other, unknown) and HTTP status.",
		}, []string{"type", "status"}),
		streamDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "taskpilot_chat_stream_duration_seconds",
			Help:    "Duration of SSE response streams (one answered turn each), by ChatKit request type.",
			Buckets: []float64{0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120},
		}, []string{"type"}),
		openStreams: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "taskpilot_chat_open_streams",
			Help: "SSE response streams open now.",
		}),
		firstToken: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "taskpilot_chat_time_to_first_token_seconds",
			Help:    "Time from the start of a model request to its first text delta.",
			Buckets: []float64{0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 20},
		}),
		toolCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "taskpilot_chat_tool_calls_total",
			Help: "MCP tool calls the assistant made, by tool and outcome (ok or error).",
		}, []string{"tool", "outcome"}),
		modelErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "taskpilot_chat_model_errors_total",
			Help: "Failed model requests, by kind: timeout, status_4xx, status_5xx or other.",
		}, []string{"kind"}),
	}
	reg.MustRegister(m.requests, m.streamDuration, m.openStreams, m.firstToken, m.toolCalls, m.modelErrors)
	return m
}

// ObserveFirstToken implements agent.Metrics.
func (m *Metrics) ObserveFirstToken(d time.Duration) { m.firstToken.Observe(d.Seconds()) }

// ToolCall implements agent.Metrics.
func (m *Metrics) ToolCall(tool, outcome string) { m.toolCalls.WithLabelValues(tool, outcome).Inc() }

// ModelError implements agent.Metrics.
func (m *Metrics) ModelError(kind string) { m.modelErrors.WithLabelValues(kind).Inc() }

// handler serves the registry in the Prometheus text format.
func (m *Metrics) handler(log *slog.Logger) http.Handler {
	return promhttp.HandlerFor(m.gatherer, promhttp.HandlerOpts{
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelError),
	})
}

// requestTypeKey holds the ChatKit request type in the gin context.
const requestTypeKey = "taskpilot.request_type"

// countRequests counts every request once it is answered.
func (s *server) countRequests(c *gin.Context) {
	c.Next()
	s.opts.Metrics.requests.WithLabelValues(requestType(c), strconv.Itoa(c.Writer.Status())).Inc()
}

// requestType is the type label of a request.
func requestType(c *gin.Context) string {
	if c.Request.Method != http.MethodPost {
		return "other"
	}
	switch c.FullPath() {
	case "/chatkit", "/api/v1/chatkit":
		if t := c.GetString(requestTypeKey); t != "" {
			return t // parsed, so one of the known types
		}
		return "unknown"
	case "/api/:user_id/chat":
		return "rest"
	}
	return "other"
}

// streamStarted counts an SSE stream of the request as open; the returned
// func, called when it ends, records its duration.
func (s *server) streamStarted(c *gin.Context) (ended func()) {
	m := s.opts.Metrics
	if m == nil {
		return func() {}
	}
	start := time.Now()
	typ := requestType(c)
	m.openStreams.Inc()
	return func() {
		m.openStreams.Dec()
		m.streamDuration.WithLabelValues(typ).Observe(time.Since(start).Seconds())
	}
}
