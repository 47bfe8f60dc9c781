package chatkit

import "fmt"

// Event is one server-sent event of a streamed response. The
// implementations are the pointer types of this file. A Responder passes
// them to [Turn.Emit]; the server persists what they describe (see
// [Server]) and sends them.
type Event interface {
	// Type returns the event's wire type, e.g. "thread.item.done".
	Type() string
	isEvent()
}

// ThreadCreatedEvent announces a new thread (sent by the server only).
type ThreadCreatedEvent struct {
	Thread Thread `json:"thread"`
}

// ThreadUpdatedEvent carries a thread whose title, status or allowed image
// domains changed (sent by the server only; a Responder changes
// Turn.Thread instead).
type ThreadUpdatedEvent struct {
	Thread Thread `json:"thread"`
}

// ThreadItemAddedEvent starts an item that will be completed later by
// thread.item.updated events and a thread.item.done. It is not persisted.
type ThreadItemAddedEvent struct {
	Item ThreadItem `json:"item"`
}

// ThreadItemUpdatedEvent changes a pending item (see ItemUpdate).
type ThreadItemUpdatedEvent struct {
	ItemID string     `json:"item_id"`
	Update ItemUpdate `json:"update"`
}

// ThreadItemDoneEvent delivers a complete item; the server adds it to the
// thread. It may come without a thread.item.added before it. Hidden
// context items are stored but not sent.
type ThreadItemDoneEvent struct {
	Item ThreadItem `json:"item"`

	// encoded, when set by the server, is json.Marshal(Item), made once
	// for the store and the client.
	encoded []byte
}

// ThreadItemRemovedEvent removes an item; the server deletes it.
type ThreadItemRemovedEvent struct {
	ItemID string `json:"item_id"`
}

// ThreadItemReplacedEvent replaces an item (matched by id); the server
// saves it.
type ThreadItemReplacedEvent struct {
	Item ThreadItem `json:"item"`
}

// StreamOptionsEvent sets stream options; the server sends it first in
// every respond or action phase.
type StreamOptionsEvent struct {
	StreamOptions StreamOptions `json:"stream_options"`
}

// StreamOptions are runtime options of a stream.
type StreamOptions struct {
	AllowCancel bool `json:"allow_cancel"` // show a stop button
}

// ProgressUpdateEvent shows a transient progress line (not stored).
type ProgressUpdateEvent struct {
	Icon string `json:"icon,omitempty"` // see ValidIcon
	Text string `json:"text"`
}

// ClientEffectEvent asks the client to run an effect (ChatKit.js onEffect);
// fire and forget, not stored.
type ClientEffectEvent struct {
	Name string         `json:"name"`
	Data map[string]any `json:"data"`
}

// NoticeEvent shows a transient notice (markdown), not stored.
type NoticeEvent struct {
	Level   string `json:"level"` // "info", "warning" or "danger"
	Message string `json:"message"`
	Title   string `json:"title,omitempty"`
}

// ErrorEvent shows an error in the chat, with a retry button when
// AllowRetry is set. The server sends it when a Responder fails (see
// StreamError); the stream ends after it.
type ErrorEvent struct {
	Code       string `json:"code"`              // ErrorCodeStream or ErrorCodeCustom
	Message    string `json:"message,omitempty"` // shown verbatim with ErrorCodeCustom
	AllowRetry bool   `json:"allow_retry"`
}

// Error event codes; the reference rejects any other.
const (
	ErrorCodeStream = "stream.error" // the client shows its own generic message
	ErrorCodeCustom = "custom"       // the client shows Message
)

func (*ThreadCreatedEvent) isEvent()      {}
func (*ThreadUpdatedEvent) isEvent()      {}
func (*ThreadItemAddedEvent) isEvent()    {}
func (*ThreadItemUpdatedEvent) isEvent()  {}
func (*ThreadItemDoneEvent) isEvent()     {}
func (*ThreadItemRemovedEvent) isEvent()  {}
func (*ThreadItemReplacedEvent) isEvent() {}
func (*StreamOptionsEvent) isEvent()      {}
func (*ProgressUpdateEvent) isEvent()     {}
func (*ClientEffectEvent) isEvent()       {}
func (*NoticeEvent) isEvent()             {}
func (*ErrorEvent) isEvent()              {}

// Type returns "thread.created".
func (*ThreadCreatedEvent) Type() string { return "thread.created" }

// Type returns "thread.updated".
func (*ThreadUpdatedEvent) Type() string { return "thread.updated" }

// Type returns "thread.item.added".
func (*ThreadItemAddedEvent) Type() string { return "thread.item.added" }

// Type returns "thread.item.updated".
func (*ThreadItemUpdatedEvent) Type() string { return "thread.item.updated" }

// Type returns "thread.item.done".
func (*ThreadItemDoneEvent) Type() string { return "thread.item.done" }

// Type returns "thread.item.removed".
func (*ThreadItemRemovedEvent) Type() string { return "thread.item.removed" }

// Type returns "thread.item.replaced".
func (*ThreadItemReplacedEvent) Type() string { return "thread.item.replaced" }

// Type returns "stream_options".
func (*StreamOptionsEvent) Type() string { return "stream_options" }

// Type returns "progress_update".
func (*ProgressUpdateEvent) Type() string { return "progress_update" }

// Type returns "client_effect".
func (*ClientEffectEvent) Type() string { return "client_effect" }

// Type returns "notice".
func (*NoticeEvent) Type() string { return "notice" }

// Type returns "error".
func (*ErrorEvent) Type() string { return "error" }

// MarshalJSON implements json.Marshaler.
func (e ThreadCreatedEvent) MarshalJSON() ([]byte, error) {
	type plain ThreadCreatedEvent
	return marshalTyped(e.Type(), plain(e))
}

// MarshalJSON implements json.Marshaler.
func (e ThreadUpdatedEvent) MarshalJSON() ([]byte, error) {
	type plain ThreadUpdatedEvent
	return marshalTyped(e.Type(), plain(e))
}

// MarshalJSON implements json.Marshaler.
func (e ThreadItemAddedEvent) MarshalJSON() ([]byte, error) {
	if e.Item == nil {
		return nil, fmt.Errorf("%s: no item", e.Type())
	}
	type plain ThreadItemAddedEvent
	return marshalTyped(e.Type(), plain(e))
}

// MarshalJSON implements json.Marshaler.
func (e ThreadItemUpdatedEvent) MarshalJSON() ([]byte, error) {
	if e.Update == nil {
		return nil, fmt.Errorf("%s: no update", e.Type())
	}
	type plain ThreadItemUpdatedEvent
	return marshalTyped(e.Type(), plain(e))
}

// doneHead is how a thread.item.done event's JSON starts, before its item.
const doneHead = `{"type":"thread.item.done","item":`

// MarshalJSON implements json.Marshaler.
func (e ThreadItemDoneEvent) MarshalJSON() ([]byte, error) {
	if e.Item == nil {
		return nil, fmt.Errorf("%s: no item", e.Type())
	}
	if e.encoded != nil { // the bytes marshalTyped would write around it
		b := make([]byte, 0, len(e.encoded)+len(doneHead)+1)
		b = append(append(b, doneHead...), e.encoded...)
		return append(b, '}'), nil
	}
	type plain ThreadItemDoneEvent
	return marshalTyped(e.Type(), plain(e))
}

// MarshalJSON implements json.Marshaler.
func (e ThreadItemRemovedEvent) MarshalJSON() ([]byte, error) {
	type plain ThreadItemRemovedEvent
	return marshalTyped(e.Type(), plain(e))
}

// MarshalJSON implements json.Marshaler.
func (e ThreadItemReplacedEvent) MarshalJSON() ([]byte, error) {
	if e.Item == nil {
		return nil, fmt.Errorf("%s: no item", e.Type())
	}
	type plain ThreadItemReplacedEvent
	return marshalTyped(e.Type(), plain(e))
}

// MarshalJSON implements json.Marshaler.
func (e StreamOptionsEvent) MarshalJSON() ([]byte, error) {
	type plain StreamOptionsEvent
	return marshalTyped(e.Type(), plain(e))
}

// MarshalJSON implements json.Marshaler.
func (e ProgressUpdateEvent) MarshalJSON() ([]byte, error) {
	type plain ProgressUpdateEvent
	return marshalTyped(e.Type(), plain(e))
}

// MarshalJSON implements json.Marshaler; nil Data encodes as {}.
func (e ClientEffectEvent) MarshalJSON() ([]byte, error) {
	type plain ClientEffectEvent
	e.Data = emptyMapIfNil(e.Data)
	return marshalTyped(e.Type(), plain(e))
}

// MarshalJSON implements json.Marshaler.
func (e NoticeEvent) MarshalJSON() ([]byte, error) {
	type plain NoticeEvent
	return marshalTyped(e.Type(), plain(e))
}

// MarshalJSON implements json.Marshaler; an empty Code is "custom", the
// reference's default.
func (e ErrorEvent) MarshalJSON() ([]byte, error) {
	type plain ErrorEvent
	if e.Code == "" {
		e.Code = ErrorCodeCustom
	}
	return marshalTyped(e.Type(), plain(e))
}
