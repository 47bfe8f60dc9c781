package chatkittest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/taskpilot/taskpilot/chatserver/chatkit"
	"github.com/taskpilot/taskpilot/chatserver/chatkit/widget"
)

// TestStore is a conformance suite for chatkit.Store implementations:
// per-user isolation, ErrNotFound, ordering by creation time with
// insertion order as tie-breaker, cursor pagination and lossless round
// trips of every item type. open must return an empty store; it is called
// once per subtest. Run it from a test of the implementation:
//
//	func TestStore(t *testing.T) {
//		chatkittest.TestStore(t, func(t *testing.T) chatkit.Store { return openStore(t) })
//	}
func TestStore(t *testing.T, open func(t *testing.T) chatkit.Store) {
	t.Run("ThreadRoundTrip", func(t *testing.T) { testThreadRoundTrip(t, open(t)) })
	t.Run("ThreadIsolation", func(t *testing.T) { testThreadIsolation(t, open(t)) })
	t.Run("DeleteThread", func(t *testing.T) { testDeleteThread(t, open(t)) })
	t.Run("ListThreads", func(t *testing.T) { testListThreads(t, open(t)) })
	t.Run("ItemRoundTrip", func(t *testing.T) { testItemRoundTrip(t, open(t)) })
	t.Run("ItemErrors", func(t *testing.T) { testItemErrors(t, open(t)) })
	t.Run("SaveItem", func(t *testing.T) { testSaveItem(t, open(t)) })
	t.Run("ListItems", func(t *testing.T) { testListItems(t, open(t)) })
	t.Run("Feedback", func(t *testing.T) { testFeedback(t, open(t)) })
}

const (
	alice = "alice"
	bob   = "bob"
)

var base = time.Date(2026, 11, 27, 2, 16, 25, 966971000, time.UTC)

func at(sec int) time.Time { return base.Add(time.Duration(sec) * time.Second) }

func newThread(id string, created time.Time) *chatkit.ThreadMetadata {
	return &chatkit.ThreadMetadata{ID: id, CreatedAt: created, Status: chatkit.ThreadStatus{Type: chatkit.StatusActive}}
}

func mustSaveThread(t *testing.T, s chatkit.Store, user string, th *chatkit.ThreadMetadata) {
	t.Helper()
	if err := s.SaveThread(context.Background(), user, th); err != nil {
		t.Fatalf("SaveThread(%s): %v", th.ID, err)
	}
}

func mustAdd(t *testing.T, s chatkit.Store, user, threadID string, items ...chatkit.ThreadItem) {
	t.Helper()
	for _, it := range items {
		if err := s.AddThreadItem(context.Background(), user, threadID, it); err != nil {
			t.Fatalf("AddThreadItem(%s): %v", it.Base().ID, err)
		}
	}
}

func message(id, threadID string, created time.Time, text string) *chatkit.AssistantMessageItem {
	return &chatkit.AssistantMessageItem{
		ItemBase: chatkit.ItemBase{ID: id, ThreadID: threadID, CreatedAt: created},
		Content:  []chatkit.AssistantContent{{Text: text}},
	}
}

// asJSON compares values by their wire form, which is what must survive.
func asJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal %T: %v", v, err)
	}
	return string(b)
}

func wantNotFound(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, chatkit.ErrNotFound) {
		t.Errorf("%s: got error %v, want ErrNotFound", what, err)
	}
}

func testThreadRoundTrip(t *testing.T, s chatkit.Store) {
	ctx := context.Background()
	th := newThread("thr_1", at(0))
	mustSaveThread(t, s, alice, th)
	th.Title = "Groceries"
	th.Status = chatkit.ThreadStatus{Type: chatkit.StatusLocked, Reason: "maintenance"}
	th.AllowedImageDomains = []string{"example.com"}
	th.Metadata = map[string]any{"previous_response_id": "resp_1", "n": 2.0}
	mustSaveThread(t, s, alice, th) // an update
	mustAdd(t, s, alice, th.ID, message("msg_1", th.ID, at(1), "hi"))
	mustSaveThread(t, s, alice, th) // saving metadata again keeps items

	got, err := s.LoadThread(ctx, alice, th.ID)
	if err != nil {
		t.Fatalf("LoadThread: %v", err)
	}
	if diff := cmp.Diff(asJSON(t, th), asJSON(t, got)); diff != "" {
		t.Errorf("LoadThread mismatch (-want +got):\n%s", diff)
	}
	items, err := s.LoadThreadItems(ctx, alice, th.ID, chatkit.ListOptions{Limit: 10, Order: chatkit.OrderAsc})
	if err != nil || len(items.Data) != 1 {
		t.Errorf("items after SaveThread: %d items, err %v; want 1", len(items.Data), err)
	}
	got.Title = "changed by caller"
	again, _ := s.LoadThread(ctx, alice, th.ID)
	if again == nil || again.Title != "Groceries" {
		t.Errorf("LoadThread returned memory shared with the store")
	}
}

func testThreadIsolation(t *testing.T, s chatkit.Store) {
	ctx := context.Background()
	mustSaveThread(t, s, alice, newThread("thr_a", at(0)))
	mustAdd(t, s, alice, "thr_a", message("msg_a", "thr_a", at(1), "secret"))

	_, err := s.LoadThread(ctx, bob, "thr_a")
	wantNotFound(t, "LoadThread of another user's thread", err)
	_, err = s.LoadThread(ctx, alice, "thr_missing")
	wantNotFound(t, "LoadThread of a missing thread", err)
	_, err = s.LoadThreadItems(ctx, bob, "thr_a", chatkit.ListOptions{Limit: 10, Order: chatkit.OrderDesc})
	wantNotFound(t, "LoadThreadItems of another user's thread", err)
	_, err = s.LoadItem(ctx, bob, "thr_a", "msg_a")
	wantNotFound(t, "LoadItem of another user's item", err)
	wantNotFound(t, "AddThreadItem to another user's thread", s.AddThreadItem(ctx, bob, "thr_a", message("msg_b", "thr_a", at(2), "x")))
	wantNotFound(t, "SaveItem in another user's thread", s.SaveItem(ctx, bob, "thr_a", message("msg_a", "thr_a", at(1), "overwritten")))
	wantNotFound(t, "DeleteThreadItem in another user's thread", s.DeleteThreadItem(ctx, bob, "thr_a", "msg_a"))
	wantNotFound(t, "DeleteThread of another user's thread", s.DeleteThread(ctx, bob, "thr_a"))
	page, err := s.LoadThreads(ctx, bob, chatkit.ListOptions{Limit: 10, Order: chatkit.OrderDesc})
	if err != nil || len(page.Data) != 0 {
		t.Errorf("LoadThreads(bob) = %d threads, err %v; want none", len(page.Data), err)
	}
	item, err := s.LoadItem(ctx, alice, "thr_a", "msg_a")
	if err != nil || item.(*chatkit.AssistantMessageItem).Text() != "secret" {
		t.Errorf("alice's item changed by bob's calls: %v, %v", item, err)
	}
}

func testDeleteThread(t *testing.T, s chatkit.Store) {
	ctx := context.Background()
	mustSaveThread(t, s, alice, newThread("thr_1", at(0)))
	mustSaveThread(t, s, alice, newThread("thr_2", at(1)))
	mustAdd(t, s, alice, "thr_1", message("msg_1", "thr_1", at(2), "a"))
	mustAdd(t, s, alice, "thr_2", message("msg_2", "thr_2", at(3), "b"))
	if err := s.DeleteThread(ctx, alice, "thr_1"); err != nil {
		t.Fatalf("DeleteThread: %v", err)
	}
	_, err := s.LoadThread(ctx, alice, "thr_1")
	wantNotFound(t, "LoadThread after delete", err)
	_, err = s.LoadItem(ctx, alice, "thr_1", "msg_1")
	wantNotFound(t, "LoadItem after thread delete", err)
	wantNotFound(t, "DeleteThread twice", s.DeleteThread(ctx, alice, "thr_1"))
	if _, err := s.LoadItem(ctx, alice, "thr_2", "msg_2"); err != nil {
		t.Errorf("other thread's item gone after delete: %v", err)
	}
}

// listCase checks one listing call by the ids it returns.
type listCase struct {
	name    string
	opts    chatkit.ListOptions
	want    []string
	hasMore bool
}

func checkPage[T any](t *testing.T, name string, page chatkit.Page[T], err error, id func(T) string, c listCase) {
	t.Helper()
	if err != nil {
		t.Errorf("%s: %v", name, err)
		return
	}
	var got []string
	for _, v := range page.Data {
		got = append(got, id(v))
	}
	if diff := cmp.Diff(c.want, got); diff != "" {
		t.Errorf("%s: ids (-want +got):\n%s", name, diff)
	}
	if page.HasMore != c.hasMore {
		t.Errorf("%s: HasMore = %v, want %v", name, page.HasMore, c.hasMore)
	}
	wantAfter := ""
	if c.hasMore && len(got) > 0 {
		wantAfter = got[len(got)-1]
	}
	if page.After != wantAfter {
		t.Errorf("%s: After = %q, want %q", name, page.After, wantAfter)
	}
}

// orderCases expects ids 1..5 created in that order, where 3 and 4 share
// a timestamp (so insertion order decides).
func orderCases(prefix string) []listCase {
	ids := func(ns ...int) []string {
		var s []string
		for _, n := range ns {
			s = append(s, fmt.Sprintf("%s_%d", prefix, n))
		}
		return s
	}
	return []listCase{
		{"desc all", chatkit.ListOptions{Limit: 10, Order: chatkit.OrderDesc}, ids(5, 4, 3, 2, 1), false},
		{"asc all", chatkit.ListOptions{Limit: 10, Order: chatkit.OrderAsc}, ids(1, 2, 3, 4, 5), false},
		{"desc first page", chatkit.ListOptions{Limit: 2, Order: chatkit.OrderDesc}, ids(5, 4), true},
		{"desc second page", chatkit.ListOptions{After: prefix + "_4", Limit: 2, Order: chatkit.OrderDesc}, ids(3, 2), true},
		{"desc last page", chatkit.ListOptions{After: prefix + "_2", Limit: 2, Order: chatkit.OrderDesc}, ids(1), false},
		{"asc after tie", chatkit.ListOptions{After: prefix + "_3", Limit: 10, Order: chatkit.OrderAsc}, ids(4, 5), false},
		{"exact fit", chatkit.ListOptions{Limit: 5, Order: chatkit.OrderAsc}, ids(1, 2, 3, 4, 5), false},
		{"after last", chatkit.ListOptions{After: prefix + "_1", Limit: 10, Order: chatkit.OrderDesc}, nil, false},
	}
}

var createdAt = []int{0, 1, 2, 2, 3} // seconds of items 1..5; 3 and 4 tie

func testListThreads(t *testing.T, s chatkit.Store) {
	ctx := context.Background()
	for i, sec := range createdAt {
		mustSaveThread(t, s, alice, newThread(fmt.Sprintf("thr_%d", i+1), at(sec)))
	}
	mustSaveThread(t, s, bob, newThread("thr_bob", at(1)))
	for _, c := range orderCases("thr") {
		page, err := s.LoadThreads(ctx, alice, c.opts)
		checkPage(t, c.name, page, err, func(m *chatkit.ThreadMetadata) string { return m.ID }, c)
	}
	_, err := s.LoadThreads(ctx, alice, chatkit.ListOptions{After: "thr_bob", Limit: 10, Order: chatkit.OrderDesc})
	wantNotFound(t, "LoadThreads after another user's thread", err)
}

func testListItems(t *testing.T, s chatkit.Store) {
	ctx := context.Background()
	mustSaveThread(t, s, alice, newThread("thr_1", at(0)))
	mustSaveThread(t, s, alice, newThread("thr_2", at(0)))
	for i, sec := range createdAt {
		mustAdd(t, s, alice, "thr_1", message(fmt.Sprintf("msg_%d", i+1), "thr_1", at(sec), "x"))
	}
	mustAdd(t, s, alice, "thr_2", message("msg_other", "thr_2", at(1), "y"))
	for _, c := range orderCases("msg") {
		page, err := s.LoadThreadItems(ctx, alice, "thr_1", c.opts)
		checkPage(t, c.name, page, err, func(it chatkit.ThreadItem) string { return it.Base().ID }, c)
	}
	_, err := s.LoadThreadItems(ctx, alice, "thr_1", chatkit.ListOptions{After: "msg_other", Limit: 10, Order: chatkit.OrderDesc})
	wantNotFound(t, "LoadThreadItems after an item of another thread", err)

	empty, err := s.LoadThreadItems(ctx, alice, "thr_2", chatkit.ListOptions{After: "msg_other", Limit: 10, Order: chatkit.OrderAsc})
	if err != nil || len(empty.Data) != 0 || empty.HasMore {
		t.Errorf("page after the only item = %+v, %v; want empty", empty, err)
	}
}

// sampleItems returns one item of every type, with the fields that must
// survive a round trip set.
func sampleItems(threadID string) []chatkit.ThreadItem {
	b := func(id string, sec int) chatkit.ItemBase {
		return chatkit.ItemBase{ID: id, ThreadID: threadID, CreatedAt: at(sec)}
	}
	idx := 3
	return []chatkit.ThreadItem{
		&chatkit.UserMessageItem{ItemBase: b("msg_u", 1),
			Content: []chatkit.UserContent{
				chatkit.TextContent("look "),
				{Type: chatkit.ContentInputTag, ID: "task_1", Text: "Buy milk", Data: map[string]any{"kind": "task"}, Interactive: true},
			},
			QuotedText:       "a quote",
			InferenceOptions: chatkit.InferenceOptions{Model: "gpt-4.1", ToolChoice: &chatkit.ToolChoice{ID: "summarize"}},
		},
		&chatkit.AssistantMessageItem{ItemBase: b("msg_a", 2), Content: []chatkit.AssistantContent{{
			Text:        "Done [1]",
			Annotations: []chatkit.Annotation{{Source: chatkit.Source{Type: "url", Title: "Docs", URL: "https://example.com"}, Index: &idx}},
		}}},
		&chatkit.ClientToolCallItem{ItemBase: b("tc_1", 3), Status: chatkit.ToolCallCompleted, CallID: "call_1", Name: "get_selection",
			Arguments: map[string]any{"a": 1.0}, Output: map[string]any{"selection": []any{1.0, 2.0}}},
		&chatkit.WidgetItem{ItemBase: b("msg_w", 4), CopyText: "Buy milk", Widget: widget.ListView{Children: []widget.ListViewItem{{
			Children: []widget.Component{
				widget.Text{Value: "Buy milk", LineThrough: true},
				widget.Button{Label: "Undo", OnClickAction: &widget.Action{Type: "task.reopen", Payload: map[string]any{"id": 1.0}}},
			},
		}}}},
		&chatkit.GeneratedImageItem{ItemBase: b("msg_i", 5), Image: &chatkit.GeneratedImage{ID: "img_1", URL: "https://example.com/i.png"}},
		&chatkit.StructuredInputItem{ItemBase: b("si_1", 6), Status: chatkit.InputAnswered, Inputs: []chatkit.StructuredInput{
			{Type: chatkit.InputMultipleChoice, ID: "priority", Question: "Priority?", Options: []chatkit.StructuredInputOption{{Value: "Low"}, {Value: "High"}},
				Answer: &chatkit.StructuredInputAnswer{Values: []string{"High"}}},
			{Type: chatkit.InputFreeform, ID: "notes", Question: "Notes?", Description: "optional", Answer: &chatkit.StructuredInputAnswer{Skipped: true}},
		}},
		&chatkit.WorkflowItem{ItemBase: b("wf_1", 7), Workflow: chatkit.Workflow{Type: "custom",
			Tasks:   []chatkit.Task{{Type: chatkit.TaskCustom, Title: "Calling list_tasks", Icon: "search", Content: "3 tasks", StatusIndicator: "complete"}},
			Summary: &chatkit.WorkflowSummary{Duration: 2}}},
		&chatkit.TaskItem{ItemBase: b("tsk_1", 8), Task: chatkit.Task{Type: chatkit.TaskThought, Content: "thinking"}},
		&chatkit.HiddenContextItem{ItemBase: b("msg_h", 9), Content: map[string]any{"tool": "list_tasks", "result": "[]"}},
		&chatkit.SDKHiddenContextItem{ItemBase: b("shcx_1", 10), Content: "The user cancelled the stream."},
		&chatkit.EndOfTurnItem{ItemBase: b("eot_1", 11)},
	}
}

func testItemRoundTrip(t *testing.T, s chatkit.Store) {
	ctx := context.Background()
	mustSaveThread(t, s, alice, newThread("thr_1", at(0)))
	items := sampleItems("thr_1")
	mustAdd(t, s, alice, "thr_1", items...)
	for _, want := range items {
		got, err := s.LoadItem(ctx, alice, "thr_1", want.Base().ID)
		if err != nil {
			t.Errorf("LoadItem(%s): %v", want.Base().ID, err)
			continue
		}
		if diff := cmp.Diff(asJSON(t, want), asJSON(t, got)); diff != "" {
			t.Errorf("%s item changed in the store (-want +got):\n%s", want.Type(), diff)
		}
	}
	page, err := s.LoadThreadItems(ctx, alice, "thr_1", chatkit.ListOptions{Limit: 20, Order: chatkit.OrderAsc})
	if err != nil {
		t.Fatalf("LoadThreadItems: %v", err)
	}
	if diff := cmp.Diff(asJSON(t, items), asJSON(t, page.Data)); diff != "" {
		t.Errorf("LoadThreadItems (hidden items included) (-want +got):\n%s", diff)
	}
}

func testItemErrors(t *testing.T, s chatkit.Store) {
	ctx := context.Background()
	mustSaveThread(t, s, alice, newThread("thr_1", at(0)))
	mustAdd(t, s, alice, "thr_1", message("msg_1", "thr_1", at(1), "a"))
	if err := s.AddThreadItem(ctx, alice, "thr_1", message("msg_1", "thr_1", at(2), "dup")); err == nil {
		t.Errorf("AddThreadItem with a duplicate id succeeded")
	}
	wantNotFound(t, "AddThreadItem to a missing thread", s.AddThreadItem(ctx, alice, "thr_missing", message("msg_2", "thr_missing", at(1), "a")))
	_, err := s.LoadItem(ctx, alice, "thr_1", "msg_missing")
	wantNotFound(t, "LoadItem of a missing item", err)
	wantNotFound(t, "DeleteThreadItem of a missing item", s.DeleteThreadItem(ctx, alice, "thr_1", "msg_missing"))
	if err := s.DeleteThreadItem(ctx, alice, "thr_1", "msg_1"); err != nil {
		t.Fatalf("DeleteThreadItem: %v", err)
	}
	_, err = s.LoadItem(ctx, alice, "thr_1", "msg_1")
	wantNotFound(t, "LoadItem after delete", err)
	_, err = s.LoadThreadItems(ctx, alice, "thr_missing", chatkit.ListOptions{Limit: 10, Order: chatkit.OrderDesc})
	wantNotFound(t, "LoadThreadItems of a missing thread", err)
}

func testSaveItem(t *testing.T, s chatkit.Store) {
	ctx := context.Background()
	mustSaveThread(t, s, alice, newThread("thr_1", at(0)))
	mustAdd(t, s, alice, "thr_1",
		message("msg_1", "thr_1", at(1), "one"),
		message("msg_2", "thr_1", at(2), "two"),
		message("msg_3", "thr_1", at(3), "three"))
	if err := s.SaveItem(ctx, alice, "thr_1", message("msg_2", "thr_1", at(2), "two, edited")); err != nil {
		t.Fatalf("SaveItem (replace): %v", err)
	}
	if err := s.SaveItem(ctx, alice, "thr_1", message("msg_4", "thr_1", at(4), "four")); err != nil {
		t.Fatalf("SaveItem (insert): %v", err)
	}
	page, err := s.LoadThreadItems(ctx, alice, "thr_1", chatkit.ListOptions{Limit: 10, Order: chatkit.OrderAsc})
	if err != nil {
		t.Fatalf("LoadThreadItems: %v", err)
	}
	var got []string
	for _, it := range page.Data {
		got = append(got, it.Base().ID+"="+it.(*chatkit.AssistantMessageItem).Text())
	}
	want := []string{"msg_1=one", "msg_2=two, edited", "msg_3=three", "msg_4=four"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("items after SaveItem (-want +got):\n%s", diff)
	}
	wantNotFound(t, "SaveItem in a missing thread", s.SaveItem(ctx, alice, "thr_missing", message("msg_1", "thr_missing", at(1), "x")))
}

func testFeedback(t *testing.T, s chatkit.Store) {
	fs, ok := s.(chatkit.FeedbackStore)
	if !ok {
		t.Skip("store does not implement chatkit.FeedbackStore")
	}
	mustSaveThread(t, s, alice, newThread("thr_1", at(0)))
	mustAdd(t, s, alice, "thr_1", message("msg_1", "thr_1", at(1), "a"))
	if err := fs.SaveFeedback(context.Background(), alice, "thr_1", []string{"msg_1"}, chatkit.FeedbackPositive); err != nil {
		t.Errorf("SaveFeedback: %v", err)
	}
}
