package chatkit

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/taskpilot/taskpilot/chatserver/chatkit/widget"
)

// TestEncodeTextDeltaMatchesMarshal checks that the fast path for text
// deltas writes the bytes json.Marshal writes, for text that needs every
// kind of escaping.
func TestEncodeTextDeltaMatchesMarshal(t *testing.T) {
	deltas := []string{
		"", "Hello", `quote " and \ backslash`, "<b>&amp;</b>", "tab\tnew\nline\r",
		"\x00\x01\x1f control", "emoji 🎉 and é", "line sep \u2028 para \u2029", "bad utf8 \xff\xfe",
	}
	for _, d := range deltas {
		for _, ev := range []*ThreadItemUpdatedEvent{
			{ItemID: "msg_<1>&", Update: &AssistantMessageContentPartTextDelta{ContentIndex: 3, Delta: d}},
			{ItemID: "msg_1", Update: &AssistantMessageContentPartTextDelta{ContentIndex: 0, Delta: d}},
		} {
			got, ok := encodeTextDelta(ev)
			if !ok {
				t.Fatalf("encodeTextDelta(%q) took the slow path", d)
			}
			body, err := json.Marshal(ev)
			if err != nil {
				t.Fatal(err)
			}
			want := "data: " + string(body) + "\n\n"
			if string(got) != want {
				t.Errorf("delta %q:\n got %s\nwant %s", d, got, want)
			}
		}
	}
	if _, ok := encodeTextDelta(&ThreadItemUpdatedEvent{ItemID: "m", Update: &AssistantMessageContentPartDone{}}); ok {
		t.Error("a content part done took the text delta path")
	}
}

// TestEncodeSSEMatchesMarshal: EncodeSSE writes exactly json.Marshal's
// bytes for every kind of event, items and widgets inside included.
func TestEncodeSSEMatchesMarshal(t *testing.T) {
	at := time.Date(2026, 12, 3, 10, 0, 0, 123456000, time.UTC)
	base := ItemBase{ID: "msg_<1>&", ThreadID: "thr_1", CreatedAt: at}
	text := "quote \" <b>&amp;</b> \u2028 é \xff"
	events := []Event{
		&ThreadCreatedEvent{Thread: threadResponse(&ThreadMetadata{ID: "thr_1", Title: text, CreatedAt: at}, Page[ThreadItem]{})},
		&ThreadItemDoneEvent{Item: &UserMessageItem{ItemBase: base, Content: []UserContent{{Type: ContentInputText, Text: text}}}},
		&ThreadItemAddedEvent{Item: &AssistantMessageItem{ItemBase: base, Content: []AssistantContent{{Text: text}}}},
		&ThreadItemDoneEvent{Item: &WorkflowItem{ItemBase: base, Workflow: Workflow{Type: "custom", Tasks: []Task{{Type: "custom", Title: text, StatusIndicator: "complete"}}}}},
		&ThreadItemUpdatedEvent{ItemID: "wf_1", Update: &WorkflowTaskUpdated{TaskIndex: 0, Task: Task{Type: "custom", Title: text}}},
		&ThreadItemUpdatedEvent{ItemID: "msg_1", Update: &AssistantMessageContentPartDone{Content: AssistantContent{Text: text}}},
		&ProgressUpdateEvent{Icon: "plus", Text: text},
		&StreamOptionsEvent{StreamOptions: StreamOptions{AllowCancel: true}},
		errorEvent(errors.New("boom"), true),
	}
	for _, ev := range events {
		got, err := EncodeSSE(ev)
		if err != nil {
			t.Fatalf("%s: %v", ev.Type(), err)
		}
		body, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		if want := "data: " + string(body) + "\n\n"; string(got) != want {
			t.Errorf("%s:\n got %s\nwant %s", ev.Type(), got, want)
		}
	}
}

// TestDoneEventWithEncodedItem checks that a thread.item.done event that
// carries its item's JSON (json.Marshal of the item, made once for the
// store) is sent as the bytes the event encodes to without it, for items
// of every kind and text that needs every kind of escaping.
func TestDoneEventWithEncodedItem(t *testing.T) {
	const tricky = "<b>&amp;</b> \"q\" \\ \t\n \x00 🎉 é \u2028 \u2029 \xff"
	base := ItemBase{ID: "msg_<1>", ThreadID: "thr_&1", CreatedAt: time.Date(2026, 12, 3, 17, 0, 0, 123456000, time.UTC)}
	idx := 2
	items := []ThreadItem{
		&UserMessageItem{ItemBase: base, Content: []UserContent{TextContent(tricky), {Type: ContentInputTag, ID: "t", Text: tricky, Data: map[string]any{"k": tricky}}},
			QuotedText: tricky, InferenceOptions: InferenceOptions{ToolChoice: &ToolChoice{ID: "x"}}},
		&UserMessageItem{ItemBase: base},
		&AssistantMessageItem{ItemBase: base, Content: []AssistantContent{{Text: tricky,
			Annotations: []Annotation{{Source: Source{Type: "url", Title: tricky, URL: "https://e.com/?a=1&b=<2>"}, Index: &idx}}}}},
		&AssistantMessageItem{ItemBase: base},
		&ClientToolCallItem{ItemBase: base, CallID: "c", Name: "n", Arguments: map[string]any{"b": 1.5, "a": []any{tricky, nil, true}}, Output: tricky},
		&WidgetItem{ItemBase: base, CopyText: tricky, Widget: widget.Card{Children: []widget.Component{
			widget.Text{Value: tricky, LineThrough: true},
			widget.Row{Children: []widget.Component{widget.Badge{Label: tricky}, widget.Button{Label: "Undo",
				OnClickAction: &widget.Action{Type: "task.reopen", Payload: map[string]any{"id": 1.0, "s": tricky}}}}},
		}}},
		&WorkflowItem{ItemBase: base, Workflow: Workflow{Type: "custom", Tasks: []Task{{Type: TaskCustom, Title: tricky, StatusIndicator: "complete"}},
			Summary: &WorkflowSummary{Duration: 2}}},
		&HiddenContextItem{ItemBase: base, Content: map[string]any{"tool": tricky}},
		&EndOfTurnItem{ItemBase: base},
	}
	for _, item := range items {
		want, err := EncodeSSE(&ThreadItemDoneEvent{Item: item})
		if err != nil {
			t.Fatal(err)
		}
		enc, err := encodeItem(item)
		if err != nil {
			t.Fatal(err)
		}
		got, err := EncodeSSE(&ThreadItemDoneEvent{Item: item, encoded: enc.JSON})
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("%s item:\n got %s\nwant %s", item.Type(), got, want)
		}
		if body, _ := json.Marshal(&ThreadItemDoneEvent{Item: item}); "data: "+string(body)+"\n\n" != string(want) {
			t.Errorf("%s item: json.Marshal differs from EncodeSSE", item.Type())
		}
	}
}
