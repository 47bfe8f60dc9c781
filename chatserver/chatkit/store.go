package chatkit

import (
	"context"
	"encoding/json"
	"fmt"
)

// Store persists threads and their items, per user. Every method acts for
// the user given, and sees only that user's data: another user's thread
// is reported as ErrNotFound, exactly like a missing one.
//
// Errors: "not found" must be reported as ErrNotFound (wrapping is fine,
// errors.Is is used), and a store that cannot be reached or used right now
// as ErrUnavailable, which the client is told to retry. Anything else is a
// failure of the store; the server logs it and answers a non-streaming
// request with an error, or ends the stream with an error event.
//
// Items are ordered by CreatedAt; items with equal CreatedAt keep their
// insertion order (a SQL store needs a monotonic sequence column as a
// tie-breaker). Threads are ordered by CreatedAt the same way.
//
// The package chatkit/memstore holds an in-memory implementation, and
// chatkittest.TestStore a conformance suite every implementation should pass.
type Store interface {
	// LoadThread returns the thread's metadata, or ErrNotFound.
	LoadThread(ctx context.Context, user, threadID string) (*ThreadMetadata, error)
	// SaveThread inserts or updates the thread's metadata (title, status,
	// allowed image domains, metadata); it never touches its items.
	SaveThread(ctx context.Context, user string, thread *ThreadMetadata) error
	// LoadThreads returns a page of the user's threads (see ListOptions).
	// An After that names no thread of the user gives ErrNotFound.
	LoadThreads(ctx context.Context, user string, opts ListOptions) (Page[*ThreadMetadata], error)
	// DeleteThread deletes the thread and all its items, or returns
	// ErrNotFound.
	DeleteThread(ctx context.Context, user, threadID string) error

	// LoadThreadItems returns a page of the thread's items, hidden ones
	// included (see ListOptions). It returns ErrNotFound if the thread does
	// not exist, or if After names no item of the thread.
	LoadThreadItems(ctx context.Context, user, threadID string, opts ListOptions) (Page[ThreadItem], error)
	// AddThreadItem appends a new item to the thread. It fails if the
	// thread does not exist (ErrNotFound) or already has an item with
	// the same id.
	AddThreadItem(ctx context.Context, user, threadID string, item ThreadItem) error
	// SaveItem replaces the thread's item with the same id, keeping its
	// place, or appends it when there is none. ErrNotFound if the thread
	// does not exist.
	SaveItem(ctx context.Context, user, threadID string, item ThreadItem) error
	// LoadItem returns one item of the thread, or ErrNotFound.
	LoadItem(ctx context.Context, user, threadID, itemID string) (ThreadItem, error)
	// DeleteThreadItem deletes one item of the thread, or returns
	// ErrNotFound.
	DeleteThreadItem(ctx context.Context, user, threadID, itemID string) error
}

// EncodedItem is an item with its JSON, json.Marshal(Item). The server
// encodes an item it stores through an ItemsAdder or a ThreadCreator
// once, for the Store and for the client; the Store may keep JSON as the
// item's encoding instead of encoding it again.
type EncodedItem struct {
	Item ThreadItem
	JSON []byte
}

// encodeItem returns item with its JSON.
func encodeItem(item ThreadItem) (EncodedItem, error) {
	b, err := json.Marshal(item)
	if err != nil {
		return EncodedItem{}, fmt.Errorf("encode %s item %s: %w", item.Type(), item.Base().ID, err)
	}
	return EncodedItem{Item: item, JSON: b}, nil
}

// ItemsAdder is a Store that can append several items in one write. The
// server stores every item it adds through it when the Store has it, and
// a hidden item (a tool call's record, say) with the next item it stores
// rather than on its own.
type ItemsAdder interface {
	// AddThreadItems appends items, in order, as AddThreadItem would:
	// all of them, or none with its error.
	AddThreadItems(ctx context.Context, user, threadID string, items []EncodedItem) error
}

// ThreadCreator is a Store that can store a new thread with its first
// item in one write. The server stores the thread a threads.create
// request makes and the user's message through it when the Store has it
// (and sends thread.created once both are stored); without it, the
// thread and the message are two writes.
type ThreadCreator interface {
	// CreateThread stores the new thread, as SaveThread would, with item
	// as its first item, as AddThreadItem would add it: both, or neither
	// with its error. It fails if the user already has a thread with the
	// thread's id.
	CreateThread(ctx context.Context, user string, thread *ThreadMetadata, item EncodedItem) error
}

// FeedbackStore is implemented by a Store that records items.feedback
// (thumbs up or down on items). Without it, feedback is accepted and
// dropped, as in the reference server.
type FeedbackStore interface {
	// SaveFeedback records kind (FeedbackPositive or FeedbackNegative) for
	// the items of the thread.
	SaveFeedback(ctx context.Context, user, threadID string, itemIDs []string, kind string) error
}
