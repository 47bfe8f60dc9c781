package chatkit

import "github.com/taskpilot/taskpilot/chatserver/chatkit/widget"

// ItemUpdate is the change a thread.item.updated event applies to a
// pending item. The implementations are the pointer types of this file.
type ItemUpdate interface {
	// Type returns the update's wire type, e.g.
	// "assistant_message.content_part.text_delta".
	Type() string
	isItemUpdate()
}

// AssistantMessageContentPartAdded starts content part ContentIndex of an
// assistant message.
type AssistantMessageContentPartAdded struct {
	ContentIndex int              `json:"content_index"`
	Content      AssistantContent `json:"content"`
}

// AssistantMessageContentPartTextDelta appends Delta to the text of content
// part ContentIndex.
type AssistantMessageContentPartTextDelta struct {
	ContentIndex int    `json:"content_index"`
	Delta        string `json:"delta"`
}

// AssistantMessageContentPartAnnotationAdded inserts an annotation into
// content part ContentIndex at AnnotationIndex.
type AssistantMessageContentPartAnnotationAdded struct {
	ContentIndex    int        `json:"content_index"`
	AnnotationIndex int        `json:"annotation_index"`
	Annotation      Annotation `json:"annotation"`
}

// AssistantMessageContentPartDone finalizes content part ContentIndex with
// its full content.
type AssistantMessageContentPartDone struct {
	ContentIndex int              `json:"content_index"`
	Content      AssistantContent `json:"content"`
}

// WidgetStreamingTextValueDelta appends Delta to the value of the Text or
// Markdown component ComponentID; Done is true when it stopped streaming.
type WidgetStreamingTextValueDelta struct {
	ComponentID string `json:"component_id"`
	Delta       string `json:"delta"`
	Done        bool   `json:"done"`
}

// WidgetRootUpdated replaces the whole widget of a widget item.
type WidgetRootUpdated struct {
	Widget widget.Root `json:"widget"`
}

// WidgetComponentUpdated replaces the component ComponentID of a widget.
type WidgetComponentUpdated struct {
	ComponentID string           `json:"component_id"`
	Component   widget.Component `json:"component"`
}

// WorkflowTaskAdded appends a task to a workflow item.
type WorkflowTaskAdded struct {
	TaskIndex int  `json:"task_index"`
	Task      Task `json:"task"`
}

// WorkflowTaskUpdated replaces task TaskIndex of a workflow item.
type WorkflowTaskUpdated struct {
	TaskIndex int  `json:"task_index"`
	Task      Task `json:"task"`
}

// GeneratedImageUpdated shows a generated image in progress; Progress is
// from 0 to 1, or nil.
type GeneratedImageUpdated struct {
	Image    GeneratedImage `json:"image"`
	Progress *float64       `json:"progress,omitempty"`
}

func (*AssistantMessageContentPartAdded) isItemUpdate()           {}
func (*AssistantMessageContentPartTextDelta) isItemUpdate()       {}
func (*AssistantMessageContentPartAnnotationAdded) isItemUpdate() {}
func (*AssistantMessageContentPartDone) isItemUpdate()            {}
func (*WidgetStreamingTextValueDelta) isItemUpdate()              {}
func (*WidgetRootUpdated) isItemUpdate()                          {}
func (*WidgetComponentUpdated) isItemUpdate()                     {}
func (*WorkflowTaskAdded) isItemUpdate()                          {}
func (*WorkflowTaskUpdated) isItemUpdate()                        {}
func (*GeneratedImageUpdated) isItemUpdate()                      {}

// Type returns "assistant_message.content_part.added".
func (*AssistantMessageContentPartAdded) Type() string {
	return "assistant_message.content_part.added"
}

// Type returns "assistant_message.content_part.text_delta".
func (*AssistantMessageContentPartTextDelta) Type() string {
	return "assistant_message.content_part.text_delta"
}

// Type returns "assistant_message.content_part.annotation_added".
func (*AssistantMessageContentPartAnnotationAdded) Type() string {
	return "assistant_message.content_part.annotation_added"
}

// Type returns "assistant_message.content_part.done".
func (*AssistantMessageContentPartDone) Type() string {
	return "assistant_message.content_part.done"
}

// Type returns "widget.streaming_text.value_delta".
func (*WidgetStreamingTextValueDelta) Type() string { return "widget.streaming_text.value_delta" }

// Type returns "widget.root.updated".
func (*WidgetRootUpdated) Type() string { return "widget.root.updated" }

// Type returns "widget.component.updated".
func (*WidgetComponentUpdated) Type() string { return "widget.component.updated" }

// Type returns "workflow.task.added".
func (*WorkflowTaskAdded) Type() string { return "workflow.task.added" }

// Type returns "workflow.task.updated".
func (*WorkflowTaskUpdated) Type() string { return "workflow.task.updated" }

// Type returns "generated_image.updated".
func (*GeneratedImageUpdated) Type() string { return "generated_image.updated" }

// MarshalJSON implements json.Marshaler.
func (u AssistantMessageContentPartAdded) MarshalJSON() ([]byte, error) {
	type plain AssistantMessageContentPartAdded
	return marshalTyped(u.Type(), plain(u))
}

// MarshalJSON implements json.Marshaler.
func (u AssistantMessageContentPartTextDelta) MarshalJSON() ([]byte, error) {
	type plain AssistantMessageContentPartTextDelta
	return marshalTyped(u.Type(), plain(u))
}

// MarshalJSON implements json.Marshaler.
func (u AssistantMessageContentPartAnnotationAdded) MarshalJSON() ([]byte, error) {
	type plain AssistantMessageContentPartAnnotationAdded
	return marshalTyped(u.Type(), plain(u))
}

// MarshalJSON implements json.Marshaler.
func (u AssistantMessageContentPartDone) MarshalJSON() ([]byte, error) {
	type plain AssistantMessageContentPartDone
	return marshalTyped(u.Type(), plain(u))
}

// MarshalJSON implements json.Marshaler.
func (u WidgetStreamingTextValueDelta) MarshalJSON() ([]byte, error) {
	type plain WidgetStreamingTextValueDelta
	return marshalTyped(u.Type(), plain(u))
}

// MarshalJSON implements json.Marshaler.
func (u WidgetRootUpdated) MarshalJSON() ([]byte, error) {
	type plain WidgetRootUpdated
	return marshalTyped(u.Type(), plain(u))
}

// MarshalJSON implements json.Marshaler.
func (u WidgetComponentUpdated) MarshalJSON() ([]byte, error) {
	type plain WidgetComponentUpdated
	return marshalTyped(u.Type(), plain(u))
}

// MarshalJSON implements json.Marshaler.
func (u WorkflowTaskAdded) MarshalJSON() ([]byte, error) {
	type plain WorkflowTaskAdded
	return marshalTyped(u.Type(), plain(u))
}

// MarshalJSON implements json.Marshaler.
func (u WorkflowTaskUpdated) MarshalJSON() ([]byte, error) {
	type plain WorkflowTaskUpdated
	return marshalTyped(u.Type(), plain(u))
}

// MarshalJSON implements json.Marshaler.
func (u GeneratedImageUpdated) MarshalJSON() ([]byte, error) {
	type plain GeneratedImageUpdated
	return marshalTyped(u.Type(), plain(u))
}
