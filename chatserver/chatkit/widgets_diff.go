package chatkit

import (
	"encoding/json"
	"fmt"
	"iter"
	"reflect"
	"strings"

	"github.com/taskpilot/taskpilot/chatserver/chatkit/widget"
)

// DiffWidget returns the updates that turn widget before into after, as
// the reference's diff_widget does. When the only changes are values of
// Text or Markdown components with an id that grew by appending, it returns
// one widget.streaming_text.value_delta per grown component (done when the
// component is no longer streaming); any other change gives a single
// widget.root.updated with after. It returns an error when a streaming
// component disappeared or its value did not grow by appending.
func DiffWidget(before, after widget.Root) ([]ItemUpdate, error) {
	b, err := widgetTree(before)
	if err != nil {
		return nil, err
	}
	a, err := widgetTree(after)
	if err != nil {
		return nil, err
	}
	if needsFullReplace(b, a) {
		return []ItemUpdate{&WidgetRootUpdated{Widget: after}}, nil
	}
	beforeTexts, afterTexts := streamingTexts(b), streamingTexts(a)
	var updates []ItemUpdate
	for _, id := range afterTexts.order {
		an := afterTexts.nodes[id]
		bn, ok := beforeTexts.nodes[id]
		if !ok {
			return nil, fmt.Errorf("widget component %q was not in the first version; components with an id must stay", id)
		}
		bv, av := bn["value"].(string), an["value"].(string)
		if bv == av {
			continue
		}
		if !strings.HasPrefix(av, bv) {
			return nil, fmt.Errorf("widget component %q: new value does not extend the old one; updates must append", id)
		}
		streaming, _ := an["streaming"].(bool)
		updates = append(updates, &WidgetStreamingTextValueDelta{ComponentID: id, Delta: av[len(bv):], Done: !streaming})
	}
	return updates, nil
}

// StreamWidget streams a widget that is built in steps: it emits
// thread.item.added with item (whose Widget is the first state), then the
// DiffWidget updates towards each state of states, then thread.item.done
// with the last state.
func StreamWidget(turn *Turn, item *WidgetItem, states iter.Seq[widget.Root]) error {
	if err := turn.Emit(&ThreadItemAddedEvent{Item: item}); err != nil {
		return err
	}
	last := item.Widget
	for state := range states {
		updates, err := DiffWidget(last, state)
		if err != nil {
			return err
		}
		for _, u := range updates {
			if err := turn.Emit(&ThreadItemUpdatedEvent{ItemID: item.ID, Update: u}); err != nil {
				return err
			}
		}
		last = state
	}
	item.Widget = last
	return turn.Emit(&ThreadItemDoneEvent{Item: item})
}

// widgetTree returns w as generic JSON.
func widgetTree(w widget.Root) (map[string]any, error) {
	b, err := json.Marshal(w)
	if err != nil {
		return nil, fmt.Errorf("encode widget: %w", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("decode widget: %w", err)
	}
	return m, nil
}

// isStreamingText reports whether node is a Text or Markdown with a value.
func isStreamingText(node map[string]any) bool {
	t := node["type"]
	_, ok := node["value"].(string)
	return ok && (t == "Text" || t == "Markdown")
}

// needsFullReplace reports whether before and after differ in anything
// but appended text values.
func needsFullReplace(before, after map[string]any) bool {
	for _, k := range []string{"type", "id", "key"} {
		if before[k] != after[k] {
			return true
		}
	}
	keys := map[string]bool{}
	for k := range before {
		keys[k] = true
	}
	for k := range after {
		keys[k] = true
	}
	for k := range keys {
		if k == "value" && isStreamingText(before) && isStreamingText(after) &&
			strings.HasPrefix(after["value"].(string), before["value"].(string)) {
			continue
		}
		if valueNeedsFullReplace(before[k], after[k]) {
			return true
		}
	}
	return false
}

func valueNeedsFullReplace(before, after any) bool {
	bl, bok := before.([]any)
	al, aok := after.([]any)
	if bok && aok {
		if len(bl) != len(al) {
			return true
		}
		for i := range bl {
			if valueNeedsFullReplace(bl[i], al[i]) {
				return true
			}
		}
		return false
	}
	if reflect.DeepEqual(before, after) {
		return false
	}
	bm, bok := before.(map[string]any)
	am, aok := after.(map[string]any)
	if bok && aok && bm["type"] != nil && am["type"] != nil {
		return needsFullReplace(bm, am)
	}
	return true
}

// textNodes are the streaming text components of a tree, by id.
type textNodes struct {
	order []string
	nodes map[string]map[string]any
}

func streamingTexts(root map[string]any) textNodes {
	tn := textNodes{nodes: map[string]map[string]any{}}
	var walk func(n map[string]any)
	walk = func(n map[string]any) {
		if id, ok := n["id"].(string); ok && id != "" && isStreamingText(n) {
			if _, seen := tn.nodes[id]; !seen {
				tn.order = append(tn.order, id)
			}
			tn.nodes[id] = n
		}
		children, _ := n["children"].([]any)
		for _, c := range children {
			if cm, ok := c.(map[string]any); ok {
				walk(cm)
			}
		}
	}
	walk(root)
	return tn
}
