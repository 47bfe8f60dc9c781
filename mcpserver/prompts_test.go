package mcpserver

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/taskpilot/taskpilot/models/store"
	"github.com/taskpilot/taskpilot/models/store/storetest"
)

// getPrompt gets a prompt and returns its single user message's text.
func getPrompt(t *testing.T, cs *mcp.ClientSession, name string, args map[string]string) string {
	t.Helper()
	res, err := cs.GetPrompt(context.Background(), &mcp.GetPromptParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("get prompt %s(%v): %v", name, args, err)
	}
	if len(res.Messages) != 1 || res.Messages[0].Role != "user" {
		t.Fatalf("%s: messages = %+v, want one user message", name, res.Messages)
	}
	tc, ok := res.Messages[0].Content.(*mcp.TextContent)
	if !ok {
		t.Fatalf("%s: content %T, want text", name, res.Messages[0].Content)
	}
	return tc.Text
}

// wantLines fails unless text contains every line in want, in order, and
// none of the lines in not.
func wantLines(t *testing.T, what, text string, want, not []string) {
	t.Helper()
	rest := text
	for _, w := range want {
		i := strings.Index(rest, w)
		if i < 0 {
			t.Errorf("%s: missing (or out of order) %q in:\n%s", what, w, text)
			return
		}
		rest = rest[i+len(w):]
	}
	for _, n := range not {
		if strings.Contains(text, n) {
			t.Errorf("%s: unexpected %q in:\n%s", what, n, text)
		}
	}
}

func TestPromptsList(t *testing.T) {
	cs := connect(t, storetest.Open(t, "sqlite::memory:"), Options{DefaultUser: "alice"})
	res, err := cs.ListPrompts(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range res.Prompts {
		if p.Description == "" || p.Title == "" {
			t.Errorf("prompt %s without title or description", p.Name)
		}
		var args []string
		for _, a := range p.Arguments {
			args = append(args, a.Name)
		}
		got = append(got, p.Name+"("+strings.Join(args, ",")+")")
	}
	slices.Sort(got)
	want := []string{"capture(text,tag)", "plan_my_day(tag)", "weekly_review(tag)"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("prompts (-want +got):\n%s", diff)
	}
}

func TestPlanMyDay(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, st *store.Store) {
		alice, bob := newUser("alice"), newUser("bob")
		a := connect(t, st, Options{DefaultUser: alice})
		b := connect(t, st, Options{DefaultUser: bob})
		seedViews(t, a)

		text := getPrompt(t, a, "plan_my_day", nil)
		wantLines(t, "plan_my_day", text, []string{
			"Today is Sunday 2026-05-10.",
			"## Overdue (1)", "- #2 [ ] Pay rent (due 2026-05-01, overdue, high)",
			"## Due today (3)", "- #1 [ ] Buy milk (due 2026-05-10, tags: home)", "- #7 [ ] Send report", "- #5 [ ] Call Bob (due 2026-05-10T17:00:00Z)",
			"I have 6 pending tasks in all.",
			"ask me what I want to focus on today", "complete_task", "update_task",
		}, []string{"Read a book", "Old chore", "Dentist"})

		text = getPrompt(t, a, "plan_my_day", map[string]string{"tag": "Work"})
		wantLines(t, "plan_my_day(tag=work)", text, []string{`(only tasks tagged "work")`, "## Overdue (0)", "none", "## Due today (1)", "- #7 [ ] Send report"},
			[]string{"Buy milk", "Pay rent"})

		text = getPrompt(t, b, "plan_my_day", nil)
		wantLines(t, "bob's plan_my_day", text, []string{"## Overdue (0)", "## Due today (0)", "I have 0 pending tasks"},
			[]string{"Buy milk", "Pay rent", "Call Bob"})

		_, err := a.GetPrompt(context.Background(), &mcp.GetPromptParams{Name: "plan_my_day", Arguments: map[string]string{"tag": "no spaces"}})
		if err == nil || !strings.Contains(err.Error(), "invalid tag") {
			t.Errorf("bad tag: err = %v", err)
		}
	})
}

func TestWeeklyReview(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, st *store.Store) {
		alice := newUser("alice")
		// The store stamps real times; review "now" is a day later (so
		// completing today counts as this week unless it is Monday) and a
		// clock 20 days on makes every pending task stale.
		now := time.Now().UTC().Add(24 * time.Hour)
		a := connect(t, st, Options{DefaultUser: alice, Now: func() time.Time { return now }})
		mustOK[addTaskOut](t, a, "add_task", map[string]any{"title": "Ship v2"})
		mustOK[addTaskOut](t, a, "add_task", map[string]any{"title": "Late thing", "due": now.AddDate(0, 0, -3).Format(time.DateOnly)})
		mustOK[addTaskOut](t, a, "add_task", map[string]any{"title": "Soon thing", "due": now.AddDate(0, 0, 3).Format(time.DateOnly)})
		mustOK[addTaskOut](t, a, "add_task", map[string]any{"title": "Far thing", "due": now.AddDate(0, 0, 30).Format(time.DateOnly)})
		mustOK[completeTaskOut](t, a, "complete_task", map[string]any{"task_id": 1})

		text := getPrompt(t, a, "weekly_review", nil)
		completed := []string{"## Completed this week (1)", "- #1 [x] Ship v2"}
		if now.Weekday() == time.Monday { // the week began after the completion
			completed = []string{"## Completed this week (0)"}
		}
		wantLines(t, "weekly_review", text, append(completed,
			"## Overdue (1)", "- #2 [ ] Late thing",
			"## Due in the next 7 days (1)", "- #3 [ ] Soon thing",
			"## Stale: pending, untouched for 14 days or more (0)",
			"Change tasks only after I agree.",
		), []string{"Far thing"})

		later := now.AddDate(0, 0, 20)
		a2 := connect(t, st, Options{DefaultUser: alice, Now: func() time.Time { return later }})
		text = getPrompt(t, a2, "weekly_review", nil)
		wantLines(t, "weekly_review 20 days on", text, []string{
			"## Completed this week (0)",
			"## Stale: pending, untouched for 14 days or more (3)", "- #2 [ ] Late thing", "- #3 [ ] Soon thing", "- #4 [ ] Far thing",
		}, []string{"Ship v2"})
	})
}

func TestCapture(t *testing.T) {
	cs := connect(t, storetest.Open(t, "sqlite::memory:"), Options{DefaultUser: "alice"})
	note := "Hi team,\n- send the slides by Friday\n- book a room\n```\ncode\n```"
	text := getPrompt(t, cs, "capture", map[string]string{"text": note, "tag": "Work"})
	wantLines(t, "capture", text, []string{
		"Today is Sunday 2026-05-10.",
		`Put the tag "work" on every task`,
		"add_task with tasks=[{title, description?, priority?, due?, tags?}, ...]",
		"````\n" + note + "\n````",
	}, nil)

	for _, tc := range []struct {
		args map[string]string
		want string
	}{
		{map[string]string{}, "missing text"},
		{map[string]string{"text": "   "}, "missing text"},
		{map[string]string{"text": strings.Repeat("x", maxCaptureLen+1)}, "the limit is 20000"},
		{map[string]string{"text": "x", "tag": "a b"}, "invalid tag"},
	} {
		_, err := cs.GetPrompt(context.Background(), &mcp.GetPromptParams{Name: "capture", Arguments: tc.args})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("capture(%.40v): err = %v, want %q", tc.args, err, tc.want)
		}
	}
}
