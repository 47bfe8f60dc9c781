package mcpserver

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/taskpilot/taskpilot/models/store"
	"github.com/taskpilot/taskpilot/models/store/storetest"
)

// TestNullArguments: a client that sends "arguments": null (the go-sdk
// client does so for nil arguments) must get an answer, not crash the
// server. list_tasks has no required argument, so it lists; the other
// tools name what is missing.
func TestNullArguments(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, st *store.Store) {
		cs := connect(t, st, Options{DefaultUser: newUser("null")})
		if res := callTool(t, cs, "list_tasks", json.RawMessage("null")); res.IsError {
			t.Fatalf("list_tasks(null): tool error %q", textOf(res))
		}
		for _, name := range []string{"add_task", "find_task_by_name", "complete_task", "delete_task", "update_task"} {
			msg := mustFail(t, cs, name, json.RawMessage("null"))
			if !strings.Contains(msg, "missing") && !strings.Contains(msg, "required") {
				t.Errorf("%s(null) = %q, want it to name the missing argument", name, msg)
			}
		}
	})
}
