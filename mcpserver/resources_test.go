package mcpserver

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/taskpilot/taskpilot/models"
	"github.com/taskpilot/taskpilot/models/store"
	"github.com/taskpilot/taskpilot/models/store/storetest"
)

// seedViews gives user one task in each view (testNow is 2026-05-10 noon
// UTC): 1 due today, 2 overdue, 3 undated, 4 completed, 5 due later today
// at a time, 6 due tomorrow, 7 due today but tagged work.
func seedViews(t *testing.T, cs *mcp.ClientSession) {
	t.Helper()
	for _, args := range []map[string]any{
		{"title": "Buy milk", "due": "2026-05-10", "tags": []string{"home"}},
		{"title": "Pay rent", "due": "2026-05-01", "priority": "high"},
		{"title": "Read a book"},
		{"title": "Old chore", "due": "2026-05-10"},
		{"title": "Call Bob", "due": "2026-05-10T17:00:00Z"},
		{"title": "Dentist", "due": "2026-05-11"},
		{"title": "Send report", "due": "2026-05-10", "tags": []string{"work"}},
	} {
		mustOK[addTaskOut](t, cs, "add_task", args)
	}
	mustOK[completeTaskOut](t, cs, "complete_task", map[string]any{"task_id": 4})
}

// readResource reads uri and returns its JSON and Markdown contents.
func readResource(t *testing.T, cs *mcp.ClientSession, uri string) (string, string) {
	t.Helper()
	res, err := cs.ReadResource(context.Background(), &mcp.ReadResourceParams{URI: uri})
	if err != nil {
		t.Fatalf("read %s: %v", uri, err)
	}
	if len(res.Contents) != 2 {
		t.Fatalf("read %s: %d contents, want 2 (JSON and Markdown)", uri, len(res.Contents))
	}
	if res.CacheScope != "private" || res.TTLMs != 0 {
		t.Errorf("read %s: cache scope %q, ttl %d; want private, 0", uri, res.CacheScope, res.TTLMs)
	}
	j, md := res.Contents[0], res.Contents[1]
	if j.URI != uri || md.URI != uri || j.MIMEType != mimeJSON || md.MIMEType != mimeMarkdown {
		t.Fatalf("read %s: contents %s %s, %s %s", uri, j.URI, j.MIMEType, md.URI, md.MIMEType)
	}
	return j.Text, md.Text
}

// viewNumbers reads a view and returns its task numbers.
func viewNumbers(t *testing.T, cs *mcp.ClientSession, uri string) ([]int64, string) {
	t.Helper()
	j, md := readResource(t, cs, uri)
	var v viewJSON
	if err := json.Unmarshal([]byte(j), &v); err != nil {
		t.Fatalf("%s: %v", uri, err)
	}
	var ns []int64
	for _, task := range v.Tasks {
		ns = append(ns, task.TaskID)
	}
	return ns, md
}

func TestResourceRead(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, st *store.Store) {
		alice, bob := newUser("alice"), newUser("bob")
		a := connect(t, st, Options{DefaultUser: alice})
		b := connect(t, st, Options{DefaultUser: bob})
		seedViews(t, a)
		mustOK[addTaskOut](t, b, "add_task", map[string]any{"title": "Bob's only task"})

		j, md := readResource(t, a, "task://1")
		var task taskJSON
		if err := json.Unmarshal([]byte(j), &task); err != nil {
			t.Fatal(err)
		}
		if task.TaskID != 1 || task.Title != "Buy milk" || task.Due != "2026-05-10" {
			t.Errorf("task://1 JSON = %+v", task)
		}
		wantMD := "# Task 1: Buy milk\n\n- Status: pending\n- Priority: medium\n- Due: 2026-05-10\n- Tags: home\n"
		if md != wantMD {
			t.Errorf("task://1 Markdown = %q, want %q", md, wantMD)
		}

		for uri, want := range map[string][]int64{
			"tasks://today":   {1, 7, 5},
			"tasks://overdue": {2},
			"tasks://pending": {2, 1, 7, 5, 6, 3},
		} {
			got, _ := viewNumbers(t, a, uri)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s tasks (-want +got):\n%s", uri, diff)
			}
		}
		_, md = viewNumbers(t, a, "tasks://overdue")
		wantMD = "# Overdue tasks (2026-05-10)\n\n- #2 [ ] Pay rent (due 2026-05-01, overdue, high)\n\n6 pending, 1 completed in all.\n"
		if md != wantMD {
			t.Errorf("tasks://overdue Markdown = %q, want %q", md, wantMD)
		}
		if got, _ := viewNumbers(t, b, "tasks://pending"); !slices.Equal(got, []int64{1}) {
			t.Errorf("bob's pending view = %v, want only his task 1", got)
		}
		_, md = readResource(t, b, "task://1")
		if !strings.Contains(md, "Bob's only task") {
			t.Errorf("bob's task://1 = %q", md)
		}

		// Unknown, malformed and other users' tasks are all "not found".
		for _, tc := range []struct {
			cs  *mcp.ClientSession
			uri string
		}{{a, "task://99"}, {a, "task://0"}, {a, "task://01"}, {a, "task://1x"}, {a, "tasks://later"}, {b, "task://2"}, {b, "task://7"}} {
			_, err := tc.cs.ReadResource(context.Background(), &mcp.ReadResourceParams{URI: tc.uri})
			if err == nil || !strings.Contains(err.Error(), "Resource not found") {
				t.Errorf("read %s: err = %v, want resource not found", tc.uri, err)
			}
		}
	})
}

func TestResourceTemplatesList(t *testing.T) {
	cs := connect(t, storetest.Open(t, "sqlite::memory:"), Options{DefaultUser: "alice"})
	res, err := cs.ListResourceTemplates(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.ResourceTemplates) != 1 || res.ResourceTemplates[0].URITemplate != "task://{number}" {
		t.Fatalf("templates = %+v", res.ResourceTemplates)
	}
}

func TestResourceListPaginated(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, st *store.Store) {
		alice, bob := newUser("alice"), newUser("bob")
		ctx := context.Background()
		for i := range 120 {
			if _, err := st.CreateTask(ctx, alice, models.NewTask{Title: fmt.Sprintf("Task %d", i+1)}); err != nil {
				t.Fatal(err)
			}
		}
		a := connect(t, st, Options{DefaultUser: alice})
		b := connect(t, st, Options{DefaultUser: bob})
		mustOK[completeTaskOut](t, a, "complete_task", map[string]any{"task_id": 7})
		mustOK[addTaskOut](t, b, "add_task", map[string]any{"title": "Bob's task"})

		var uris []string
		pages := 0
		params := &mcp.ListResourcesParams{}
		for {
			res, err := a.ListResources(ctx, params)
			if err != nil {
				t.Fatalf("list resources: %v", err)
			}
			pages++
			for _, r := range res.Resources {
				if r.Name == "" || r.URI == "" {
					t.Errorf("resource without name or uri: %+v", r)
				}
				uris = append(uris, r.URI)
			}
			if res.NextCursor == "" {
				break
			}
			params.Cursor = res.NextCursor
		}
		var want []string
		want = append(want, "tasks://today", "tasks://overdue", "tasks://pending")
		for n := 1; n <= 120; n++ {
			if n != 7 { // completed
				want = append(want, fmt.Sprintf("task://%d", n))
			}
		}
		if diff := cmp.Diff(want, uris); diff != "" {
			t.Errorf("alice's resources (-want +got):\n%s", diff)
		}
		if pages != 3 {
			t.Errorf("%d pages, want 3 (50 tasks each)", pages)
		}

		res, err := b.ListResources(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.CacheScope != "private" {
			t.Errorf("resources/list cache scope %q, want private", res.CacheScope)
		}
		if len(res.Resources) != 4 || res.Resources[3].URI != "task://1" || res.Resources[3].Title != "#1 Bob's task" {
			t.Errorf("bob's resources = %+v", res.Resources)
		}
		if _, err := a.ListResources(ctx, &mcp.ListResourcesParams{Cursor: "garbage"}); err == nil || !strings.Contains(err.Error(), "invalid cursor") {
			t.Errorf("bad cursor: err = %v", err)
		}
	})
}
