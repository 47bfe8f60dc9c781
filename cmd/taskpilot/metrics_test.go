package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/taskpilot/taskpilot/mcpserver/httpops/httpopstest"
	"github.com/taskpilot/taskpilot/models/store/storetest"
)

// TestServeMetrics: both servers of `taskpilot serve` answer GET /metrics
// with both servers' metrics, the database pool and the Go runtime; a
// slash command shows up as a chat request, a tool call on each side and
// an MCP request. --metrics=false turns /metrics off.
func TestServeMetrics(t *testing.T) {
	t.Parallel()
	log, _ := background(t, nil, "serve", "--addr", "127.0.0.1:0", "--mcp-addr", "127.0.0.1:0", "--database-url", storetest.SQLiteURL(t))
	chatURL := "http://" + logValue(t, log, "chat_addr")
	mcpURL := "http://" + logValue(t, log, "mcp_addr")
	if got := say(t, chatURL, "", "/add buy milk"); !strings.Contains(got, "buy milk") {
		t.Fatalf("/add answered %q", got)
	}
	for _, url := range []string{chatURL, mcpURL} {
		// The MCP server counts a request once its handler has returned,
		// which can be just after the chat turn read the answer.
		scrape := httpopstest.Scrape(t, url+"/metrics")
		for deadline := time.Now().Add(2 * time.Second); scrape[`taskpilot_mcp_requests_total{method="tools/call",status="200"}`] == 0 && time.Now().Before(deadline); {
			time.Sleep(20 * time.Millisecond)
			scrape = httpopstest.Scrape(t, url+"/metrics")
		}
		for _, tc := range []struct {
			sample string
			want   float64 // -1: any value
		}{
			{`taskpilot_chat_requests_total{status="200",type="threads.create"}`, 1},
			{`taskpilot_chat_tool_calls_total{outcome="ok",tool="add_task"}`, 1},
			{`taskpilot_mcp_tool_calls_total{outcome="ok",tool="add_task"}`, 1},
			{`taskpilot_mcp_requests_total{method="tools/call",status="200"}`, 1},
			{`taskpilot_chat_open_streams`, 0},
			{`go_sql_max_open_connections{db_name="taskpilot"}`, 1}, // SQLite: one connection
			{`go_sql_open_connections{db_name="taskpilot"}`, -1},
			{`go_goroutines`, -1},
			{`process_open_fds`, -1},
		} {
			got, ok := scrape[tc.sample]
			if !ok || tc.want >= 0 && got != tc.want {
				t.Errorf("%s/metrics: %s = %v (present: %v), want %v", url, tc.sample, got, ok, tc.want)
			}
		}
	}

	log, _ = background(t, nil, "serve", "--metrics=false", "--addr", "127.0.0.1:0", "--mcp-addr", "127.0.0.1:0", "--database-url", storetest.SQLiteURL(t))
	for _, url := range []string{"http://" + logValue(t, log, "chat_addr"), "http://" + logValue(t, log, "mcp_addr")} {
		resp, err := http.Get(url + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("with --metrics=false, GET %s/metrics: %d, want 404", url, resp.StatusCode)
		}
	}
}

// TestMCPMetrics: `taskpilot mcp --transport http` serves its own
// metrics, without a token even though /mcp needs one.
func TestMCPMetrics(t *testing.T) {
	t.Parallel()
	vars := map[string]string{"TASKPILOT_AUTH_SECRET": testSecret}
	log, _ := background(t, vars, "mcp", "--transport", "http", "--addr", "127.0.0.1:0", "--database-url", storetest.SQLiteURL(t))
	scrape := httpopstest.Scrape(t, "http://"+logValue(t, log, "addr")+"/metrics")
	for _, sample := range []string{`go_sql_open_connections{db_name="taskpilot"}`, `go_goroutines`} {
		if _, ok := scrape[sample]; !ok {
			t.Errorf("no %s", sample)
		}
	}
	for sample := range scrape {
		if strings.HasPrefix(sample, "taskpilot_chat_") {
			t.Errorf("the MCP server shows a chat metric: %s", sample)
		}
	}
}
