package chatserver_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/taskpilot/taskpilot/models"
)

// composerReq is a threads.create request with content parts and
// inference options, as the composer sends it.
func composerReq(content []any, inference map[string]any) map[string]any {
	return req("threads.create", map[string]any{"input": map[string]any{
		"content": content, "attachments": []any{}, "inference_options": inference,
	}})
}

// TestComposerOverTheWire: a message with an input_tag for one of the
// user's tasks reaches the model with the task's number; a tag for
// another user's task (same number, same title) reaches it as plain text
// and nothing of that task; tool_choice plan_day adds the planning
// instruction and an unknown tool id is ignored.
func TestComposerOverTheWire(t *testing.T) {
	t.Parallel()
	h := newHarness(t, config{})
	ctx := context.Background()
	if _, err := h.db.CreateTask(ctx, "alice", models.NewTask{Title: "Buy milk"}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.db.CreateTask(ctx, "bob", models.NewTask{Title: "Bob's secret plan", Description: "the surprise party"}); err != nil {
		t.Fatal(err)
	}
	tag := func(title string) map[string]any {
		return map[string]any{"type": "input_tag", "id": "task_1", "text": title, "data": map[string]any{"kind": "task", "number": 1}, "interactive": true}
	}
	lastRequest := func() string {
		reqs := h.model.Requests()
		b, _ := json.Marshal(reqs[len(reqs)-1].Messages)
		return string(b)
	}

	// alice's own task: its number reaches the model (the fake model
	// echoes the last message, here the note).
	events := h.stream("alice", composerReq([]any{map[string]any{"type": "input_text", "text": "is this done? "}, tag("Buy milk")}, map[string]any{}))
	if got := streamedText(events); !strings.Contains(got, "task 1: Buy milk") {
		t.Errorf("alice's tag: the model answered %q, want it to have seen task 1", got)
	}

	// bob's task, tagged by alice: plain text, nothing of bob's.
	events = h.stream("alice", composerReq([]any{tag("secret")}, map[string]any{}))
	if got := streamedText(events); got != "You said: @secret" {
		t.Errorf("alice tagging bob's task: the model answered %q", got)
	}
	if sent := lastRequest(); strings.Contains(sent, "Bob's") || strings.Contains(sent, "surprise") || strings.Contains(sent, "task 1:") {
		t.Errorf("the model learnt of bob's task: %s", sent)
	}

	// Plan my day, and a tool id the server does not know.
	for id, want := range map[string]bool{"plan_day": true, "summarize": false} {
		events = h.stream("alice", composerReq([]any{map[string]any{"type": "input_text", "text": "hello"}}, map[string]any{"tool_choice": map[string]any{"id": id}}))
		if has(events, "error") {
			t.Errorf("tool %s: error event %v", id, find(t, events, "error").M)
		}
		if got := strings.Contains(lastRequest(), "plan their day"); got != want {
			t.Errorf("tool %s: planning instruction sent = %v, want %v", id, got, want)
		}
	}
}
