package chatkit

import (
	"encoding/json"
	"errors"
	"testing"
	"time"
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
