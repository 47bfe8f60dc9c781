package chatkit_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/taskpilot/taskpilot/chatserver/chatkit"
	"github.com/taskpilot/taskpilot/chatserver/chatkit/widget"
)

// recordingTurn returns a Turn whose Emit records the events as JSON.
func recordingTurn(t *testing.T, events *[]string) *chatkit.Turn {
	newID, now := deterministic()
	return &chatkit.Turn{
		User:   user,
		Thread: &chatkit.ThreadMetadata{ID: "test-thread-id", Title: "Test thread"},
		NewID:  newID,
		Now:    now,
		Emit: func(ev chatkit.Event) error {
			b, err := json.Marshal(ev)
			if err != nil {
				t.Fatalf("marshal %s: %v", ev.Type(), err)
			}
			*events = append(*events, string(b))
			return nil
		},
	}
}

func textCard(value string) widget.Root {
	return widget.Card{Children: []widget.Component{widget.Text{ID: "text", Value: value}}}
}

// TestStreamWidget ports test_returns_widget_item_generator and
// test_returns_widget_item_generator_full_replace.
func TestStreamWidget(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		states []widget.Root
		want   []string
	}{
		{"appends stream as deltas",
			[]widget.Root{textCard(""), textCard("Hel"), textCard("Hello,"), textCard("Hello, world")},
			[]string{
				`{"type":"thread.item.added","item":{"type":"widget","id":"msg_1","thread_id":"test-thread-id","created_at":` + ts + `,"widget":{"type":"Card","children":[{"type":"Text","id":"text","value":""}]}}}`,
				`{"type":"thread.item.updated","item_id":"msg_1","update":{"type":"widget.streaming_text.value_delta","component_id":"text","delta":"Hel","done":true}}`,
				`{"type":"thread.item.updated","item_id":"msg_1","update":{"type":"widget.streaming_text.value_delta","component_id":"text","delta":"lo,","done":true}}`,
				`{"type":"thread.item.updated","item_id":"msg_1","update":{"type":"widget.streaming_text.value_delta","component_id":"text","delta":" world","done":true}}`,
				`{"type":"thread.item.done","item":{"type":"widget","id":"msg_1","thread_id":"test-thread-id","created_at":` + ts + `,"widget":{"type":"Card","children":[{"type":"Text","id":"text","value":"Hello, world"}]}}}`,
			}},
		{"other changes replace the root",
			[]widget.Root{textCard("Hello"), textCard("World")},
			[]string{
				`{"type":"thread.item.added","item":{"type":"widget","id":"msg_1","thread_id":"test-thread-id","created_at":` + ts + `,"widget":{"type":"Card","children":[{"type":"Text","id":"text","value":"Hello"}]}}}`,
				`{"type":"thread.item.updated","item_id":"msg_1","update":{"type":"widget.root.updated","widget":{"type":"Card","children":[{"type":"Text","id":"text","value":"World"}]}}}`,
				`{"type":"thread.item.done","item":{"type":"widget","id":"msg_1","thread_id":"test-thread-id","created_at":` + ts + `,"widget":{"type":"Card","children":[{"type":"Text","id":"text","value":"World"}]}}}`,
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var got []string
			turn := recordingTurn(t, &got)
			item := &chatkit.WidgetItem{ItemBase: chatkit.ItemBase{ID: "msg_1", ThreadID: turn.Thread.ID, CreatedAt: t0}, Widget: tc.states[0]}
			if err := chatkit.StreamWidget(turn, item, slices.Values(tc.states[1:])); err != nil {
				t.Fatalf("StreamWidget: %v", err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDiffWidget(t *testing.T) {
	t.Parallel()
	streaming := func(value string, more bool) widget.Root {
		return widget.Card{Children: []widget.Component{
			widget.Title{Value: "Draft"},
			widget.Row{Children: []widget.Component{widget.Markdown{ID: "body", Value: value, Streaming: more}}},
		}}
	}
	tests := []struct {
		name          string
		before, after widget.Root
		want          []string // update types
	}{
		{"no change", streaming("a", true), streaming("a", true), nil},
		{"nested markdown append", streaming("Dear", true), streaming("Dear Harry", true), []string{"widget.streaming_text.value_delta"}},
		{"streaming flag flips", streaming("Dear", true), streaming("Dear", false), []string{"widget.root.updated"}},
		{"prop change", textCard("a"), widget.Card{Children: []widget.Component{widget.Text{ID: "text", Value: "a", Italic: true}}}, []string{"widget.root.updated"}},
		{"root type change", textCard("a"), widget.ListView{}, []string{"widget.root.updated"}},
		{"raw widgets", widget.Raw(`{"type":"Card","children":[{"type":"Text","id":"t","value":"a"}]}`),
			widget.Raw(`{"type":"Card","children":[{"type":"Text","id":"t","value":"ab"}]}`), []string{"widget.streaming_text.value_delta"}},
		{"renamed component", widget.Raw(`{"type":"Card","children":[{"type":"Text","id":"t","value":"a"}]}`),
			widget.Raw(`{"type":"Card","children":[{"type":"Text","id":"u","value":"a"}]}`), []string{"widget.root.updated"}},
		{"one of two streams grows", widget.Raw(`{"type":"Card","children":[{"type":"Text","id":"t","value":"a"},{"type":"Text","id":"v","value":"b"}]}`),
			widget.Raw(`{"type":"Card","children":[{"type":"Text","id":"t","value":"ab"},{"type":"Text","id":"v","value":"b"}]}`), []string{"widget.streaming_text.value_delta"}},
		{"text replaced", textCard("Hello"), textCard("World"), []string{"widget.root.updated"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			updates, err := chatkit.DiffWidget(tc.before, tc.after)
			if err != nil {
				t.Fatalf("DiffWidget: %v", err)
			}
			var got []string
			for _, u := range updates {
				got = append(got, u.Type())
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("updates (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidIcon(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]bool{
		"search": true, "check-circle-filled": true, "lucide:alarm-clock": true, "vendor:acme": true,
		"upload": false, "": false, "Search": false,
	} {
		if got := chatkit.ValidIcon(name); got != want {
			t.Errorf("ValidIcon(%q) = %v, want %v", name, got, want)
		}
	}
}
