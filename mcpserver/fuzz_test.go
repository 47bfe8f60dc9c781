package mcpserver

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/taskpilot/taskpilot/models/store/storetest"
)

// FuzzToolArguments: no arguments to any tool, through a real MCP client
// over in-memory transports, are a protocol error or "internal error; try
// again" (which a model retries forever), on SQLite or, when
// TASKPILOT_TEST_POSTGRES_DSN is set, PostgreSQL. tool picks the tool
// (modulo the six).
func FuzzToolArguments(f *testing.F) {
	long := strings.Repeat("x", 5000)
	for _, seed := range []struct {
		tool uint8
		args string
	}{
		{0, `{"title":"Buy milk","description":"2 litres","priority":"high","due":"2026-05-20","tags":["home","shop"]}`},
		{0, `{"title":"Buy\u0000milk"}`},
		{0, `{"title":"a","description":"milk\u0000eggs\u001b"}`},
		{0, `{"title":"a","tags":["home\u0000"],"due":"2026-05-01T17:00:00Z\u0000"}`},
		{0, `{"title":"` + long + `","description":"` + long + `"}`},
		{0, `{"title":"a","tags":[` + strings.Repeat(`"t",`, 1000) + `"t"]}`},
		{1, `{"status":"pending","priority":"high","tag":"home","query":"milk","due_before":"2026-06-01","due_after":"2026-01-01","overdue":true,"sort":"due","limit":10}`},
		{1, `{"query":"milk\u0000","tag":"a\u0000"}`},
		{1, `{"sort":"title","cursor":"eyJzIjoidGl0bGUiLCJ0IjoiYVx1MDAwMCIsIm4iOjF9"}`},
		{1, `{"cursor":"` + long + `"}`},
		{2, `{"name":"milk"}`},
		{2, `{"name":"milk\u0000"}`},
		{3, `{"task_id":1,"completed":false}`},
		{3, `{"task_id":1e30}`},
		{4, `{"task_id":1}`},
		{5, `{"task_id":1,"title":"Oat milk","description":"x\u0000","clear_due":true}`},
		{5, `{"task_id":1,"tags":[],"due":"2026-02-30"}`},
		{0, `null`},
		{1, `[]`},
	} {
		f.Add(seed.tool, []byte(seed.args))
	}
	tools := Tools()
	var sessions []*mcp.ClientSession
	for _, url := range storetest.URLs(f) {
		st := storetest.Open(f, url)
		user := newUser("fuzz")
		cs := connect(f, st, Options{DefaultUser: user})
		callTool(f, cs, "add_task", map[string]any{"title": "Buy milk", "tags": []string{"home"}, "due": "2026-05-20"})
		sessions = append(sessions, cs)
	}
	f.Fuzz(func(t *testing.T, tool uint8, args []byte) {
		if !json.Valid(args) {
			return // the client cannot send it: arguments are JSON
		}
		name := tools[int(tool)%len(tools)].Name
		for _, cs := range sessions {
			res, err := cs.CallTool(t.Context(), &mcp.CallToolParams{Name: name, Arguments: json.RawMessage(args)})
			if err != nil {
				t.Fatalf("%s(%.300s): protocol error: %v", name, args, err)
			}
			if res.IsError && textOf(res) == errInternal.Error() {
				t.Fatalf("%s(%.300s): %q, want a message the model can act on", name, args, textOf(res))
			}
		}
	})
}
