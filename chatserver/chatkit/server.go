package chatkit

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"time"
)

// Server is the ChatKit protocol engine, the Go counterpart of the
// reference ChatKitServer. It is safe for concurrent use.
//
// For a streamed turn it sends, in order: thread.created (threads.create
// only), thread.item.done with the new user message (stored before the
// Responder runs), stream_options, then the Responder's events. It applies
// each event to the Store as it passes: thread.item.done adds the item,
// thread.item.replaced saves it, thread.item.removed deletes it,
// thread.item.added is only remembered. Done hidden context items are
// stored but not sent. After every event, and when the turn ends, a
// change to the thread's metadata is saved and sent as thread.updated.
//
// A Responder error ends the stream with an error event; items already
// done stay. When the client goes away (the stream's context is
// cancelled, or sending fails) the partial assistant messages with text
// are stored, and a hidden note tells the model the user cancelled.
type Server struct {
	store     Store
	responder Responder
	opts      Options
	log       *slog.Logger
}

// Options configure a Server. The zero value is usable.
type Options struct {
	// Logger receives failures and cancellations; nil discards them.
	Logger *slog.Logger
	// Actions handles threads.custom_action; nil answers ErrUnsupported.
	Actions ActionHandler
	// SyncActions handles threads.sync_custom_action; nil answers
	// ErrUnsupported.
	SyncActions SyncActionHandler
	// Titler names untitled threads during a turn; nil leaves naming to the
	// Responder, which may set Turn.Thread.Title itself.
	Titler Titler
	// NewID generates ids; nil means NewID. Tests inject deterministic ids.
	NewID func(prefix string) string
	// Now is the clock; nil means Now (UTC, microseconds).
	Now func() time.Time
}

// New returns a Server that stores through store and answers with
// responder.
func New(store Store, responder Responder, opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.NewID == nil {
		opts.NewID = NewID
	}
	if opts.Now == nil {
		opts.Now = Now
	}
	return &Server{store: store, responder: responder, opts: opts, log: opts.Logger}
}

// Response is the answer to a request: either a JSON document or a
// stream of events.
type Response struct {
	// JSON is the body of a non-streaming response (application/json);
	// nil when Stream is set.
	JSON []byte
	// Stream, when set, runs a streaming response. It gives out every
	// event, in order, and flushes them (see EventWriter) before it waits
	// for anything. out must not keep an event or its items past the
	// call. Stream returns nil when the stream ended normally (even with
	// an error event), or the error of out or ctx when the client went
	// away. Cancel ctx to stop.
	Stream func(ctx context.Context, out EventWriter) error
}

// EventWriter is where a streaming response goes. The HTTP layer writes
// each event as one SSE frame (see EncodeSSE) and sends what it wrote on
// Flush. The server flushes after every event but text deltas, which it
// flushes with the next other event, when the Responder calls Turn.Flush
// (before it waits for more text) or when the turn ends, so that a burst
// of deltas is sent at once. Both methods return an error only when the
// client went away: the stream then stops, as when ctx is cancelled.
type EventWriter interface {
	WriteEvent(ev Event) error
	Flush() error
}

// EmitFunc is an EventWriter that hands every event to the function and
// has nothing to flush.
type EmitFunc func(ev Event) error

// WriteEvent implements EventWriter.
func (f EmitFunc) WriteEvent(ev Event) error { return f(ev) }

// Flush implements EventWriter; it does nothing.
func (f EmitFunc) Flush() error { return nil }

// Handle answers one request for user: one ParseRequest returned, or one
// built in code with Params a pointer to the params struct of Type and
// fields ParseRequest would accept (Handle does not validate them). It
// returns ErrUnsupported for requests TaskPilot does not implement, and,
// for non-streaming requests, ErrNotFound (wrapped) for a missing thread
// or item, a *RequestError for an action the handler refuses, or a store
// failure. Streaming requests report later failures as error events.
func (s *Server) Handle(ctx context.Context, user string, req Request) (Response, error) {
	if req.IsStreaming() {
		if err := s.checkStreaming(req); err != nil {
			return Response{}, err
		}
		return Response{Stream: func(ctx context.Context, out EventWriter) error {
			return s.stream(ctx, user, req, out)
		}}, nil
	}
	v, err := s.handleJSON(ctx, user, req)
	if err != nil {
		return Response{}, err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return Response{}, fmt.Errorf("%s: encode response: %w", req.Type, err)
	}
	return Response{JSON: b}, nil
}

// Thread returns user's thread threadID, or an error wrapping ErrNotFound
// when user has no such thread. The HTTP layer checks a thread with it
// before it starts a turn there, to answer 404 instead of a stream.
func (s *Server) Thread(ctx context.Context, user, threadID string) (*ThreadMetadata, error) {
	thread, err := s.store.LoadThread(ctx, user, threadID)
	if err != nil {
		return nil, fmt.Errorf("load thread %s: %w", threadID, err)
	}
	return thread, nil
}

// ItemsAfter returns the items of user's thread stored after the item
// itemID, oldest first, hidden items included (no request returns
// those): what a turn stored after its user message. When itemID is not
// among the thread's items, or loading fails, it returns the items it
// read, oldest first, and an error.
func (s *Server) ItemsAfter(ctx context.Context, user, threadID, itemID string) ([]ThreadItem, error) {
	var items []ThreadItem
	opts := ListOptions{Limit: DefaultPageSize, Order: OrderDesc}
	for {
		page, err := s.store.LoadThreadItems(ctx, user, threadID, opts)
		if err != nil {
			slices.Reverse(items)
			return items, fmt.Errorf("load items of thread %s: %w", threadID, err)
		}
		for _, item := range page.Data {
			if item.Base().ID == itemID {
				slices.Reverse(items)
				return items, nil
			}
			items = append(items, item)
		}
		if !page.HasMore {
			slices.Reverse(items)
			return items, fmt.Errorf("item %s not found among the items of thread %s", itemID, threadID)
		}
		opts.After = page.After
	}
}

// checkStreaming rejects, before any output, streaming requests that
// cannot succeed whatever the store holds.
func (s *Server) checkStreaming(req Request) error {
	var in *UserMessageInput
	switch p := req.Params.(type) {
	case *ThreadCreateParams:
		in = &p.Input
	case *ThreadAddUserMessageParams:
		in = &p.Input
	case *ThreadCustomActionParams:
		if s.opts.Actions == nil {
			return fmt.Errorf("%s: no action handler: %w", req.Type, ErrUnsupported)
		}
	}
	if in != nil && len(in.Attachments) > 0 {
		return fmt.Errorf("%s: attachments: %w", req.Type, ErrUnsupported)
	}
	return nil
}

// empty is the {} answer.
type empty struct{}

func (s *Server) handleJSON(ctx context.Context, user string, req Request) (any, error) {
	switch p := req.Params.(type) {
	case *ThreadGetByIDParams:
		thread, err := s.store.LoadThread(ctx, user, p.ThreadID)
		if err != nil {
			return nil, fmt.Errorf("get thread %s: %w", p.ThreadID, err)
		}
		items, err := s.store.LoadThreadItems(ctx, user, p.ThreadID, ListOptions{Limit: DefaultPageSize, Order: OrderAsc})
		if err != nil {
			return nil, fmt.Errorf("get thread %s: load items: %w", p.ThreadID, err)
		}
		return threadResponse(thread, items), nil

	case *ListParams:
		page, err := s.store.LoadThreads(ctx, user, p.options())
		if err != nil {
			return nil, fmt.Errorf("list threads: %w", err)
		}
		threads := make([]Thread, len(page.Data))
		for i, t := range page.Data {
			threads[i] = threadResponse(t, Page[ThreadItem]{})
		}
		return Page[Thread]{Data: threads, HasMore: page.HasMore, After: page.After}, nil

	case *ItemsListParams:
		page, err := s.store.LoadThreadItems(ctx, user, p.ThreadID, p.options())
		if err != nil {
			return nil, fmt.Errorf("list items of thread %s: %w", p.ThreadID, err)
		}
		return visibleItems(page), nil

	case *ThreadUpdateParams:
		thread, err := s.store.LoadThread(ctx, user, p.ThreadID)
		if err != nil {
			return nil, fmt.Errorf("update thread %s: %w", p.ThreadID, err)
		}
		thread.Title = p.Title
		if err := s.store.SaveThread(ctx, user, thread); err != nil {
			return nil, fmt.Errorf("update thread %s: %w", p.ThreadID, err)
		}
		return threadResponse(thread, Page[ThreadItem]{}), nil

	case *ThreadDeleteParams:
		if err := s.store.DeleteThread(ctx, user, p.ThreadID); err != nil {
			return nil, fmt.Errorf("delete thread %s: %w", p.ThreadID, err)
		}
		return empty{}, nil

	case *ItemFeedbackParams:
		if _, err := s.store.LoadThread(ctx, user, p.ThreadID); err != nil {
			return nil, fmt.Errorf("feedback on thread %s: %w", p.ThreadID, err)
		}
		if fs, ok := s.store.(FeedbackStore); ok {
			if err := fs.SaveFeedback(ctx, user, p.ThreadID, p.ItemIDs, p.Kind); err != nil {
				return nil, fmt.Errorf("feedback on thread %s: %w", p.ThreadID, err)
			}
		}
		return empty{}, nil

	case *ThreadCustomActionParams: // threads.sync_custom_action
		return s.syncAction(ctx, user, p)

	case *AttachmentCreateParams, *AttachmentDeleteParams, *InputTranscribeParams:
		return nil, fmt.Errorf("%s: %w", req.Type, ErrUnsupported)
	}
	return nil, fmt.Errorf("%s: unexpected params %T", req.Type, req.Params)
}

// syncActionResponse is the answer to threads.sync_custom_action.
type syncActionResponse struct {
	UpdatedItem ThreadItem `json:"updated_item,omitempty"`
}

func (s *Server) syncAction(ctx context.Context, user string, p *ThreadCustomActionParams) (any, error) {
	if s.opts.SyncActions == nil {
		return nil, fmt.Errorf("sync action: no handler: %w", ErrUnsupported)
	}
	thread, sender, err := s.loadActionTarget(ctx, user, p)
	if err != nil {
		return nil, fmt.Errorf("sync action %s: %w", p.Action.Type, err)
	}
	res, err := s.opts.SyncActions.SyncAction(ctx, user, thread, p.Action, sender)
	if err != nil {
		return nil, fmt.Errorf("sync action %s: %w", p.Action.Type, err)
	}
	if item := res.Updated; item != nil {
		if err := fillItem(item, thread.ID, s.opts.Now); err != nil {
			return nil, fmt.Errorf("sync action %s: %w", p.Action.Type, err)
		}
		if err := s.store.SaveItem(ctx, user, thread.ID, item); err != nil {
			return nil, fmt.Errorf("sync action %s: save item: %w", p.Action.Type, err)
		}
	}
	for _, note := range res.Notes {
		if err := fillItem(note, thread.ID, s.opts.Now); err != nil {
			return nil, fmt.Errorf("sync action %s: note: %w", p.Action.Type, err)
		}
		if err := s.store.AddThreadItem(ctx, user, thread.ID, note); err != nil {
			return nil, fmt.Errorf("sync action %s: add note: %w", p.Action.Type, err)
		}
	}
	return syncActionResponse{UpdatedItem: res.Updated}, nil
}

// loadActionTarget loads the thread of an action and its sender widget
// (nil when the action names no item).
func (s *Server) loadActionTarget(ctx context.Context, user string, p *ThreadCustomActionParams) (*ThreadMetadata, *WidgetItem, error) {
	thread, err := s.store.LoadThread(ctx, user, p.ThreadID)
	if err != nil {
		return nil, nil, fmt.Errorf("load thread %s: %w", p.ThreadID, err)
	}
	if p.ItemID == "" {
		return thread, nil, nil
	}
	item, err := s.store.LoadItem(ctx, user, p.ThreadID, p.ItemID)
	if err != nil {
		return nil, nil, fmt.Errorf("load item %s: %w", p.ItemID, err)
	}
	w, ok := item.(*WidgetItem)
	if !ok {
		return nil, nil, invalid("params.item_id: %s is a %s item, not a widget", p.ItemID, item.Type())
	}
	return thread, w, nil
}

// fillItem completes an item a handler built: it must have an id; an
// empty thread id and a zero creation time are filled in.
func fillItem(item ThreadItem, threadID string, now func() time.Time) error {
	if item == nil {
		return fmt.Errorf("nil item")
	}
	b := item.Base()
	if b.ID == "" {
		return fmt.Errorf("%s item without id", item.Type())
	}
	if b.ThreadID == "" {
		b.ThreadID = threadID
	}
	if b.CreatedAt.IsZero() {
		b.CreatedAt = now()
	}
	return nil
}
