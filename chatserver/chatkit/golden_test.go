package chatkit_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/taskpilot/taskpilot/chatserver/chatkit"
	"github.com/taskpilot/taskpilot/chatserver/chatkit/chatkittest"
	"github.com/taskpilot/taskpilot/chatserver/chatkit/widget"
)

// The golden transcripts in testdata/*.sse replay the scenarios of the
// reference transcripts (../shared/chatkit/transcripts) against Server with
// a scripted Responder, deterministic ids and a fake clock. Compare them
// with the reference side by side; refresh them with UPDATE_GOLDEN=1.

// golden compares got with testdata/name, or rewrites the file when
// UPDATE_GOLDEN is set.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if os.Getenv("UPDATE_GOLDEN") != "" {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with UPDATE_GOLDEN=1 to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}

// scripted answers by the text of the user message, like the harness that
// recorded the reference transcripts.
func scripted(ctx context.Context, turn *chatkit.Turn, input *chatkit.UserMessageItem) error {
	if input == nil {
		return resumed(ctx, turn)
	}
	switch text := input.Content[0].Text; text {
	case "hi":
		a, err := chatkit.StartAssistantMessage(turn)
		if err != nil {
			return err
		}
		for _, piece := range []string{"Hel", "lo"} {
			if err := a.Delta(piece); err != nil {
				return err
			}
		}
		if err := a.Done(); err != nil {
			return err
		}
		turn.Thread.Title = "Greeting"
		return nil
	case "show tasks":
		if err := turn.Emit(&chatkit.ProgressUpdateEvent{Icon: "search", Text: "Loading tasks..."}); err != nil {
			return err
		}
		return turn.Emit(&chatkit.ThreadItemDoneEvent{Item: &chatkit.WidgetItem{
			ItemBase: chatkit.ItemBase{ID: "msg_widget1"}, Widget: todoList(false), CopyText: "Buy milk (open)"}})
	case "fail":
		err := turn.Emit(&chatkit.ThreadItemAddedEvent{Item: &chatkit.AssistantMessageItem{ItemBase: chatkit.ItemBase{ID: "msg_x"}}})
		return errors.Join(err, errors.New("boom"))
	case "fail2":
		return &chatkit.StreamError{Message: "Model quota exceeded", AllowRetry: true}
	case "tool":
		return turn.Emit(&chatkit.ThreadItemDoneEvent{Item: &chatkit.ClientToolCallItem{
			ItemBase: chatkit.ItemBase{ID: "tc_1"}, CallID: "call_abc", Name: "get_selection", Arguments: map[string]any{"a": 1}}})
	case "widgetstream":
		card := func(title, body string, streaming bool) widget.Root {
			return widget.Card{Children: []widget.Component{widget.Title{Value: title}, widget.Text{ID: "body", Value: body, Streaming: streaming}}}
		}
		item := &chatkit.WidgetItem{ItemBase: chatkit.ItemBase{ID: "msg_w2"}, Widget: card("Draft", "", true)}
		return chatkit.StreamWidget(turn, item, slices.Values([]widget.Root{
			card("Draft", "Dear ", true), card("Draft", "Dear Harry", false), card("Final", "Dear Harry", false),
		}))
	case "hidden":
		err := turn.Emit(&chatkit.ThreadItemDoneEvent{Item: &chatkit.HiddenContextItem{ItemBase: chatkit.ItemBase{ID: "hc_1"}, Content: "secret"}})
		if err != nil {
			return err
		}
		return turn.Emit(&chatkit.ThreadItemDoneEvent{Item: &chatkit.EndOfTurnItem{ItemBase: chatkit.ItemBase{ID: "eot_1"}}})
	case "structured":
		return turn.Emit(&chatkit.ThreadItemDoneEvent{Item: structuredInput(nil, nil, "")})
	case "workflow":
		return workflow(turn)
	case "cancel":
		err := turn.Emit(&chatkit.ThreadItemAddedEvent{Item: &chatkit.AssistantMessageItem{
			ItemBase: chatkit.ItemBase{ID: "msg_c"}, Content: []chatkit.AssistantContent{{Text: "Hello, "}}}})
		for _, piece := range []string{"World", "!"} { // the client leaves after "World"
			if err != nil {
				return err
			}
			err = turn.Emit(&chatkit.ThreadItemUpdatedEvent{ItemID: "msg_c", Update: &chatkit.AssistantMessageContentPartTextDelta{Delta: piece}})
		}
		return err
	default:
		return fmt.Errorf("unscripted input %q", text)
	}
}

// resumed continues after a client tool call or a structured input.
func resumed(ctx context.Context, turn *chatkit.Turn) error {
	newest, err := turn.LoadItems(ctx, chatkit.ListOptions{Limit: 1})
	if err != nil {
		return err
	}
	if len(newest.Data) == 0 || newest.Data[0].Type() != chatkit.ItemClientToolCall {
		return nil
	}
	if err := turn.Emit(&chatkit.NoticeEvent{Level: "warning", Message: "Heads up", Title: "Note"}); err != nil {
		return err
	}
	return turn.Emit(&chatkit.ClientEffectEvent{Name: "refresh_tasks", Data: map[string]any{"n": 1}})
}

func workflow(turn *chatkit.Turn) error {
	wf := &chatkit.WorkflowItem{ItemBase: chatkit.ItemBase{ID: "wf_1"}, Workflow: chatkit.Workflow{Type: "custom"}}
	task := chatkit.Task{Type: chatkit.TaskCustom, StatusIndicator: "loading", Title: "Calling list_tasks", Icon: "search"}
	if err := turn.Emit(&chatkit.ThreadItemAddedEvent{Item: wf}); err != nil {
		return err
	}
	if err := turn.Emit(&chatkit.ThreadItemUpdatedEvent{ItemID: wf.ID, Update: &chatkit.WorkflowTaskAdded{Task: task}}); err != nil {
		return err
	}
	task.StatusIndicator, task.Content = "complete", "3 tasks"
	if err := turn.Emit(&chatkit.ThreadItemUpdatedEvent{ItemID: wf.ID, Update: &chatkit.WorkflowTaskUpdated{Task: task}}); err != nil {
		return err
	}
	wf.Workflow.Tasks = []chatkit.Task{task}
	wf.Workflow.Summary = &chatkit.WorkflowSummary{Duration: 2}
	if err := turn.Emit(&chatkit.ThreadItemDoneEvent{Item: wf}); err != nil {
		return err
	}
	turn.Thread.Status = chatkit.ThreadStatus{Type: chatkit.StatusLocked, Reason: "maintenance"}
	return nil
}

func completeTodo(_ context.Context, turn *chatkit.Turn, action chatkit.Action, sender *chatkit.WidgetItem) error {
	if action.Type != "todo.complete" || sender == nil {
		return fmt.Errorf("unscripted action %q", action.Type)
	}
	done := *sender
	done.Widget = todoList(true)
	return turn.Emit(&chatkit.ThreadItemReplacedEvent{Item: &done})
}

func completeTodoSync(_ context.Context, _ string, _ *chatkit.ThreadMetadata, _ chatkit.Action, sender *chatkit.WidgetItem) (chatkit.SyncActionResult, error) {
	done := *sender
	done.Widget = todoList(true)
	return chatkit.SyncActionResult{Updated: &done}, nil
}

// step is one request of a transcript; the stream's client goes away
// after failAfter events when it is positive.
type step struct {
	body      string
	failAfter int
}

// transcript runs steps on a fresh server and records them in the
// reference transcripts' format.
func transcript(t *testing.T, steps []step, after func(h *harness, out *strings.Builder)) string {
	t.Helper()
	h := newHarness(t, respondFunc(scripted), chatkit.Options{
		Actions:     actionFunc(completeTodo),
		SyncActions: syncActionFunc(completeTodoSync),
	})
	var out strings.Builder
	for _, s := range steps {
		fmt.Fprintf(&out, ">>> REQUEST: %s\n", s.body)
		req, err := chatkit.ParseRequest([]byte(s.body))
		switch {
		case err != nil:
			_, err := chatkittest.Handle(t.Context(), h.srv, user, []byte(s.body))
			fmt.Fprintf(&out, "<<< ERROR: %v\n", err)
		case req.IsStreaming():
			failAfter := -1
			if s.failAfter > 0 {
				failAfter = s.failAfter
			}
			_, raw, err := h.streamRaw(t.Context(), s.body, failAfter)
			fmt.Fprintf(&out, "<<< STREAMING (text/event-stream):\n%s", raw)
			if err != nil {
				fmt.Fprintf(&out, "(client gone: %v)\n", err)
			}
		default:
			raw, err := h.callRaw(t.Context(), s.body)
			if err != nil {
				fmt.Fprintf(&out, "<<< ERROR: %v\n", err)
			} else {
				fmt.Fprintf(&out, "<<< JSON: %s\n", raw)
			}
		}
		out.WriteString("\n")
	}
	if after != nil {
		after(h, &out)
	}
	return out.String()
}

// storedDump lists the thread's stored items, hidden ones included.
func storedDump(h *harness, out *strings.Builder) {
	out.WriteString("stored items:\n")
	for _, it := range h.storedItems("thr_00000001") {
		b, _ := json.Marshal(it)
		fmt.Fprintf(out, "%s\n", b)
	}
}

const (
	thr       = `"thr_00000001"`
	inputTail = `"attachments": [], "inference_options": {}}}}`
)

func add(text string) step {
	return step{body: `{"type": "threads.add_user_message", "params": {"thread_id": ` + thr + `, "input": {"content": [{"type": "input_text", "text": "` + text + `"}], ` + inputTail}
}

func create(text string) step {
	return step{body: `{"type": "threads.create", "params": {"input": {"content": [{"type": "input_text", "text": "` + text + `"}], ` + inputTail}
}

func TestGoldenTranscripts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		steps []step
		after func(h *harness, out *strings.Builder)
	}{
		{"requests.sse", []step{
			{body: `{"type": "threads.create", "params": {"input": {"content": [{"type": "input_text", "text": "hi"}], "attachments": [], "quoted_text": "some quote", "inference_options": {"model": "gpt-4.1", "tool_choice": {"id": "summarize"}}}}}`},
			{body: `{"type": "threads.get_by_id", "params": {"thread_id": ` + thr + `}}`},
			{body: `{"type": "threads.list", "params": {"limit": 10, "order": "desc"}}`},
			{body: `{"type": "items.list", "params": {"thread_id": ` + thr + `, "limit": 1, "order": "asc"}}`},
			add("show tasks"),
			{body: `{"type": "threads.custom_action", "params": {"thread_id": ` + thr + `, "item_id": "msg_widget1", "action": {"type": "todo.complete", "payload": {"id": "t1"}}}}`},
			{body: `{"type": "threads.sync_custom_action", "params": {"thread_id": ` + thr + `, "item_id": "msg_widget1", "action": {"type": "todo.complete", "payload": {"id": "t1"}}}}`},
			add("fail"),
			add("fail2"),
			add("tool"),
			{body: `{"type": "threads.add_client_tool_output", "params": {"thread_id": ` + thr + `, "result": {"selection": [1, 2]}}}`},
			{body: `{"type": "threads.retry_after_item", "params": {"thread_id": ` + thr + `, "item_id": "msg_00000002"}}`},
			{body: `{"type": "items.feedback", "params": {"thread_id": ` + thr + `, "item_ids": ["msg_00000003"], "kind": "positive"}}`},
			{body: `{"type": "threads.update", "params": {"thread_id": ` + thr + `, "title": "Renamed"}}`},
			{body: `{"type": "threads.delete", "params": {"thread_id": ` + thr + `}}`},
			{body: `{"type": "threads.get_by_id", "params": {"thread_id": "thr_missing"}}`},
			{body: `{"type": "attachments.create", "params": {"name": "cat.png", "size": 1024, "mime_type": "image/png"}}`},
			{body: `{"type": "nope"}`},
			{body: `{}`},
		}, nil},
		{"widget_stream.sse", []step{create("widgetstream")}, nil},
		{"hidden.sse", []step{create("hidden"), {body: `{"type": "items.list", "params": {"thread_id": ` + thr + `}}`}}, storedDump},
		{"structured.sse", []step{create("structured"),
			{body: `{"type": "threads.add_structured_input", "params": {"thread_id": ` + thr + `, "item_id": "si_1", "input": {"status": "answered", "answers": {"priority": {"values": ["High"], "skipped": false}}}}}`}}, nil},
		{"workflow.sse", []step{create("workflow")}, nil},
		{"cancel.sse", []step{{body: create("cancel").body, failAfter: 5}}, storedDump},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			golden(t, tc.name, transcript(t, tc.steps, tc.after))
		})
	}
}
