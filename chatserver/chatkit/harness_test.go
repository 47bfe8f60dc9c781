package chatkit_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/taskpilot/taskpilot/chatserver/chatkit"
	"github.com/taskpilot/taskpilot/chatserver/chatkit/chatkittest"
	"github.com/taskpilot/taskpilot/chatserver/chatkit/memstore"
)

// respondFunc is a scripted Responder.
type respondFunc func(ctx context.Context, turn *chatkit.Turn, input *chatkit.UserMessageItem) error

func (f respondFunc) Respond(ctx context.Context, turn *chatkit.Turn, input *chatkit.UserMessageItem) error {
	return f(ctx, turn, input)
}

// actionFunc is a scripted ActionHandler.
type actionFunc func(ctx context.Context, turn *chatkit.Turn, action chatkit.Action, sender *chatkit.WidgetItem) error

func (f actionFunc) Action(ctx context.Context, turn *chatkit.Turn, action chatkit.Action, sender *chatkit.WidgetItem) error {
	return f(ctx, turn, action, sender)
}

// syncActionFunc is a scripted SyncActionHandler.
type syncActionFunc func(ctx context.Context, user string, thread *chatkit.ThreadMetadata, action chatkit.Action, sender *chatkit.WidgetItem) (chatkit.SyncActionResult, error)

func (f syncActionFunc) SyncAction(ctx context.Context, user string, thread *chatkit.ThreadMetadata, action chatkit.Action, sender *chatkit.WidgetItem) (chatkit.SyncActionResult, error) {
	return f(ctx, user, thread, action, sender)
}

// titleFunc is a scripted Titler.
type titleFunc func(ctx context.Context, thread *chatkit.ThreadMetadata, input *chatkit.UserMessageItem) (string, error)

func (f titleFunc) Title(ctx context.Context, thread *chatkit.ThreadMetadata, input *chatkit.UserMessageItem) (string, error) {
	return f(ctx, thread, input)
}

// deterministic returns an id generator ("thr_00000001", "msg_00000002",
// ...) and a clock that advances a millisecond per call from t0.
func deterministic() (func(string) string, func() time.Time) {
	var mu sync.Mutex
	n := 0
	clock := t0
	newID := func(prefix string) string {
		mu.Lock()
		defer mu.Unlock()
		n++
		return fmt.Sprintf("%s_%08d", prefix, n)
	}
	now := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		clock = clock.Add(time.Millisecond)
		return clock
	}
	return newID, now
}

// harness drives a Server over a memstore and checks every response
// against the reference schemas.
type harness struct {
	t       *testing.T
	srv     *chatkit.Server
	store   *memstore.Store
	schemas *chatkittest.Validator
}

const user = "alice"

func newHarness(t *testing.T, r chatkit.Responder, opts chatkit.Options) *harness {
	t.Helper()
	if r == nil {
		r = respondFunc(func(context.Context, *chatkit.Turn, *chatkit.UserMessageItem) error { return nil })
	}
	opts.NewID, opts.Now = deterministic()
	store := memstore.New()
	return &harness{t: t, srv: chatkit.New(store, r, opts), store: store, schemas: chatkittest.Schemas(t)}
}

// event is a decoded stream event.
type event map[string]any

// label names an event by its type and, for item events, the item's or
// update's type: "thread.item.done:user_message".
func (e event) label() string {
	typ, _ := e["type"].(string)
	if item, ok := e["item"].(map[string]any); ok {
		return typ + ":" + item["type"].(string)
	}
	if u, ok := e["update"].(map[string]any); ok {
		return typ + ":" + u["type"].(string)
	}
	return typ
}

func (e event) item() map[string]any {
	item, _ := e["item"].(map[string]any)
	return item
}

func (e event) thread() map[string]any {
	th, _ := e["thread"].(map[string]any)
	return th
}

func labels(events []event) []string {
	var out []string
	for _, e := range events {
		out = append(out, e.label())
	}
	return out
}

// find returns the first event with the label, or fails the test.
func find(t *testing.T, events []event, label string) event {
	t.Helper()
	for _, e := range events {
		if e.label() == label {
			return e
		}
	}
	t.Fatalf("no %s event in %v", label, labels(events))
	return nil
}

// stream sends a streaming request and returns its events. It fails the
// test if Handle fails or the stream ends abnormally.
func (h *harness) stream(ctx context.Context, body string) []event {
	h.t.Helper()
	events, _, err := h.streamRaw(ctx, body, -1)
	if err != nil {
		h.t.Fatalf("stream %s: %v", body, err)
	}
	return events
}

// streamRaw sends a streaming request; send fails after failAfter frames
// when failAfter >= 0 (the client goes away). It returns the events, the
// raw SSE bytes and Stream's error.
func (h *harness) streamRaw(ctx context.Context, body string, failAfter int) ([]event, string, error) {
	h.t.Helper()
	res, err := chatkittest.Handle(ctx, h.srv, user, []byte(body))
	if err != nil {
		h.t.Fatalf("Handle(%s): %v", body, err)
	}
	if res.Stream == nil {
		h.t.Fatalf("Handle(%s) did not stream", body)
	}
	var raw strings.Builder
	var events []event
	err = res.Stream(ctx, func(frame []byte) error {
		if failAfter >= 0 && len(events) >= failAfter {
			return fmt.Errorf("client went away")
		}
		raw.Write(frame)
		events = append(events, h.checkFrame(frame))
		return nil
	})
	return events, raw.String(), err
}

// checkFrame checks the SSE framing and the event's JSON.
func (h *harness) checkFrame(frame []byte) event {
	h.t.Helper()
	s := string(frame)
	if !strings.HasPrefix(s, "data: ") || !strings.HasSuffix(s, "\n\n") || strings.Count(s, "\n") != 2 {
		h.t.Fatalf("bad SSE frame %q", s)
	}
	data := []byte(strings.TrimSuffix(strings.TrimPrefix(s, "data: "), "\n\n"))
	h.schemas.ValidateEvent(h.t, data)
	var e event
	if err := json.Unmarshal(data, &e); err != nil {
		h.t.Fatalf("frame is not JSON: %v", err)
	}
	return e
}

// responseSchemas names the schema of each non-streaming response.
var responseSchemas = map[string]string{
	chatkit.ReqThreadsGetByID:          "thread.schema.json",
	chatkit.ReqThreadsUpdate:           "thread.schema.json",
	chatkit.ReqThreadsList:             "page-thread.schema.json",
	chatkit.ReqItemsList:               "page-thread-item.schema.json",
	chatkit.ReqThreadsSyncCustomAction: "sync-custom-action-response.schema.json",
}

// call sends a non-streaming request and returns its JSON, or the error.
func (h *harness) call(ctx context.Context, body string) (map[string]any, error) {
	h.t.Helper()
	raw, err := h.callRaw(ctx, body)
	if err != nil {
		return nil, err
	}
	var v map[string]any
	if err := json.Unmarshal(raw, &v); err != nil {
		h.t.Fatalf("response is not JSON: %v", err)
	}
	return v, nil
}

// callRaw sends a non-streaming request, checks its answer against the
// reference schemas and returns it, or the error.
func (h *harness) callRaw(ctx context.Context, body string) ([]byte, error) {
	h.t.Helper()
	res, err := chatkittest.Handle(ctx, h.srv, user, []byte(body))
	if err != nil {
		return nil, err
	}
	if res.Stream != nil || res.JSON == nil {
		h.t.Fatalf("Handle(%s) did not answer JSON", body)
	}
	req, _ := chatkit.ParseRequest([]byte(body))
	if name, ok := responseSchemas[req.Type]; ok {
		h.schemas.Validate(h.t, name, res.JSON)
	} else if string(res.JSON) != "{}" {
		h.t.Errorf("%s answered %s, want {}", req.Type, res.JSON)
	}
	h.schemas.ValidateWidgets(h.t, res.JSON)
	return res.JSON, nil
}

// mustCall is call that fails the test on error.
func (h *harness) mustCall(ctx context.Context, body string) map[string]any {
	h.t.Helper()
	v, err := h.call(ctx, body)
	if err != nil {
		h.t.Fatalf("Handle(%s): %v", body, err)
	}
	return v
}

// stored returns every stored item of the thread, oldest first, hidden
// ones included, as "type:id" strings.
func (h *harness) stored(threadID string) []string {
	h.t.Helper()
	var out []string
	for _, it := range h.storedItems(threadID) {
		out = append(out, it.Type()+":"+it.Base().ID)
	}
	return out
}

func (h *harness) storedItems(threadID string) []chatkit.ThreadItem {
	h.t.Helper()
	page, err := h.store.LoadThreadItems(context.Background(), user, threadID, chatkit.ListOptions{Limit: 1000, Order: chatkit.OrderAsc})
	if err != nil {
		h.t.Fatalf("load items: %v", err)
	}
	return page.Data
}

// createBody is a threads.create request for text.
func createBody(text string) string {
	return `{"type":"threads.create","params":{"input":{"content":[{"type":"input_text","text":` + quote(text) + `}],"attachments":[],"inference_options":{}}}}`
}

// addBody is a threads.add_user_message request for text.
func addBody(threadID, text string) string {
	return `{"type":"threads.add_user_message","params":{"thread_id":` + quote(threadID) + `,"input":{"content":[{"type":"input_text","text":` + quote(text) + `}],"attachments":[],"inference_options":{}}}}`
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// threadID returns the id of the thread.created event's thread.
func threadID(t *testing.T, events []event) string {
	t.Helper()
	return find(t, events, "thread.created").thread()["id"].(string)
}

// say emits a complete assistant message in one event.
func say(turn *chatkit.Turn, id, text string) error {
	if id == "" {
		id = turn.NewID(chatkit.MessageIDPrefix)
	}
	return turn.Emit(&chatkit.ThreadItemDoneEvent{Item: &chatkit.AssistantMessageItem{
		ItemBase: chatkit.ItemBase{ID: id},
		Content:  []chatkit.AssistantContent{{Text: text}},
	}})
}
