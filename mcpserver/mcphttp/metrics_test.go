package mcphttp_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/taskpilot/taskpilot/mcpserver"
	"github.com/taskpilot/taskpilot/mcpserver/httpops/httpopstest"
	"github.com/taskpilot/taskpilot/mcpserver/mcphttp"
	"github.com/taskpilot/taskpilot/models/store/storetest"
)

// metricsServer serves the task tools without auth on a fresh SQLite
// database, with metrics (nil: none), logging to log.
func metricsServer(t *testing.T, metrics *mcphttp.Metrics, log *slog.Logger) string {
	t.Helper()
	st := storetest.OpenSQLite(t)
	sopts := mcpserver.Options{DefaultUser: "local"}
	if metrics != nil {
		sopts.Metrics = metrics
	}
	srv := httptest.NewServer(mcphttp.New(mcphttp.Options{Server: mcpserver.New(st, sopts), Metrics: metrics, Logger: log}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestMetrics: after tool calls over HTTP (one fine, one with bad
// arguments, one of a tool that does not exist) and a request with a
// made-up method, GET /metrics counts them with bounded labels.
func TestMetrics(t *testing.T) {
	t.Parallel()
	url := metricsServer(t, mcphttp.NewMetrics(prometheus.NewRegistry()), nil)
	ctx := context.Background()
	client := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "v0"}, nil)
	cs, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: url + "/mcp", MaxRetries: -1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	if res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "add_task", Arguments: map[string]any{"title": "Buy milk"}}); err != nil || res.IsError {
		t.Fatalf("add_task: %v %+v", err, res)
	}
	if res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "add_task", Arguments: map[string]any{"title": ""}}); err != nil || !res.IsError {
		t.Fatalf("add_task with an empty title: %v %+v, want a tool error", err, res)
	}
	if _, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "launch_rockets", Arguments: map[string]any{}}); err == nil {
		t.Fatal("a tool that does not exist: no error")
	}
	resp, err := http.Post(url+"/mcp", "application/json", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"evil/label","params":{}}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	scrape := httpopstest.Scrape(t, url+"/metrics")
	for _, tc := range []struct {
		sample string
		want   float64
	}{
		{`taskpilot_mcp_tool_calls_total{outcome="ok",tool="add_task"}`, 1},
		{`taskpilot_mcp_tool_calls_total{outcome="error",tool="add_task"}`, 1},
		{`taskpilot_mcp_tool_calls_total{outcome="error",tool="unknown"}`, 1},
		{`taskpilot_mcp_requests_total{method="tools/call",status="200"}`, 2},
		{`taskpilot_mcp_requests_total{method="tools/call",status="400"}`, 1}, // the unknown tool
		{`taskpilot_mcp_requests_total{method="unknown",status="` + strconv.Itoa(resp.StatusCode) + `"}`, 1},
	} {
		if got, ok := scrape[tc.sample]; !ok || got != tc.want {
			t.Errorf("%s = %v (present: %v), want %v", tc.sample, got, ok, tc.want)
		}
	}
	for sample := range scrape {
		if strings.Contains(sample, "evil") || strings.Contains(sample, "rockets") {
			t.Errorf("a client-chosen name became a label: %s", sample)
		}
	}
}

// TestNoMetrics: without Options.Metrics there is no /metrics.
func TestNoMetrics(t *testing.T) {
	t.Parallel()
	url := metricsServer(t, nil, nil)
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /metrics: %d, want 404", resp.StatusCode)
	}
}

// TestRequestID: every response carries X-Request-Id, the client's if it
// is sane, and the request's log line names it.
func TestRequestID(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	url := metricsServer(t, nil, slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	for _, tc := range []struct {
		name, in string
		kept     bool
	}{
		{"kept", "trace-42.a_b", true},
		{"missing", "", false},
		{"unsafe", "x\ty", false},
		{"too long", strings.Repeat("a", 65), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, url+"/healthz", nil)
			if tc.in != "" {
				req.Header.Set("X-Request-Id", tc.in)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			got := resp.Header.Get("X-Request-Id")
			if tc.kept && got != tc.in || !tc.kept && (got == "" || got == tc.in) {
				t.Errorf("X-Request-Id %q came back as %q", tc.in, got)
			}
			if !strings.Contains(logs.String(), "request_id="+got) {
				t.Errorf("the log does not name request_id=%s:\n%s", got, logs.String())
			}
		})
	}
}
