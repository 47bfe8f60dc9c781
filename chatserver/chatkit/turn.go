package chatkit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// cancelNote is the hidden context stored when the user stops a stream,
// word for word the reference's.
const cancelNote = "The user cancelled the stream. Stop responding to the prior request."

// errTurnOver is returned by Turn.Emit after the turn ended.
var errTurnOver = errors.New("chatkit: Emit called after the turn ended")

// cleanupTimeout bounds the store writes made after the client went away.
const cleanupTimeout = 10 * time.Second

// turnState applies a Responder's events to the store and the client. It
// is the counterpart of the reference's _process_events.
type turnState struct {
	st     *stream
	ctx    context.Context
	thread *ThreadMetadata
	saved  threadSnapshot // the thread as last saved

	mu      sync.Mutex
	over    bool
	pending []ThreadItem // added but not done, in order; copies
	hidden  []ThreadItem // hidden items done but not yet stored (see storeItems)

	// title names the thread beside the turn (see startTitle); nil when
	// the turn does not name it, or until the reply's first text.
	titler func(context.Context) (string, error)
	title  *pendingTitle
}

// pendingTitle is a Titler call running beside the turn.
type pendingTitle struct {
	cancel context.CancelFunc
	done   chan struct{}
	title  string
	err    error
}

// startTitle starts the Titler beside the rest of the turn, once: at the
// reply's first text (startsReply), so that the title is not one more wait at the end
// of the turn (a model's title takes as long as a short reply), nor work
// that delays that first text (tool calls and their results come before
// it). Before then the Responder may still fail without one (a model
// that is down is not asked twice). A turn that sends no text starts it
// at its end (awaitTitle).
func (ts *turnState) startTitle() {
	if ts.titler == nil || ts.title != nil {
		return
	}
	ctx, cancel := context.WithCancel(ts.ctx)
	p := &pendingTitle{cancel: cancel, done: make(chan struct{})}
	ts.title = p
	go func() {
		defer close(p.done)
		p.title, p.err = ts.titler(ctx)
	}()
}

// awaitTitle waits for the title started by startTitle (starting it now
// if the Responder emitted nothing) and returns it, or, with keep false,
// stops it and returns nil; nil also when the turn names no thread.
func (ts *turnState) awaitTitle(keep bool) *pendingTitle {
	if keep {
		ts.startTitle()
	}
	p := ts.title
	if p == nil {
		return nil
	}
	if !keep {
		p.cancel()
		<-p.done
		return nil
	}
	<-p.done
	p.cancel() // releases its context
	return p
}

// runTurn sends stream_options and runs a respond or action phase. It
// handles every outcome itself: success, handler error (error event) and
// cancellation (partial items stored).
func (st *stream) runTurn(ctx context.Context, thread *ThreadMetadata, input *UserMessageItem, run func(context.Context, *Turn) error) {
	s := st.srv
	if err := st.holdEarly(&StreamOptionsEvent{StreamOptions: StreamOptions{AllowCancel: true}}); err != nil {
		return
	}
	if st.creating == nil {
		if err := st.flush(); err != nil {
			return
		}
	}
	ts := &turnState{st: st, ctx: ctx, thread: thread, saved: snapshotOf(thread)}
	if input != nil && thread.Title == "" && s.opts.Titler != nil {
		named := thread.Clone() // the Responder may change thread meanwhile
		ts.titler = func(ctx context.Context) (string, error) { return s.opts.Titler.Title(ctx, named, input) }
	}
	turn := &Turn{
		User:      st.user,
		Thread:    thread,
		Emit:      ts.emit,
		EmitDone:  ts.emitDone,
		Flush:     ts.flush,
		NewThread: st.fresh && input != nil,
		NewID:     s.opts.NewID,
		Now:       s.opts.Now,
		LoadItems: func(ctx context.Context, opts ListOptions) (Page[ThreadItem], error) {
			if err := ts.readyToStore(); err != nil {
				return Page[ThreadItem]{}, err
			}
			if opts.Limit == 0 {
				opts.Limit = DefaultPageSize
			}
			if opts.Order == "" {
				opts.Order = OrderDesc
			}
			return s.store.LoadThreadItems(ctx, st.user, thread.ID, opts)
		},
	}
	ts.end(input, run(ctx, turn))
}

// end finishes the turn that run ended with err (see runTurn); it is
// apart from runTurn to keep runTurn's frame small, as the turn's
// goroutine waits under it while the model streams.
func (ts *turnState) end(input *UserMessageItem, err error) {
	st, ctx, thread := ts.st, ts.ctx, ts.thread
	s := st.srv
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.over = true
	if st.created() != nil { // the thread was never stored: Server.stream sends the error
		ts.awaitTitle(false)
		return
	}
	if ctx.Err() == nil {
		if herr := ts.storeHidden(); herr != nil && err == nil {
			err = herr
		}
	}
	if st.gone == nil && ctx.Err() == nil {
		_ = st.flush() // held text deltas, before the title is awaited; a failure sets st.gone
	}
	ok := st.gone == nil && err == nil && ctx.Err() == nil
	title := ts.awaitTitle(ok && thread.Title == "")
	if st.gone != nil || (err != nil && ctx.Err() != nil) {
		s.log.InfoContext(ctx, "chatkit stream cancelled", "thread", thread.ID, "err", err)
		ts.saveCancelled(context.WithoutCancel(ctx))
		return
	}
	if err != nil {
		s.log.ErrorContext(ctx, "chatkit turn failed", "thread", thread.ID, "err", err)
		if st.write(errorEvent(err, true)) != nil {
			return
		}
	} else if title != nil {
		if title.err != nil {
			s.log.WarnContext(ctx, "chatkit title failed", "thread", thread.ID, "err", title.err)
		}
		thread.Title = strings.TrimSpace(title.title)
	}
	if err := ts.syncThread(); err != nil {
		s.log.ErrorContext(ctx, "chatkit save thread failed", "thread", thread.ID, "err", err)
	}
}

// usable returns why nothing may be emitted now, or nil: the turn is
// over, its new thread could not be stored (waiting for the write if it
// is still running), the turn was cancelled, or the client is gone.
// ts.mu is held.
func (ts *turnState) usable() error {
	if ts.over {
		return errTurnOver
	}
	if err := ts.st.created(); err != nil {
		return err
	}
	if err := ts.ctx.Err(); err != nil {
		return err
	}
	return ts.st.gone
}

// emit is Turn.Emit.
func (ts *turnState) emit(ev Event) error {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if err := ts.usable(); err != nil {
		return err
	}
	send, err := ts.apply(ev)
	if err != nil {
		return err
	}
	if startsReply(ev) {
		ts.startTitle()
	}
	if heldForText(ev) {
		if err := ts.st.hold(ev); err != nil { // sent with the next event or Flush
			return err
		}
	} else if done, ok := ev.(*ThreadItemDoneEvent); !ok || !isHidden(done.Item) {
		if err := ts.st.write(send); err != nil {
			return err
		}
	}
	if err := ts.track(ev); err != nil {
		return err
	}
	return ts.syncThread()
}

// emitDone is Turn.EmitDone.
func (ts *turnState) emitDone(items ...ThreadItem) error {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if err := ts.usable(); err != nil {
		return err
	}
	last := -1 // the last item that is shown
	for i, it := range items {
		if it == nil {
			return errors.New("emit thread.item.done: nil item")
		}
		if err := fillItem(it, ts.thread.ID, ts.st.srv.opts.Now); err != nil {
			return fmt.Errorf("emit thread.item.done: %w", err)
		}
		if !isHidden(it) {
			last = i
		}
	}
	for _, it := range items {
		ts.forget(it.Base().ID)
		if _, ok := it.(*AssistantMessageItem); ok {
			ts.startTitle()
		}
	}
	batch, after := items[:last+1], items[last+1:] // hidden items after the last shown wait for the next
	defer func() { ts.hidden = append(ts.hidden, after...) }()
	if len(batch) == 0 {
		return nil
	}
	encoded, err := ts.storeItems(batch...)
	if err != nil {
		return err
	}
	for i, it := range batch {
		if isHidden(it) {
			continue // stored, not sent
		}
		if err := ts.st.hold(&ThreadItemDoneEvent{Item: it, encoded: encoded[i]}); err != nil {
			return err
		}
	}
	if err := ts.st.flush(); err != nil {
		return err
	}
	return ts.syncThread()
}

// flush is Turn.Flush.
func (ts *turnState) flush() error {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.over {
		return errTurnOver
	}
	return ts.st.flush()
}

// startsReply reports whether ev may be the first of the reply's text:
// an assistant message added or done, or a text delta.
func startsReply(ev Event) bool {
	var item ThreadItem
	switch e := ev.(type) {
	case *ThreadItemAddedEvent:
		item = e.Item
	case *ThreadItemDoneEvent:
		item = e.Item
	default:
		return isTextDelta(ev)
	}
	_, ok := item.(*AssistantMessageItem)
	return ok
}

// heldForText reports whether ev is held until the next event or Flush
// rather than sent at once: a text delta (a burst of them goes out in one
// write), or the start of an assistant message, which the reply's first
// text follows at once.
func heldForText(ev Event) bool {
	switch e := ev.(type) {
	case *ThreadItemAddedEvent:
		_, ok := e.Item.(*AssistantMessageItem)
		return ok
	case *ThreadItemUpdatedEvent:
		switch e.Update.(type) {
		case *AssistantMessageContentPartAdded, *AssistantMessageContentPartTextDelta:
			return true
		}
	}
	return false
}

// isTextDelta reports whether ev is an assistant message's text delta,
// which the server holds until the next event or Flush (see EventWriter).
func isTextDelta(ev Event) bool {
	u, ok := ev.(*ThreadItemUpdatedEvent)
	if !ok {
		return false
	}
	_, ok = u.Update.(*AssistantMessageContentPartTextDelta)
	return ok
}

// apply checks ev and persists what it describes, before it is sent (as
// the reference does). It returns the event to send: ev, or for an item
// done, a copy that carries the JSON the item was stored as.
func (ts *turnState) apply(ev Event) (Event, error) {
	s, ctx, user, threadID := ts.st.srv, ts.ctx, ts.st.user, ts.thread.ID
	switch e := ev.(type) {
	case nil:
		return nil, errors.New("emit: nil event")
	case *ThreadCreatedEvent, *ThreadUpdatedEvent:
		return nil, fmt.Errorf("emit %s: only the server sends it; change Turn.Thread instead", ev.Type())
	case *ThreadItemAddedEvent:
		if err := fillItem(e.Item, threadID, s.opts.Now); err != nil {
			return nil, fmt.Errorf("emit %s: %w", ev.Type(), err)
		}
	case *ThreadItemUpdatedEvent:
		if e.Update == nil {
			return nil, fmt.Errorf("emit %s: nil update", ev.Type())
		}
	case *ThreadItemDoneEvent:
		if err := fillItem(e.Item, threadID, s.opts.Now); err != nil {
			return nil, fmt.Errorf("emit %s: %w", ev.Type(), err)
		}
		ts.forget(e.Item.Base().ID)
		if isHidden(e.Item) {
			ts.hidden = append(ts.hidden, e.Item) // not sent: stored with the next item
			return ev, nil
		}
		encoded, err := ts.storeItems(e.Item)
		if err != nil {
			return nil, err
		}
		if encoded[0] != nil {
			return &ThreadItemDoneEvent{Item: e.Item, encoded: encoded[0]}, nil
		}
	case *ThreadItemReplacedEvent:
		if err := fillItem(e.Item, threadID, s.opts.Now); err != nil {
			return nil, fmt.Errorf("emit %s: %w", ev.Type(), err)
		}
		if err := ts.storeHidden(); err != nil {
			return nil, err
		}
		if err := s.store.SaveItem(ctx, user, threadID, e.Item); err != nil {
			return nil, fmt.Errorf("save %s item %s: %w", e.Item.Type(), e.Item.Base().ID, err)
		}
		ts.forget(e.Item.Base().ID)
	case *ThreadItemRemovedEvent:
		if err := ts.storeHidden(); err != nil {
			return nil, err
		}
		err := s.store.DeleteThreadItem(ctx, user, threadID, e.ItemID)
		if err != nil && !errors.Is(err, ErrNotFound) { // a pending item was never stored
			return nil, fmt.Errorf("delete item %s: %w", e.ItemID, err)
		}
		ts.forget(e.ItemID)
	}
	return ev, nil
}

// storeItems stores the hidden items not yet stored, then items, in one
// write when the Store is an ItemsAdder (see addItems), and returns the
// JSON each of items was stored as (nil ones otherwise). A hidden item is
// not sent, so it waits for the next item (or the turn's end): a tool
// call's record and the confirmation that follows it are one write.
func (ts *turnState) storeItems(items ...ThreadItem) ([][]byte, error) {
	nh := len(ts.hidden)
	all := append(ts.hidden[:nh:nh], items...)
	if len(all) == 0 {
		return nil, nil
	}
	n, encoded, err := ts.st.addItems(ts.ctx, ts.thread.ID, all)
	ts.hidden = ts.hidden[min(n, nh):]
	if len(ts.hidden) == 0 {
		ts.hidden = nil
	}
	if err != nil {
		return nil, err
	}
	return encoded[nh:], nil
}

// storeHidden stores the hidden items not yet stored.
func (ts *turnState) storeHidden() error {
	_, err := ts.storeItems()
	return err
}

// readyToStore waits for the thread to be stored (stream.created) and
// stores the hidden items not yet stored, for a caller that does not
// hold ts.mu and reads the store next.
func (ts *turnState) readyToStore() error {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if err := ts.st.created(); err != nil {
		return err
	}
	return ts.storeHidden()
}

// track keeps copies of the pending items as the client has seen them, so
// that a cancelled stream stores what the user saw.
func (ts *turnState) track(ev Event) error {
	switch e := ev.(type) {
	case *ThreadItemAddedEvent:
		c, err := CloneItem(e.Item) // the Responder keeps mutating its own
		if err != nil {
			return fmt.Errorf("emit %s: %w", ev.Type(), err)
		}
		ts.pending = append(ts.pending, c)
	case *ThreadItemUpdatedEvent:
		for _, it := range ts.pending {
			switch it := it.(type) {
			case *AssistantMessageItem:
				if it.ID == e.ItemID {
					applyAssistantUpdate(it, e.Update)
				}
			case *WorkflowItem:
				if it.ID == e.ItemID {
					applyWorkflowUpdate(it, e.Update)
				}
			}
		}
	}
	return nil
}

func (ts *turnState) forget(id string) {
	for i, it := range ts.pending {
		if it.Base().ID == id {
			ts.pending = append(ts.pending[:i], ts.pending[i+1:]...)
			return
		}
	}
}

// applyAssistantUpdate applies u to a pending assistant message. Like the
// reference, it pads the content up to the part index first.
func applyAssistantUpdate(m *AssistantMessageItem, u ItemUpdate) {
	pad := func(i int) bool {
		if i < 0 {
			return false
		}
		for len(m.Content) <= i {
			m.Content = append(m.Content, AssistantContent{})
		}
		return true
	}
	switch u := u.(type) {
	case *AssistantMessageContentPartAdded:
		if pad(u.ContentIndex) {
			m.Content[u.ContentIndex] = u.Content
		}
	case *AssistantMessageContentPartTextDelta:
		if pad(u.ContentIndex) {
			m.Content[u.ContentIndex].Text += u.Delta
		}
	case *AssistantMessageContentPartAnnotationAdded:
		if pad(u.ContentIndex) {
			anns := m.Content[u.ContentIndex].Annotations
			i := min(max(u.AnnotationIndex, 0), len(anns))
			m.Content[u.ContentIndex].Annotations = append(anns[:i], append([]Annotation{u.Annotation}, anns[i:]...)...)
		}
	case *AssistantMessageContentPartDone:
		if pad(u.ContentIndex) {
			m.Content[u.ContentIndex] = u.Content
		}
	}
}

// applyWorkflowUpdate applies u to a pending workflow.
func applyWorkflowUpdate(w *WorkflowItem, u ItemUpdate) {
	switch u := u.(type) {
	case *WorkflowTaskAdded:
		i := min(max(u.TaskIndex, 0), len(w.Workflow.Tasks))
		w.Workflow.Tasks = append(w.Workflow.Tasks[:i], append([]Task{u.Task}, w.Workflow.Tasks[i:]...)...)
	case *WorkflowTaskUpdated:
		if u.TaskIndex >= 0 && u.TaskIndex < len(w.Workflow.Tasks) {
			w.Workflow.Tasks[u.TaskIndex] = u.Task
		}
	}
}

// syncThread saves the thread and sends thread.updated if its metadata
// changed since it was last saved.
func (ts *turnState) syncThread() error {
	now := snapshotOf(ts.thread)
	if now.equal(ts.saved) {
		return nil
	}
	if err := ts.storeHidden(); err != nil {
		return err
	}
	if err := ts.st.srv.store.SaveThread(ts.ctx, ts.st.user, ts.thread); err != nil {
		return fmt.Errorf("save thread: %w", err)
	}
	ts.saved = now
	return ts.st.write(&ThreadUpdatedEvent{Thread: threadResponse(ts.thread, Page[ThreadItem]{})})
}

// saveCancelled stores, after the client went away, the pending assistant
// messages that have text and the pending workflows that have steps (the
// steps the user saw, so that a reload shows what was done; a step still
// loading is stored as stopped), and a hidden note telling the model that
// the user cancelled.
func (ts *turnState) saveCancelled(ctx context.Context) {
	s, user, threadID := ts.st.srv, ts.st.user, ts.thread.ID
	ctx, cancel := context.WithTimeout(ctx, cleanupTimeout)
	defer cancel()
	for _, it := range ts.hidden { // done before the client went away
		if err := s.store.AddThreadItem(ctx, user, threadID, it); err != nil {
			s.log.ErrorContext(ctx, "chatkit store hidden item failed", "thread", threadID, "type", it.Type(), "err", err)
		}
	}
	ts.hidden = nil
	for _, it := range ts.pending {
		switch it := it.(type) {
		case *AssistantMessageItem:
			if strings.TrimSpace(it.Text()) == "" {
				continue
			}
		case *WorkflowItem:
			if len(it.Workflow.Tasks) == 0 {
				continue
			}
			for i, t := range it.Workflow.Tasks {
				if t.StatusIndicator == "loading" {
					it.Workflow.Tasks[i].StatusIndicator = "none"
				}
			}
		default:
			continue
		}
		if err := s.store.AddThreadItem(ctx, user, threadID, it); err != nil {
			s.log.ErrorContext(ctx, "chatkit store partial item failed", "thread", threadID, "type", it.Type(), "err", err)
		}
	}
	note := &SDKHiddenContextItem{
		ItemBase: ItemBase{ID: s.opts.NewID(HiddenContextIDPrefix), ThreadID: threadID, CreatedAt: s.opts.Now()},
		Content:  cancelNote,
	}
	if err := s.store.AddThreadItem(ctx, user, threadID, note); err != nil {
		s.log.ErrorContext(ctx, "chatkit store cancel note failed", "thread", threadID, "err", err)
	}
}

// threadSnapshot is what a thread.updated would report, plus metadata:
// what syncThread compares after every event. Metadata, usually empty, is
// compared as JSON (it may be changed in place).
type threadSnapshot struct {
	id, title  string
	created    time.Time
	status     ThreadStatus
	domains    []string
	hasDomains bool   // nil domains are omitted on the wire, empty ones sent
	metadata   string // JSON; "" when empty
}

func snapshotOf(t *ThreadMetadata) threadSnapshot {
	s := threadSnapshot{id: t.ID, title: t.Title, created: t.CreatedAt, status: t.Status,
		domains: slices.Clone(t.AllowedImageDomains), hasDomains: t.AllowedImageDomains != nil}
	if len(t.Metadata) > 0 {
		b, err := json.Marshal(t.Metadata)
		if err != nil {
			b = fmt.Appendf(nil, "unencodable: %v", err) // differs from any snapshot: saving will fail loudly
		}
		s.metadata = string(b)
	}
	return s
}

func (s threadSnapshot) equal(o threadSnapshot) bool {
	return s.id == o.id && s.title == o.title && s.created.Equal(o.created) && s.status == o.status &&
		s.hasDomains == o.hasDomains && slices.Equal(s.domains, o.domains) && s.metadata == o.metadata
}
