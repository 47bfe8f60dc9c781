package agent

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/taskpilot/taskpilot/chatserver/chatkit"
	"github.com/taskpilot/taskpilot/chatserver/chatkit/widget"
)

func TestToMessages(t *testing.T) {
	t.Parallel()
	base := func(id string) chatkit.ItemBase {
		return chatkit.ItemBase{ID: id, ThreadID: "thr_1", CreatedAt: time.Date(2026, 5, 12, 8, 0, 0, 0, time.UTC)}
	}
	user := func(id, text, quote string) *chatkit.UserMessageItem {
		return &chatkit.UserMessageItem{ItemBase: base(id), Content: []chatkit.UserContent{chatkit.TextContent(text)}, QuotedText: quote}
	}
	record := &chatkit.HiddenContextItem{ItemBase: base("shcx_1"), Content: storedToolCall{
		Kind: toolCallKind, CallID: "call_1",
		ToolCallRecord: ToolCallRecord{Tool: "delete_task", Status: StatusError, Parameters: json.RawMessage(`{"task_id":9}`), Error: "Task 9 not found."},
	}}
	// Stored items come back from JSON; so does this one.
	b, err := json.Marshal(record)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := chatkit.UnmarshalItem(b)
	if err != nil {
		t.Fatal(err)
	}
	items := []chatkit.ThreadItem{
		user("msg_1", "hi", "old quote"),
		&chatkit.AssistantMessageItem{ItemBase: base("msg_2"), Content: []chatkit.AssistantContent{{Text: "Hello"}, {Text: "!"}}},
		&chatkit.UserMessageItem{ItemBase: base("msg_3"), Content: []chatkit.UserContent{
			chatkit.TextContent("done with "), {Type: chatkit.ContentInputTag, ID: "t1", Text: "Buy milk"},
		}},
		stored,
		&chatkit.WidgetItem{ItemBase: base("msg_4"), Widget: &widget.ListView{}, CopyText: "#1 [ ] Buy milk"},
		&chatkit.HiddenContextItem{ItemBase: base("shcx_2"), Content: "The user deleted task 1."},
		&chatkit.SDKHiddenContextItem{ItemBase: base("shcx_3"), Content: "The user cancelled the stream."},
		&chatkit.ClientToolCallItem{ItemBase: base("tc_1"), Status: chatkit.ToolCallPending, CallID: "c2", Name: "pick"},
		&chatkit.EndOfTurnItem{ItemBase: base("eot_1")},
		user("msg_5", "and this?", "a quote"),
	}
	var got []map[string]any
	for _, m := range toMessages(items, nil) {
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		var v map[string]any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatal(err)
		}
		got = append(got, v)
	}
	want := []map[string]any{
		{"role": "user", "content": "hi"}, // quotes only for the newest message
		{"role": "assistant", "content": "Hello!"},
		{"role": "user", "content": "done with @Buy milk"},
		{"role": "assistant", "tool_calls": []any{map[string]any{
			"id": "call_1", "type": "function", "function": map[string]any{"name": "delete_task", "arguments": `{"task_id":9}`},
		}}},
		{"role": "tool", "tool_call_id": "call_1", "content": "Error: Task 9 not found."},
		{"role": "user", "content": "The following graphical UI widget (id: msg_4) was displayed to the user:\n#1 [ ] Buy milk"},
		{"role": "user", "content": "Hidden context for the agent (not shown to the user):\n<HiddenContext>\nThe user deleted task 1.\n</HiddenContext>"},
		{"role": "user", "content": "Hidden context for the agent (not shown to the user):\n<HiddenContext>\nThe user cancelled the stream.\n</HiddenContext>"},
		{"role": "user", "content": "and this?"},
		{"role": "user", "content": "The user is referring to this in particular: \na quote"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("messages (-want +got):\n%s", diff)
	}
}

func TestDecodeToolCallIgnoresOtherItems(t *testing.T) {
	t.Parallel()
	for _, it := range []chatkit.ThreadItem{
		&chatkit.HiddenContextItem{Content: "a note"},
		&chatkit.HiddenContextItem{Content: map[string]any{"kind": "something else", "tool": "x"}},
		&chatkit.HiddenContextItem{},
		&chatkit.SDKHiddenContextItem{Content: `{"kind":"taskpilot.tool_call","tool":"x"}`},
		&chatkit.AssistantMessageItem{},
	} {
		if rec, ok := DecodeToolCall(it); ok {
			t.Errorf("DecodeToolCall(%#v) = %+v, true", it, rec)
		}
	}
}

func TestParseAdd(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want map[string]any // add_task's arguments; nil when there is no title
	}{
		{"Buy milk", map[string]any{"title": "Buy milk"}},
		{"Buy milk !high", map[string]any{"title": "Buy milk", "priority": "high"}},
		{"!LOW  Buy   milk", map[string]any{"title": "Buy milk", "priority": "low"}},
		{"Fix bug !important", map[string]any{"title": "Fix bug !important"}},
		{"!high", nil},
		{"Pay rent !high due:2026-12-10 every:month #bills", map[string]any{"title": "Pay rent", "priority": "high",
			"due": "2026-12-10", "repeat": map[string]any{"every": "month"}, "tags": []string{"bills"}}},
		{"Gym every:2weeks", map[string]any{"title": "Gym", "repeat": map[string]any{"every": "week", "interval": 2}}},
		{"Standup every:mon,thu #work #team", map[string]any{"title": "Standup",
			"repeat": map[string]any{"every": "week", "weekdays": []string{"mon", "thu"}}, "tags": []string{"work", "team"}}},
		{"Water plants every:daily", map[string]any{"title": "Water plants", "repeat": map[string]any{"every": "day"}}},
		{"Talk about every:thing", map[string]any{"title": "Talk about every:thing"}},
		{"# not a tag", map[string]any{"title": "# not a tag"}},
	}
	for _, tt := range tests {
		got, ok := parseAdd(tt.in)
		if tt.want == nil {
			if ok {
				t.Errorf("parseAdd(%q) = %v, true; want no title", tt.in, got)
			}
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" || !ok {
			t.Errorf("parseAdd(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}
