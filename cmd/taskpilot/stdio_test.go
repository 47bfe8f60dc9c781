package main

import (
	"bufio"
	"context"
	"encoding/json"
	"log/slog"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/taskpilot/taskpilot/models"
	"github.com/taskpilot/taskpilot/models/store/storetest"
)

// pipedInput is what `printf '<initialize>\n<initialized>\n<tools/call
// add_task>\n' | taskpilot mcp` sends: every request at once, then the end
// of stdin, before any answer is read.
const pipedInput = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"printf","version":"1"}}}
{"jsonrpc":"2.0","method":"notifications/initialized"}
{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"add_task","arguments":{"title":"Piped task"}}}
`

// TestE2EStdioPiped: the real binary, with its stdin piped and closed at
// once, answers every request it read, adds the task, and exits 0.
func TestE2EStdioPiped(t *testing.T) {
	t.Parallel()
	bin := binary(t)
	dbURL := storetest.SQLiteURL(t)
	var stderr syncBuffer
	cmd := exec.Command(bin, "mcp")
	cmd.Env = processEnv(t, "TASKPILOT_DATABASE_URL="+dbURL, "TASKPILOT_MCP_USER=alice")
	cmd.Stdin = strings.NewReader(pipedInput)
	cmd.Stderr = &stderr
	start := time.Now()
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("taskpilot mcp: %v\nstderr:\n%s", err, stderr.String())
	}
	if d := time.Since(start); d > 8*time.Second {
		t.Errorf("took %v to answer and exit", d)
	}

	answers := map[string]json.RawMessage{}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		var msg struct {
			ID     json.RawMessage `json:"id"`
			Result json.RawMessage `json:"result"`
		}
		if err := json.Unmarshal(sc.Bytes(), &msg); err != nil {
			t.Fatalf("stdout line %q: %v", sc.Text(), err)
		}
		answers[string(msg.ID)] = msg.Result
	}
	var added struct {
		StructuredContent struct {
			TaskID int64  `json:"task_id"`
			Status string `json:"status"`
			Title  string `json:"title"`
		} `json:"structuredContent"`
	}
	if res, ok := answers["2"]; !ok {
		t.Errorf("no answer to the add_task call on stdout:\n%s\nstderr:\n%s", out, stderr.String())
	} else if err := json.Unmarshal(res, &added); err != nil || added.StructuredContent.Status != "created" || added.StructuredContent.Title != "Piped task" {
		t.Errorf("add_task answered %s", res)
	}
	if _, ok := answers["1"]; !ok {
		t.Errorf("no answer to initialize on stdout:\n%s", out)
	}

	st := storetest.Open(t, dbURL)
	page, err := st.ListTasks(context.Background(), "alice", models.TaskFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Tasks) != 1 || page.Tasks[0].Title != "Piped task" {
		t.Errorf("alice's tasks after the piped session: %+v, want the piped task", page.Tasks)
	}
}

// TestStdioDrainIsBounded: a request that never finishes does not keep
// the process alive after stdin ends: the session ends after the timeout,
// with the requests that did finish answered.
func TestStdioDrainIsBounded(t *testing.T) {
	t.Parallel()
	srv := mcp.NewServer(&mcp.Implementation{Name: "test", Version: "v0"}, nil)
	mcp.AddTool(srv, &mcp.Tool{Name: "hang"}, func(ctx context.Context, _ *mcp.CallToolRequest, _ struct{}) (*mcp.CallToolResult, any, error) {
		<-ctx.Done()
		return nil, nil, ctx.Err()
	})
	in := strings.Replace(pipedInput, `"name":"add_task","arguments":{"title":"Piped task"}`, `"name":"hang","arguments":{}`, 1)
	var out syncBuffer
	done := make(chan error, 1)
	start := time.Now()
	go func() {
		done <- srv.Run(t.Context(), drainingStdio(strings.NewReader(in), &out, 300*time.Millisecond, slog.New(slog.DiscardHandler)))
	}()
	select {
	case err := <-done:
		t.Logf("session ended: %v", err)
	case <-time.After(5 * time.Second):
		t.Fatal("the session did not end 5s after stdin ended, with a 300ms bound")
	}
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Errorf("ended after %v, before the bound: the drain did not wait", d)
	}
	if !strings.Contains(out.String(), `"id":1,"result"`) {
		t.Errorf("initialize not answered: %q", out.String())
	}
}

// TestStdioDrainIDs: request ids are matched with their responses however
// the client spells them, in batches too; notifications and responses
// from the client are not requests.
func TestStdioDrainIDs(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{`{"jsonrpc":"2.0","id":7,"method":"ping"}`, []string{"n7"}},
		{`{"jsonrpc":"2.0","id":7.0,"method":"ping"}`, []string{"n7"}},
		{`{"jsonrpc":"2.0","id":"7","method":"ping"}`, []string{"s7"}},
		{`[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","method":"notifications/initialized"},{"jsonrpc":"2.0","id":"a","method":"ping"}]`, []string{"n1", "sa"}},
		{`{"jsonrpc":"2.0","method":"notifications/initialized"}`, nil},
		{`{"jsonrpc":"2.0","id":null,"method":"ping"}`, nil},
		{`{"jsonrpc":"2.0","id":3,"result":{}}`, nil},
		{`not json`, nil},
	} {
		if got := messageIDs([]byte(tc.in), true); strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("request ids of %s = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := messageIDs([]byte(`{"jsonrpc":"2.0","id":3,"result":{}}`+"\n"), false); len(got) != 1 || got[0] != "n3" {
		t.Errorf("response ids = %q, want n3", got)
	}
}
