package mcpserver

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/taskpilot/taskpilot/models"
	"github.com/taskpilot/taskpilot/models/store"
	"github.com/taskpilot/taskpilot/models/store/storetest"
)

// Every kind of bad input gets a tool error a model can act on, and
// changes nothing.
func TestBadInput(t *testing.T) {
	t.Parallel()
	long := func(n int) string { return strings.Repeat("x", n) }
	tests := []struct {
		name string
		tool string
		args any
		want string // a substring of the error text
	}{
		// add_task
		{"empty title", "add_task", map[string]any{"title": ""}, `"title" must not be empty`},
		{"blank title", "add_task", map[string]any{"title": "   "}, "Invalid title: must not be empty."},
		{"201-char title", "add_task", map[string]any{"title": long(201)}, `"title" has 201 characters; the limit is 200`},
		{"multi-line title", "add_task", map[string]any{"title": "a\nb"}, "Invalid title: must be a single line"},
		{"title is a number", "add_task", map[string]any{"title": 5}, `"title" must be a string, not a number`},
		{"title is null", "add_task", map[string]any{"title": nil}, `"title" must be a string, not null`},
		{"no title", "add_task", map[string]any{"description": "x"}, `missing required argument "title"`},
		{"no arguments", "add_task", nil, `missing required argument "title"`},
		{"4001-char description", "add_task", map[string]any{"title": "a", "description": long(4001)}, `"description" has 4001 characters; the limit is 4000`},
		{"bad priority", "add_task", map[string]any{"title": "a", "priority": "urgent"}, `"priority" must be one of "low", "medium", "high", not "urgent"`},
		{"bad date", "add_task", map[string]any{"title": "a", "due": "tomorrow"}, `Invalid due: "tomorrow" is not a date (YYYY-MM-DD)`},
		{"impossible date", "add_task", map[string]any{"title": "a", "due": "2026-02-30"}, `Invalid due: "2026-02-30" is not a date`},
		{"11 tags", "add_task", map[string]any{"title": "a", "tags": strings.Split("a b c d e f g h i j k", " ")}, `"tags" has 11 items; the limit is 10`},
		{"bad tag", "add_task", map[string]any{"title": "a", "tags": []string{"bad tag!"}}, `Invalid tags: tag "bad tag!" may only use`},
		{"tags is a string", "add_task", map[string]any{"title": "a", "tags": "home"}, `"tags" must be an array, not a string`},
		{"tag is a number", "add_task", map[string]any{"title": "a", "tags": []any{"ok", 7}}, `"tags[1]" must be a string, not a number`},
		{"unknown field", "add_task", map[string]any{"title": "a", "user_id": "bob"}, `unknown argument "user_id" (allowed: title, description, priority, due, tags, repeat, tasks)`},
		{"several problems", "add_task", map[string]any{"title": 5, "foo": 1}, `unknown argument "foo" (allowed: title, description, priority, due, tags, repeat, tasks); "title" must be a string`},
		{"arguments not an object", "add_task", json.RawMessage(`["Buy milk"]`), "they must be a JSON object"},
		// NUL and other control characters: PostgreSQL cannot store NUL, so
		// they once were "internal error; try again" there (retried forever).
		{"NUL in title", "add_task", map[string]any{"title": "Buy\x00milk"}, "Invalid title: must be a single line without control characters."},
		{"NUL in description", "add_task", map[string]any{"title": "a", "description": "milk\x00eggs"}, "Invalid description: must not contain control characters other than tab and newline (found U+0000)."},
		{"escape in description", "add_task", map[string]any{"title": "a", "description": "\x1b[2J"}, "Invalid description: must not contain control characters"},
		{"NUL in tag", "add_task", map[string]any{"title": "a", "tags": []string{"home\x00"}}, "Invalid tags: tag"},
		{"NUL in due", "add_task", map[string]any{"title": "a", "due": "2026-05-01\x00"}, "Invalid due: "},

		// list_tasks
		{"limit 0", "list_tasks", map[string]any{"limit": 0}, `"limit" must be at least 1, not 0`},
		{"limit 101", "list_tasks", map[string]any{"limit": 101}, `"limit" must be at most 100, not 101`},
		{"limit 1000000", "list_tasks", map[string]any{"limit": 1000000}, `"limit" must be at most 1000, not 1000000`},
		{"limit -5", "list_tasks", map[string]any{"limit": -5}, `"limit" must be at least 1, not -5`},
		{"limit is text", "list_tasks", map[string]any{"limit": "x"}, `"limit" must be a whole number, not a string`},
		{"limit is fractional", "list_tasks", map[string]any{"limit": 1.5}, `"limit" must be a whole number, not 1.5`},
		{"bad status", "list_tasks", map[string]any{"status": "done"}, `"status" must be one of "all", "pending", "completed", "deleted", not "done"`},
		{"bad sort", "list_tasks", map[string]any{"sort": "newest"}, `"sort" must be one of "created", "due", "priority", "title", "deleted", not "newest"`},
		{"bad priority filter", "list_tasks", map[string]any{"priority": "HIGH"}, `"priority" must be one of "low", "medium", "high", not "HIGH"`},
		{"bad due_before", "list_tasks", map[string]any{"due_before": "next week"}, `Invalid due_before: "next week" is not a date`},
		{"bad due_after", "list_tasks", map[string]any{"due_after": "2026-13-01"}, `Invalid due_after: "2026-13-01" is not a date`},
		{"bad tag filter", "list_tasks", map[string]any{"tag": "a b"}, `Invalid tag: tag "a b" may only use`},
		{"bad cursor", "list_tasks", map[string]any{"cursor": "garbage"}, "Invalid cursor"},
		{"overdue is text", "list_tasks", map[string]any{"overdue": "yes"}, `"overdue" must be true or false, not a string`},
		{"NUL in query", "list_tasks", map[string]any{"query": "milk\x00"}, "Invalid query: must be a single line without control characters."},
		{"NUL in tag filter", "list_tasks", map[string]any{"tag": "home\x00"}, "Invalid tag: "},
		// base64url of {"s":"title","t":"a\u0000","n":1}
		{"NUL in cursor", "list_tasks", map[string]any{"sort": "title", "cursor": "eyJzIjoidGl0bGUiLCJ0IjoiYVx1MDAwMCIsIm4iOjF9"}, "Invalid cursor"},

		// find_task_by_name
		{"empty name", "find_task_by_name", map[string]any{"name": ""}, `"name" must not be empty`},
		{"blank name", "find_task_by_name", map[string]any{"name": "  "}, "Invalid name"},
		{"no name", "find_task_by_name", map[string]any{}, `missing required argument "name"`},
		{"name is a list", "find_task_by_name", map[string]any{"name": []string{"milk"}}, `"name" must be a string, not an array`},
		{"NUL in name", "find_task_by_name", map[string]any{"name": "milk\x00"}, "Invalid name: must be a single line without control characters."},

		// complete_task
		{"complete id 0", "complete_task", map[string]any{"task_id": 0}, `"task_id" must be at least 1, not 0`},
		{"complete negative id", "complete_task", map[string]any{"task_id": -1}, `"task_id" must be at least 1, not -1`},
		{"complete id is text", "complete_task", map[string]any{"task_id": "x"}, `"task_id" must be a whole number, not a string`},
		{"complete id is a numeric string", "complete_task", map[string]any{"task_id": "1"}, `"task_id" must be a whole number, not a string`},
		{"complete huge id", "complete_task", map[string]any{"task_id": 1e30}, `"task_id" is out of range`},
		{"complete no id", "complete_task", map[string]any{}, `missing required argument "task_id"`},
		{"complete unknown id", "complete_task", map[string]any{"task_id": 99}, "Task 99 not found. Call list_tasks to see the user's task ids."},
		{"completed is text", "complete_task", map[string]any{"task_id": 1, "completed": "yes"}, `"completed" must be true or false, not a string`},

		// delete_task
		{"delete id 0", "delete_task", map[string]any{"task_id": 0}, `"task_id" must be at least 1, not 0`},
		{"delete unknown id", "delete_task", map[string]any{"task_id": 99}, "Task 99 not found."},
		{"delete by title", "delete_task", map[string]any{"title": "Buy milk"}, `unknown argument "title" (allowed: task_id, task_ids)`},

		// update_task
		{"update nothing", "update_task", map[string]any{"task_id": 1}, "Nothing to update: give at least one of"},
		{"update clear_due false only", "update_task", map[string]any{"task_id": 1, "clear_due": false}, "Nothing to update"},
		{"update due and clear_due", "update_task", map[string]any{"task_id": 1, "due": "2026-06-01", "clear_due": true}, "Give either due (to set a new due date) or clear_due (to remove it), not both."},
		{"update empty title", "update_task", map[string]any{"task_id": 1, "title": ""}, `"title" must not be empty`},
		{"update 201-char title", "update_task", map[string]any{"task_id": 1, "title": long(201)}, `"title" has 201 characters`},
		{"update NUL in title", "update_task", map[string]any{"task_id": 1, "title": "x\x00"}, "Invalid title: must be a single line"},
		{"update NUL in description", "update_task", map[string]any{"task_id": 1, "description": "x\x00y"}, "Invalid description: must not contain control characters"},
		{"update bad date", "update_task", map[string]any{"task_id": 1, "due": "someday"}, `Invalid due: "someday" is not a date`},
		{"update priority null", "update_task", map[string]any{"task_id": 1, "priority": nil}, `"priority" must be a string, not null`},
		{"update 11 tags", "update_task", map[string]any{"task_id": 1, "tags": strings.Split("a b c d e f g h i j k", " ")}, `"tags" has 11 items`},
		{"update completed", "update_task", map[string]any{"task_id": 1, "completed": true}, `unknown argument "completed"`},
		{"update unknown id", "update_task", map[string]any{"task_id": 99, "title": "x"}, "Task 99 not found."},
		{"update id 0", "update_task", map[string]any{"task_id": 0, "title": "x"}, `"task_id" must be at least 1, not 0`},

		// Several at once, repeat rules, restore: a bad request changes nothing.
		{"task_id and task_ids", "complete_task", map[string]any{"task_id": 1, "task_ids": []int{2}}, "Give task_id (one task) or task_ids (several), not both."},
		{"empty task_ids", "delete_task", map[string]any{"task_ids": []int{}}, `"task_ids" must not be empty`},
		{"51 task_ids", "delete_task", map[string]any{"task_ids": make([]int, 51)}, `"task_ids" has 51 items; the limit is 50`},
		{"task_ids with 0", "update_task", map[string]any{"task_ids": []int{1, 0}, "title": "x"}, `"task_ids[1]" must be at least 1, not 0`},
		{"bulk update with a bad title", "update_task", map[string]any{"task_ids": []int{1, 2}, "title": "a\nb"}, "Invalid title: must be a single line"},
		{"title and tasks", "add_task", map[string]any{"title": "a", "tasks": []any{map[string]any{"title": "b"}}}, "not both"},
		{"empty tasks", "add_task", map[string]any{"tasks": []any{}}, `"tasks" must not be empty`},
		{"26 tasks", "add_task", map[string]any{"tasks": make([]map[string]any, 26)}, `"tasks" has 26 items; the limit is 25`},
		{"task item without title", "add_task", map[string]any{"tasks": []any{map[string]any{"due": "2026-06-01"}}}, `missing required argument "tasks[0].title"`},
		{"task item unknown field", "add_task", map[string]any{"tasks": []any{map[string]any{"title": "a", "done": true}}}, `unknown argument "tasks[0].done"`},
		{"repeat every fortnight", "add_task", map[string]any{"title": "a", "repeat": map[string]any{"every": "fortnight"}}, `"repeat.every" must be one of "day", "week", "month", "year", not "fortnight"`},
		{"repeat none on add", "add_task", map[string]any{"title": "a", "repeat": map[string]any{"every": "none"}}, `"repeat.every" must be one of`},
		{"repeat interval 366", "add_task", map[string]any{"title": "a", "repeat": map[string]any{"every": "day", "interval": 366}}, `"repeat.interval" must be at most 365, not 366`},
		{"repeat weekdays monthly", "add_task", map[string]any{"title": "a", "repeat": map[string]any{"every": "month", "weekdays": []string{"mon"}}}, "Invalid repeat.weekdays: only weekly rules (every: week) take weekdays."},
		{"repeat until and count", "update_task", map[string]any{"task_id": 1, "repeat": map[string]any{"every": "day", "until": "2026-12-31", "count": 3}}, "Invalid repeat: give until or count, not both."},
		{"repeat none with fields", "update_task", map[string]any{"task_id": 1, "repeat": map[string]any{"every": "none", "interval": 2}}, "takes no other fields"},
		{"repeat is a string", "update_task", map[string]any{"task_id": 1, "repeat": "monthly"}, `"repeat" must be an object, not a string`},
		{"restore a task not in the trash", "update_task", map[string]any{"task_id": 1, "restore": true}, "Task 1 is not in the trash."},
		{"limit 1001 with ids_only", "list_tasks", map[string]any{"ids_only": true, "limit": 1001}, `"limit" must be at most 1000, not 1001`},
		{"sort deleted outside the trash", "list_tasks", map[string]any{"sort": "deleted"}, `give status="deleted" as well`},
	}
	storetest.ForEachBackend(t, func(t *testing.T, st *store.Store) {
		user := newUser("bad")
		cs := connect(t, st, Options{DefaultUser: user})
		mustOK[addTaskOut](t, cs, "add_task", map[string]any{"title": "Buy milk", "due": "2026-05-20", "tags": []string{"home"}})
		mustOK[addTaskOut](t, cs, "add_task", map[string]any{"title": "Pay rent"})
		before := allTasks(t, st, user)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				msg := mustFail(t, cs, tt.tool, tt.args)
				if !strings.Contains(msg, tt.want) {
					t.Errorf("error = %q, want it to contain %q", msg, tt.want)
				}
				// The SDK's own messages quote schema paths; ours never do.
				if strings.Contains(msg, "validating") || strings.Contains(msg, "/properties/") {
					t.Errorf("error = %q: raw schema validation message", msg)
				}
				if diff := diffTasks(before, allTasks(t, st, user)); diff != "" {
					t.Errorf("store changed (-before +after):\n%s", diff)
				}
			})
		}
		page, err := st.ListTasks(context.Background(), user, models.TaskFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if page.Counts.Total != 2 {
			t.Errorf("counts after bad input = %+v, want 2 tasks", page.Counts)
		}
	})
}
