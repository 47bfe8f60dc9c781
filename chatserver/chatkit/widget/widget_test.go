package widget_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/taskpilot/taskpilot/chatserver/chatkit/widget"
)

// TestMarshal checks the JSON ChatKit.js reads: the component's "type"
// first, camelCase props, zero values left out, lists that are never null
// and actions with the client's defaults filled in.
func TestMarshal(t *testing.T) {
	t.Parallel()
	noStream := false
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"empty card", widget.Card{}, `{"type":"Card","children":[]}`},
		{"empty list", widget.ListView{}, `{"type":"ListView","children":[]}`},
		{"empty basic", widget.Basic{}, `{"type":"Basic"}`},
		{"empty select", widget.Select{Name: "due"}, `{"type":"Select","name":"due","options":[]}`},
		{"text with layout", widget.Col{Children: []widget.Component{&widget.Text{Value: "a", LineThrough: true}}, Layout: widget.Layout{Flex: 1}},
			`{"type":"Col","children":[{"type":"Text","value":"a","lineThrough":true}],"flex":1}`},
		{"action defaults", widget.Button{Label: "Done", OnClickAction: &widget.Action{Type: "task.complete", Payload: map[string]any{"id": 1}}},
			`{"type":"Button","label":"Done","onClickAction":{"type":"task.complete","payload":{"id":1},"handler":"server","loadingBehavior":"auto","streaming":true}}`},
		{"sync action", widget.Action{Type: "task.complete", Handler: "client", LoadingBehavior: "none", Streaming: &noStream},
			`{"type":"task.complete","handler":"client","loadingBehavior":"none","streaming":false}`},
		{"raw keeps every prop", widget.Card{Children: []widget.Component{widget.Raw(`{"type":"Chart","data":[1,2]}`)}},
			`{"type":"Card","children":[{"type":"Chart","data":[1,2]}]}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b, err := json.Marshal(tc.in)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			if string(b) != tc.want {
				t.Errorf("Marshal = %s\nwant      %s", b, tc.want)
			}
		})
	}
}

func TestRawRejectsNonWidgets(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{`[]`, `{}`, `"Card"`, `{"type":1}`} {
		var w widget.Raw
		if err := json.Unmarshal([]byte(bad), &w); err == nil || !strings.Contains(err.Error(), "widget") {
			t.Errorf("Raw accepts %s (err %v)", bad, err)
		}
	}
	if _, err := json.Marshal(widget.Raw(nil)); err == nil {
		t.Error("an empty Raw marshals")
	}
}
