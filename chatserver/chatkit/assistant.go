package chatkit

import "strings"

// AssistantStream streams one assistant message whose text arrives in
// pieces, with the reference's event sequence: thread.item.added (empty
// content), content_part.added, one text_delta per piece,
// content_part.done with the full text, thread.item.done.
type AssistantStream struct {
	turn *Turn
	item *AssistantMessageItem
	text strings.Builder
}

// StartAssistantMessage starts a new assistant message in turn and sends
// its first two events.
func StartAssistantMessage(turn *Turn) (*AssistantStream, error) {
	a := &AssistantStream{turn: turn, item: &AssistantMessageItem{
		ItemBase: ItemBase{ID: turn.NewID(MessageIDPrefix), ThreadID: turn.Thread.ID, CreatedAt: turn.Now()},
		Content:  []AssistantContent{},
	}}
	if err := turn.Emit(&ThreadItemAddedEvent{Item: a.item}); err != nil {
		return nil, err
	}
	err := turn.Emit(&ThreadItemUpdatedEvent{ItemID: a.item.ID, Update: &AssistantMessageContentPartAdded{}})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// ID returns the message's item id.
func (a *AssistantStream) ID() string { return a.item.ID }

// Text returns the text sent so far.
func (a *AssistantStream) Text() string { return a.text.String() }

// Delta sends the next piece of text; empty pieces are skipped.
func (a *AssistantStream) Delta(text string) error {
	if text == "" {
		return nil
	}
	a.text.WriteString(text)
	return a.turn.Emit(&ThreadItemUpdatedEvent{ItemID: a.item.ID, Update: &AssistantMessageContentPartTextDelta{Delta: text}})
}

// Done finishes the message; the server stores it.
func (a *AssistantStream) Done() error {
	content := AssistantContent{Text: a.text.String(), Annotations: []Annotation{}}
	err := a.turn.Emit(&ThreadItemUpdatedEvent{ItemID: a.item.ID, Update: &AssistantMessageContentPartDone{Content: content}})
	if err != nil {
		return err
	}
	a.item.Content = []AssistantContent{content}
	return a.turn.Emit(&ThreadItemDoneEvent{Item: a.item})
}
