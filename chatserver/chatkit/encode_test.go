package chatkit

import (
	"encoding/json"
	"testing"
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
