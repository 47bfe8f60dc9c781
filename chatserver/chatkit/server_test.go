package chatkit_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/taskpilot/taskpilot/chatserver/chatkit"
	"github.com/taskpilot/taskpilot/chatserver/chatkit/chatkittest"
	"github.com/taskpilot/taskpilot/chatserver/chatkit/memstore"
)

// The tests of this file port the behaviours of the reference server's
// tests (tests/test_chatkit_server.py in openai/chatkit-python 1.6.5),
// named after them, plus Go-specific ones.

func TestCreatesThread(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil, chatkit.Options{})
	events := h.stream(t.Context(), `{"type":"threads.create","params":{"input":{"content":[{"type":"input_text","text":"Hello, world!"}],"attachments":[],"quoted_text":"Quoted text","inference_options":{}}}}`)

	want := []string{"thread.created", "thread.item.done:user_message", "stream_options"}
	if diff := cmp.Diff(want, labels(events)); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if _, ok := events[0].thread()["title"]; ok {
		t.Errorf("new thread has a title: %v", events[0])
	}
	msg := events[1].item()
	if msg["quoted_text"] != "Quoted text" || msg["content"].([]any)[0].(map[string]any)["text"] != "Hello, world!" {
		t.Errorf("user message = %v", msg)
	}
	if diff := cmp.Diff([]string{"user_message:" + msg["id"].(string)}, h.stored(threadID(t, events))); diff != "" {
		t.Errorf("stored (-want +got):\n%s", diff)
	}
}

// TestListThreads ports test_list_threads_response and
// test_list_threads_paginated_response.
func TestListThreads(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil, chatkit.Options{})
	var ids []string
	for i := range 25 {
		ids = append(ids, threadID(t, h.stream(t.Context(), createBody(fmt.Sprintf("Thread %d", i)))))
	}
	page := h.mustCall(t.Context(), `{"type":"threads.list","params":{"limit":20}}`)
	data := page["data"].([]any)
	if len(data) != 20 || page["has_more"] != true || page["after"] != data[19].(map[string]any)["id"] {
		t.Fatalf("first page: %d threads, has_more %v, after %v", len(data), page["has_more"], page["after"])
	}
	if data[0].(map[string]any)["id"] != ids[24] {
		t.Errorf("first thread = %v, want the newest %s", data[0].(map[string]any)["id"], ids[24])
	}
	for _, th := range data {
		if diff := cmp.Diff(map[string]any{"data": []any{}, "has_more": false}, th.(map[string]any)["items"]); diff != "" {
			t.Errorf("listed thread items (-want +got):\n%s", diff)
		}
	}
	page = h.mustCall(t.Context(), `{"type":"threads.list","params":{"after":"`+page["after"].(string)+`"}}`)
	data = page["data"].([]any)
	if len(data) != 5 || page["has_more"] != false || page["after"] != nil {
		t.Errorf("second page: %d threads, has_more %v, after %v; want 5, false, absent", len(data), page["has_more"], page["after"])
	}
	if data[4].(map[string]any)["id"] != ids[0] {
		t.Errorf("last thread = %v, want the oldest %s", data[4].(map[string]any)["id"], ids[0])
	}
}

func TestListItemsResponse(t *testing.T) {
	t.Parallel()
	h := newHarness(t, respondFunc(func(_ context.Context, turn *chatkit.Turn, _ *chatkit.UserMessageItem) error {
		for i := range 25 {
			if err := say(turn, fmt.Sprintf("msg_%d", i), fmt.Sprintf("Message %d", i)); err != nil {
				return err
			}
		}
		return nil
	}), chatkit.Options{})
	thread := threadID(t, h.stream(t.Context(), createBody("Thread 1")))
	page := h.mustCall(t.Context(), `{"type":"items.list","params":{"thread_id":"`+thread+`"}}`)
	data := page["data"].([]any)
	if len(data) != 20 || page["has_more"] != true || data[0].(map[string]any)["id"] != "msg_24" {
		t.Fatalf("first page: %d items, has_more %v, first %v; want 20 newest first", len(data), page["has_more"], data[0])
	}
	page = h.mustCall(t.Context(), `{"type":"items.list","params":{"thread_id":"`+thread+`","after":"`+page["after"].(string)+`"}}`)
	if n := len(page["data"].([]any)); n != 6 || page["has_more"] != false { // +1 for the user message
		t.Errorf("second page: %d items, has_more %v; want 6, false", n, page["has_more"])
	}
}

func TestGetThreadByID(t *testing.T) {
	t.Parallel()
	h := newHarness(t, respondFunc(func(_ context.Context, turn *chatkit.Turn, _ *chatkit.UserMessageItem) error {
		err := turn.Emit(&chatkit.ThreadItemDoneEvent{Item: &chatkit.HiddenContextItem{ItemBase: chatkit.ItemBase{ID: "msg_hidden"}, Content: "tool output"}})
		if err != nil {
			return err
		}
		return say(turn, "msg_answer", "Hi")
	}), chatkit.Options{})
	thread := threadID(t, h.stream(t.Context(), createBody("Test thread")))
	got := h.mustCall(t.Context(), `{"type":"threads.get_by_id","params":{"thread_id":"`+thread+`"}}`)
	var ids []string
	for _, it := range got["items"].(map[string]any)["data"].([]any) {
		ids = append(ids, it.(map[string]any)["type"].(string))
	}
	if diff := cmp.Diff([]string{"user_message", "assistant_message"}, ids); diff != "" {
		t.Errorf("items, oldest first, hidden ones dropped (-want +got):\n%s", diff)
	}
	if got["id"] != thread {
		t.Errorf("id = %v", got["id"])
	}
}

func TestThreadsUpdateRequest(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil, chatkit.Options{})
	thread := threadID(t, h.stream(t.Context(), createBody("Hello, world!")))
	got := h.mustCall(t.Context(), `{"type":"threads.update","params":{"thread_id":"`+thread+`","title":"New Title"}}`)
	if got["title"] != "New Title" {
		t.Errorf("answer title = %v", got["title"])
	}
	saved, _ := h.store.LoadThread(t.Context(), user, thread)
	if saved.Title != "New Title" {
		t.Errorf("saved title = %q", saved.Title)
	}
}

func TestDeleteThread(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil, chatkit.Options{})
	thread := threadID(t, h.stream(t.Context(), createBody("Thread to delete")))
	h.mustCall(t.Context(), `{"type":"threads.delete","params":{"thread_id":"`+thread+`"}}`)
	_, err := h.call(t.Context(), `{"type":"threads.get_by_id","params":{"thread_id":"`+thread+`"}}`)
	if !errors.Is(err, chatkit.ErrNotFound) || !strings.Contains(err.Error(), thread) {
		t.Errorf("get deleted thread: %v, want ErrNotFound naming %s", err, thread)
	}
}

func TestAddFeedback(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil, chatkit.Options{})
	thread := threadID(t, h.stream(t.Context(), createBody("Test feedback")))
	h.mustCall(t.Context(), `{"type":"items.feedback","params":{"thread_id":"`+thread+`","item_ids":["assistant_msg_1"],"kind":"positive"}}`)
	h.mustCall(t.Context(), `{"type":"items.feedback","params":{"thread_id":"`+thread+`","item_ids":["widget_1"],"kind":"negative"}}`)
	got := fmt.Sprint(h.store.Feedback())
	want := fmt.Sprintf("[{alice %s [assistant_msg_1] positive} {alice %s [widget_1] negative}]", thread, thread)
	if got != want {
		t.Errorf("feedback = %s, want %s", got, want)
	}
	if _, err := h.call(t.Context(), `{"type":"items.feedback","params":{"thread_id":"thr_missing","item_ids":["x"],"kind":"positive"}}`); !errors.Is(err, chatkit.ErrNotFound) {
		t.Errorf("feedback on a missing thread: %v, want ErrNotFound", err)
	}
}

// TestFlowsUserToResponder ports test_flows_context_to_responder: the user
// a request acts for reaches the Responder and the Store.
func TestFlowsUserToResponder(t *testing.T) {
	t.Parallel()
	var got string
	h := newHarness(t, respondFunc(func(_ context.Context, turn *chatkit.Turn, _ *chatkit.UserMessageItem) error {
		got = turn.User
		return nil
	}), chatkit.Options{})
	thread := threadID(t, h.stream(t.Context(), createBody("Hello")))
	if got != user {
		t.Errorf("Turn.User = %q, want %q", got, user)
	}
	if _, err := h.store.LoadThread(t.Context(), user, thread); err != nil {
		t.Errorf("thread not stored for %s: %v", user, err)
	}
}

// TestOtherUsersThreadsAreInvisible: every user sees only their own threads.
func TestOtherUsersThreadsAreInvisible(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil, chatkit.Options{})
	thread := threadID(t, h.stream(t.Context(), createBody("mine")))
	ctx := t.Context()
	for _, body := range []string{
		`{"type":"threads.get_by_id","params":{"thread_id":"` + thread + `"}}`,
		`{"type":"items.list","params":{"thread_id":"` + thread + `"}}`,
		`{"type":"threads.update","params":{"thread_id":"` + thread + `","title":"x"}}`,
		`{"type":"threads.delete","params":{"thread_id":"` + thread + `"}}`,
	} {
		if _, err := chatkittest.Handle(ctx, h.srv, "mallory", []byte(body)); !errors.Is(err, chatkit.ErrNotFound) {
			t.Errorf("mallory: %s: %v, want ErrNotFound", body, err)
		}
	}
	res, err := chatkittest.Handle(ctx, h.srv, "mallory", []byte(addBody(thread, "hi")))
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := res.Stream(ctx, func(f []byte) error { out.Write(f); return nil }); err != nil {
		t.Fatal(err)
	}
	if want := "data: {\"type\":\"error\",\"code\":\"stream.error\",\"allow_retry\":false}\n\n"; out.String() != want {
		t.Errorf("mallory adding a message got %q, want %q", out.String(), want)
	}
	if diff := cmp.Diff(1, len(h.stored(thread))); diff != "" {
		t.Errorf("alice's thread changed (-want +got):\n%s", diff)
	}
}

// TestUnsupportedRequests covers test_create_file_without_filestore,
// test_delete_file_without_filestore and transcription: TaskPilot has no
// attachment or audio storage.
func TestUnsupportedRequests(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil, chatkit.Options{})
	for _, body := range []string{
		`{"type":"attachments.create","params":{"name":"test-file-name","size":1024,"mime_type":"text/plain"}}`,
		`{"type":"attachments.delete","params":{"attachment_id":"test-file-id"}}`,
		`{"type":"input.transcribe","params":{"audio_base64":"aGVsbG8=","mime_type":"audio/webm;codecs=opus"}}`,
		`{"type":"threads.create","params":{"input":{"content":[],"attachments":["atc_1"],"inference_options":{}}}}`,
	} {
		if _, err := chatkittest.Handle(t.Context(), h.srv, user, []byte(body)); !errors.Is(err, chatkit.ErrUnsupported) {
			t.Errorf("%s: %v, want ErrUnsupported", body, err)
		}
	}
	if _, err := chatkittest.Handle(t.Context(), h.srv, user, []byte(`{"type":"nope"}`)); !errors.As(err, new(*chatkit.RequestError)) {
		t.Errorf("unknown type: %v, want a *RequestError", err)
	}
}

func jsonOf(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

func jsonSame(a, b string) bool {
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	return cmp.Equal(x, y)
}

// limitSpy records the limits the server asks a Store for.
type limitSpy struct {
	chatkit.Store
	limits []int
}

func (s *limitSpy) LoadThreads(ctx context.Context, user string, opts chatkit.ListOptions) (chatkit.Page[*chatkit.ThreadMetadata], error) {
	s.limits = append(s.limits, opts.Limit)
	return s.Store.LoadThreads(ctx, user, opts)
}

func TestListLimits(t *testing.T) {
	t.Parallel()
	spy := &limitSpy{Store: memstore.New()}
	srv := chatkit.New(spy, respondFunc(func(context.Context, *chatkit.Turn, *chatkit.UserMessageItem) error { return nil }), chatkit.Options{})
	for _, body := range []string{
		`{"type":"threads.list","params":{"limit":9999,"order":"desc"}}`, // what the ChatKit playground sends
		`{"type":"threads.list","params":{"limit":0}}`,
		`{"type":"threads.list","params":{"limit":7}}`,
	} {
		if _, err := chatkittest.Handle(t.Context(), srv, user, []byte(body)); err != nil {
			t.Fatalf("%s: %v", body, err)
		}
	}
	if diff := cmp.Diff([]int{chatkit.MaxPageSize, chatkit.DefaultPageSize, 7}, spy.limits); diff != "" {
		t.Errorf("limits passed to the store (-want +got):\n%s", diff)
	}
}
