package chatkit

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/taskpilot/taskpilot/chatserver/chatkit/widget"
)

// ItemBase holds the fields every thread item has.
type ItemBase struct {
	ID       string `json:"id"`
	ThreadID string `json:"thread_id"`
	// CreatedAt orders items within a thread. A Store must keep items with
	// equal CreatedAt in insertion order.
	CreatedAt time.Time `json:"created_at"`
}

// Base returns b; through embedding it gives every item access to its
// common fields.
func (b *ItemBase) Base() *ItemBase { return b }

func (b ItemBase) utc() ItemBase {
	b.CreatedAt = b.CreatedAt.UTC()
	return b
}

// ThreadItem is an item of a thread. The implementations are the pointer
// types *UserMessageItem, *AssistantMessageItem, *ClientToolCallItem,
// *WidgetItem, *GeneratedImageItem, *StructuredInputItem, *WorkflowItem,
// *TaskItem, *HiddenContextItem, *SDKHiddenContextItem and *EndOfTurnItem.
// Each marshals with its "type"; [UnmarshalItem] decodes any of them.
type ThreadItem interface {
	Base() *ItemBase
	// Type returns the item's wire type, e.g. "user_message".
	Type() string
	isThreadItem()
}

// Item types, as returned by ThreadItem.Type.
const (
	ItemUserMessage      = "user_message"
	ItemAssistantMessage = "assistant_message"
	ItemClientToolCall   = "client_tool_call"
	ItemWidget           = "widget"
	ItemGeneratedImage   = "generated_image"
	ItemStructuredInput  = "structured_input"
	ItemWorkflow         = "workflow"
	ItemTask             = "task"
	ItemHiddenContext    = "hidden_context_item"
	ItemSDKHiddenContext = "sdk_hidden_context"
	ItemEndOfTurn        = "end_of_turn"
)

// UserMessageItem is a message the user sent. The server builds it from
// the request; a Responder receives it as its input.
type UserMessageItem struct {
	ItemBase
	Content          []UserContent    `json:"content"`
	Attachments      []Attachment     `json:"attachments"`
	QuotedText       string           `json:"quoted_text,omitempty"` // "reply to a selection"
	InferenceOptions InferenceOptions `json:"inference_options"`
}

// AssistantMessageItem is a message of the assistant, in markdown.
type AssistantMessageItem struct {
	ItemBase
	Content []AssistantContent `json:"content"`
}

// Text returns the concatenated text of the message's parts.
func (m *AssistantMessageItem) Text() string {
	var b strings.Builder
	for _, c := range m.Content {
		b.WriteString(c.Text)
	}
	return b.String()
}

// ClientToolCallItem asks the client to run a tool (ChatKit.js onClientTool).
// While Status is "pending" the client runs it and posts
// threads.add_client_tool_output, which completes the item and resumes the
// turn.
type ClientToolCallItem struct {
	ItemBase
	Status    string         `json:"status"` // "pending" (or empty) or "completed"
	CallID    string         `json:"call_id"`
	Name      string         `json:"name"`
	Arguments map[string]any `json:"arguments"`
	Output    any            `json:"output,omitempty"`
}

// Client tool call statuses.
const (
	ToolCallPending   = "pending"
	ToolCallCompleted = "completed"
)

// WidgetItem shows a widget. CopyText is what the copy button copies.
type WidgetItem struct {
	ItemBase
	Widget   widget.Root `json:"widget"`
	CopyText string      `json:"copy_text,omitempty"`
}

// GeneratedImageItem shows an image the model generated (nil while it is
// being generated).
type GeneratedImageItem struct {
	ItemBase
	Image *GeneratedImage `json:"image,omitempty"`
}

// StructuredInputItem asks the user questions; it takes over the composer
// while Status is "pending". threads.add_structured_input answers it.
type StructuredInputItem struct {
	ItemBase
	Status string            `json:"status"` // "pending" (or empty), "answered" or "skipped"
	Inputs []StructuredInput `json:"inputs"`
}

// Structured input statuses.
const (
	InputPending  = "pending"
	InputAnswered = "answered"
	InputSkipped  = "skipped"
)

// WorkflowItem shows a workflow: steps the assistant took, or its reasoning.
type WorkflowItem struct {
	ItemBase
	Workflow Workflow `json:"workflow"`
}

// TaskItem shows a single task outside a workflow.
type TaskItem struct {
	ItemBase
	Task Task `json:"task"`
}

// HiddenContextItem is integration-defined context for the model (for
// example a tool result). It is stored but never sent to the client.
type HiddenContextItem struct {
	ItemBase
	Content any `json:"content"`
}

// SDKHiddenContextItem is context the server itself records for the model,
// such as a note that the user cancelled a stream. Never sent to the client.
type SDKHiddenContextItem struct {
	ItemBase
	Content string `json:"content"`
}

// EndOfTurnItem marks the end of the assistant's turn (a UI hint).
type EndOfTurnItem struct {
	ItemBase
}

func (*UserMessageItem) isThreadItem()      {}
func (*AssistantMessageItem) isThreadItem() {}
func (*ClientToolCallItem) isThreadItem()   {}
func (*WidgetItem) isThreadItem()           {}
func (*GeneratedImageItem) isThreadItem()   {}
func (*StructuredInputItem) isThreadItem()  {}
func (*WorkflowItem) isThreadItem()         {}
func (*TaskItem) isThreadItem()             {}
func (*HiddenContextItem) isThreadItem()    {}
func (*SDKHiddenContextItem) isThreadItem() {}
func (*EndOfTurnItem) isThreadItem()        {}

// Type returns "user_message".
func (*UserMessageItem) Type() string { return ItemUserMessage }

// Type returns "assistant_message".
func (*AssistantMessageItem) Type() string { return ItemAssistantMessage }

// Type returns "client_tool_call".
func (*ClientToolCallItem) Type() string { return ItemClientToolCall }

// Type returns "widget".
func (*WidgetItem) Type() string { return ItemWidget }

// Type returns "generated_image".
func (*GeneratedImageItem) Type() string { return ItemGeneratedImage }

// Type returns "structured_input".
func (*StructuredInputItem) Type() string { return ItemStructuredInput }

// Type returns "workflow".
func (*WorkflowItem) Type() string { return ItemWorkflow }

// Type returns "task".
func (*TaskItem) Type() string { return ItemTask }

// Type returns "hidden_context_item".
func (*HiddenContextItem) Type() string { return ItemHiddenContext }

// Type returns "sdk_hidden_context".
func (*SDKHiddenContextItem) Type() string { return ItemSDKHiddenContext }

// Type returns "end_of_turn".
func (*EndOfTurnItem) Type() string { return ItemEndOfTurn }

// MarshalJSON implements json.Marshaler; nil lists encode as [].
func (m UserMessageItem) MarshalJSON() ([]byte, error) {
	type plain UserMessageItem
	m.ItemBase = m.utc()
	m.Content = emptyIfNil(m.Content)
	m.Attachments = emptyIfNil(m.Attachments)
	return marshalTyped(ItemUserMessage, plain(m))
}

// MarshalJSON implements json.Marshaler; nil Content encodes as [].
func (m AssistantMessageItem) MarshalJSON() ([]byte, error) {
	type plain AssistantMessageItem
	m.ItemBase = m.utc()
	m.Content = emptyIfNil(m.Content)
	return marshalTyped(ItemAssistantMessage, plain(m))
}

// MarshalJSON implements json.Marshaler; nil Arguments encode as {}.
func (c ClientToolCallItem) MarshalJSON() ([]byte, error) {
	type plain ClientToolCallItem
	c.ItemBase = c.utc()
	c.Arguments = emptyMapIfNil(c.Arguments)
	if c.Status == "" {
		c.Status = ToolCallPending
	}
	return marshalTyped(ItemClientToolCall, plain(c))
}

// MarshalJSON implements json.Marshaler.
func (w WidgetItem) MarshalJSON() ([]byte, error) {
	type plain WidgetItem
	w.ItemBase = w.utc()
	if w.Widget == nil {
		return nil, fmt.Errorf("widget item %s: no widget", w.ID)
	}
	return marshalTyped(ItemWidget, plain(w))
}

// UnmarshalJSON implements json.Unmarshaler. The widget decodes as a
// [widget.Raw], which keeps every prop.
func (w *WidgetItem) UnmarshalJSON(b []byte) error {
	var p struct {
		ItemBase
		Widget   widget.Raw `json:"widget"`
		CopyText string     `json:"copy_text"`
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	if p.Widget == nil {
		return invalid("widget item: widget: required")
	}
	*w = WidgetItem{ItemBase: p.ItemBase, Widget: p.Widget, CopyText: p.CopyText}
	return nil
}

// MarshalJSON implements json.Marshaler.
func (g GeneratedImageItem) MarshalJSON() ([]byte, error) {
	type plain GeneratedImageItem
	g.ItemBase = g.utc()
	return marshalTyped(ItemGeneratedImage, plain(g))
}

// MarshalJSON implements json.Marshaler; nil Inputs encode as [].
func (s StructuredInputItem) MarshalJSON() ([]byte, error) {
	type plain StructuredInputItem
	s.ItemBase = s.utc()
	s.Inputs = emptyIfNil(s.Inputs)
	if s.Status == "" {
		s.Status = InputPending
	}
	return marshalTyped(ItemStructuredInput, plain(s))
}

// MarshalJSON implements json.Marshaler.
func (w WorkflowItem) MarshalJSON() ([]byte, error) {
	type plain WorkflowItem
	w.ItemBase = w.utc()
	return marshalTyped(ItemWorkflow, plain(w))
}

// MarshalJSON implements json.Marshaler.
func (t TaskItem) MarshalJSON() ([]byte, error) {
	type plain TaskItem
	t.ItemBase = t.utc()
	return marshalTyped(ItemTask, plain(t))
}

// MarshalJSON implements json.Marshaler.
func (h HiddenContextItem) MarshalJSON() ([]byte, error) {
	type plain HiddenContextItem
	h.ItemBase = h.utc()
	return marshalTyped(ItemHiddenContext, plain(h))
}

// MarshalJSON implements json.Marshaler.
func (h SDKHiddenContextItem) MarshalJSON() ([]byte, error) {
	type plain SDKHiddenContextItem
	h.ItemBase = h.utc()
	return marshalTyped(ItemSDKHiddenContext, plain(h))
}

// MarshalJSON implements json.Marshaler.
func (e EndOfTurnItem) MarshalJSON() ([]byte, error) {
	return marshalTyped(ItemEndOfTurn, e.utc())
}

// UnmarshalItem decodes a thread item of any type, as written by
// json.Marshal. It is how a Store reads back items it saved as JSON.
func UnmarshalItem(data []byte) (ThreadItem, error) {
	var head struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, fmt.Errorf("decode thread item: %w", err)
	}
	item := newItem(head.Type)
	if item == nil {
		return nil, fmt.Errorf("decode thread item: unknown type %q", head.Type)
	}
	if err := json.Unmarshal(data, item); err != nil {
		return nil, fmt.Errorf("decode %s item: %w", head.Type, err)
	}
	return item, nil
}

func newItem(typ string) ThreadItem {
	switch typ {
	case ItemUserMessage:
		return new(UserMessageItem)
	case ItemAssistantMessage:
		return new(AssistantMessageItem)
	case ItemClientToolCall:
		return new(ClientToolCallItem)
	case ItemWidget:
		return new(WidgetItem)
	case ItemGeneratedImage:
		return new(GeneratedImageItem)
	case ItemStructuredInput:
		return new(StructuredInputItem)
	case ItemWorkflow:
		return new(WorkflowItem)
	case ItemTask:
		return new(TaskItem)
	case ItemHiddenContext:
		return new(HiddenContextItem)
	case ItemSDKHiddenContext:
		return new(SDKHiddenContextItem)
	case ItemEndOfTurn:
		return new(EndOfTurnItem)
	}
	return nil
}

// CloneItem returns a deep copy of item, made by a JSON round trip.
func CloneItem(item ThreadItem) (ThreadItem, error) {
	b, err := json.Marshal(item)
	if err != nil {
		return nil, fmt.Errorf("clone %s item: %w", item.Type(), err)
	}
	return UnmarshalItem(b)
}

// isHidden reports whether item is context for the model only, never sent
// to the client.
func isHidden(item ThreadItem) bool {
	switch item.(type) {
	case *HiddenContextItem, *SDKHiddenContextItem:
		return true
	}
	return false
}
