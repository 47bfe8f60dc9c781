package agent_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/taskpilot/taskpilot/chatserver/agent"
	"github.com/taskpilot/taskpilot/chatserver/chatkit"
	"github.com/taskpilot/taskpilot/chatserver/chatkit/chatkittest"
	"github.com/taskpilot/taskpilot/chatserver/pane"
	"github.com/taskpilot/taskpilot/mcpserver"
	"github.com/taskpilot/taskpilot/models"
	"github.com/taskpilot/taskpilot/models/store/storetest"
)

// TestUserTimeZoneMeta: the agent names the zone under the key the MCP
// server reads.
func TestUserTimeZoneMeta(t *testing.T) {
	if agent.TimeZoneMeta != mcpserver.TimeZoneMeta {
		t.Errorf("agent sends %q, the MCP server reads %q", agent.TimeZoneMeta, mcpserver.TimeZoneMeta)
	}
}

// TestUserTimeZone: at testNow (08:00 UTC on 12 May) it is 22:00 on 12 May
// in Kiritimati (UTC+14) and 21:00 on 11 May in Pago Pago (UTC-11). Each
// user's requests carry their zone (as the pages' header puts it in the
// context): the task pane's today and overdue filters, the task list's
// overdue marks and the card's Due tomorrow follow it, through the MCP
// server.
func TestUserTimeZone(t *testing.T) {
	t.Parallel()
	for name, db := range storetest.Backends(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, envOptions{db: db}) // the server's zone: Berlin
			tests := []struct {
				zone           string
				today, overdue []string
				marked         []string // captions marking a task overdue
				tomorrow       string
			}{
				{"Pacific/Kiritimati", []string{"Due 12 May"}, []string{"Due 11 May"}, []string{"#1 · due 2026-05-11 · overdue"}, "2026-05-13"},
				{"Pacific/Pago_Pago", []string{"Due 11 May"}, []string{}, nil, "2026-05-12"},
			}
			for _, tt := range tests {
				user := newUser("u")
				mustAdd(t, e, user, models.NewTask{Title: "Due 11 May", Due: &models.Due{At: time.Date(2026, 5, 11, 0, 0, 0, 0, time.UTC)}})
				mustAdd(t, e, user, models.NewTask{Title: "Due 12 May", Due: &models.Due{At: time.Date(2026, 5, 12, 0, 0, 0, 0, time.UTC)}})
				ctx := chatkit.WithTimeZone(context.Background(), mustLocation(t, tt.zone))

				for filter, want := range map[string][]string{pane.FilterToday: tt.today, pane.FilterOverdue: tt.overdue} {
					page, err := e.agent.ListTasks(ctx, user, pane.ListQuery{Filter: filter})
					if err != nil {
						t.Fatalf("%s: pane %s: %v", tt.zone, filter, err)
					}
					got := []string{}
					for _, task := range page.Tasks {
						got = append(got, task.Title)
					}
					if diff := cmp.Diff(want, got); diff != "" {
						t.Errorf("%s: pane %s (-want +got):\n%s", tt.zone, filter, diff)
					}
				}

				frames := e.stream(t, ctx, user, createThread("/list"))
				var marked []string
				for _, c := range nodes(widgets(frames)[0]["widget"].(map[string]any), "Caption") {
					if v := c["value"].(string); slices.Contains([]string{"#1 · due 2026-05-11 · overdue", "#2 · due 2026-05-12 · overdue"}, v) {
						marked = append(marked, v)
					}
				}
				if diff := cmp.Diff(tt.marked, marked); diff != "" {
					t.Errorf("%s: overdue marks in the task list (-want +got):\n%s", tt.zone, diff)
				}

				thread := threadID(t, frames)
				frames = e.stream(t, ctx, user, addMessage(thread, "/add Pay rent"))
				card := widgets(frames)[0]["id"].(string)
				res, err := chatkittest.Handle(ctx, e.kit, user, []byte(customAction("threads.sync_custom_action", thread, card,
					map[string]any{"type": "task.due_tomorrow", "payload": map[string]any{"task_id": 3}})))
				if err != nil || res.JSON == nil {
					t.Fatalf("%s: due tomorrow: %v", tt.zone, err)
				}
				if got := e.taskList(t, user)[2].Due(); got != tt.tomorrow {
					t.Errorf("%s: Due tomorrow set %s, want %s", tt.zone, got, tt.tomorrow)
				}
				if got := e.newestNote(t, user, thread); got != "The user made task 3 'Pay rent' due tomorrow ("+tt.tomorrow+") via the task card." {
					t.Errorf("%s: note = %q", tt.zone, got)
				}
			}
		})
	}
}
