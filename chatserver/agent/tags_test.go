package agent_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/taskpilot/taskpilot/chatserver/agent/fakemodel"
	"github.com/taskpilot/taskpilot/models"
	"github.com/taskpilot/taskpilot/models/store/storetest"
)

// createWith is a threads.create request whose input has the given
// content parts and inference options (JSON).
func createWith(t testing.TB, content []map[string]any, inference string) string {
	t.Helper()
	b, err := json.Marshal(content)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf(`{"type":"threads.create","params":{"input":{"content":%s,"attachments":[],"inference_options":%s}}}`, b, inference)
}

func textPart(s string) map[string]any { return map[string]any{"type": "input_text", "text": s} }

func tagPart(id, text string, data map[string]any) map[string]any {
	return map[string]any{"type": "input_tag", "id": id, "text": text, "data": data, "interactive": true}
}

// userMessages returns the text of the user messages of a model request.
func userMessages(req fakemodel.Request) []string {
	var out []string
	for _, m := range req.Messages {
		if m["role"] == "user" {
			out = append(out, fakemodel.Text(m))
		}
	}
	return out
}

// systemMessages returns the text of the system messages of a model request.
func systemMessages(req fakemodel.Request) []string {
	var out []string
	for _, m := range req.Messages {
		if m["role"] == "system" {
			out = append(out, fakemodel.Text(m))
		}
	}
	return out
}

const tagNoteHead = "Hidden context for the agent (not shown to the user):\n<HiddenContext>\n" +
	"The user tagged these tasks in the message above (use these task numbers):\n"

// TestTaggedTasksReachTheModelByNumber: a message with input_tag parts
// reaches the model as "@Title" in its text and a hidden note naming each
// tagged task by number, the title read from the user's own tasks; a tag
// that names another user's task, or is malformed, stays plain text and
// the model learns nothing of the other user's task.
func TestTaggedTasksReachTheModelByNumber(t *testing.T) {
	t.Parallel()
	for name, db := range storetest.Backends(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			model := fakemodel.New(t, func(fakemodel.Request) fakemodel.Reply { return fakemodel.Reply{Text: []string{"Noted."}} })
			e := newEnv(t, envOptions{model: model, db: db})
			alice, bob := newUser("alice"), newUser("bob")
			mustAdd(t, e, alice, models.NewTask{Title: "Buy milk"})
			mustAdd(t, e, alice, models.NewTask{Title: "Call mom"})
			for range 4 {
				mustAdd(t, e, bob, models.NewTask{Title: "Bob's secret plan"}) // bob's 1 to 4
			}

			task := map[string]any{"kind": "task"}
			num := func(v any) map[string]any { return map[string]any{"kind": "task", "number": v} }
			tests := []struct {
				name    string
				content []map[string]any
				text    string // the user message the model gets
				note    string // the hidden note after it; "" for none
			}{
				{
					name:    "two tags",
					content: []map[string]any{textPart("finish "), tagPart("task_2", "Call mom", num(2)), textPart(" then "), tagPart("task_1", "Buy milk", num(1))},
					text:    "finish @Call mom then @Buy milk",
					note:    "task 2: Call mom\ntask 1: Buy milk",
				},
				{
					name:    "a tag's text is part of the title, the number a string (ChatKit.js data)",
					content: []map[string]any{tagPart("task_1", "milk", num("1")), textPart(" is done")},
					text:    "@milk is done",
					note:    "task 1: Buy milk",
				},
				{name: "the id alone", content: []map[string]any{tagPart("task_1", "Buy milk", task)}, text: "@Buy milk", note: "task 1: Buy milk"},
				{name: "the same tag twice", content: []map[string]any{tagPart("task_1", "Buy milk", task), tagPart("task_1", "Buy milk", task)}, text: "@Buy milk@Buy milk", note: "task 1: Buy milk"},
				// Refused: each stays plain text, with no note.
				{name: "bob's task number", content: []map[string]any{tagPart("task_4", "Bob's secret plan", num(4))}, text: "@Bob's secret plan"},
				{name: "bob's title on alice's number", content: []map[string]any{tagPart("task_1", "secret", num(1))}, text: "@secret"},
				{name: "the text does not match the number", content: []map[string]any{tagPart("task_2", "Buy milk", num(2))}, text: "@Buy milk"},
				{name: "id and number disagree", content: []map[string]any{tagPart("task_1", "Buy milk", num(2))}, text: "@Buy milk"},
				{name: "a fractional number", content: []map[string]any{tagPart("task_1", "Buy milk", num(1.5))}, text: "@Buy milk"},
				{name: "another kind", content: []map[string]any{tagPart("task_1", "Buy milk", map[string]any{"kind": "user"})}, text: "@Buy milk"},
				{name: "not a task id", content: []map[string]any{tagPart("user_1", "Buy milk", task)}, text: "@Buy milk"},
				{name: "a signed number", content: []map[string]any{tagPart("task_+1", "Buy milk", task)}, text: "@Buy milk"},
				{name: "number zero", content: []map[string]any{tagPart("task_0", "Buy milk", task)}, text: "@Buy milk"},
				{name: "a huge number", content: []map[string]any{tagPart("task_99999999999999999999", "Buy milk", task)}, text: "@Buy milk"},
				{name: "no text", content: []map[string]any{tagPart("task_1", " ", task), textPart("hi")}, text: "@ hi"},
			}
			for _, tt := range tests {
				before := len(model.Requests())
				frames := e.stream(t, context.Background(), alice, createWith(t, tt.content, `{}`))
				if errorEvent(frames) != nil {
					t.Fatalf("%s: error event %v", tt.name, errorEvent(frames))
				}
				reqs := model.Requests()
				if len(reqs) != before+1 {
					t.Fatalf("%s: %d model requests, want 1", tt.name, len(reqs)-before)
				}
				req := reqs[len(reqs)-1]
				want := []string{tt.text}
				if tt.note != "" {
					want = append(want, tagNoteHead+tt.note+"\n</HiddenContext>")
				}
				if diff := cmp.Diff(want, userMessages(req)); diff != "" {
					t.Errorf("%s: user messages (-want +got):\n%s", tt.name, diff)
				}
				all, _ := json.Marshal(req.Messages)
				if !strings.Contains(tt.text, "secret") && strings.Contains(string(all), "secret") {
					t.Errorf("%s: the model learnt of bob's task: %s", tt.name, all)
				}
			}
			// Bob's tasks are untouched, and his own tag works for him.
			if got := e.taskList(t, bob); len(got) != 4 {
				t.Errorf("bob has %d tasks, want 4", len(got))
			}
			e.stream(t, context.Background(), bob, createWith(t, []map[string]any{tagPart("task_4", "secret", num(4))}, `{}`))
			reqs := model.Requests()
			if got := userMessages(reqs[len(reqs)-1]); len(got) != 2 || got[1] != tagNoteHead+"task 4: Bob's secret plan\n</HiddenContext>" {
				t.Errorf("bob's own tag: %q", got)
			}
		})
	}
}

// TestTagNotesStayInHistory: a later turn still tells the model which
// task an earlier message tagged.
func TestTagNotesStayInHistory(t *testing.T) {
	t.Parallel()
	model := fakemodel.New(t, func(fakemodel.Request) fakemodel.Reply { return fakemodel.Reply{Text: []string{"Noted."}} })
	e := newEnv(t, envOptions{model: model})
	alice := newUser("alice")
	mustAdd(t, e, alice, models.NewTask{Title: "Buy milk"})
	frames := e.stream(t, context.Background(), alice, createWith(t, []map[string]any{textPart("look at "), tagPart("task_1", "Buy milk", map[string]any{"kind": "task", "number": 1})}, `{}`))
	e.stream(t, context.Background(), alice, addMessage(threadID(t, frames), "mark it done"))
	reqs := model.Requests()
	want := []string{"look at @Buy milk", tagNoteHead + "task 1: Buy milk\n</HiddenContext>", "mark it done"}
	if diff := cmp.Diff(want, userMessages(reqs[len(reqs)-1])); diff != "" {
		t.Errorf("second turn's user messages (-want +got):\n%s", diff)
	}
}

// TestPlanMyDay: the "Plan my day" composer tool (tool_choice plan_day) or
// the starter's text gives the model the instruction to plan the day
// from today's and overdue tasks, with the dates of the user's time zone;
// another tool id is ignored, not an error.
func TestPlanMyDay(t *testing.T) {
	t.Parallel()
	model := fakemodel.New(t, func(fakemodel.Request) fakemodel.Reply { return fakemodel.Reply{Text: []string{"Here is your plan."}} })
	e := newEnv(t, envOptions{model: model})
	alice := newUser("alice")
	tests := []struct {
		name, text, inference string
		plan                  bool
	}{
		{"the tool", "I have a dentist appointment at 3", `{"tool_choice":{"id":"plan_day"}}`, true},
		{"the tool with the starter's text", "Plan my day", `{"tool_choice":{"id":"plan_day"}}`, true},
		{"the starter's text alone", "plan my day!", `{}`, true},
		{"an unknown tool", "Plan my week", `{"tool_choice":{"id":"summarize"}}`, false},
		{"no tool", "what is overdue?", `{}`, false},
	}
	for _, tt := range tests {
		before := len(model.Requests())
		frames := e.stream(t, context.Background(), alice, createWith(t, []map[string]any{textPart(tt.text)}, tt.inference))
		if errorEvent(frames) != nil {
			t.Fatalf("%s: error event %v", tt.name, errorEvent(frames))
		}
		if got := assistantTexts(frames); len(got) != 1 || got[0] != "Here is your plan." {
			t.Errorf("%s: answer %q", tt.name, got)
		}
		reqs := model.Requests()
		if len(reqs) != before+1 {
			t.Fatalf("%s: %d model requests, want 1", tt.name, len(reqs)-before)
		}
		sys := systemMessages(reqs[len(reqs)-1])
		if !tt.plan {
			if len(sys) != 1 {
				t.Errorf("%s: %d system messages, want only the prompt: %q", tt.name, len(sys), sys)
			}
			continue
		}
		if len(sys) != 2 {
			t.Fatalf("%s: %d system messages, want the prompt and the plan", tt.name, len(sys))
		}
		// testNow is Tuesday 12 May 2026, 10:00 in Berlin.
		for _, s := range []string{"plan their day", "Tuesday, 2026-05-12", "Europe/Berlin", "list_tasks", `overdue true`, "due_after 2026-05-11 and due_before 2026-05-13", "Change nothing"} {
			if !strings.Contains(sys[1], s) {
				t.Errorf("%s: plan instruction lacks %q:\n%s", tt.name, s, sys[1])
			}
		}
		if got := userMessages(reqs[len(reqs)-1]); len(got) != 1 || got[0] != tt.text {
			t.Errorf("%s: user messages %q, want the text as sent", tt.name, got)
		}
	}
}
