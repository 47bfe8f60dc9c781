package widget

import (
	"encoding/json"
	"errors"
)

// A widget is a tree of components whose root is a [Card], a [ListView], a
// [Basic] or a [Raw]. Components marshal with their PascalCase
// "type" and camelCase props, as ChatKit.js expects; zero-valued props are
// omitted. Build trees from the typed components in this package, or keep
// any JSON (for example a rendered .widget template) as a Raw.
//
// Widgets read back from a Store decode as Raw, which keeps every
// prop, including ones this package has no field for.

// Root is the root of a widget item: *Card, *ListView, *Basic (or the
// same types as values) or a Raw.
type Root interface {
	isRoot()
}

// Component is a component inside a widget: any of the component
// types of this package (as pointer or value), or a Raw.
type Component interface {
	isComponent()
}

// Raw is a widget root or component kept as raw JSON. It must be a
// JSON object with a "type".
type Raw json.RawMessage

func (Raw) isRoot()      {}
func (Raw) isComponent() {}

// MarshalJSON implements json.Marshaler.
func (w Raw) MarshalJSON() ([]byte, error) {
	if len(w) == 0 {
		return nil, errors.New("empty raw widget")
	}
	return w, nil
}

// UnmarshalJSON implements json.Unmarshaler; it requires an object with a
// string "type".
func (w *Raw) UnmarshalJSON(b []byte) error {
	var head struct {
		Type *string `json:"type"`
	}
	if err := json.Unmarshal(b, &head); err != nil || head.Type == nil {
		return errors.New("widget: must be an object with a type")
	}
	*w = append(Raw(nil), b...)
	return nil
}

// Action is an action a widget sends when clicked, changed or
// submitted. With the default Handler "server", the client posts
// threads.custom_action (or threads.sync_custom_action when Streaming is
// false) with {type, payload}; form values are merged into the payload.
type Action struct {
	Type    string `json:"type"`              // app-defined, e.g. "task.complete"
	Payload any    `json:"payload,omitempty"` // any JSON; untrusted when it comes back
	// Handler is "server" (default) or "client" (widgets.onAction in the
	// browser; nothing reaches the server).
	Handler string `json:"handler"`
	// LoadingBehavior is "auto" (default), "self", "container" or "none".
	LoadingBehavior string `json:"loadingBehavior"`
	// Streaming defaults to true; false makes the client use
	// threads.sync_custom_action, allowed even while a reply streams.
	Streaming *bool `json:"streaming"`
}

// MarshalJSON implements json.Marshaler, filling in the defaults as the
// reference's typed widgets do.
func (a Action) MarshalJSON() ([]byte, error) {
	type plain Action
	if a.Handler == "" {
		a.Handler = "server"
	}
	if a.LoadingBehavior == "" {
		a.LoadingBehavior = "auto"
	}
	if a.Streaming == nil {
		t := true
		a.Streaming = &t
	}
	return json.Marshal(plain(a))
}

// Status is the status line of a Card or ListView: Text with an Icon,
// or with a Favicon URL.
type Status struct {
	Text    string `json:"text"`
	Icon    string `json:"icon,omitempty"`
	Favicon string `json:"favicon,omitempty"`
	Frame   bool   `json:"frame,omitempty"`
}

// CardAction is a confirm or cancel button in a Card's footer.
type CardAction struct {
	Label  string `json:"label"`
	Action Action `json:"action"`
}

// Card is a general-purpose root, with optional confirm and cancel actions.
type Card struct {
	ID         string      `json:"id,omitempty"`
	Key        string      `json:"key,omitempty"`
	Children   []Component `json:"children"`
	AsForm     bool        `json:"asForm,omitempty"`
	Background string      `json:"background,omitempty"`
	Size       string      `json:"size,omitempty"` // sm, md, lg, full
	Padding    any         `json:"padding,omitempty"`
	Status     *Status     `json:"status,omitempty"`
	Collapsed  bool        `json:"collapsed,omitempty"`
	Confirm    *CardAction `json:"confirm,omitempty"`
	Cancel     *CardAction `json:"cancel,omitempty"`
	Theme      string      `json:"theme,omitempty"` // light, dark
}

// ListView is a root listing ListViewItems, with "show more" after Limit
// (an int or "auto").
type ListView struct {
	ID       string         `json:"id,omitempty"`
	Key      string         `json:"key,omitempty"`
	Children []ListViewItem `json:"children"`
	Limit    any            `json:"limit,omitempty"`
	Status   *Status        `json:"status,omitempty"`
	Theme    string         `json:"theme,omitempty"`
}

// ListViewItem is one row of a ListView.
type ListViewItem struct {
	ID            string      `json:"id,omitempty"`
	Key           string      `json:"key,omitempty"`
	Children      []Component `json:"children"`
	OnClickAction *Action     `json:"onClickAction,omitempty"`
	Gap           any         `json:"gap,omitempty"`
	Align         string      `json:"align,omitempty"`
}

// Basic is a minimal root, for entity previews and simple layouts.
type Basic struct {
	ID        string      `json:"id,omitempty"`
	Key       string      `json:"key,omitempty"`
	Children  []Component `json:"children,omitempty"`
	Direction string      `json:"direction,omitempty"` // row, col
	Gap       any         `json:"gap,omitempty"`
	Padding   any         `json:"padding,omitempty"`
	Align     string      `json:"align,omitempty"`
	Justify   string      `json:"justify,omitempty"`
	Theme     string      `json:"theme,omitempty"`
}

func (Card) isRoot()     {}
func (ListView) isRoot() {}
func (Basic) isRoot()    {}

func (ListViewItem) isComponent() {}

// MarshalJSON implements json.Marshaler; nil Children encode as [].
func (c Card) MarshalJSON() ([]byte, error) {
	type plain Card
	c.Children = emptyIfNil(c.Children)
	return marshalTyped("Card", plain(c))
}

// MarshalJSON implements json.Marshaler; nil Children encode as [].
func (l ListView) MarshalJSON() ([]byte, error) {
	type plain ListView
	l.Children = emptyIfNil(l.Children)
	return marshalTyped("ListView", plain(l))
}

// MarshalJSON implements json.Marshaler; nil Children encode as [].
func (l ListViewItem) MarshalJSON() ([]byte, error) {
	type plain ListViewItem
	l.Children = emptyIfNil(l.Children)
	return marshalTyped("ListViewItem", plain(l))
}

// MarshalJSON implements json.Marshaler.
func (b Basic) MarshalJSON() ([]byte, error) {
	type plain Basic
	return marshalTyped("Basic", plain(b))
}
