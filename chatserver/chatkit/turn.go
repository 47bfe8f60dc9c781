package chatkit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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
	saved  string // JSON of the thread as last saved

	mu      sync.Mutex
	over    bool
	pending []ThreadItem // added but not done, in order; copies
}

// runTurn sends stream_options and runs a respond or action phase. It
// handles every outcome itself: success, handler error (error event) and
// cancellation (partial items stored).
func (st *stream) runTurn(ctx context.Context, thread *ThreadMetadata, input *UserMessageItem, run func(context.Context, *Turn) error) {
	s := st.srv
	if err := st.write(&StreamOptionsEvent{StreamOptions: StreamOptions{AllowCancel: true}}); err != nil {
		return
	}
	ts := &turnState{st: st, ctx: ctx, thread: thread, saved: threadJSON(thread)}
	turn := &Turn{
		User:   st.user,
		Thread: thread,
		Emit:   ts.emit,
		NewID:  s.opts.NewID,
		Now:    s.opts.Now,
		LoadItems: func(ctx context.Context, opts ListOptions) (Page[ThreadItem], error) {
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
	} else if input != nil && thread.Title == "" && s.opts.Titler != nil {
		title, err := s.opts.Titler.Title(ctx, thread, input)
		if err != nil {
			s.log.WarnContext(ctx, "chatkit title failed", "thread", thread.ID, "err", err)
		}
		thread.Title = strings.TrimSpace(title)
	}
	if err := ts.syncThread(); err != nil {
		s.log.ErrorContext(ctx, "chatkit save thread failed", "thread", thread.ID, "err", err)
	}
}

// emit is Turn.Emit.
func (ts *turnState) emit(ev Event) error {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.over {
		return errTurnOver
	}
	if err := ts.ctx.Err(); err != nil {
		return err
	}
	if ts.st.gone != nil {
		return ts.st.gone
	}
	if err := ts.apply(ev); err != nil {
		return err
	}
	if done, ok := ev.(*ThreadItemDoneEvent); !ok || !isHidden(done.Item) {
		if err := ts.st.write(ev); err != nil {
			return err
		}
	}
	if err := ts.track(ev); err != nil {
		return err
	}
	return ts.syncThread()
}

// apply checks ev and persists what it describes, before it is sent (as
// the reference does).
func (ts *turnState) apply(ev Event) error {
	s, ctx, user, threadID := ts.st.srv, ts.ctx, ts.st.user, ts.thread.ID
	switch e := ev.(type) {
	case nil:
		return errors.New("emit: nil event")
	case *ThreadCreatedEvent, *ThreadUpdatedEvent:
		return fmt.Errorf("emit %s: only the server sends it; change Turn.Thread instead", ev.Type())
	case *ThreadItemAddedEvent:
		if err := fillItem(e.Item, threadID, s.opts.Now); err != nil {
			return fmt.Errorf("emit %s: %w", ev.Type(), err)
		}
	case *ThreadItemUpdatedEvent:
		if e.Update == nil {
			return fmt.Errorf("emit %s: nil update", ev.Type())
		}
	case *ThreadItemDoneEvent:
		if err := fillItem(e.Item, threadID, s.opts.Now); err != nil {
			return fmt.Errorf("emit %s: %w", ev.Type(), err)
		}
		if err := s.store.AddThreadItem(ctx, user, threadID, e.Item); err != nil {
			return fmt.Errorf("store %s item %s: %w", e.Item.Type(), e.Item.Base().ID, err)
		}
		ts.forget(e.Item.Base().ID)
	case *ThreadItemReplacedEvent:
		if err := fillItem(e.Item, threadID, s.opts.Now); err != nil {
			return fmt.Errorf("emit %s: %w", ev.Type(), err)
		}
		if err := s.store.SaveItem(ctx, user, threadID, e.Item); err != nil {
			return fmt.Errorf("save %s item %s: %w", e.Item.Type(), e.Item.Base().ID, err)
		}
		ts.forget(e.Item.Base().ID)
	case *ThreadItemRemovedEvent:
		err := s.store.DeleteThreadItem(ctx, user, threadID, e.ItemID)
		if err != nil && !errors.Is(err, ErrNotFound) { // a pending item was never stored
			return fmt.Errorf("delete item %s: %w", e.ItemID, err)
		}
		ts.forget(e.ItemID)
	}
	return nil
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
	now := threadJSON(ts.thread)
	if now == ts.saved {
		return nil
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

// threadJSON snapshots what a thread.updated would report, plus metadata.
func threadJSON(t *ThreadMetadata) string {
	b, err := json.Marshal(t)
	if err != nil {
		return fmt.Sprintf("unencodable: %v", err) // differs from any snapshot: saving will fail loudly
	}
	return string(b)
}
