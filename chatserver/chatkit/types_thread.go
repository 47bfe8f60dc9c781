package chatkit

import (
	"encoding/json"
	"slices"
	"time"
)

// ThreadMetadata is a thread without its items: what a [Store] persists.
type ThreadMetadata struct {
	ID        string       `json:"id"`
	Title     string       `json:"title,omitempty"` // empty: untitled (omitted on the wire)
	CreatedAt time.Time    `json:"created_at"`
	Status    ThreadStatus `json:"status"`
	// AllowedImageDomains lists hosts the client may load images from; nil
	// omits the field.
	AllowedImageDomains []string `json:"allowed_image_domains,omitzero"`
	// Metadata is server-private. It is persisted but never sent to clients.
	Metadata map[string]any `json:"metadata"`
}

// MarshalJSON implements json.Marshaler; nil Metadata encodes as {}.
func (t ThreadMetadata) MarshalJSON() ([]byte, error) {
	type plain ThreadMetadata
	t.CreatedAt = t.CreatedAt.UTC()
	t.Metadata = emptyMapIfNil(t.Metadata)
	return json.Marshal(plain(t))
}

// Clone returns a deep copy of t.
func (t *ThreadMetadata) Clone() *ThreadMetadata {
	c := *t
	c.AllowedImageDomains = slices.Clone(t.AllowedImageDomains)
	c.Metadata = cloneJSONMap(t.Metadata)
	return &c
}

// ThreadStatus is a thread's status: "active" (the default), "locked" (the
// composer is disabled and Reason is its placeholder) or "closed" (the
// composer is replaced by a banner showing Reason). The server does not
// enforce locked or closed threads; a [Responder] must check them.
type ThreadStatus struct {
	Type   string `json:"type"` // "active" (or empty), "locked", "closed"
	Reason string `json:"reason,omitempty"`
}

// Thread status types.
const (
	StatusActive = "active"
	StatusLocked = "locked"
	StatusClosed = "closed"
)

// MarshalJSON implements json.Marshaler; the zero value is {"type":"active"}.
func (s ThreadStatus) MarshalJSON() ([]byte, error) {
	if s.Type == "" || s.Type == StatusActive {
		return []byte(`{"type":"active"}`), nil
	}
	type plain ThreadStatus
	return json.Marshal(plain(s))
}

// Thread is a thread as the client sees it: its metadata without the
// server-private Metadata, and a page of its visible items.
type Thread struct {
	ID                  string
	Title               string
	CreatedAt           time.Time
	Status              ThreadStatus
	AllowedImageDomains []string
	Items               Page[ThreadItem]
}

// threadResponse builds what the client sees of t: hidden items are
// dropped from items, the metadata is not sent.
func threadResponse(t *ThreadMetadata, items Page[ThreadItem]) Thread {
	return Thread{
		ID:                  t.ID,
		Title:               t.Title,
		CreatedAt:           t.CreatedAt,
		Status:              t.Status,
		AllowedImageDomains: t.AllowedImageDomains,
		Items:               visibleItems(items),
	}
}

// visibleItems returns p without its hidden items; HasMore and After stay.
func visibleItems(p Page[ThreadItem]) Page[ThreadItem] {
	visible := make([]ThreadItem, 0, len(p.Data))
	for _, it := range p.Data {
		if !isHidden(it) {
			visible = append(visible, it)
		}
	}
	p.Data = visible
	return p
}

// MarshalJSON implements json.Marshaler. "metadata" is always {} and
// "items" is always present.
func (t Thread) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		ID                  string           `json:"id"`
		Title               string           `json:"title,omitempty"`
		CreatedAt           time.Time        `json:"created_at"`
		Status              ThreadStatus     `json:"status"`
		AllowedImageDomains []string         `json:"allowed_image_domains,omitzero"`
		Metadata            struct{}         `json:"metadata"`
		Items               Page[ThreadItem] `json:"items"`
	}{t.ID, t.Title, t.CreatedAt.UTC(), t.Status, t.AllowedImageDomains, struct{}{}, t.Items})
}

// Page is one page of a list: threads, or items of a thread. After is the
// cursor for the next page (the id of the last element of this one); it is
// set only when HasMore is true and omitted when empty.
type Page[T any] struct {
	Data    []T
	HasMore bool
	After   string
}

// MarshalJSON implements json.Marshaler; nil Data encodes as [].
func (p Page[T]) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Data    []T    `json:"data"`
		HasMore bool   `json:"has_more"`
		After   string `json:"after,omitempty"`
	}{emptyIfNil(p.Data), p.HasMore, p.After})
}

// Order is the direction of a listing by creation time.
type Order string

// Orders. The protocol's default is OrderDesc (newest first).
const (
	OrderAsc  Order = "asc"
	OrderDesc Order = "desc"
)

// Page sizes. DefaultPageSize is used when a request gives no limit (or
// 0); larger limits than MaxPageSize are lowered to it (the page then has
// HasMore set, and the client can ask for the next one).
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
)

// ListOptions selects a page of a listing ordered by creation time.
type ListOptions struct {
	// After is the id of the last element of the previous page; the page
	// starts strictly after it, in Order. Empty starts at the beginning.
	After string
	Limit int   // 1 to MaxPageSize when the server calls a Store
	Order Order // OrderAsc or OrderDesc; the server never passes ""
}

// cloneJSONMap deep-copies a map of JSON values through a JSON round trip.
func cloneJSONMap(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return m // not JSON: cannot be persisted anyway; share it
	}
	var c map[string]any
	if err := json.Unmarshal(b, &c); err != nil {
		return m
	}
	return c
}
