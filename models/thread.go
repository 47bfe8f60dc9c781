package models

import "time"

// Thread is the stored metadata of one user's chat thread (a ChatKit
// thread without its items). The JSON columns hold the protocol's own
// encoding, so the storage layer does not depend on the protocol package.
//
// A thread id is unique per user: two users may hold threads with the same
// id, and neither ever sees the other's.
type Thread struct {
	ID     string
	UserID string
	// Title is nil for an untitled thread.
	Title *string
	// Status is the thread status as JSON, e.g. {"type":"active"}.
	Status string
	// AllowedImageDomains is a JSON array of hosts, or nil when unset.
	AllowedImageDomains *string
	// Metadata is a JSON object, private to the server.
	Metadata string
	// CreatedAt orders threads; it is set by the first save and kept after.
	CreatedAt time.Time
	// UpdatedAt is set by the store on every save.
	UpdatedAt time.Time
}

// ThreadItem is one stored item of a thread: a message, a widget, a tool
// call and so on. Data is the full item as the protocol encodes it; Type
// and CreatedAt are copies of its "type" and "created_at" kept in columns.
type ThreadItem struct {
	ID       string
	ThreadID string
	UserID   string
	Type     string
	// CreatedAt orders items within their thread; items with equal
	// CreatedAt keep their insertion order.
	CreatedAt time.Time
	Data      []byte
}

// FeedbackKind is a user's rating of assistant items.
type FeedbackKind string

// The feedback kinds, as the ChatKit protocol names them.
const (
	FeedbackPositive FeedbackKind = "positive"
	FeedbackNegative FeedbackKind = "negative"
)

// Thread and item listing limits.
const (
	DefaultPageLimit = 20
	MaxPageLimit     = 100
)

// PageQuery selects a page of threads or of a thread's items, ordered by
// creation time with insertion order breaking ties.
type PageQuery struct {
	// After is the id of the last element of the previous page; the page
	// starts strictly after it. An id that names nothing in the listing
	// is ErrNotFound. Empty starts at the beginning.
	After string
	// Limit is 1..MaxPageLimit; 0 means DefaultPageLimit.
	Limit int
	// Desc lists newest first.
	Desc bool
}
