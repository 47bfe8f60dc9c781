package chatserver_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestRESTChat drives the seed's REST contract: a new conversation, a
// follow-up in it (the message given as "content"), tool calls reported,
// and the same thread visible over ChatKit.
func TestRESTChat(t *testing.T) {
	t.Parallel()
	h := newHarness(t, config{})

	status, body := h.postJSON("alice", "/api/alice/chat", map[string]any{"message": "add buy milk"})
	if status != http.StatusOK {
		t.Fatalf("first message: %d %v", status, body)
	}
	conv, _ := body["conversation_id"].(string)
	if !strings.HasPrefix(conv, "thr_") {
		t.Fatalf("conversation_id %q", body["conversation_id"])
	}
	if resp, _ := body["response"].(string); !strings.Contains(resp, "I ran add_task") {
		t.Errorf("response %q, want the confirmation", body["response"])
	}
	calls := body["tool_calls"].([]any)
	if len(calls) != 1 {
		t.Fatalf("tool_calls %v, want one", calls)
	}
	call := calls[0].(map[string]any)
	if diff := cmp.Diff(map[string]any{"title": "buy milk"}, call["parameters"]); diff != "" || call["tool"] != "add_task" || call["status"] != "ok" {
		t.Errorf("tool call %v (parameters -want +got:\n%s)", call, diff)
	}
	result, _ := call["result"].(map[string]any)
	if task, _ := result["task"].(map[string]any); task["title"] != "buy milk" {
		t.Errorf("tool call result %v, want the created task", call["result"])
	}
	if tasks := h.tasks("alice"); len(tasks) != 1 || tasks[0].Title != "buy milk" {
		t.Errorf("alice's tasks: %+v", tasks)
	}

	status, body = h.postJSON("alice", "/api/alice/chat", map[string]any{"conversation_id": conv, "content": "show my tasks"})
	if status != http.StatusOK || body["conversation_id"] != conv {
		t.Fatalf("follow-up: %d %v", status, body)
	}
	calls = body["tool_calls"].([]any)
	if len(calls) != 1 || calls[0].(map[string]any)["tool"] != "list_tasks" {
		t.Errorf("follow-up tool_calls %v, want list_tasks only", calls)
	}

	items := h.items("alice", conv)
	var users []string
	for _, it := range items {
		if it["type"] == "user_message" {
			users = append(users, it["content"].([]any)[0].(map[string]any)["text"].(string))
		}
	}
	if diff := cmp.Diff([]string{"add buy milk", "show my tasks"}, users); diff != "" {
		t.Errorf("user messages over ChatKit (-want +got):\n%s", diff)
	}

	status, body = h.postJSON("alice", "/api/alice/chat", map[string]any{"conversation_id": "thr_missing", "message": "hi"})
	if status != http.StatusNotFound || errorCode(body) != "not_found" {
		t.Errorf("unknown conversation: %d %v, want 404", status, body)
	}
}

// TestRESTChatFailures: a model failure after the message was stored
// answers 502 with the conversation to retry in; a plain answer has an
// empty tool_calls list, never null.
func TestRESTChatFailures(t *testing.T) {
	t.Parallel()
	h := newHarness(t, config{})
	status, body := h.postJSON("alice", "/api/alice/chat", map[string]any{"message": "hello"})
	if status != http.StatusOK || body["response"] != "You said: hello" {
		t.Fatalf("plain message: %d %v", status, body)
	}
	if calls, ok := body["tool_calls"].([]any); !ok || len(calls) != 0 {
		t.Errorf("tool_calls %#v, want []", body["tool_calls"])
	}

	h.model.FailWith(http.StatusInternalServerError)
	conv := body["conversation_id"].(string)
	status, body = h.postJSON("alice", "/api/alice/chat", map[string]any{"conversation_id": conv, "message": "again"})
	if status != http.StatusBadGateway || errorCode(body) != "agent_failed" || body["conversation_id"] != conv {
		t.Errorf("model down: %d %v, want 502 agent_failed with the conversation", status, body)
	}
	if n := len(h.items("alice", conv)); n != 3 {
		t.Errorf("%d items after the failed turn, want 3 (its user message kept)", n)
	}
}
