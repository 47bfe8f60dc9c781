package mcpserver

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the zones below, whatever the machine has

	"github.com/google/go-cmp/cmp"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/taskpilot/taskpilot/models/store/storetest"
)

// TestUserTimeZone: at one instant (testNow, 12:00 UTC on 10 May) it is
// 02:00 on 11 May in Kiritimati (UTC+14) and 01:00 on 10 May in Pago Pago
// (UTC-11). A request naming the zone in _meta gets that zone's today and
// overdue; one naming none (or an unknown zone) gets Options.Location.
func TestUserTimeZone(t *testing.T) {
	t.Parallel()
	kiritimati, err := time.LoadLocation("Pacific/Kiritimati")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		location *time.Location // Options.Location
		zone     string         // the requests' _meta zone, "" for none
		today    []string       // tasks://today and list_tasks' due window
		overdue  []string       // tasks://overdue and list_tasks(overdue=true)
		date     string         // "today", as the prompts and repeating tasks have it
	}{
		{"Kiritimati", nil, "Pacific/Kiritimati", []string{"Due 11 May"}, []string{"Due 10 May"}, "2026-05-11"},
		{"Pago Pago", nil, "Pacific/Pago_Pago", []string{"Due 10 May"}, nil, "2026-05-10"},
		{"no zone: the server's (UTC)", nil, "", []string{"Due 10 May"}, nil, "2026-05-10"},
		{"no zone: the server's (Kiritimati)", kiritimati, "", []string{"Due 11 May"}, []string{"Due 10 May"}, "2026-05-11"},
		{"an unknown zone: the server's", kiritimati, "Mars/Olympus", []string{"Due 11 May"}, []string{"Due 10 May"}, "2026-05-11"},
		{"Local is no zone", nil, "Local", []string{"Due 10 May"}, nil, "2026-05-10"},
	}
	for backend, db := range storetest.Backends(t) {
		for _, tt := range tests {
			t.Run(backend+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				cs := connect(t, db, Options{DefaultUser: newUser("alice"), Location: tt.location})
				var meta mcp.Meta
				if tt.zone != "" {
					meta = mcp.Meta{TimeZoneMeta: tt.zone}
				}
				ctx := context.Background()
				call := func(name string, args map[string]any) map[string]any {
					t.Helper()
					res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args, Meta: meta})
					if err != nil || res.IsError {
						t.Fatalf("%s(%v): %v %s", name, args, err, textOf(res))
					}
					b, _ := json.Marshal(res.StructuredContent)
					var out map[string]any
					_ = json.Unmarshal(b, &out)
					return out
				}
				call("add_task", map[string]any{"title": "Due 10 May", "due": "2026-05-10"})
				call("add_task", map[string]any{"title": "Due 11 May", "due": "2026-05-11"})
				titles := func(res map[string]any) []string {
					var out []string
					for _, task := range res["tasks"].([]any) {
						out = append(out, task.(map[string]any)["title"].(string))
					}
					return out
				}

				if diff := cmp.Diff(tt.overdue, titles(call("list_tasks", map[string]any{"overdue": true}))); diff != "" {
					t.Errorf("list_tasks(overdue=true) (-want +got):\n%s", diff)
				}
				var flagged []string
				for _, task := range call("list_tasks", map[string]any{})["tasks"].([]any) {
					if task := task.(map[string]any); task["overdue"] == true {
						flagged = append(flagged, task["title"].(string))
					}
				}
				if diff := cmp.Diff(tt.overdue, flagged); diff != "" {
					t.Errorf("tasks marked overdue (-want +got):\n%s", diff)
				}
				for uri, want := range map[string][]string{"tasks://today": tt.today, "tasks://overdue": tt.overdue} {
					res, err := cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: uri, Meta: meta})
					if err != nil {
						t.Fatalf("read %s: %v", uri, err)
					}
					var view map[string]any
					if err := json.Unmarshal([]byte(res.Contents[0].Text), &view); err != nil {
						t.Fatal(err)
					}
					if diff := cmp.Diff(want, titles(view)); diff != "" {
						t.Errorf("%s (-want +got):\n%s", uri, diff)
					}
					if view["date"] != tt.date {
						t.Errorf("%s is for %v, want %s", uri, view["date"], tt.date)
					}
				}
				prompt, err := cs.GetPrompt(ctx, &mcp.GetPromptParams{Name: "plan_my_day", Meta: meta})
				if err != nil {
					t.Fatal(err)
				}
				if text := prompt.Messages[0].Content.(*mcp.TextContent).Text; !strings.Contains(text, tt.date) {
					t.Errorf("plan_my_day does not say today is %s:\n%s", tt.date, text)
				}
				// A repeating task without a due date starts today, the user's.
				added := call("add_task", map[string]any{"title": "Water plants", "repeat": map[string]any{"every": "day"}})
				if due := added["task"].(map[string]any)["due"]; due != tt.date {
					t.Errorf("a daily task starts on %v, want %s", due, tt.date)
				}
			})
		}
	}
}
