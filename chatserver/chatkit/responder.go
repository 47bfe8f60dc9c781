package chatkit

import (
	"context"
	"time"
)

// Responder produces the assistant's side of a conversation. The agent
// (LLM plus tools) implements it. It is shaped after Respond of the
// reference ChatKitServer.
type Responder interface {
	// Respond runs one turn: it emits the assistant's items through turn
	// (typically an assistant message, see StartAssistantMessage) and
	// returns when the turn is over.
	//
	// input is the user message to answer. It is nil when the turn resumes
	// after a client tool call completed or a structured input was
	// answered; the new state is then the newest item of the thread.
	// Respond reads the history it needs with turn.LoadItems.
	//
	// When ctx is cancelled (the user pressed stop or went away) Respond
	// should return promptly; the server then keeps the partial assistant
	// message and notes the cancellation for the model (see Server). Any
	// other error ends the stream with an error event (see StreamError);
	// items already done stay, including the user message.
	Respond(ctx context.Context, turn *Turn, input *UserMessageItem) error
}

// ActionHandler handles threads.custom_action: a widget action with the
// default handler "server" and streaming true. Configure it in Options.
type ActionHandler interface {
	// Action reacts to action, sent by the widget item sender (nil when the
	// client sent the action without an item). It usually replaces the
	// widget (ThreadItemReplacedEvent with the same item id) and may
	// stream more items. The server persists nothing but what the events
	// describe; to tell the model about the click, emit a done
	// HiddenContextItem.
	Action(ctx context.Context, turn *Turn, action Action, sender *WidgetItem) error
}

// SyncActionHandler handles threads.sync_custom_action: a widget action
// whose widget.Action has Streaming false. Configure it in Options.
type SyncActionHandler interface {
	// SyncAction reacts to action and returns what changed: the item to
	// show in place of sender, and notes to store. Unlike the reference
	// server, Server saves both. thread is read-only here.
	SyncAction(ctx context.Context, user string, thread *ThreadMetadata, action Action, sender *WidgetItem) (SyncActionResult, error)
}

// SyncActionResult is what a SyncActionHandler changed.
type SyncActionResult struct {
	// Updated replaces sender in place (same id) and is sent back as
	// updated_item; nil means no change.
	Updated ThreadItem
	// Notes are appended to the thread and not sent in the response
	// (threads.sync_custom_action answers with one item), e.g. a
	// HiddenContextItem telling the model what the user clicked, or a
	// WorkflowItem confirming what the action did, which the client shows
	// when it next loads the thread's items. Each needs an id (NewID); an
	// empty thread id or creation time is filled in.
	Notes []ThreadItem
}

// Titler names untitled threads. Configure it in Options.
type Titler interface {
	// Title returns a short title for thread, given the user message being
	// answered, or "" to leave it untitled. For a turn answering a user
	// message in a thread without a title, it runs beside the Responder from
	// the Responder's first event on (at the end of the turn if there was
	// none), with a copy of the thread's metadata; when the turn completed
	// without error and the thread still has no title, the server sets the
	// title, saves the thread and sends thread.updated. Otherwise its ctx is
	// cancelled and the title dropped. An error is logged and otherwise
	// ignored.
	Title(ctx context.Context, thread *ThreadMetadata, input *UserMessageItem) (string, error)
}

// Turn is one streamed response in progress: who it is for, the thread it
// belongs to, and how to report back.
type Turn struct {
	// User is the user the request acts for.
	User string
	// Thread is the thread being answered. Changes to its Title, Status,
	// AllowedImageDomains or Metadata are saved, and sent as
	// thread.updated, after the next Emit and when the turn ends. Change it
	// only from the goroutine that calls Emit.
	Thread *ThreadMetadata

	// Emit persists and sends one event. Items in thread.item.added,
	// thread.item.done and thread.item.replaced must have an ID (use
	// NewID); an empty ThreadID or zero CreatedAt is filled in. Emit
	// returns an error when the event is invalid, when storing it failed or
	// when the client is gone (the context's error); the Responder should
	// then stop and return it. Emit is safe for concurrent use, and must
	// not be called after Respond or Action returned.
	Emit func(Event) error
	// EmitDone sends a thread.item.done for each of items, in order, as
	// Emit would one by one, but stores them (with the hidden items
	// emitted before them) in one write when the Store is an ItemsAdder:
	// for items shown together, such as a tool call's confirmation and
	// its result card. It fails like Emit, before sending any of them.
	EmitDone func(items ...ThreadItem) error
	// NewThread reports that the request created the thread: its only
	// item is the user message being answered, so there is nothing older
	// to load.
	NewThread bool
	// Flush sends the text deltas emitted since the last other event now;
	// the server holds them so that a burst goes out at once (see
	// EventWriter). A Responder calls it before it waits for more text, e.g.
	// before each read of a model's stream. Like Emit, it returns an error
	// when the client is gone.
	Flush func() error
	// NewID returns a new id with the given prefix (MessageIDPrefix, ...).
	NewID func(prefix string) string
	// Now returns the current time, for CreatedAt.
	Now func() time.Time
	// LoadItems returns a page of the thread's stored items, hidden ones
	// included, e.g. ListOptions{Limit: 20, Order: OrderDesc} for the
	// newest twenty. Limit 0 means DefaultPageSize, Order "" means
	// OrderDesc.
	LoadItems func(ctx context.Context, opts ListOptions) (Page[ThreadItem], error)
}
