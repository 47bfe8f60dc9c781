package chatkit

import (
	"context"
	"fmt"
)

// stream is one streaming response in progress.
type stream struct {
	srv   *Server
	user  string
	out   EventWriter
	held  bool  // events were written but not flushed
	fresh bool  // the request created the thread (Turn.NewThread)
	gone  error // set when out failed: the client is gone

	// creating is the store write of the thread the request creates
	// while it runs beside the start of the turn (see newThread); nil
	// once it is over. early holds the events that wait for it
	// (thread.created, the user's message, stream_options); createErr is
	// set when it failed. See created.
	creating  <-chan error
	early     []Event
	createErr error
}

// created waits for the store write of the thread the request creates,
// if one is running, and then holds the events that waited for it. It
// returns the write's error (and keeps returning it): the thread does
// not exist, so nothing of the turn may be stored or sent.
func (st *stream) created() error {
	if st.creating == nil {
		return st.createErr
	}
	err := <-st.creating
	st.creating = nil
	early := st.early
	st.early = nil
	if err != nil {
		st.createErr = fmt.Errorf("create thread: %w", err)
		return st.createErr
	}
	for _, ev := range early {
		if err := st.hold(ev); err != nil {
			return err
		}
	}
	return nil
}

// holdEarly holds ev, or while the thread the request creates is being
// stored, keeps it to send once that is done (see created).
func (st *stream) holdEarly(ev Event) error {
	if st.creating != nil {
		st.early = append(st.early, ev)
		return nil
	}
	return st.hold(ev)
}

// write sends one event to the client, with any held before it.
func (st *stream) write(ev Event) error {
	if err := st.hold(ev); err != nil {
		return err
	}
	return st.flush()
}

// hold writes one event without sending it yet (see EventWriter).
func (st *stream) hold(ev Event) error {
	if st.gone != nil {
		return st.gone
	}
	if st.creating != nil {
		if err := st.created(); err != nil {
			return err
		}
	}
	if err := st.out.WriteEvent(ev); err != nil {
		st.gone = fmt.Errorf("send %s: %w", ev.Type(), err)
		return st.gone
	}
	st.held = true
	return nil
}

// flush sends the events written since the last flush.
func (st *stream) flush() error {
	if st.gone != nil {
		return st.gone
	}
	if st.creating != nil {
		if err := st.created(); err != nil {
			return err
		}
	}
	if !st.held {
		return nil
	}
	st.held = false
	if err := st.out.Flush(); err != nil {
		st.gone = fmt.Errorf("send: %w", err)
		return st.gone
	}
	return nil
}

// stream runs a streaming request. Failures before the turn starts end
// the stream with {"type":"error","code":"stream.error"} (the reference
// server cuts the connection instead): with "allow_retry":true when the
// store is unavailable, false for a refusal (a missing thread, a retry of
// an item that is not a user message, ...); see errorEvent.
func (s *Server) stream(ctx context.Context, user string, req Request, out EventWriter) error {
	st := &stream{srv: s, user: user, out: out}
	var err error
	switch p := req.Params.(type) {
	case *ThreadCreateParams:
		err = st.createThread(ctx, p)
	case *ThreadAddUserMessageParams:
		err = st.addUserMessage(ctx, p)
	case *ThreadAddClientToolOutputParams:
		err = st.addClientToolOutput(ctx, p)
	case *ThreadAddStructuredInputParams:
		err = st.addStructuredInput(ctx, p)
	case *ThreadRetryAfterItemParams:
		err = st.retryAfterItem(ctx, p)
	case *ThreadCustomActionParams:
		err = st.customAction(ctx, p)
	default:
		err = fmt.Errorf("unexpected params %T", req.Params)
	}
	if st.createErr != nil {
		err = st.createErr // the turn ended without a word: its thread was never stored
	}
	if st.gone != nil {
		return st.gone
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil {
		st.fail(ctx, req.Type, err)
	} else {
		_ = st.flush() // anything still held
	}
	return st.gone
}

// fail logs a request that failed before its turn and sends its error
// event. It is apart from Server.stream to keep the frame small under
// which a turn waits for the model.
func (st *stream) fail(ctx context.Context, typ string, err error) {
	st.srv.log.WarnContext(ctx, "chatkit request failed", "type", typ, "user", st.user, "err", err)
	_ = st.write(errorEvent(err, false))
}

func (st *stream) loadThread(ctx context.Context, id string) (*ThreadMetadata, error) {
	thread, err := st.srv.store.LoadThread(ctx, st.user, id)
	if err != nil {
		return nil, fmt.Errorf("load thread %s: %w", id, err)
	}
	return thread, nil
}

func (st *stream) createThread(ctx context.Context, p *ThreadCreateParams) error {
	turnCtx, cancel := context.WithCancel(ctx) // cancelled when storing the thread fails
	defer cancel()
	thread, msg, err := st.newThread(ctx, cancel, &p.Input)
	if err != nil {
		return err
	}
	if msg == nil { // not stored with the thread
		return st.respondTo(ctx, thread, &p.Input)
	}
	st.respond(turnCtx, thread, msg)
	return nil
}

// newThread stores a new thread and sends thread.created. When the Store
// is a ThreadCreator, the user's message is stored with the thread in
// one write, sent as done after thread.created and returned; otherwise
// the message is nil, for respondTo to store. It is apart from
// createThread to keep the frame small under which the turn waits for
// the model.
//
// With a ThreadCreator the write runs beside the start of the turn: the
// Responder may prepare and send its first model request meanwhile,
// and the first thing the turn sends or stores waits for the write
// (stream.created). thread.created and the message go out once it is
// done; if it fails, cancel ends the turn, nothing of it is stored or
// sent, and the request ends with the write's error, as before a turn.
func (st *stream) newThread(ctx context.Context, cancel context.CancelFunc, in *UserMessageInput) (*ThreadMetadata, *UserMessageItem, error) {
	s := st.srv
	thread := &ThreadMetadata{ID: s.opts.NewID(ThreadIDPrefix), CreatedAt: s.opts.Now(), Status: ThreadStatus{Type: StatusActive}}
	tc, ok := s.store.(ThreadCreator)
	if !ok {
		if err := s.store.SaveThread(ctx, st.user, thread); err != nil {
			return nil, nil, fmt.Errorf("create thread: %w", err)
		}
		if err := st.sendCreated(thread); err != nil {
			return nil, nil, err
		}
		return thread, nil, nil
	}
	msg := st.userMessage(thread, in)
	enc, err := encodeItem(msg)
	if err != nil {
		return nil, nil, fmt.Errorf("create thread: %w", err)
	}
	stored := thread.Clone() // the Responder may change thread meanwhile
	creating := make(chan error, 1)
	go func() {
		err := tc.CreateThread(ctx, st.user, stored, enc)
		if err != nil {
			cancel()
		}
		creating <- err
	}()
	st.creating = creating
	if err := st.sendCreated(stored); err != nil {
		return nil, nil, err
	}
	if err := st.holdEarly(&ThreadItemDoneEvent{Item: msg, encoded: enc.JSON}); err != nil { // sent with stream_options
		return nil, nil, err
	}
	return thread, msg, nil
}

// sendCreated sends thread.created for the thread the request created,
// with the event that follows it (the user's message, or stream_options).
func (st *stream) sendCreated(thread *ThreadMetadata) error {
	if err := st.holdEarly(&ThreadCreatedEvent{Thread: threadResponse(thread, Page[ThreadItem]{})}); err != nil { // sent with the next event
		return err
	}
	st.fresh = true
	return nil
}

func (st *stream) addUserMessage(ctx context.Context, p *ThreadAddUserMessageParams) error {
	thread, err := st.loadThread(ctx, p.ThreadID)
	if err != nil {
		return err
	}
	return st.respondTo(ctx, thread, &p.Input)
}

// respondTo stores the user's message, sends it as done, and runs the turn
// that answers it.
func (st *stream) respondTo(ctx context.Context, thread *ThreadMetadata, in *UserMessageInput) error {
	msg, err := st.addInput(ctx, thread, in)
	if err != nil {
		return err
	}
	st.respond(ctx, thread, msg)
	return nil
}

// respond runs the turn that answers the user's message msg, stored and
// sent.
func (st *stream) respond(ctx context.Context, thread *ThreadMetadata, msg *UserMessageItem) {
	s := st.srv
	st.runTurn(ctx, thread, msg, func(ctx context.Context, t *Turn) error {
		return s.responder.Respond(ctx, t, msg)
	})
}

// userMessage returns the user's message in, new in thread.
func (st *stream) userMessage(thread *ThreadMetadata, in *UserMessageInput) *UserMessageItem {
	s := st.srv
	return &UserMessageItem{
		ItemBase:         ItemBase{ID: s.opts.NewID(MessageIDPrefix), ThreadID: thread.ID, CreatedAt: s.opts.Now()},
		Content:          emptyIfNil(in.Content),
		Attachments:      []Attachment{},
		QuotedText:       in.QuotedText,
		InferenceOptions: in.InferenceOptions,
	}
}

// addInput stores the user's message and sends it as done. It is apart
// from respondTo to keep the frame small under which the turn waits for
// the model.
func (st *stream) addInput(ctx context.Context, thread *ThreadMetadata, in *UserMessageInput) (*UserMessageItem, error) {
	msg := st.userMessage(thread, in)
	_, encoded, err := st.addItems(ctx, thread.ID, []ThreadItem{msg})
	if err != nil {
		return nil, fmt.Errorf("add user message: %w", err)
	}
	if err := st.write(&ThreadItemDoneEvent{Item: msg, encoded: encoded[0]}); err != nil {
		return nil, err
	}
	return msg, nil
}

// addItems appends items, in order, to the thread. When the Store is an
// ItemsAdder they are one write, all or none, each item encoded once: the
// JSON each was stored as is returned, for the events that send them.
// Otherwise they are added one by one and the JSON is nil. n is how many
// items are stored, when it fails too.
func (st *stream) addItems(ctx context.Context, threadID string, items []ThreadItem) (n int, encoded [][]byte, err error) {
	s := st.srv
	encoded = make([][]byte, len(items))
	adder, ok := s.store.(ItemsAdder)
	if !ok {
		for i, it := range items {
			if err := s.store.AddThreadItem(ctx, st.user, threadID, it); err != nil {
				return i, nil, fmt.Errorf("store %s item %s: %w", it.Type(), it.Base().ID, err)
			}
		}
		return len(items), encoded, nil
	}
	enc := make([]EncodedItem, len(items))
	for i, it := range items {
		var err error
		if enc[i], err = encodeItem(it); err != nil {
			return 0, nil, err
		}
	}
	if err := adder.AddThreadItems(ctx, st.user, threadID, enc); err != nil {
		if len(items) == 1 {
			return 0, nil, fmt.Errorf("store %s item %s: %w", items[0].Type(), items[0].Base().ID, err)
		}
		return 0, nil, fmt.Errorf("store %d items from %s item %s: %w", len(items), items[0].Type(), items[0].Base().ID, err)
	}
	for i, e := range enc {
		encoded[i] = e.JSON
	}
	return len(items), encoded, nil
}

func (st *stream) addClientToolOutput(ctx context.Context, p *ThreadAddClientToolOutputParams) error {
	s := st.srv
	thread, err := st.loadThread(ctx, p.ThreadID)
	if err != nil {
		return err
	}
	newest, err := s.store.LoadThreadItems(ctx, st.user, thread.ID, ListOptions{Limit: 1, Order: OrderDesc})
	if err != nil {
		return fmt.Errorf("load newest item: %w", err)
	}
	var call *ClientToolCallItem
	if len(newest.Data) == 1 {
		call, _ = newest.Data[0].(*ClientToolCallItem)
	}
	if call == nil || !isPending(call) {
		return fmt.Errorf("newest item of thread %s is not a pending client tool call", thread.ID)
	}
	call.Output = p.Result
	call.Status = ToolCallCompleted
	if err := s.store.SaveItem(ctx, st.user, thread.ID, call); err != nil {
		return fmt.Errorf("complete client tool call: %w", err)
	}
	if err := st.dropPendingToolCalls(ctx, thread); err != nil {
		return err
	}
	st.runTurn(ctx, thread, nil, func(ctx context.Context, t *Turn) error {
		return s.responder.Respond(ctx, t, nil)
	})
	return nil
}

func isPending(c *ClientToolCallItem) bool {
	return c.Status == "" || c.Status == ToolCallPending
}

// dropPendingToolCalls deletes client tool calls left pending among the
// newest items, which should never exist but would block the thread.
func (st *stream) dropPendingToolCalls(ctx context.Context, thread *ThreadMetadata) error {
	s := st.srv
	page, err := s.store.LoadThreadItems(ctx, st.user, thread.ID, ListOptions{Limit: DefaultPageSize, Order: OrderDesc})
	if err != nil {
		return fmt.Errorf("load newest items: %w", err)
	}
	for _, item := range page.Data {
		if call, ok := item.(*ClientToolCallItem); ok && isPending(call) {
			s.log.WarnContext(ctx, "dropping client tool call that was never completed", "thread", thread.ID, "call_id", call.CallID)
			if err := s.store.DeleteThreadItem(ctx, st.user, thread.ID, call.ID); err != nil {
				return fmt.Errorf("delete pending client tool call: %w", err)
			}
		}
	}
	return nil
}

func (st *stream) addStructuredInput(ctx context.Context, p *ThreadAddStructuredInputParams) error {
	s := st.srv
	thread, err := st.loadThread(ctx, p.ThreadID)
	if err != nil {
		return err
	}
	item, err := s.store.LoadItem(ctx, st.user, thread.ID, p.ItemID)
	if err != nil {
		return fmt.Errorf("load item %s: %w", p.ItemID, err)
	}
	si, ok := item.(*StructuredInputItem)
	if !ok {
		return fmt.Errorf("item %s is a %s item, not structured input", p.ItemID, item.Type())
	}
	answered, err := applySubmission(si, p.Input, func(unknown []string) {
		s.log.WarnContext(ctx, "structured input answers name unknown questions; ignored", "item", si.ID, "questions", unknown)
	})
	if err != nil {
		return err
	}
	st.runTurn(ctx, thread, nil, func(ctx context.Context, t *Turn) error {
		// Replaced inside the turn, so that it is stored like any event.
		if err := t.Emit(&ThreadItemReplacedEvent{Item: answered}); err != nil {
			return err
		}
		return s.responder.Respond(ctx, t, nil)
	})
	return nil
}

// retryAfterItem deletes every item newer than the given user message
// and answers that message again. Like the reference server it sends no
// thread.item.removed events; the client drops those items itself.
func (st *stream) retryAfterItem(ctx context.Context, p *ThreadRetryAfterItemParams) error {
	s := st.srv
	thread, err := st.loadThread(ctx, p.ThreadID)
	if err != nil {
		return err
	}
	var newer []ThreadItem
	var msg *UserMessageItem
	opts := ListOptions{Limit: DefaultPageSize, Order: OrderDesc}
search:
	for {
		page, err := s.store.LoadThreadItems(ctx, st.user, thread.ID, opts)
		if err != nil {
			return fmt.Errorf("load items: %w", err)
		}
		for _, item := range page.Data {
			if item.Base().ID == p.ItemID {
				m, ok := item.(*UserMessageItem)
				if !ok {
					return fmt.Errorf("retry after item %s: a %s item, not a user message", p.ItemID, item.Type())
				}
				msg = m
				break search
			}
			newer = append(newer, item)
		}
		if !page.HasMore {
			break
		}
		opts.After = page.After
	}
	if msg == nil {
		return fmt.Errorf("retry after item %s: %w", p.ItemID, ErrNotFound)
	}
	for _, item := range newer {
		if err := s.store.DeleteThreadItem(ctx, st.user, thread.ID, item.Base().ID); err != nil {
			return fmt.Errorf("retry: delete item %s: %w", item.Base().ID, err)
		}
	}
	st.runTurn(ctx, thread, msg, func(ctx context.Context, t *Turn) error {
		return s.responder.Respond(ctx, t, msg)
	})
	return nil
}

func (st *stream) customAction(ctx context.Context, p *ThreadCustomActionParams) error {
	s := st.srv
	thread, sender, err := s.loadActionTarget(ctx, st.user, p)
	if err != nil {
		return fmt.Errorf("action %s: %w", p.Action.Type, err)
	}
	st.runTurn(ctx, thread, nil, func(ctx context.Context, t *Turn) error {
		return s.opts.Actions.Action(ctx, t, p.Action, sender)
	})
	return nil
}
