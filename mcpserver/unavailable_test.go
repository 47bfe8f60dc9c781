package mcpserver

import (
	"strings"
	"testing"

	"github.com/taskpilot/taskpilot/models/store/storetest"
)

// TestDatabaseUnavailable runs every tool on a real PostgreSQL store whose
// connection is then cut (a proxy in between): each call is a tool error
// telling the model the database is temporarily unavailable, not the
// generic internal error and not "not found", while a missing task with
// the database up is still "not found".
func TestDatabaseUnavailable(t *testing.T) {
	t.Parallel()
	proxy, dbURL := storetest.NewProxy(t, storetest.PostgresURL(t))
	st := storetest.Open(t, dbURL)
	user := newUser("alice")
	cs := connect(t, st, Options{DefaultUser: user})
	mustOK[map[string]any](t, cs, "add_task", map[string]any{"title": "Buy milk"})
	if text := mustFail(t, cs, "delete_task", map[string]any{"task_id": 99}); !strings.Contains(text, "Task 99 not found") {
		t.Errorf("delete_task of a missing task with the database up: %q, want not found", text)
	}

	proxy.Cut()
	for _, call := range []struct {
		tool string
		args map[string]any
	}{
		{"add_task", map[string]any{"title": "Call mum"}},
		{"list_tasks", map[string]any{}},
		{"find_task_by_name", map[string]any{"name": "milk"}},
		{"complete_task", map[string]any{"task_id": 1}},
		{"update_task", map[string]any{"task_id": 1, "title": "Buy oat milk"}},
		{"delete_task", map[string]any{"task_id": 1}},
	} {
		text := mustFail(t, cs, call.tool, call.args)
		if !strings.HasPrefix(text, "The task database is temporarily unavailable") {
			t.Errorf("%s with the database gone: %q, want it to say the database is temporarily unavailable", call.tool, text)
		}
	}
}
