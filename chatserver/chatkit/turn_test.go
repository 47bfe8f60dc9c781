package chatkit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/taskpilot/taskpilot/chatserver/chatkit"
	"github.com/taskpilot/taskpilot/chatserver/chatkit/chatkittest"
	"github.com/taskpilot/taskpilot/chatserver/chatkit/memstore"
	"github.com/taskpilot/taskpilot/chatserver/chatkit/widget"
)

// The tests of this file port the reference server's tests about
// streamed turns: events, persistence, errors, cancellation, retry and
// actions.

// TestThreadChangesAreSaved ports test_saves_thread_title,
// test_saves_thread_metadata, test_saves_thread_locked_fields and
// test_saves_allowed_image_domains_and_streams_thread_updated.
func TestThreadChangesAreSaved(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change func(*chatkit.ThreadMetadata)
		check  func(t *testing.T, saved *chatkit.ThreadMetadata, sent map[string]any)
	}{
		{"title", func(th *chatkit.ThreadMetadata) { th.Title = "Updated title" },
			func(t *testing.T, saved *chatkit.ThreadMetadata, sent map[string]any) {
				if saved.Title != "Updated title" || sent["title"] != "Updated title" {
					t.Errorf("saved %q, sent %v", saved.Title, sent["title"])
				}
				if _, ok := sent["allowed_image_domains"]; ok {
					t.Errorf("unset allowed_image_domains sent: %v", sent)
				}
			}},
		{"metadata", func(th *chatkit.ThreadMetadata) { th.Metadata = map[string]any{"test_key": "test_value"} },
			func(t *testing.T, saved *chatkit.ThreadMetadata, sent map[string]any) {
				if saved.Metadata["test_key"] != "test_value" {
					t.Errorf("saved metadata %v", saved.Metadata)
				}
				if diff := cmp.Diff(map[string]any{}, sent["metadata"]); diff != "" {
					t.Errorf("metadata sent to the client (-want +got):\n%s", diff)
				}
			}},
		{"locked status", func(th *chatkit.ThreadMetadata) {
			th.Status = chatkit.ThreadStatus{Type: chatkit.StatusLocked, Reason: "Because"}
		}, func(t *testing.T, saved *chatkit.ThreadMetadata, sent map[string]any) {
			if saved.Status.Type != chatkit.StatusLocked || saved.Status.Reason != "Because" {
				t.Errorf("saved status %+v", saved.Status)
			}
			if diff := cmp.Diff(map[string]any{"type": "locked", "reason": "Because"}, sent["status"]); diff != "" {
				t.Errorf("sent status (-want +got):\n%s", diff)
			}
		}},
		{"allowed image domains", func(th *chatkit.ThreadMetadata) {
			th.AllowedImageDomains = []string{"example.com", "images.example.com"}
		}, func(t *testing.T, saved *chatkit.ThreadMetadata, sent map[string]any) {
			if diff := cmp.Diff([]string{"example.com", "images.example.com"}, saved.AllowedImageDomains); diff != "" {
				t.Errorf("saved (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]any{"example.com", "images.example.com"}, sent["allowed_image_domains"]); diff != "" {
				t.Errorf("sent (-want +got):\n%s", diff)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, respondFunc(func(_ context.Context, turn *chatkit.Turn, _ *chatkit.UserMessageItem) error {
				tc.change(turn.Thread)
				return nil
			}), chatkit.Options{})
			events := h.stream(t.Context(), createBody("Hello, world!"))
			last := events[len(events)-1]
			if last.label() != "thread.updated" {
				t.Fatalf("last event = %s, want thread.updated", last.label())
			}
			if _, ok := find(t, events, "thread.created").thread()["allowed_image_domains"]; ok {
				t.Errorf("thread.created sends unset allowed_image_domains")
			}
			saved, err := h.store.LoadThread(t.Context(), user, threadID(t, events))
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, saved, last.thread())
		})
	}
}

func TestEmitsThreadUpdatedMidStreamAndPersists(t *testing.T) {
	t.Parallel()
	var savedMid string
	var h *harness
	h = newHarness(t, respondFunc(func(ctx context.Context, turn *chatkit.Turn, _ *chatkit.UserMessageItem) error {
		if err := say(turn, "assistant_a", "A"); err != nil {
			return err
		}
		turn.Thread.Title = "Mid-stream title"
		if err := say(turn, "assistant_b", "B"); err != nil {
			return err
		}
		th, _ := h.store.LoadThread(ctx, user, turn.Thread.ID)
		savedMid = th.Title
		return say(turn, "assistant_c", "C")
	}), chatkit.Options{})
	events := h.stream(t.Context(), createBody("Hello"))
	want := []string{"thread.created", "thread.item.done:user_message", "stream_options",
		"thread.item.done:assistant_message", "thread.item.done:assistant_message", "thread.updated", "thread.item.done:assistant_message"}
	if diff := cmp.Diff(want, labels(events)); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if events[5].thread()["title"] != "Mid-stream title" || events[4].item()["id"] != "assistant_b" {
		t.Errorf("thread.updated %v does not follow assistant_b", events[5])
	}
	if savedMid != "Mid-stream title" {
		t.Errorf("title saved mid-stream = %q", savedMid)
	}
}

func TestRespondWithToolCall(t *testing.T) {
	t.Parallel()
	var inputs []*chatkit.UserMessageItem
	h := newHarness(t, respondFunc(func(_ context.Context, turn *chatkit.Turn, input *chatkit.UserMessageItem) error {
		inputs = append(inputs, input)
		if input != nil {
			return turn.Emit(&chatkit.ThreadItemDoneEvent{Item: &chatkit.ClientToolCallItem{
				ItemBase: chatkit.ItemBase{ID: "msg_1"}, Name: "tool_call_1", CallID: "tool_call_1",
				Arguments: map[string]any{"arg1": "val1", "arg2": false},
			}})
		}
		return say(turn, "msg_2", "Glad the tool call succeeded!")
	}), chatkit.Options{})
	events := h.stream(t.Context(), createBody("Hello, world!"))
	want := []string{"thread.created", "thread.item.done:user_message", "stream_options", "thread.item.done:client_tool_call"}
	if diff := cmp.Diff(want, labels(events)); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	call := events[3].item()
	if diff := cmp.Diff(map[string]any{"arg1": "val1", "arg2": false}, call["arguments"]); diff != "" || call["status"] != "pending" {
		t.Errorf("tool call %v (arguments diff %s)", call, diff)
	}

	thread := threadID(t, events)
	events = h.stream(t.Context(), `{"type":"threads.add_client_tool_output","params":{"thread_id":"`+thread+`","result":{"text":"Wow!"}}}`)
	if diff := cmp.Diff([]string{"stream_options", "thread.item.done:assistant_message"}, labels(events)); diff != "" {
		t.Errorf("events after tool output (-want +got):\n%s", diff)
	}
	if len(inputs) != 2 || inputs[1] != nil {
		t.Errorf("Respond inputs = %v, want a message then nil", inputs)
	}
	stored, err := h.store.LoadItem(t.Context(), user, thread, "msg_1")
	if err != nil {
		t.Fatal(err)
	}
	got := stored.(*chatkit.ClientToolCallItem)
	if got.Status != chatkit.ToolCallCompleted || fmt.Sprint(got.Output) != "map[text:Wow!]" {
		t.Errorf("stored tool call = %+v, want completed with the output", got)
	}
}

func TestRespondWithToolStatus(t *testing.T) {
	t.Parallel()
	h := newHarness(t, respondFunc(func(_ context.Context, turn *chatkit.Turn, _ *chatkit.UserMessageItem) error {
		if err := turn.Emit(&chatkit.ProgressUpdateEvent{Text: "Tool status"}); err != nil {
			return err
		}
		return say(turn, "msg_4", "Hello, world!")
	}), chatkit.Options{})
	events := h.stream(t.Context(), createBody("Hello, world!"))
	want := []string{"thread.created", "thread.item.done:user_message", "stream_options", "progress_update", "thread.item.done:assistant_message"}
	if diff := cmp.Diff(want, labels(events)); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

func TestCallsAction(t *testing.T) {
	t.Parallel()
	type call struct {
		action chatkit.Action
		sender string
	}
	var calls []call
	h := newHarness(t,
		respondFunc(func(_ context.Context, turn *chatkit.Turn, _ *chatkit.UserMessageItem) error {
			return turn.Emit(&chatkit.ThreadItemDoneEvent{Item: &chatkit.WidgetItem{
				ItemBase: chatkit.ItemBase{ID: "widget_1"},
				Widget:   widget.Card{Children: []widget.Component{widget.Text{Key: "text_1", Value: "test"}}},
			}})
		}),
		chatkit.Options{Actions: actionFunc(func(_ context.Context, turn *chatkit.Turn, action chatkit.Action, sender *chatkit.WidgetItem) error {
			calls = append(calls, call{action, sender.ID})
			return turn.Emit(&chatkit.ThreadItemUpdatedEvent{ItemID: sender.ID, Update: &chatkit.WidgetRootUpdated{
				Widget: widget.Card{Children: []widget.Component{widget.Text{Value: "Email sent!"}}},
			}})
		})})
	thread := threadID(t, h.stream(t.Context(), createBody("Show widget")))
	events := h.stream(t.Context(), `{"type":"threads.custom_action","params":{"thread_id":"`+thread+`","item_id":"widget_1","action":{"type":"create_user","payload":{"user_id":"123"}}}}`)
	want := []call{{chatkit.Action{Type: "create_user", Payload: map[string]any{"user_id": "123"}}, "widget_1"}}
	if diff := cmp.Diff(want, calls, cmp.AllowUnexported(call{})); diff != "" {
		t.Errorf("action calls (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"stream_options", "thread.item.updated:widget.root.updated"}, labels(events)); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

func TestCustomActionErrors(t *testing.T) {
	t.Parallel()
	h := newHarness(t, respondFunc(func(_ context.Context, turn *chatkit.Turn, _ *chatkit.UserMessageItem) error {
		return say(turn, "msg_text", "not a widget")
	}), chatkit.Options{Actions: actionFunc(func(context.Context, *chatkit.Turn, chatkit.Action, *chatkit.WidgetItem) error {
		t.Error("action called")
		return nil
	})})
	thread := threadID(t, h.stream(t.Context(), createBody("hi")))
	events := h.stream(t.Context(), `{"type":"threads.custom_action","params":{"thread_id":"`+thread+`","item_id":"msg_text","action":{"type":"x"}}}`)
	if diff := cmp.Diff([]string{"error"}, labels(events)); diff != "" || events[0]["allow_retry"] != false {
		t.Errorf("action from a non-widget item: events %v (-want +got):\n%s", events, diff)
	}

	noHandler := newHarness(t, nil, chatkit.Options{})
	_, err := chatkittest.Handle(t.Context(), noHandler.srv, user, []byte(`{"type":"threads.custom_action","params":{"thread_id":"t","action":{"type":"x"}}}`))
	if !errors.Is(err, chatkit.ErrUnsupported) {
		t.Errorf("custom action without a handler: %v, want ErrUnsupported", err)
	}
	_, err = noHandler.call(t.Context(), `{"type":"threads.sync_custom_action","params":{"thread_id":"t","action":{"type":"x"}}}`)
	if !errors.Is(err, chatkit.ErrUnsupported) {
		t.Errorf("sync action without a handler: %v, want ErrUnsupported", err)
	}
}

func TestCallsActionSync(t *testing.T) {
	t.Parallel()
	var senders []string
	h := newHarness(t,
		respondFunc(func(_ context.Context, turn *chatkit.Turn, _ *chatkit.UserMessageItem) error {
			return turn.Emit(&chatkit.ThreadItemDoneEvent{Item: &chatkit.WidgetItem{
				ItemBase: chatkit.ItemBase{ID: "widget_1"},
				Widget:   widget.Card{Children: []widget.Component{widget.Text{Key: "text_1", Value: "test"}}},
			}})
		}),
		chatkit.Options{SyncActions: syncActionFunc(func(_ context.Context, u string, _ *chatkit.ThreadMetadata, action chatkit.Action, sender *chatkit.WidgetItem) (chatkit.SyncActionResult, error) {
			senders = append(senders, u+"/"+action.Type+"/"+sender.ID)
			updated := *sender
			updated.Widget = widget.Card{Children: []widget.Component{widget.Text{Value: "Email sent!"}}}
			note := &chatkit.HiddenContextItem{ItemBase: chatkit.ItemBase{ID: "shcx_note"}, Content: "The user sent the email."}
			return chatkit.SyncActionResult{Updated: &updated, Notes: []chatkit.ThreadItem{note}}, nil
		})})
	thread := threadID(t, h.stream(t.Context(), createBody("Show widget")))
	got := h.mustCall(t.Context(), `{"type":"threads.sync_custom_action","params":{"thread_id":"`+thread+`","item_id":"widget_1","action":{"type":"create_user","payload":{"user_id":"123"}}}}`)
	if diff := cmp.Diff([]string{"alice/create_user/widget_1"}, senders); diff != "" {
		t.Errorf("sync action calls (-want +got):\n%s", diff)
	}
	wantWidget := map[string]any{"type": "Card", "children": []any{map[string]any{"type": "Text", "value": "Email sent!"}}}
	if diff := cmp.Diff(wantWidget, got["updated_item"].(map[string]any)["widget"]); diff != "" {
		t.Errorf("updated widget (-want +got):\n%s", diff)
	}
	stored, _ := h.store.LoadItem(t.Context(), user, thread, "widget_1")
	if b, _ := jsonOf(stored.(*chatkit.WidgetItem).Widget); !strings.Contains(b, "Email sent!") {
		t.Errorf("updated item not saved: %s", b)
	}
	if _, ok := got["notes"]; ok {
		t.Errorf("notes sent to the client: %v", got)
	}
	note, err := h.store.LoadItem(t.Context(), user, thread, "shcx_note")
	if hc, ok := note.(*chatkit.HiddenContextItem); err != nil || !ok || hc.ThreadID != thread || hc.CreatedAt.IsZero() {
		t.Errorf("note stored as %#v, %v; want a hidden item of the thread with a creation time", note, err)
	}
	_, err = h.call(t.Context(), `{"type":"threads.sync_custom_action","params":{"thread_id":"`+thread+`","item_id":"`+h.stored(thread)[0][len("user_message:"):]+`","action":{"type":"x"}}}`)
	if _, ok := errors.AsType[*chatkit.RequestError](err); !ok {
		t.Errorf("sync action from a user message: %v, want a *RequestError", err)
	}
}

// TestAddStructuredInput ports the four test_add_structured_input_* tests.
func TestAddStructuredInput(t *testing.T) {
	t.Parallel()
	subject := chatkit.StructuredInput{Type: chatkit.InputMultipleChoice, ID: "subject", Question: "Which subject is this lesson for?",
		Options: []chatkit.StructuredInputOption{{Value: "Math"}, {Value: "Science"}}}
	details := chatkit.StructuredInput{Type: chatkit.InputFreeform, ID: "details", Question: "Anything else to know?"}
	skipped := &chatkit.StructuredInputAnswer{Values: []string{}, Skipped: true}
	tests := []struct {
		name      string
		questions []chatkit.StructuredInput
		input     string
		status    string
		want      []*chatkit.StructuredInputAnswer
	}{
		{"custom answers", []chatkit.StructuredInput{subject, details},
			`{"status":"answered","answers":{"subject":{"values":["Private class"]},"details":{"values":["Please include group work."]}}}`,
			"answered", []*chatkit.StructuredInputAnswer{{Values: []string{"Private class"}}, {Values: []string{"Please include group work."}}}},
		{"omitted answers are skipped", []chatkit.StructuredInput{subject, details},
			`{"status":"answered","answers":{"subject":{"values":["Math"]}}}`,
			"answered", []*chatkit.StructuredInputAnswer{{Values: []string{"Math"}}, skipped}},
		{"unknown answer ids are ignored", []chatkit.StructuredInput{details},
			`{"status":"answered","answers":{"details":{"values":["Please include group work."]},"unknown":{"values":["ignored"]}}}`,
			"answered", []*chatkit.StructuredInputAnswer{{Values: []string{"Please include group work."}}}},
		{"single choice keeps the first value", []chatkit.StructuredInput{subject},
			`{"status":"answered","answers":{"subject":{"values":["Math","Science"]}}}`,
			"answered", []*chatkit.StructuredInputAnswer{{Values: []string{"Math"}}}},
		{"skipped submission", []chatkit.StructuredInput{subject, details},
			`{"status":"skipped","answers":{"subject":{"values":["Math"]}}}`,
			"skipped", []*chatkit.StructuredInputAnswer{skipped, skipped}},
		{"explicitly skipped answer", []chatkit.StructuredInput{subject},
			`{"answers":{"subject":{"values":["Math"],"skipped":true}}}`,
			"answered", []*chatkit.StructuredInputAnswer{skipped}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, respondFunc(func(_ context.Context, turn *chatkit.Turn, input *chatkit.UserMessageItem) error {
				if input != nil {
					return turn.Emit(&chatkit.ThreadItemDoneEvent{Item: &chatkit.StructuredInputItem{ItemBase: chatkit.ItemBase{ID: "si_1"}, Inputs: tc.questions}})
				}
				return say(turn, "msg_after_structured_input", "Thanks, continuing now.")
			}), chatkit.Options{})
			thread := threadID(t, h.stream(t.Context(), createBody("Plan a lesson")))
			events := h.stream(t.Context(), `{"type":"threads.add_structured_input","params":{"thread_id":"`+thread+`","item_id":"si_1","input":`+tc.input+`}}`)
			want := []string{"stream_options", "thread.item.replaced:structured_input", "thread.item.done:assistant_message"}
			if diff := cmp.Diff(want, labels(events)); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
			stored, err := h.store.LoadItem(t.Context(), user, thread, "si_1")
			if err != nil {
				t.Fatal(err)
			}
			si := stored.(*chatkit.StructuredInputItem)
			if si.Status != tc.status {
				t.Errorf("status = %q, want %q", si.Status, tc.status)
			}
			var got []*chatkit.StructuredInputAnswer
			for _, q := range si.Inputs {
				got = append(got, q.Answer)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("stored answers (-want +got):\n%s", diff)
			}
			sent, _ := jsonOf(events[1].item())
			if storedJSON, _ := jsonOf(si); !jsonSame(sent, storedJSON) {
				t.Errorf("sent %s, stored %s", sent, storedJSON)
			}
			// A second submission is refused: the item is no longer pending.
			again := h.stream(t.Context(), `{"type":"threads.add_structured_input","params":{"thread_id":"`+thread+`","item_id":"si_1","input":`+tc.input+`}}`)
			if diff := cmp.Diff([]string{"error"}, labels(again)); diff != "" {
				t.Errorf("second submission (-want +got):\n%s", diff)
			}
		})
	}
}

func TestThreadItemRemovedEventRemovesItem(t *testing.T) {
	t.Parallel()
	h := newHarness(t, respondFunc(func(_ context.Context, turn *chatkit.Turn, _ *chatkit.UserMessageItem) error {
		if err := say(turn, "msg_to_remove", "To be removed"); err != nil {
			return err
		}
		return turn.Emit(&chatkit.ThreadItemRemovedEvent{ItemID: "msg_to_remove"})
	}), chatkit.Options{})
	events := h.stream(t.Context(), createBody("Trigger removal"))
	find(t, events, "thread.item.removed")
	for _, s := range h.stored(threadID(t, events)) {
		if strings.HasSuffix(s, ":msg_to_remove") {
			t.Errorf("removed item still stored")
		}
	}
}

// TestThreadItemReplacedEvent ports test_thread_item_replaced_event_replaces_item
// and test_thread_item_replaced_event_with_widget.
func TestThreadItemReplacedEvent(t *testing.T) {
	t.Parallel()
	widgetItem := func(text string) chatkit.ThreadItem {
		return &chatkit.WidgetItem{ItemBase: chatkit.ItemBase{ID: "item_1"}, Widget: widget.Card{Children: []widget.Component{widget.Text{Value: text}}}}
	}
	message := func(text string) chatkit.ThreadItem {
		return &chatkit.AssistantMessageItem{ItemBase: chatkit.ItemBase{ID: "item_1"}, Content: []chatkit.AssistantContent{{Text: text}}}
	}
	userMsg := func(text string) chatkit.ThreadItem {
		return &chatkit.UserMessageItem{ItemBase: chatkit.ItemBase{ID: "item_1"}, Content: []chatkit.UserContent{chatkit.TextContent(text)}}
	}
	tests := []struct {
		name        string
		first, then chatkit.ThreadItem
	}{
		{"user message by assistant message", userMsg("Original content"), message("This is the replacement content")},
		{"widget", widgetItem("Original widget content"), widgetItem("Replaced widget content")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, respondFunc(func(_ context.Context, turn *chatkit.Turn, _ *chatkit.UserMessageItem) error {
				if err := turn.Emit(&chatkit.ThreadItemDoneEvent{Item: tc.first}); err != nil {
					return err
				}
				return turn.Emit(&chatkit.ThreadItemReplacedEvent{Item: tc.then})
			}), chatkit.Options{})
			events := h.stream(t.Context(), createBody("Trigger replacement"))
			find(t, events, "thread.item.replaced:"+tc.then.Type())
			thread := threadID(t, events)
			got, err := h.store.LoadItem(t.Context(), user, thread, "item_1")
			if err != nil {
				t.Fatal(err)
			}
			want, _ := jsonOf(tc.then)
			if g, _ := jsonOf(got); !jsonSame(want, g) {
				t.Errorf("stored %s, want %s", g, want)
			}
			if n := len(h.stored(thread)); n != 2 {
				t.Errorf("%d items stored, want the user message and the replaced item", n)
			}
		})
	}
}

// TestResponderErrors ports test_raising_in_responder_yields_error_event:
// the stream ends with an error event, and what was done stays.
func TestResponderErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want map[string]any
	}{
		{"any error", errors.New("Test error"), map[string]any{"type": "error", "code": "stream.error", "allow_retry": true}},
		{"custom message", &chatkit.StreamError{Message: "Model quota exceeded", AllowRetry: true},
			map[string]any{"type": "error", "code": "custom", "message": "Model quota exceeded", "allow_retry": true}},
		{"no retry", fmt.Errorf("wrapped: %w", &chatkit.StreamError{Err: errors.New("bad input")}),
			map[string]any{"type": "error", "code": "stream.error", "allow_retry": false}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, respondFunc(func(_ context.Context, turn *chatkit.Turn, _ *chatkit.UserMessageItem) error {
				if err := say(turn, "msg_before", "partial work"); err != nil {
					return err
				}
				if err := turn.Emit(&chatkit.ThreadItemAddedEvent{Item: &chatkit.AssistantMessageItem{ItemBase: chatkit.ItemBase{ID: "msg_x"}}}); err != nil {
					return err
				}
				return tc.err
			}), chatkit.Options{Titler: titleFunc(func(context.Context, *chatkit.ThreadMetadata, *chatkit.UserMessageItem) (string, error) {
				return "Title of a failed turn", nil // runs beside the turn, then is dropped
			})})
			events := h.stream(t.Context(), createBody("Test error"))
			for _, e := range events {
				if e.label() == "thread.updated" {
					t.Errorf("a failed turn sent thread.updated: %v", e)
				}
			}
			if th, err := h.store.LoadThread(t.Context(), user, threadID(t, events)); err != nil || th.Title != "" {
				t.Errorf("thread after a failed turn: title %q, %v; want untitled", th.Title, err)
			}
			last := events[len(events)-1]
			if diff := cmp.Diff(tc.want, map[string]any(last)); diff != "" {
				t.Errorf("last event (-want +got):\n%s", diff)
			}
			stored := h.stored(threadID(t, events))
			if len(stored) != 2 || !strings.HasPrefix(stored[0], "user_message:") || stored[1] != "assistant_message:msg_before" {
				t.Errorf("stored %v, want the user message and the done message only", stored)
			}
		})
	}
}

// TestStreamCancellation ports
// test_stream_cancellation_persists_pending_assistant_message_and_hidden_context
// and test_stream_cancellation_does_not_persist_pending_empty_assistant_message,
// for both ways a Go client goes away: the request context is cancelled,
// or writing to it fails.
func TestStreamCancellation(t *testing.T) {
	t.Parallel()
	const note = "The user cancelled the stream. Stop responding to the prior request."
	tests := []struct {
		name       string
		content    []chatkit.AssistantContent
		byWrite    bool
		wantStored []string
	}{
		{"context, partial message kept", []chatkit.AssistantContent{{Text: "Hello, "}}, false,
			[]string{"user_message", "assistant_message=Hello, World!", "sdk_hidden_context=" + note}},
		{"context, empty message dropped", []chatkit.AssistantContent{}, false,
			[]string{"user_message", "sdk_hidden_context=" + note}},
		{"write failure, partial message kept", []chatkit.AssistantContent{{Text: "Hello, "}}, true,
			[]string{"user_message", "assistant_message=Hello, World!", "sdk_hidden_context=" + note}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			returned := make(chan error, 1)
			h := newHarness(t, respondFunc(func(ctx context.Context, turn *chatkit.Turn, _ *chatkit.UserMessageItem) error {
				err := turn.Emit(&chatkit.ThreadItemAddedEvent{Item: &chatkit.AssistantMessageItem{
					ItemBase: chatkit.ItemBase{ID: "assistant-message-pending"}, Content: tc.content}})
				if err != nil {
					return err
				}
				if len(tc.content) > 0 {
					err := turn.Emit(&chatkit.ThreadItemUpdatedEvent{ItemID: "assistant-message-pending",
						Update: &chatkit.AssistantMessageContentPartTextDelta{Delta: "World!"}})
					if err != nil {
						return err
					}
				}
				if !tc.byWrite {
					cancel() // the user pressed stop
					<-ctx.Done()
				}
				err = turn.Emit(&chatkit.ProgressUpdateEvent{Text: "still there?"})
				returned <- err
				return err
			}), chatkit.Options{})
			failAfter := -1
			if tc.byWrite {
				failAfter = 5 // created, user message, stream_options, added, delta
				if len(tc.content) == 0 {
					failAfter = 4
				}
			}
			events, _, err := h.streamRaw(ctx, createBody("Hello"), failAfter)
			if err == nil {
				t.Errorf("Stream returned nil after the client went away")
			}
			if err := <-returned; err == nil {
				t.Errorf("Emit after the client went away returned nil")
			}
			var got []string
			for _, it := range h.storedItems(threadID(t, events)) {
				switch it := it.(type) {
				case *chatkit.AssistantMessageItem:
					got = append(got, it.Type()+"="+it.Text())
				case *chatkit.SDKHiddenContextItem:
					got = append(got, it.Type()+"="+it.Content)
				default:
					got = append(got, it.Type())
				}
			}
			if diff := cmp.Diff(tc.wantStored, got); diff != "" {
				t.Errorf("stored after cancel (-want +got):\n%s", diff)
			}
		})
	}
}

// TestStreamCancellationKeepsWorkflow: a workflow the user saw (steps
// added and updated) is stored when the stream is stopped, its step still
// loading stored as stopped, so that a reload shows what was done.
func TestStreamCancellationKeepsWorkflow(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	h := newHarness(t, respondFunc(func(ctx context.Context, turn *chatkit.Turn, _ *chatkit.UserMessageItem) error {
		loading := chatkit.Task{Type: chatkit.TaskCustom, StatusIndicator: "loading", Title: "Adding"}
		wf := &chatkit.WorkflowItem{ItemBase: chatkit.ItemBase{ID: "wf_pending"}, Workflow: chatkit.Workflow{Type: "custom", Tasks: []chatkit.Task{loading}}}
		for _, ev := range []chatkit.Event{
			&chatkit.ThreadItemAddedEvent{Item: wf},
			&chatkit.ThreadItemUpdatedEvent{ItemID: wf.ID, Update: &chatkit.WorkflowTaskUpdated{TaskIndex: 0,
				Task: chatkit.Task{Type: chatkit.TaskCustom, StatusIndicator: "complete", Title: "Added task 1"}}},
			&chatkit.ThreadItemUpdatedEvent{ItemID: wf.ID, Update: &chatkit.WorkflowTaskAdded{TaskIndex: 1, Task: loading}},
		} {
			if err := turn.Emit(ev); err != nil {
				return err
			}
		}
		cancel() // the user pressed stop
		<-ctx.Done()
		return ctx.Err()
	}), chatkit.Options{})
	events, _, _ := h.streamRaw(ctx, createBody("Hello"), -1)
	var got []string
	for _, it := range h.storedItems(threadID(t, events)) {
		if wf, ok := it.(*chatkit.WorkflowItem); ok {
			for _, task := range wf.Workflow.Tasks {
				got = append(got, task.Title+"="+task.StatusIndicator)
			}
		}
	}
	if diff := cmp.Diff([]string{"Added task 1=complete", "Adding=none"}, got); diff != "" {
		t.Errorf("stored workflow steps after cancel (-want +got):\n%s", diff)
	}
}

func TestWorkflowTaskNotDuplicatedOnDoneEvent(t *testing.T) {
	t.Parallel()
	h := newHarness(t, respondFunc(func(_ context.Context, turn *chatkit.Turn, _ *chatkit.UserMessageItem) error {
		wf := &chatkit.WorkflowItem{ItemBase: chatkit.ItemBase{ID: "workflow-item"}, Workflow: chatkit.Workflow{Type: "custom"}}
		if err := turn.Emit(&chatkit.ThreadItemAddedEvent{Item: wf}); err != nil {
			return err
		}
		task := chatkit.Task{Type: chatkit.TaskCustom, Title: "foo", Content: "bar"}
		if err := turn.Emit(&chatkit.ThreadItemUpdatedEvent{ItemID: wf.ID, Update: &chatkit.WorkflowTaskAdded{Task: task}}); err != nil {
			return err
		}
		wf.Workflow.Tasks = append(wf.Workflow.Tasks, task)
		return turn.Emit(&chatkit.ThreadItemDoneEvent{Item: wf})
	}), chatkit.Options{})
	events := h.stream(t.Context(), createBody("Hello"))
	if n := len(find(t, events, "thread.item.done:workflow").item()["workflow"].(map[string]any)["tasks"].([]any)); n != 1 {
		t.Errorf("done workflow has %d tasks, want 1", n)
	}
	stored, err := h.store.LoadItem(t.Context(), user, threadID(t, events), "workflow-item")
	if err != nil {
		t.Fatal(err)
	}
	if tasks := stored.(*chatkit.WorkflowItem).Workflow.Tasks; len(tasks) != 1 || tasks[0].Title != "foo" {
		t.Errorf("stored tasks = %+v, want one task foo", tasks)
	}
}

// TestRetryAfterItem ports test_retry_after_item and
// test_retry_after_item_with_multiple_messages.
func TestRetryAfterItem(t *testing.T) {
	t.Parallel()
	var inputs []string
	h := newHarness(t, respondFunc(func(_ context.Context, turn *chatkit.Turn, input *chatkit.UserMessageItem) error {
		text := input.Content[0].Text
		inputs = append(inputs, text)
		return say(turn, "", fmt.Sprintf("Response %d to: %s", len(inputs), text))
	}), chatkit.Options{})
	thread := threadID(t, h.stream(t.Context(), createBody("First message")))
	h.stream(t.Context(), addBody(thread, "Second message"))
	before := h.stored(thread)
	if len(before) != 4 {
		t.Fatalf("stored %v, want 4 items", before)
	}
	second := strings.TrimPrefix(before[2], "user_message:")

	events := h.stream(t.Context(), `{"type":"threads.retry_after_item","params":{"thread_id":"`+thread+`","item_id":"`+second+`"}}`)
	if diff := cmp.Diff([]string{"stream_options", "thread.item.done:assistant_message"}, labels(events)); diff != "" {
		t.Errorf("retry events (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"First message", "Second message", "Second message"}, inputs); diff != "" {
		t.Errorf("Respond inputs (-want +got):\n%s", diff)
	}
	var texts []string
	for _, it := range h.storedItems(thread) {
		switch it := it.(type) {
		case *chatkit.UserMessageItem:
			texts = append(texts, "user: "+it.Content[0].Text)
		case *chatkit.AssistantMessageItem:
			texts = append(texts, "assistant: "+it.Text())
		}
	}
	want := []string{"user: First message", "assistant: Response 1 to: First message", "user: Second message", "assistant: Response 3 to: Second message"}
	if diff := cmp.Diff(want, texts); diff != "" {
		t.Errorf("stored after retry (-want +got):\n%s", diff)
	}

	// Retrying after the first message drops everything after it.
	first := strings.TrimPrefix(before[0], "user_message:")
	h.stream(t.Context(), `{"type":"threads.retry_after_item","params":{"thread_id":"`+thread+`","item_id":"`+first+`"}}`)
	if n := len(h.stored(thread)); n != 2 {
		t.Errorf("%d items after retrying the first message, want 2", n)
	}
}

// TestRetryAfterItemInvalid ports test_retry_after_item_invalid_item; an
// unknown item fails the same way (the reference sends nothing at all).
func TestRetryAfterItemInvalid(t *testing.T) {
	t.Parallel()
	h := newHarness(t, respondFunc(func(_ context.Context, turn *chatkit.Turn, input *chatkit.UserMessageItem) error {
		return say(turn, "assistant_msg_1", "Response")
	}), chatkit.Options{})
	thread := threadID(t, h.stream(t.Context(), createBody("Hello")))
	for _, item := range []string{"assistant_msg_1", "msg_missing"} {
		events := h.stream(t.Context(), `{"type":"threads.retry_after_item","params":{"thread_id":"`+thread+`","item_id":"`+item+`"}}`)
		want := []event{{"type": "error", "code": "stream.error", "allow_retry": false}}
		if diff := cmp.Diff(want, events); diff != "" {
			t.Errorf("retry after %s (-want +got):\n%s", item, diff)
		}
	}
	if n := len(h.stored(thread)); n != 2 {
		t.Errorf("%d items after failed retries, want 2", n)
	}
}

// TestPassesInferenceOptionsToResponder ports
// test_threads_create_passes_tools_to_responder and
// test_threads_add_message_passes_tools_to_responder.
func TestPassesInferenceOptionsToResponder(t *testing.T) {
	t.Parallel()
	var got []chatkit.InferenceOptions
	h := newHarness(t, respondFunc(func(_ context.Context, _ *chatkit.Turn, input *chatkit.UserMessageItem) error {
		got = append(got, input.InferenceOptions)
		return nil
	}), chatkit.Options{})
	body := `{"type":"threads.create","params":{"input":{"content":[{"type":"input_text","text":"Start"}],"attachments":[],"inference_options":{"tool_choice":{"id":"web_search"},"model":"gpt-4.1"}}}}`
	thread := threadID(t, h.stream(t.Context(), body))
	h.stream(t.Context(), `{"type":"threads.add_user_message","params":{"thread_id":"`+thread+`","input":{"content":[{"type":"input_text","text":"Second"}],"attachments":[],"inference_options":{"tool_choice":{"id":"retrieval"}}}}}`)
	want := []chatkit.InferenceOptions{
		{ToolChoice: &chatkit.ToolChoice{ID: "web_search"}, Model: "gpt-4.1"},
		{ToolChoice: &chatkit.ToolChoice{ID: "retrieval"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("inference options (-want +got):\n%s", diff)
	}
}

func TestClientToolOutputWithoutPendingCall(t *testing.T) {
	t.Parallel()
	h := newHarness(t, respondFunc(func(_ context.Context, turn *chatkit.Turn, input *chatkit.UserMessageItem) error {
		if input == nil {
			t.Error("Respond called without a pending tool call")
		}
		return say(turn, "", "no tool here")
	}), chatkit.Options{})
	thread := threadID(t, h.stream(t.Context(), createBody("hi")))
	events := h.stream(t.Context(), `{"type":"threads.add_client_tool_output","params":{"thread_id":"`+thread+`","result":1}}`)
	if diff := cmp.Diff([]string{"error"}, labels(events)); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

func TestHiddenItemsAreStoredNotSent(t *testing.T) {
	t.Parallel()
	h := newHarness(t, respondFunc(func(_ context.Context, turn *chatkit.Turn, _ *chatkit.UserMessageItem) error {
		for _, it := range []chatkit.ThreadItem{
			&chatkit.HiddenContextItem{ItemBase: chatkit.ItemBase{ID: "hc_1"}, Content: map[string]any{"tool": "list_tasks"}},
			&chatkit.SDKHiddenContextItem{ItemBase: chatkit.ItemBase{ID: "shcx_1"}, Content: "note"},
			&chatkit.EndOfTurnItem{ItemBase: chatkit.ItemBase{ID: "eot_1"}},
		} {
			if err := turn.Emit(&chatkit.ThreadItemDoneEvent{Item: it}); err != nil {
				return err
			}
		}
		return nil
	}), chatkit.Options{})
	events := h.stream(t.Context(), createBody("hidden"))
	want := []string{"thread.created", "thread.item.done:user_message", "stream_options", "thread.item.done:end_of_turn"}
	if diff := cmp.Diff(want, labels(events)); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	thread := threadID(t, events)
	if n := len(h.stored(thread)); n != 4 {
		t.Errorf("stored %v, want the hidden items too", h.stored(thread))
	}
	page := h.mustCall(t.Context(), `{"type":"items.list","params":{"thread_id":"`+thread+`"}}`)
	if n := len(page["data"].([]any)); n != 2 {
		t.Errorf("items.list returned %d items, want 2 (no hidden ones)", n)
	}
}

func TestTitler(t *testing.T) {
	t.Parallel()
	var calls int
	h := newHarness(t, respondFunc(func(_ context.Context, turn *chatkit.Turn, _ *chatkit.UserMessageItem) error {
		return say(turn, "", "Sure.")
	}), chatkit.Options{Titler: titleFunc(func(_ context.Context, _ *chatkit.ThreadMetadata, input *chatkit.UserMessageItem) (string, error) {
		calls++
		return "  Groceries: " + input.Content[0].Text + " ", nil
	})})
	events := h.stream(t.Context(), createBody("buy milk"))
	last := events[len(events)-1]
	if last.label() != "thread.updated" || last.thread()["title"] != "Groceries: buy milk" {
		t.Errorf("last event = %v, want thread.updated with the title", last)
	}
	events = h.stream(t.Context(), addBody(threadID(t, events), "and eggs"))
	if calls != 1 || events[len(events)-1].label() == "thread.updated" {
		t.Errorf("Titler called %d times; a titled thread must not be renamed", calls)
	}
}

func TestEmitRules(t *testing.T) {
	t.Parallel()
	var late *chatkit.Turn
	var errs []string
	h := newHarness(t, respondFunc(func(_ context.Context, turn *chatkit.Turn, _ *chatkit.UserMessageItem) error {
		late = turn
		for _, ev := range []chatkit.Event{
			&chatkit.ThreadCreatedEvent{},
			&chatkit.ThreadItemDoneEvent{Item: &chatkit.AssistantMessageItem{}}, // no id
			&chatkit.ThreadItemDoneEvent{},
			nil,
		} {
			errs = append(errs, fmt.Sprint(turn.Emit(ev) != nil))
		}
		// Thread id and time are filled in.
		return say(turn, "msg_ok", "ok")
	}), chatkit.Options{})
	events := h.stream(t.Context(), createBody("hi"))
	if diff := cmp.Diff([]string{"true", "true", "true", "true"}, errs); diff != "" {
		t.Errorf("invalid events accepted (-want +got):\n%s", diff)
	}
	done := find(t, events, "thread.item.done:assistant_message").item()
	if done["thread_id"] != threadID(t, events) || done["created_at"] == "0001-01-01T00:00:00Z" {
		t.Errorf("done item not completed: %v", done)
	}
	if err := late.Emit(&chatkit.ProgressUpdateEvent{Text: "late"}); err == nil {
		t.Errorf("Emit after the turn ended succeeded")
	}
}

func TestTurnLoadItems(t *testing.T) {
	t.Parallel()
	var got []string
	h := newHarness(t, respondFunc(func(ctx context.Context, turn *chatkit.Turn, _ *chatkit.UserMessageItem) error {
		page, err := turn.LoadItems(ctx, chatkit.ListOptions{})
		if err != nil {
			return err
		}
		got = nil
		for _, it := range page.Data {
			got = append(got, it.Type())
		}
		return say(turn, "", "ok")
	}), chatkit.Options{})
	thread := threadID(t, h.stream(t.Context(), createBody("one")))
	h.stream(t.Context(), addBody(thread, "two"))
	want := []string{"user_message", "assistant_message", "user_message"} // newest first
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("history seen by the second turn (-want +got):\n%s", diff)
	}
}

// flushLog is an EventWriter that records each event's label and each
// flush, as "|".
type flushLog struct{ got []string }

func (f *flushLog) WriteEvent(ev chatkit.Event) error {
	label := ev.Type()
	if u, ok := ev.(*chatkit.ThreadItemUpdatedEvent); ok {
		if _, ok := u.Update.(*chatkit.AssistantMessageContentPartTextDelta); ok {
			label = "delta"
		}
	}
	f.got = append(f.got, label)
	return nil
}

func (f *flushLog) Flush() error {
	f.got = append(f.got, "|")
	return nil
}

// TestTextDeltasGoOutTogether: text deltas, and the start of an assistant
// message (item added, content part added), are held until the next other
// event, Turn.Flush or the end of the turn, so a message's start and a
// burst of its text are one write to the client; thread.created goes out
// with the event after it; every other event is flushed at once.
func TestTextDeltasGoOutTogether(t *testing.T) {
	t.Parallel()
	h := newHarness(t, respondFunc(func(_ context.Context, turn *chatkit.Turn, _ *chatkit.UserMessageItem) error {
		msg, err := chatkit.StartAssistantMessage(turn)
		if err != nil {
			return err
		}
		for _, d := range []string{"a", "b", "c"} {
			if err := msg.Delta(d); err != nil {
				return err
			}
		}
		if err := turn.Flush(); err != nil {
			return err
		}
		if err := turn.Flush(); err != nil { // nothing held: no flush
			return err
		}
		for _, d := range []string{"d", "e"} {
			if err := msg.Delta(d); err != nil {
				return err
			}
		}
		if err := msg.Done(); err != nil {
			return err
		}
		second, err := chatkit.StartAssistantMessage(turn)
		if err != nil {
			return err
		}
		return second.Delta("f") // the turn ends with it held
	}), chatkit.Options{})
	res := handleCreate(t, h.srv, "Hi")
	var out flushLog
	if err := res.Stream(t.Context(), &out); err != nil {
		t.Fatal(err)
	}
	want := "thread.created thread.item.done | stream_options | " +
		"thread.item.added thread.item.updated delta delta delta | delta delta thread.item.updated | thread.item.done | " +
		"thread.item.added thread.item.updated delta |"
	if got := strings.Join(out.got, " "); got != want {
		t.Errorf("writes and flushes:\n got %s\nwant %s", got, want)
	}
}

// TestTitleRunsBesideTheTurn: the Titler starts at the Responder's first
// event, not after the turn, and its title is saved when the turn ends.
func TestTitleRunsBesideTheTurn(t *testing.T) {
	t.Parallel()
	titling := make(chan struct{})
	h := newHarness(t, respondFunc(func(ctx context.Context, turn *chatkit.Turn, _ *chatkit.UserMessageItem) error {
		if err := say(turn, "msg_1", "first"); err != nil {
			return err
		}
		select {
		case <-titling:
		case <-time.After(10 * time.Second):
			t.Error("the Titler did not start during the turn")
		}
		return say(turn, "msg_2", "second")
	}), chatkit.Options{Titler: titleFunc(func(context.Context, *chatkit.ThreadMetadata, *chatkit.UserMessageItem) (string, error) {
		close(titling)
		return "  Named early ", nil
	})})
	events := h.stream(t.Context(), createBody("Hello"))
	last := events[len(events)-1]
	if last.label() != "thread.updated" || last.thread()["title"] != "Named early" {
		t.Errorf("last event %v, want thread.updated with the title", last)
	}
}

// TestTitleWaitsForTheReply checks that the Titler is not asked while
// the turn is still calling tools (progress and result cards before any
// text), where it would slow down the reply's first text, but as soon as
// the reply starts.
func TestTitleWaitsForTheReply(t *testing.T) {
	t.Parallel()
	titling := make(chan struct{})
	h := newHarness(t, respondFunc(func(ctx context.Context, turn *chatkit.Turn, _ *chatkit.UserMessageItem) error {
		if err := turn.Emit(&chatkit.ProgressUpdateEvent{Text: "Adding a task"}); err != nil {
			return err
		}
		card := &chatkit.WidgetItem{ItemBase: chatkit.ItemBase{ID: "wdg_1"}, Widget: widget.Card{Children: []widget.Component{widget.Text{Value: "Buy milk"}}}}
		if err := turn.Emit(&chatkit.ThreadItemDoneEvent{Item: card}); err != nil {
			return err
		}
		select {
		case <-titling:
			t.Error("the Titler was asked before the reply's text")
		case <-time.After(200 * time.Millisecond):
		}
		msg, err := chatkit.StartAssistantMessage(turn)
		if err != nil {
			return err
		}
		select {
		case <-titling:
		case <-time.After(10 * time.Second):
			t.Error("the Titler did not start with the reply")
		}
		if err := msg.Delta("Added."); err != nil {
			return err
		}
		return msg.Done()
	}), chatkit.Options{Titler: titleFunc(func(context.Context, *chatkit.ThreadMetadata, *chatkit.UserMessageItem) (string, error) {
		close(titling)
		return "Shopping", nil
	})})
	events := h.stream(t.Context(), createBody("add buy milk"))
	last := events[len(events)-1]
	if last.label() != "thread.updated" || last.thread()["title"] != "Shopping" {
		t.Errorf("last event %v, want thread.updated with the title", last)
	}
}

// batchStore is a memstore that records its item writes and can append
// several items at once (chatkit.ItemsAdder).
type batchStore struct {
	*memstore.Store
	mu     sync.Mutex
	writes []string // item ids per write, joined by "+"
}

func (b *batchStore) AddThreadItem(ctx context.Context, user, threadID string, it chatkit.ThreadItem) error {
	b.record(it)
	return b.Store.AddThreadItem(ctx, user, threadID, it)
}

func (b *batchStore) AddThreadItems(ctx context.Context, user, threadID string, items []chatkit.EncodedItem) error {
	var list []chatkit.ThreadItem
	for _, it := range items {
		if err := checkEncoded(it); err != nil {
			return err
		}
		list = append(list, it.Item)
	}
	b.record(list...)
	for _, it := range list {
		if err := b.Store.AddThreadItem(ctx, user, threadID, it); err != nil {
			return err
		}
	}
	return nil
}

// checkEncoded reports an error unless it.JSON is json.Marshal(it.Item).
func checkEncoded(it chatkit.EncodedItem) error {
	want, err := json.Marshal(it.Item)
	if err != nil {
		return err
	}
	if !bytes.Equal(it.JSON, want) {
		return fmt.Errorf("item %s comes as %s, encodes as %s", it.Item.Base().ID, it.JSON, want)
	}
	return nil
}

func (b *batchStore) record(items ...chatkit.ThreadItem) {
	var ids []string
	for _, it := range items {
		ids = append(ids, it.Base().ID)
	}
	b.mu.Lock()
	b.writes = append(b.writes, strings.Join(ids, "+"))
	b.mu.Unlock()
}

// TestHiddenItemsAreStoredWithTheNext: a hidden item (not sent) is stored
// in one write with the item that follows it; the Responder's LoadItems
// and the end of the turn see it stored, as does a turn the client left.
func TestHiddenItemsAreStoredWithTheNext(t *testing.T) {
	t.Parallel()
	hidden := func(id string) chatkit.Event {
		return &chatkit.ThreadItemDoneEvent{Item: &chatkit.HiddenContextItem{ItemBase: chatkit.ItemBase{ID: id}, Content: "record " + id}}
	}
	tests := []struct {
		name      string
		respond   func(ctx context.Context, turn *chatkit.Turn, leave func()) error
		wantWrite []string
	}{
		{"with the next item", func(_ context.Context, turn *chatkit.Turn, _ func()) error {
			if err := turn.Emit(hidden("hid_1")); err != nil {
				return err
			}
			return say(turn, "msg_1", "done")
		}, []string{"msg_user", "hid_1+msg_1"}},
		{"at the end of the turn", func(_ context.Context, turn *chatkit.Turn, _ func()) error {
			if err := say(turn, "msg_1", "done"); err != nil {
				return err
			}
			return turn.Emit(hidden("hid_1"))
		}, []string{"msg_user", "msg_1", "hid_1"}},
		{"before LoadItems", func(ctx context.Context, turn *chatkit.Turn, _ func()) error {
			if err := turn.Emit(hidden("hid_1")); err != nil {
				return err
			}
			page, err := turn.LoadItems(ctx, chatkit.ListOptions{Limit: 1})
			if err != nil {
				return err
			}
			if len(page.Data) != 1 || page.Data[0].Base().ID != "hid_1" {
				t.Errorf("LoadItems after a hidden item: %v, want it first", page.Data)
			}
			return nil
		}, []string{"msg_user", "hid_1"}},
		{"shown together", func(_ context.Context, turn *chatkit.Turn, _ func()) error {
			if err := turn.Emit(hidden("hid_1")); err != nil {
				return err
			}
			card := &chatkit.WidgetItem{ItemBase: chatkit.ItemBase{ID: "wdg_1"}, Widget: widget.Card{Children: []widget.Component{widget.Text{Value: "card"}}}}
			msg := &chatkit.AssistantMessageItem{ItemBase: chatkit.ItemBase{ID: "msg_1"}, Content: []chatkit.AssistantContent{{Text: "done"}}}
			return turn.EmitDone(card, hidden("hid_2").(*chatkit.ThreadItemDoneEvent).Item, msg, hidden("hid_3").(*chatkit.ThreadItemDoneEvent).Item)
		}, []string{"msg_user", "hid_1+wdg_1+hid_2+msg_1", "hid_3"}}, // hid_3 at the turn's end
		{"when the client leaves", func(ctx context.Context, turn *chatkit.Turn, leave func()) error {
			if err := turn.Emit(hidden("hid_1")); err != nil {
				return err
			}
			leave()
			<-ctx.Done()
			return ctx.Err()
		}, []string{"msg_user", "hid_1", "shcx_user"}}, // then the cancel note
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			store := &batchStore{Store: memstore.New()}
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			srv := chatkit.New(store, respondFunc(func(ctx context.Context, turn *chatkit.Turn, _ *chatkit.UserMessageItem) error {
				return tc.respond(ctx, turn, cancel)
			}), chatkit.Options{NewID: func(prefix string) string { return prefix + "_user" }})
			res := handleCreate(t, srv, "Hi")
			_ = res.Stream(ctx, chatkit.EmitFunc(func(chatkit.Event) error { return nil }))
			if diff := cmp.Diff(tc.wantWrite, store.writes); diff != "" {
				t.Errorf("item writes (-want +got):\n%s", diff)
			}
		})
	}
}

// TestEmitDone: Turn.EmitDone sends its items' thread.item.done events in
// order, in one write to the client, each carrying the item as stored;
// an invalid item fails it before anything is stored or sent.
func TestEmitDone(t *testing.T) {
	t.Parallel()
	card := func(id string) chatkit.ThreadItem {
		return &chatkit.WidgetItem{ItemBase: chatkit.ItemBase{ID: id}, Widget: widget.Card{Children: []widget.Component{widget.Text{Value: "card " + id}}}}
	}
	tests := []struct {
		name    string
		items   func() []chatkit.ThreadItem
		wantErr bool
		want    string // labels and flushes after stream_options
	}{
		{"two items", func() []chatkit.ThreadItem { return []chatkit.ThreadItem{card("wdg_1"), card("wdg_2")} }, false,
			"thread.item.done:wdg_1 thread.item.done:wdg_2 |"},
		{"a nil item", func() []chatkit.ThreadItem { return []chatkit.ThreadItem{card("wdg_1"), nil} }, true, ""},
		{"an item without id", func() []chatkit.ThreadItem { return []chatkit.ThreadItem{card("wdg_1"), card("")} }, true, ""},
		{"nothing", func() []chatkit.ThreadItem { return nil }, false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			store := &batchStore{Store: memstore.New()}
			var emitErr error
			srv := chatkit.New(store, respondFunc(func(ctx context.Context, turn *chatkit.Turn, _ *chatkit.UserMessageItem) error {
				emitErr = turn.EmitDone(tc.items()...)
				return nil
			}), chatkit.Options{})
			res := handleCreate(t, srv, "Hi")
			var got []string
			var stored []string
			err := res.Stream(t.Context(), writerFuncs{
				write: func(ev chatkit.Event) error {
					label := ev.Type()
					if done, ok := ev.(*chatkit.ThreadItemDoneEvent); ok {
						label += ":" + done.Item.Base().ID
						if _, ok := done.Item.(*chatkit.WidgetItem); ok {
							b, err := json.Marshal(ev)
							if err != nil {
								t.Fatal(err)
							}
							stored = append(stored, string(b))
						}
					}
					got = append(got, label)
					return nil
				},
				flush: func() error { got = append(got, "|"); return nil },
			})
			if err != nil {
				t.Fatal(err)
			}
			if (emitErr != nil) != tc.wantErr {
				t.Fatalf("EmitDone: %v, want error %v", emitErr, tc.wantErr)
			}
			after := strings.Join(got, " ")
			if i := strings.Index(after, "stream_options |"); i >= 0 {
				after = strings.TrimSpace(after[i+len("stream_options |"):])
			}
			if tc.want != "" && !strings.HasPrefix(after, tc.want) {
				t.Errorf("events after stream_options:\n got %s\nwant %s ...", after, tc.want)
			}
			if tc.wantErr && strings.Contains(after, "wdg_") {
				t.Errorf("a failed EmitDone sent %s", after)
			}
			var items int
			for _, w := range store.writes {
				items += strings.Count(w, "wdg_")
			}
			if want := strings.Count(tc.want, "wdg_"); items != want {
				t.Errorf("stored %d widgets (writes %v), want %d", items, store.writes, want)
			}
			for _, ev := range stored {
				if !strings.Contains(ev, `"type":"widget"`) {
					t.Errorf("sent %s, want the widget item", ev)
				}
			}
		})
	}
}

// writerFuncs is an EventWriter made of two functions.
type writerFuncs struct {
	write func(chatkit.Event) error
	flush func() error
}

func (w writerFuncs) WriteEvent(ev chatkit.Event) error { return w.write(ev) }
func (w writerFuncs) Flush() error                      { return w.flush() }

// TestNewThread: Turn.NewThread is set for the turn of the request that
// created the thread (whose only item is then the user's message), and
// not for later messages.
func TestNewThread(t *testing.T) {
	t.Parallel()
	var seen []bool
	h := newHarness(t, respondFunc(func(ctx context.Context, turn *chatkit.Turn, input *chatkit.UserMessageItem) error {
		seen = append(seen, turn.NewThread)
		if turn.NewThread {
			page, err := turn.LoadItems(ctx, chatkit.ListOptions{})
			if err != nil || len(page.Data) != 1 || page.Data[0].Base().ID != input.ID {
				t.Errorf("a new thread's items: %v, %v; want only the user's message", page.Data, err)
			}
		}
		return say(turn, "", "ok")
	}), chatkit.Options{})
	thread := threadID(t, h.stream(t.Context(), createBody("first")))
	h.stream(t.Context(), addBody(thread, "second"))
	if diff := cmp.Diff([]bool{true, false}, seen); diff != "" {
		t.Errorf("NewThread per turn (-want +got):\n%s", diff)
	}
}

// creatorStore is a batchStore that can store a new thread with its first
// item (chatkit.ThreadCreator), or fail to with fail.
type creatorStore struct {
	batchStore
	fail error
}

func (c *creatorStore) CreateThread(ctx context.Context, user string, thread *chatkit.ThreadMetadata, item chatkit.EncodedItem) error {
	if c.fail != nil {
		return c.fail
	}
	if err := checkEncoded(item); err != nil {
		return err
	}
	c.record(item.Item)
	c.writes[len(c.writes)-1] = thread.ID + "+" + c.writes[len(c.writes)-1]
	if err := c.Store.SaveThread(ctx, user, thread); err != nil {
		return err
	}
	return c.Store.AddThreadItem(ctx, user, thread.ID, item.Item)
}

// TestThreadCreatedInOneWrite: with a ThreadCreator, threads.create
// stores the thread and the user's message in one write, and sends the
// same events as with two writes (and the items the store was given as
// JSON, encoded once, as bytes equal to the events'); when that write
// fails, nothing is sent but the error, and nothing is stored.
func TestThreadCreatedInOneWrite(t *testing.T) {
	t.Parallel()
	run := func(store chatkit.Store) []string {
		newID, now := deterministic()
		srv := chatkit.New(store, respondFunc(func(ctx context.Context, turn *chatkit.Turn, _ *chatkit.UserMessageItem) error {
			hidden := &chatkit.HiddenContextItem{ItemBase: chatkit.ItemBase{ID: "hid_1"}, Content: "record"}
			if err := turn.Emit(&chatkit.ThreadItemDoneEvent{Item: hidden}); err != nil {
				return err
			}
			w := &chatkit.WidgetItem{ItemBase: chatkit.ItemBase{ID: "wid_1"}, CopyText: "<milk> & \u2028",
				Widget: widget.Card{Children: []widget.Component{widget.Text{Value: "Buy <milk> & eggs \u2028"}}}}
			if err := turn.Emit(&chatkit.ThreadItemDoneEvent{Item: w}); err != nil {
				return err
			}
			return say(turn, "", "hi")
		}), chatkit.Options{NewID: newID, Now: now})
		return createFrames(t, srv)
	}
	apart := run(memstore.New())
	one := &creatorStore{batchStore: batchStore{Store: memstore.New()}}
	if diff := cmp.Diff(apart, run(one)); diff != "" {
		t.Errorf("events with a ThreadCreator (-two writes +one):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"thr_00000001+msg_00000002", "hid_1+wid_1", "msg_00000003"}, one.writes); diff != "" {
		t.Errorf("writes, the thread with its message first (-want +got):\n%s", diff)
	}

	failing := &creatorStore{batchStore: batchStore{Store: memstore.New()}, fail: errors.New("disk on fire")}
	frames := run(failing)
	if len(frames) != 1 || !strings.Contains(frames[0], `"type":"error"`) {
		t.Errorf("events of a failed create: %q, want only an error", frames)
	}
	page, err := failing.LoadThreads(t.Context(), user, chatkit.ListOptions{Limit: 10})
	if err != nil || len(page.Data) != 0 {
		t.Errorf("threads after a failed create: %v, %v; want none", page.Data, err)
	}
}

// gatedCreator is a creatorStore whose CreateThread first waits for the
// Responder to have started (or fails after a while), then succeeds or
// fails with fail.
type gatedCreator struct {
	creatorStore
	started chan struct{} // closed by the Responder
}

func (g *gatedCreator) CreateThread(ctx context.Context, user string, thread *chatkit.ThreadMetadata, item chatkit.EncodedItem) error {
	select {
	case <-g.started:
	case <-time.After(5 * time.Second):
		return errors.New("the turn did not start while its thread was stored")
	}
	return g.creatorStore.CreateThread(ctx, user, thread, item)
}

// TestThreadStoredBesideTheTurn: a new thread is stored while the turn
// starts (the model's first request need not wait for the write), and
// nothing of the turn is sent or stored before the write is done: the
// events are those of a store that wrote first. When the write fails,
// the turn is cancelled, only the error is sent and nothing is stored.
func TestThreadStoredBesideTheTurn(t *testing.T) {
	t.Parallel()
	run := func(store chatkit.Store, started chan struct{}, respond respondFunc) []string {
		newID, now := deterministic()
		srv := chatkit.New(store, respondFunc(func(ctx context.Context, turn *chatkit.Turn, in *chatkit.UserMessageItem) error {
			if started != nil {
				close(started)
			}
			return respond(ctx, turn, in)
		}), chatkit.Options{NewID: newID, Now: now})
		return createFrames(t, srv)
	}
	reply := func(ctx context.Context, turn *chatkit.Turn, _ *chatkit.UserMessageItem) error {
		turn.Thread.Metadata = map[string]any{"seen": true} // the thread stored is the one the turn began with
		w := &chatkit.WidgetItem{ItemBase: chatkit.ItemBase{ID: "wid_1"}, Widget: widget.Card{Children: []widget.Component{widget.Text{Value: "card"}}}}
		if err := turn.Emit(&chatkit.ThreadItemDoneEvent{Item: w}); err != nil {
			return err
		}
		return say(turn, "", "hi")
	}

	first := run(memstore.New(), nil, reply)
	gated := &gatedCreator{creatorStore: creatorStore{batchStore: batchStore{Store: memstore.New()}}, started: make(chan struct{})}
	if diff := cmp.Diff(first, run(gated, gated.started, reply)); diff != "" {
		t.Errorf("events with the thread stored beside the turn (-stored first +beside):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"thr_00000001+msg_00000002", "wid_1", "msg_00000003"}, gated.writes); diff != "" {
		t.Errorf("writes (-want +got):\n%s", diff)
	}

	failing := &gatedCreator{creatorStore: creatorStore{batchStore: batchStore{Store: memstore.New()}, fail: errors.New("disk on fire")}, started: make(chan struct{})}
	var cancelled, emitErr error
	frames := run(failing, failing.started, func(ctx context.Context, turn *chatkit.Turn, _ *chatkit.UserMessageItem) error {
		select { // a model request the failed write stops
		case <-ctx.Done():
			cancelled = ctx.Err()
		case <-time.After(5 * time.Second):
		}
		emitErr = say(turn, "", "too late")
		return emitErr
	})
	if cancelled == nil {
		t.Error("the turn's context was not cancelled when its thread could not be stored")
	}
	if emitErr == nil {
		t.Error("Emit succeeded in a turn whose thread was never stored")
	}
	if len(frames) != 1 || !strings.Contains(frames[0], `"type":"error"`) {
		t.Errorf("events of a failed create: %q, want only an error", frames)
	}
	page, err := failing.LoadThreads(t.Context(), user, chatkit.ListOptions{Limit: 10})
	if err != nil || len(page.Data) != 0 || len(failing.writes) != 0 {
		t.Errorf("after a failed create: threads %v (%v), writes %q; want none", page.Data, err, failing.writes)
	}
}

// handleCreate has srv handle a threads.create of text for user.
func handleCreate(t *testing.T, srv *chatkit.Server, text string) chatkit.Response {
	t.Helper()
	req, err := chatkit.ParseRequest([]byte(createBody(text)))
	if err != nil {
		t.Fatal(err)
	}
	res, err := srv.Handle(t.Context(), user, req)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// createFrames sends srv a threads.create of "Hello" and returns the SSE
// frames of its answer.
func createFrames(t *testing.T, srv *chatkit.Server) []string {
	t.Helper()
	res := handleCreate(t, srv, "Hello")
	var frames []string
	if err := res.Stream(t.Context(), chatkit.EmitFunc(func(ev chatkit.Event) error {
		b, err := chatkit.EncodeSSE(ev)
		frames = append(frames, string(b))
		return err
	})); err != nil {
		t.Fatal(err)
	}
	return frames
}
