// Package memstore is an in-memory chatkit.Store, for tests and demos.
// Data lives as long as the Store value; every item and thread is copied
// in and out, so callers never share memory with the store.
package memstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/taskpilot/taskpilot/chatserver/chatkit"
)

// Store is an in-memory chatkit.Store and chatkit.FeedbackStore. The zero
// value is not usable; call New.
type Store struct {
	mu       sync.Mutex
	seq      int64
	threads  map[key]*thread // by user and thread id
	feedback []Feedback
}

// Feedback is one recorded items.feedback call.
type Feedback struct {
	User, ThreadID string
	ItemIDs        []string
	Kind           string
}

type key struct{ user, id string }

type thread struct {
	seq   int64
	meta  *chatkit.ThreadMetadata
	items []item
}

type item struct {
	seq  int64
	item chatkit.ThreadItem
}

var (
	_ chatkit.Store         = (*Store)(nil)
	_ chatkit.FeedbackStore = (*Store)(nil)
)

// New returns an empty Store.
func New() *Store { return &Store{threads: map[key]*thread{}} }

func (s *Store) next() int64 {
	s.seq++
	return s.seq
}

func notFound(what, id string) error { return fmt.Errorf("%s %s: %w", what, id, chatkit.ErrNotFound) }

// LoadThread implements chatkit.Store.
func (s *Store) LoadThread(_ context.Context, user, threadID string) (*chatkit.ThreadMetadata, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.thread(user, threadID)
	if err != nil {
		return nil, err
	}
	return t.meta.Clone(), nil
}

// SaveThread implements chatkit.Store.
func (s *Store) SaveThread(_ context.Context, user string, meta *chatkit.ThreadMetadata) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := key{user, meta.ID}
	if t, ok := s.threads[k]; ok {
		t.meta = meta.Clone()
		return nil
	}
	s.threads[k] = &thread{seq: s.next(), meta: meta.Clone()}
	return nil
}

// LoadThreads implements chatkit.Store.
func (s *Store) LoadThreads(_ context.Context, user string, opts chatkit.ListOptions) (chatkit.Page[*chatkit.ThreadMetadata], error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var all []*thread
	for k, t := range s.threads {
		if k.user == user {
			all = append(all, t)
		}
	}
	sortBy(all, opts.Order, func(t *thread) position { return position{t.meta.CreatedAt.UnixMicro(), t.seq} })
	page, err := paginate(all, opts, func(t *thread) string { return t.meta.ID })
	if err != nil {
		return chatkit.Page[*chatkit.ThreadMetadata]{}, err
	}
	out := chatkit.Page[*chatkit.ThreadMetadata]{HasMore: page.HasMore, After: page.After}
	for _, t := range page.Data {
		out.Data = append(out.Data, t.meta.Clone())
	}
	return out, nil
}

// DeleteThread implements chatkit.Store.
func (s *Store) DeleteThread(_ context.Context, user, threadID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := key{user, threadID}
	if _, ok := s.threads[k]; !ok {
		return notFound("thread", threadID)
	}
	delete(s.threads, k)
	return nil
}

// LoadThreadItems implements chatkit.Store.
func (s *Store) LoadThreadItems(_ context.Context, user, threadID string, opts chatkit.ListOptions) (chatkit.Page[chatkit.ThreadItem], error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.thread(user, threadID)
	if err != nil {
		return chatkit.Page[chatkit.ThreadItem]{}, err
	}
	all := slices.Clone(t.items)
	sortBy(all, opts.Order, func(it item) position { return position{it.item.Base().CreatedAt.UnixMicro(), it.seq} })
	page, err := paginate(all, opts, func(it item) string { return it.item.Base().ID })
	if err != nil {
		return chatkit.Page[chatkit.ThreadItem]{}, err
	}
	out := chatkit.Page[chatkit.ThreadItem]{HasMore: page.HasMore, After: page.After}
	for _, it := range page.Data {
		c, err := chatkit.CloneItem(it.item)
		if err != nil {
			return chatkit.Page[chatkit.ThreadItem]{}, err
		}
		out.Data = append(out.Data, c)
	}
	return out, nil
}

// AddThreadItem implements chatkit.Store.
func (s *Store) AddThreadItem(_ context.Context, user, threadID string, it chatkit.ThreadItem) error {
	c, err := chatkit.CloneItem(it)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.thread(user, threadID)
	if err != nil {
		return err
	}
	if t.find(it.Base().ID) >= 0 {
		return fmt.Errorf("add item %s: already in thread %s", it.Base().ID, threadID)
	}
	t.items = append(t.items, item{seq: s.next(), item: c})
	return nil
}

// SaveItem implements chatkit.Store.
func (s *Store) SaveItem(_ context.Context, user, threadID string, it chatkit.ThreadItem) error {
	c, err := chatkit.CloneItem(it)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.thread(user, threadID)
	if err != nil {
		return err
	}
	if i := t.find(it.Base().ID); i >= 0 {
		t.items[i].item = c
		return nil
	}
	t.items = append(t.items, item{seq: s.next(), item: c})
	return nil
}

// LoadItem implements chatkit.Store.
func (s *Store) LoadItem(_ context.Context, user, threadID, itemID string) (chatkit.ThreadItem, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.thread(user, threadID)
	if err != nil {
		return nil, err
	}
	i := t.find(itemID)
	if i < 0 {
		return nil, notFound("item", itemID)
	}
	return chatkit.CloneItem(t.items[i].item)
}

// DeleteThreadItem implements chatkit.Store.
func (s *Store) DeleteThreadItem(_ context.Context, user, threadID, itemID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.thread(user, threadID)
	if err != nil {
		return err
	}
	i := t.find(itemID)
	if i < 0 {
		return notFound("item", itemID)
	}
	t.items = slices.Delete(t.items, i, i+1)
	return nil
}

// SaveFeedback implements chatkit.FeedbackStore.
func (s *Store) SaveFeedback(_ context.Context, user, threadID string, itemIDs []string, kind string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.feedback = append(s.feedback, Feedback{User: user, ThreadID: threadID, ItemIDs: slices.Clone(itemIDs), Kind: kind})
	return nil
}

// Feedback returns the feedback recorded so far, oldest first.
func (s *Store) Feedback() []Feedback {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.feedback)
}

// thread returns the user's thread; the caller holds s.mu.
func (s *Store) thread(user, id string) (*thread, error) {
	t, ok := s.threads[key{user, id}]
	if !ok {
		return nil, notFound("thread", id)
	}
	return t, nil
}

func (t *thread) find(id string) int {
	return slices.IndexFunc(t.items, func(it item) bool { return it.item.Base().ID == id })
}

// position orders by creation time, then insertion.
type position struct{ at, seq int64 }

func sortBy[T any](s []T, order chatkit.Order, pos func(T) position) {
	slices.SortFunc(s, func(a, b T) int {
		pa, pb := pos(a), pos(b)
		c := cmp.Or(cmp.Compare(pa.at, pb.at), cmp.Compare(pa.seq, pb.seq))
		if order == chatkit.OrderDesc {
			return -c
		}
		return c
	})
}

// paginate cuts the page after opts.After (an id) from sorted.
func paginate[T any](sorted []T, opts chatkit.ListOptions, id func(T) string) (chatkit.Page[T], error) {
	if opts.After != "" {
		i := slices.IndexFunc(sorted, func(v T) bool { return id(v) == opts.After })
		if i < 0 {
			return chatkit.Page[T]{}, notFound("cursor", opts.After)
		}
		sorted = sorted[i+1:]
	}
	limit := opts.Limit
	if limit <= 0 {
		limit = chatkit.DefaultPageSize
	}
	if len(sorted) <= limit {
		return chatkit.Page[T]{Data: sorted}, nil
	}
	page := sorted[:limit]
	return chatkit.Page[T]{Data: page, HasMore: true, After: id(page[len(page)-1])}, nil
}
