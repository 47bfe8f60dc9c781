// Package threadstore persists ChatKit threads, items and feedback in
// TaskPilot's database. Its Store implements chatkit.Store and
// chatkit.FeedbackStore over models/store, so the database layer never
// imports the protocol package: thread metadata maps to models.Thread
// (status, image domains and metadata as JSON text) and every item is
// kept as its protocol JSON in a models.ThreadItem.
package threadstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/taskpilot/taskpilot/chatserver/chatkit"
	"github.com/taskpilot/taskpilot/models"
	"github.com/taskpilot/taskpilot/models/store"
)

// Store is a chatkit.Store and chatkit.FeedbackStore backed by the
// database. It is safe for concurrent use.
type Store struct {
	st *store.Store
}

var (
	_ chatkit.Store         = (*Store)(nil)
	_ chatkit.FeedbackStore = (*Store)(nil)
	_ chatkit.ItemsAdder    = (*Store)(nil)
	_ chatkit.ThreadCreator = (*Store)(nil)
)

// New returns a Store that keeps its data in st, which must be migrated.
func New(st *store.Store) *Store { return &Store{st: st} }

// LoadThread implements chatkit.Store.
func (s *Store) LoadThread(ctx context.Context, user, threadID string) (*chatkit.ThreadMetadata, error) {
	t, err := s.st.GetThread(ctx, user, threadID)
	if err != nil {
		return nil, protocolError(err)
	}
	return fromThread(t)
}

// SaveThread implements chatkit.Store.
func (s *Store) SaveThread(ctx context.Context, user string, thread *chatkit.ThreadMetadata) error {
	if thread == nil {
		return errors.New("save thread: nil thread")
	}
	t, err := toThread(thread)
	if err != nil {
		return err
	}
	return protocolError(s.st.SaveThread(ctx, user, t))
}

// CreateThread implements chatkit.ThreadCreator: the thread and its
// first item are stored in one transaction, both or neither. A thread id
// the user already has is models.ErrConflict.
func (s *Store) CreateThread(ctx context.Context, user string, thread *chatkit.ThreadMetadata, item chatkit.EncodedItem) error {
	if thread == nil {
		return errors.New("create thread: nil thread")
	}
	t, err := toThread(thread)
	if err != nil {
		return err
	}
	it, err := encodedItem(item)
	if err != nil {
		return err
	}
	return protocolError(s.st.CreateThread(ctx, user, t, []models.ThreadItem{it}))
}

// LoadThreads implements chatkit.Store.
func (s *Store) LoadThreads(ctx context.Context, user string, opts chatkit.ListOptions) (chatkit.Page[*chatkit.ThreadMetadata], error) {
	threads, more, err := s.st.ListThreads(ctx, user, pageQuery(opts))
	if err != nil {
		return chatkit.Page[*chatkit.ThreadMetadata]{}, protocolError(err)
	}
	page := chatkit.Page[*chatkit.ThreadMetadata]{Data: make([]*chatkit.ThreadMetadata, len(threads)), HasMore: more}
	for i, t := range threads {
		if page.Data[i], err = fromThread(t); err != nil {
			return chatkit.Page[*chatkit.ThreadMetadata]{}, err
		}
	}
	if more {
		page.After = threads[len(threads)-1].ID
	}
	return page, nil
}

// DeleteThread implements chatkit.Store.
func (s *Store) DeleteThread(ctx context.Context, user, threadID string) error {
	return protocolError(s.st.DeleteThread(ctx, user, threadID))
}

// LoadThreadItems implements chatkit.Store. A limit above
// models.MaxPageLimit is lowered to it (HasMore tells the client to ask
// again).
func (s *Store) LoadThreadItems(ctx context.Context, user, threadID string, opts chatkit.ListOptions) (chatkit.Page[chatkit.ThreadItem], error) {
	items, more, err := s.st.ListThreadItems(ctx, user, threadID, pageQuery(opts))
	if err != nil {
		return chatkit.Page[chatkit.ThreadItem]{}, protocolError(err)
	}
	page := chatkit.Page[chatkit.ThreadItem]{Data: make([]chatkit.ThreadItem, len(items)), HasMore: more}
	for i, it := range items {
		if page.Data[i], err = fromItem(it); err != nil {
			return chatkit.Page[chatkit.ThreadItem]{}, err
		}
	}
	if more {
		page.After = items[len(items)-1].ID
	}
	return page, nil
}

// AddThreadItem implements chatkit.Store. A duplicate id is reported as
// models.ErrConflict.
func (s *Store) AddThreadItem(ctx context.Context, user, threadID string, item chatkit.ThreadItem) error {
	it, err := toItem(item)
	if err != nil {
		return err
	}
	return protocolError(s.st.AddThreadItem(ctx, user, threadID, it))
}

// AddThreadItems implements chatkit.ItemsAdder: the items are stored, as
// the JSON they come with, in one statement, all or none.
func (s *Store) AddThreadItems(ctx context.Context, user, threadID string, items []chatkit.EncodedItem) error {
	its := make([]models.ThreadItem, len(items))
	for i, item := range items {
		it, err := encodedItem(item)
		if err != nil {
			return err
		}
		its[i] = it
	}
	return protocolError(s.st.AddThreadItems(ctx, user, threadID, its))
}

// SaveItem implements chatkit.Store.
func (s *Store) SaveItem(ctx context.Context, user, threadID string, item chatkit.ThreadItem) error {
	it, err := toItem(item)
	if err != nil {
		return err
	}
	return protocolError(s.st.SaveThreadItem(ctx, user, threadID, it))
}

// LoadItem implements chatkit.Store.
func (s *Store) LoadItem(ctx context.Context, user, threadID, itemID string) (chatkit.ThreadItem, error) {
	it, err := s.st.GetThreadItem(ctx, user, threadID, itemID)
	if err != nil {
		return nil, protocolError(err)
	}
	return fromItem(it)
}

// DeleteThreadItem implements chatkit.Store.
func (s *Store) DeleteThreadItem(ctx context.Context, user, threadID, itemID string) error {
	return protocolError(s.st.DeleteThreadItem(ctx, user, threadID, itemID))
}

// SaveFeedback implements chatkit.FeedbackStore. A later rating of an
// item replaces the earlier one; a thread or item the user does not have
// is chatkit.ErrNotFound.
func (s *Store) SaveFeedback(ctx context.Context, user, threadID string, itemIDs []string, kind string) error {
	return protocolError(s.st.SaveFeedback(ctx, user, threadID, itemIDs, kind))
}

// pageQuery converts listing options; the limit is capped, not refused.
func pageQuery(opts chatkit.ListOptions) models.PageQuery {
	return models.PageQuery{
		After: opts.After,
		Limit: min(max(opts.Limit, 0), models.MaxPageLimit),
		Desc:  opts.Order == chatkit.OrderDesc,
	}
}

// protocolError makes a store's models.ErrNotFound match
// chatkit.ErrNotFound too, and its models.ErrUnavailable match
// chatkit.ErrUnavailable, keeping its message. It is the one place that
// maps store errors to the protocol's.
func protocolError(err error) error {
	switch {
	case errors.Is(err, models.ErrUnavailable):
		return kitError{err, chatkit.ErrUnavailable}
	case errors.Is(err, models.ErrNotFound):
		return kitError{err, chatkit.ErrNotFound}
	}
	return err
}

// kitError is a store error that also matches a chatkit sentinel.
type kitError struct {
	error
	kit error
}

// Is reports whether target is the chatkit sentinel.
func (e kitError) Is(target error) bool { return target == e.kit }

// Unwrap returns the store's error.
func (e kitError) Unwrap() error { return e.error }

// toThread converts thread metadata to its stored form.
func toThread(m *chatkit.ThreadMetadata) (models.Thread, error) {
	status, err := json.Marshal(m.Status)
	if err != nil {
		return models.Thread{}, fmt.Errorf("save thread %s: status: %w", m.ID, err)
	}
	meta := []byte("{}")
	if m.Metadata != nil {
		if meta, err = json.Marshal(m.Metadata); err != nil {
			return models.Thread{}, fmt.Errorf("save thread %s: metadata: %w", m.ID, err)
		}
	}
	t := models.Thread{ID: m.ID, Status: string(status), Metadata: string(meta), CreatedAt: m.CreatedAt}
	// Requests are checked at the edge; a title a model wrote is cleaned
	// here, so that a NUL in it cannot fail the save on PostgreSQL alone.
	if title := models.CleanText(m.Title); title != "" {
		t.Title = &title
	}
	if m.AllowedImageDomains != nil {
		b, err := json.Marshal(m.AllowedImageDomains)
		if err != nil {
			return models.Thread{}, fmt.Errorf("save thread %s: allowed image domains: %w", m.ID, err)
		}
		domains := string(b)
		t.AllowedImageDomains = &domains
	}
	return t, nil
}

// fromThread converts a stored thread back to its metadata.
func fromThread(t models.Thread) (*chatkit.ThreadMetadata, error) {
	m := &chatkit.ThreadMetadata{ID: t.ID, CreatedAt: t.CreatedAt}
	if t.Title != nil {
		m.Title = *t.Title
	}
	if err := json.Unmarshal([]byte(t.Status), &m.Status); err != nil {
		return nil, fmt.Errorf("load thread %s: status: %w", t.ID, err)
	}
	if err := json.Unmarshal([]byte(t.Metadata), &m.Metadata); err != nil {
		return nil, fmt.Errorf("load thread %s: metadata: %w", t.ID, err)
	}
	if t.AllowedImageDomains != nil {
		if err := json.Unmarshal([]byte(*t.AllowedImageDomains), &m.AllowedImageDomains); err != nil {
			return nil, fmt.Errorf("load thread %s: allowed image domains: %w", t.ID, err)
		}
	}
	return m, nil
}

// toItem encodes item as the protocol does, for storage.
func toItem(item chatkit.ThreadItem) (models.ThreadItem, error) {
	if item == nil {
		return models.ThreadItem{}, errors.New("save thread item: nil item")
	}
	data, err := json.Marshal(item)
	if err != nil {
		return models.ThreadItem{}, fmt.Errorf("save thread item %s: %w", item.Base().ID, err)
	}
	return encodedItem(chatkit.EncodedItem{Item: item, JSON: data})
}

// encodedItem is toItem for an item encoded already.
func encodedItem(e chatkit.EncodedItem) (models.ThreadItem, error) {
	if e.Item == nil {
		return models.ThreadItem{}, errors.New("save thread item: nil item")
	}
	b := e.Item.Base()
	return models.ThreadItem{ID: b.ID, ThreadID: b.ThreadID, Type: e.Item.Type(), CreatedAt: b.CreatedAt, Data: e.JSON}, nil
}

// fromItem decodes a stored item.
func fromItem(it models.ThreadItem) (chatkit.ThreadItem, error) {
	item, err := chatkit.UnmarshalItem(it.Data)
	if err != nil {
		return nil, fmt.Errorf("load thread item %s: %w", it.ID, err)
	}
	return item, nil
}
