package chatserver_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/taskpilot/taskpilot/chatserver"
	"github.com/taskpilot/taskpilot/chatserver/agent"
	"github.com/taskpilot/taskpilot/chatserver/agent/fakemodel"
	"github.com/taskpilot/taskpilot/chatserver/chatkit"
	"github.com/taskpilot/taskpilot/chatserver/threadstore"
	"github.com/taskpilot/taskpilot/mcpserver"
	"github.com/taskpilot/taskpilot/mcpserver/httpops/httpopstest"
	"github.com/taskpilot/taskpilot/models/store/storetest"
)

// The agent counts its model and tool metrics in the chat server's.
var _ agent.Metrics = (*chatserver.Metrics)(nil)

// metricsServer is a chat server on httptest with metrics (nil: none),
// the agent talking to model and to the MCP server in memory, on SQLite.
func metricsServer(t *testing.T, model *fakemodel.Model, metrics *chatserver.Metrics) string {
	t.Helper()
	db := storetest.OpenSQLite(t)
	cfg := agent.Config{
		Model: "fake-model", APIKey: "sk-test", BaseURL: model.URL(), MaxRetries: -1,
		Tools: agent.NewInMemoryConnector(func(user string) *mcp.Server {
			return mcpserver.New(db, mcpserver.Options{DefaultUser: user})
		}),
	}
	opts := chatserver.Options{RateLimit: chatserver.RateLimit{PerMinute: -1}}
	if metrics != nil {
		cfg.Metrics, opts.Metrics = metrics, metrics
	}
	ag, err := agent.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	opts.ToolCalls = ag
	opts.Kit = chatkit.New(threadstore.New(db), ag, chatkit.Options{Actions: ag})
	srv := httptest.NewServer(chatserver.New(opts))
	t.Cleanup(srv.Close)
	return srv.URL
}

// send posts body to url and returns the status and the whole answer (a
// stream is read to its end).
func send(t *testing.T, url, body string) (int, string) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// newThread is a threads.create request with text.
func newThread(text string) string {
	b, _ := json.Marshal(text)
	return `{"type":"threads.create","params":{"input":{"content":[{"type":"input_text","text":` + string(b) +
		`}],"attachments":[],"inference_options":{}}}}`
}

// TestMetrics: after some traffic (model turns with a tool call and a
// failing model, a slash command, a REST message, a bad request, a health
// check), GET /metrics shows what happened, with bounded labels.
func TestMetrics(t *testing.T) {
	t.Parallel()
	model := newFakeModel(t)
	url := metricsServer(t, model, chatserver.NewMetrics(prometheus.NewRegistry()))

	for _, tc := range []struct {
		path, body string
		want       int
		answer     string // part of the answer
	}{
		{"/chatkit", newThread("add Buy milk"), http.StatusOK, "I ran add_task"}, // model -> add_task -> text
		{"/chatkit", newThread("/list"), http.StatusOK, "Buy milk"},              // command -> list_tasks
		{"/api/local/chat", `{"message":"/done 1"}`, http.StatusOK, "complete_task"},
		{"/chatkit", `{"type":"threads.explode","params":{}}`, http.StatusBadRequest, "threads.explode"},
	} {
		if status, answer := send(t, url+tc.path, tc.body); status != tc.want || !strings.Contains(answer, tc.answer) {
			t.Fatalf("POST %s %s: %d %s, want %d and %q", tc.path, tc.body, status, answer, tc.want, tc.answer)
		}
	}
	if resp, err := http.Get(url + "/healthz"); err != nil {
		t.Fatal(err)
	} else {
		resp.Body.Close()
	}
	model.FailWith(http.StatusServiceUnavailable)
	if status, answer := send(t, url+"/chatkit", newThread("hello")); status != http.StatusOK || !strings.Contains(answer, `"type":"error"`) {
		t.Fatalf("with the model down: %d %s, want an error event", status, answer)
	}

	scrape := httpopstest.Scrape(t, url+"/metrics")
	for _, tc := range []struct {
		sample string
		want   float64
	}{
		{`taskpilot_chat_requests_total{status="200",type="threads.create"}`, 3},
		{`taskpilot_chat_requests_total{status="200",type="rest"}`, 1},
		{`taskpilot_chat_requests_total{status="400",type="unknown"}`, 1},
		{`taskpilot_chat_requests_total{status="200",type="other"}`, 1},
		{`taskpilot_chat_stream_duration_seconds_count{type="threads.create"}`, 3},
		{`taskpilot_chat_open_streams`, 0},
		{`taskpilot_chat_time_to_first_token_seconds_count`, 1},
		{`taskpilot_chat_tool_calls_total{outcome="ok",tool="add_task"}`, 1},
		{`taskpilot_chat_tool_calls_total{outcome="ok",tool="list_tasks"}`, 1},
		{`taskpilot_chat_tool_calls_total{outcome="ok",tool="complete_task"}`, 1},
		{`taskpilot_chat_model_errors_total{kind="status_5xx"}`, 1},
	} {
		if got, ok := scrape[tc.sample]; !ok || got != tc.want {
			t.Errorf("%s = %v (present: %v), want %v", tc.sample, got, ok, tc.want)
		}
	}
	for sample := range scrape {
		if strings.Contains(sample, "explode") {
			t.Errorf("a client-chosen request type became a label: %s", sample)
		}
	}
}

// TestNoMetrics: without Options.Metrics there is no /metrics.
func TestNoMetrics(t *testing.T) {
	t.Parallel()
	url := metricsServer(t, newFakeModel(t), nil)
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /metrics: %d, want 404", resp.StatusCode)
	}
}
