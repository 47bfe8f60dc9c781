package storetest

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/taskpilot/taskpilot/models"
	"github.com/taskpilot/taskpilot/models/store"
)

// RunThreads runs every chat thread, item and feedback test. open is as
// for Run: a fresh, migrated, empty store per test.
func RunThreads(t *testing.T, open func(t *testing.T) *store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s *store.Store)
	}{
		{"ThreadSaveAndGet", testThreadSaveAndGet},
		{"ThreadRejectsBadInput", testThreadRejectsBadInput},
		{"ThreadIsolation", testThreadIsolation},
		{"ThreadList", testThreadList},
		{"ThreadListRejects", testThreadListRejects},
		{"ThreadDeleteCascades", testThreadDeleteCascades},
		{"ItemAddAndGet", testItemAddAndGet},
		{"ItemRejectsBadInput", testItemRejectsBadInput},
		{"ItemSaveKeepsPlace", testItemSaveKeepsPlace},
		{"ItemList", testItemList},
		{"ItemDelete", testItemDelete},
		{"FeedbackErrors", testFeedbackErrors},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, open(t))
		})
	}
}

// t0 has microseconds, the precision both databases keep.
var t0 = time.Date(2026, 3, 1, 9, 0, 0, 123456000, time.UTC)

func sec(n int) time.Time { return t0.Add(time.Duration(n) * time.Second) }

func newThread(id string, created time.Time) models.Thread {
	return models.Thread{ID: id, Status: `{"type":"active"}`, Metadata: `{}`, CreatedAt: created}
}

func newItem(id string, created time.Time, text string) models.ThreadItem {
	data := fmt.Sprintf(`{"type":"assistant_message","id":%q,"created_at":%q,"content":[{"text":%q}]}`,
		id, created.Format(time.RFC3339Nano), text)
	return models.ThreadItem{ID: id, Type: "assistant_message", CreatedAt: created, Data: []byte(data)}
}

func mustSaveThread(t *testing.T, s *store.Store, user string, th models.Thread) {
	t.Helper()
	if err := s.SaveThread(ctx(t), user, th); err != nil {
		t.Fatalf("SaveThread(%q, %s): %v", user, th.ID, err)
	}
}

func mustGetThread(t *testing.T, s *store.Store, user, id string) models.Thread {
	t.Helper()
	th, err := s.GetThread(ctx(t), user, id)
	if err != nil {
		t.Fatalf("GetThread(%q, %s): %v", user, id, err)
	}
	return th
}

func mustAddItems(t *testing.T, s *store.Store, user, threadID string, items ...models.ThreadItem) {
	t.Helper()
	for _, it := range items {
		if err := s.AddThreadItem(ctx(t), user, threadID, it); err != nil {
			t.Fatalf("AddThreadItem(%q, %s, %s): %v", user, threadID, it.ID, err)
		}
	}
}

// itemTexts lists a thread's items, oldest first, as "id=text".
func itemTexts(t *testing.T, s *store.Store, user, threadID string) []string {
	t.Helper()
	items, _, err := s.ListThreadItems(ctx(t), user, threadID, models.PageQuery{Limit: models.MaxPageLimit})
	if err != nil {
		t.Fatalf("ListThreadItems(%q, %s): %v", user, threadID, err)
	}
	out := []string{}
	for _, it := range items {
		data := string(it.Data)
		i := strings.LastIndex(data, `"text":"`)
		out = append(out, it.ID+"="+strings.TrimSuffix(data[i+len(`"text":"`):], `"}]}`))
	}
	return out
}

// wantErr reports (without stopping) an err that is not target.
func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: err = %v, want %v", what, err, target)
	}
}

func testThreadSaveAndGet(t *testing.T, s *store.Store) {
	before := time.Now().Add(-time.Second)
	mustSaveThread(t, s, "alice", newThread("thr_1", t0.Add(789))) // nanoseconds are dropped
	got := mustGetThread(t, s, "alice", "thr_1")
	want := models.Thread{ID: "thr_1", UserID: "alice", Status: `{"type":"active"}`, Metadata: `{}`, CreatedAt: t0}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(models.Thread{}, "UpdatedAt")); diff != "" {
		t.Errorf("new thread (-want +got):\n%s", diff)
	}
	if got.UpdatedAt.Before(before) || got.UpdatedAt.Location() != time.UTC {
		t.Errorf("UpdatedAt = %v, want now in UTC", got.UpdatedAt)
	}

	update := models.Thread{
		ID: "thr_1", UserID: "mallory", // the owner comes from the user argument
		Title:               new("Groceries"),
		Status:              `{"type":"locked","reason":"maintenance"}`,
		AllowedImageDomains: new(`["example.com"]`),
		Metadata:            `{"previous_response_id":"resp_1"}`,
		CreatedAt:           sec(3600), // creation time never changes
	}
	mustSaveThread(t, s, "alice", update)
	got2 := mustGetThread(t, s, "alice", "thr_1")
	want = update
	want.UserID, want.CreatedAt = "alice", t0
	if diff := cmp.Diff(want, got2, cmpopts.IgnoreFields(models.Thread{}, "UpdatedAt")); diff != "" {
		t.Errorf("updated thread (-want +got):\n%s", diff)
	}
	if got2.UpdatedAt.Before(got.UpdatedAt) {
		t.Errorf("UpdatedAt went back: %v, then %v", got.UpdatedAt, got2.UpdatedAt)
	}

	// An empty list of domains is not the same as none; a zero creation
	// time means now.
	empty := newThread("thr_2", time.Time{})
	empty.AllowedImageDomains = new(`[]`)
	mustSaveThread(t, s, "alice", empty)
	got3 := mustGetThread(t, s, "alice", "thr_2")
	if got3.AllowedImageDomains == nil || *got3.AllowedImageDomains != `[]` {
		t.Errorf("AllowedImageDomains = %v, want []", got3.AllowedImageDomains)
	}
	if got3.CreatedAt.Before(before) {
		t.Errorf("CreatedAt for a zero time = %v, want now", got3.CreatedAt)
	}
}

func testThreadRejectsBadInput(t *testing.T, s *store.Store) {
	tests := []struct {
		name  string
		edit  func(*models.Thread)
		field string
	}{
		{"empty id", func(th *models.Thread) { th.ID = "" }, "thread_id"},
		{"long id", func(th *models.Thread) { th.ID = strings.Repeat("x", 256) }, "thread_id"},
		{"no status", func(th *models.Thread) { th.Status = "" }, "status"},
		{"bad metadata", func(th *models.Thread) { th.Metadata = "{" }, "metadata"},
		{"bad domains", func(th *models.Thread) { th.AllowedImageDomains = new("[") }, "allowed_image_domains"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			th := newThread("thr_1", t0)
			tc.edit(&th)
			wantField(t, s.SaveThread(ctx(t), "alice", th), tc.field)
		})
	}
	if err := s.SaveThread(ctx(t), "", newThread("thr_1", t0)); err == nil {
		t.Error("SaveThread without a user succeeded")
	}
	if _, err := s.GetThread(ctx(t), "alice", "thr_1"); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("a rejected thread was stored: GetThread err = %v", err)
	}
}

func testThreadIsolation(t *testing.T, s *store.Store) {
	c := ctx(t)
	alices := newThread("thr_a", t0)
	alices.Title = new("Alice's")
	mustSaveThread(t, s, "alice", alices)
	mustAddItems(t, s, "alice", "thr_a", newItem("msg_a", sec(1), "secret"))
	mustSaveThread(t, s, "bob", newThread("thr_b", t0))

	_, err := s.GetThread(c, "bob", "thr_a")
	wantErr(t, "GetThread", err, models.ErrNotFound)
	wantErr(t, "DeleteThread", s.DeleteThread(c, "bob", "thr_a"), models.ErrNotFound)
	wantErr(t, "AddThreadItem", s.AddThreadItem(c, "bob", "thr_a", newItem("msg_b", sec(2), "x")), models.ErrNotFound)
	wantErr(t, "SaveThreadItem", s.SaveThreadItem(c, "bob", "thr_a", newItem("msg_a", sec(1), "overwritten")), models.ErrNotFound)
	_, err = s.GetThreadItem(c, "bob", "thr_a", "msg_a")
	wantErr(t, "GetThreadItem", err, models.ErrNotFound)
	_, _, err = s.ListThreadItems(c, "bob", "thr_a", models.PageQuery{})
	wantErr(t, "ListThreadItems", err, models.ErrNotFound)
	wantErr(t, "DeleteThreadItem", s.DeleteThreadItem(c, "bob", "thr_a", "msg_a"), models.ErrNotFound)
	wantErr(t, "SaveFeedback", s.SaveFeedback(c, "bob", "thr_a", []string{"msg_a"}, "negative"), models.ErrNotFound)
	_, _, err = s.ListThreads(c, "alice", models.PageQuery{After: "thr_b"})
	wantErr(t, "ListThreads after bob's thread", err, models.ErrNotFound)

	// Saving alice's thread id as bob makes bob a thread of his own.
	bobs := newThread("thr_a", t0)
	bobs.Title = new("Bob's")
	mustSaveThread(t, s, "bob", bobs)
	if got := mustGetThread(t, s, "bob", "thr_a"); got.Title == nil || *got.Title != "Bob's" {
		t.Errorf("bob's thr_a title = %v, want Bob's", got.Title)
	}
	if got := itemTexts(t, s, "bob", "thr_a"); len(got) != 0 {
		t.Errorf("bob sees items %v in his thr_a, want none", got)
	}
	if err := s.DeleteThread(c, "bob", "thr_a"); err != nil {
		t.Fatalf("DeleteThread(bob, thr_a): %v", err)
	}

	if got := mustGetThread(t, s, "alice", "thr_a"); got.Title == nil || *got.Title != "Alice's" {
		t.Errorf("alice's title after bob's calls = %v, want Alice's", got.Title)
	}
	if diff := cmp.Diff([]string{"msg_a=secret"}, itemTexts(t, s, "alice", "thr_a")); diff != "" {
		t.Errorf("alice's items after bob's calls (-want +got):\n%s", diff)
	}
	threads, _, err := s.ListThreads(c, "bob", models.PageQuery{})
	if err != nil || len(threads) != 1 || threads[0].ID != "thr_b" {
		t.Errorf("ListThreads(bob) = %v, %v; want only thr_b", threads, err)
	}
}

// listCase is one listing call, checked by the ids it returns.
type listCase struct {
	name string
	q    models.PageQuery
	want []int // element numbers
	more bool
}

// listCases expects elements 0..5 where 1..5 were created at seconds 0, 1,
// 2, 2, 3 in that order (3 and 4 tie, so insertion order decides) and 0,
// created at second -1, was inserted last: creation time orders first.
func listCases(prefix string) []listCase {
	id := func(n int) string { return fmt.Sprintf("%s_%d", prefix, n) }
	return []listCase{
		{"asc", models.PageQuery{}, []int{0, 1, 2, 3, 4, 5}, false},
		{"desc", models.PageQuery{Desc: true}, []int{5, 4, 3, 2, 1, 0}, false},
		{"asc first page", models.PageQuery{Limit: 2}, []int{0, 1}, true},
		{"asc second page", models.PageQuery{After: id(1), Limit: 2}, []int{2, 3}, true},
		{"asc across tie", models.PageQuery{After: id(3), Limit: 2}, []int{4, 5}, false},
		{"desc first page", models.PageQuery{Limit: 2, Desc: true}, []int{5, 4}, true},
		{"desc across tie", models.PageQuery{After: id(4), Limit: 2, Desc: true}, []int{3, 2}, true},
		{"desc last page", models.PageQuery{After: id(1), Limit: 5, Desc: true}, []int{0}, false},
		{"exact fit", models.PageQuery{Limit: 6}, []int{0, 1, 2, 3, 4, 5}, false},
		{"after the last", models.PageQuery{After: id(5)}, []int{}, false},
	}
}

var listSeconds = []int{0, 1, 2, 2, 3} // creation of elements 1..5

// checkList compares a listing's ids and more flag with c.
func checkList(t *testing.T, prefix string, c listCase, ids []string, more bool, err error) {
	t.Helper()
	if err != nil {
		t.Errorf("%s: %v", c.name, err)
		return
	}
	want := []string{}
	for _, n := range c.want {
		want = append(want, fmt.Sprintf("%s_%d", prefix, n))
	}
	if diff := cmp.Diff(want, ids, cmpopts.EquateEmpty()); diff != "" || more != c.more {
		t.Errorf("%s: more = %v, want %v; ids (-want +got):\n%s", c.name, more, c.more, diff)
	}
}

func testThreadList(t *testing.T, s *store.Store) {
	for i, n := range listSeconds {
		mustSaveThread(t, s, "alice", newThread(fmt.Sprintf("thr_%d", i+1), sec(n)))
	}
	mustSaveThread(t, s, "alice", newThread("thr_0", sec(-1)))
	mustSaveThread(t, s, "bob", newThread("thr_9", sec(1)))
	// Saving again (as after every turn) does not move a thread.
	mustSaveThread(t, s, "alice", newThread("thr_3", sec(2)))

	for _, c := range listCases("thr") {
		threads, more, err := s.ListThreads(ctx(t), "alice", c.q)
		ids := []string{}
		for _, th := range threads {
			ids = append(ids, th.ID)
		}
		checkList(t, "thr", c, ids, more, err)
	}
}

func testThreadListRejects(t *testing.T, s *store.Store) {
	for i := range models.DefaultPageLimit + 1 {
		mustSaveThread(t, s, "alice", newThread(fmt.Sprintf("thr_%02d", i), sec(i)))
	}
	threads, more, err := s.ListThreads(ctx(t), "alice", models.PageQuery{})
	if err != nil || len(threads) != models.DefaultPageLimit || !more {
		t.Errorf("default page: %d threads, more %v, err %v; want %d and more", len(threads), more, err, models.DefaultPageLimit)
	}
	threads, more, err = s.ListThreads(ctx(t), "alice", models.PageQuery{Limit: models.MaxPageLimit})
	if err != nil || len(threads) != models.DefaultPageLimit+1 || more {
		t.Errorf("largest page: %d threads, more %v, err %v; want all", len(threads), more, err)
	}
	for _, limit := range []int{-1, models.MaxPageLimit + 1} {
		_, _, err := s.ListThreads(ctx(t), "alice", models.PageQuery{Limit: limit})
		wantField(t, err, "limit")
	}
	_, _, err = s.ListThreads(ctx(t), "alice", models.PageQuery{After: "thr_missing"})
	wantErr(t, "ListThreads after a missing thread", err, models.ErrNotFound)
}

func testThreadDeleteCascades(t *testing.T, s *store.Store) {
	c := ctx(t)
	mustSaveThread(t, s, "alice", newThread("thr_1", t0))
	mustSaveThread(t, s, "alice", newThread("thr_2", t0))
	mustAddItems(t, s, "alice", "thr_1", newItem("msg_1", sec(1), "one"), newItem("msg_2", sec(2), "two"))
	mustAddItems(t, s, "alice", "thr_2", newItem("msg_1", sec(1), "other"))
	if err := s.SaveFeedback(c, "alice", "thr_1", []string{"msg_1"}, "positive"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteThread(c, "alice", "thr_1"); err != nil {
		t.Fatalf("DeleteThread: %v", err)
	}
	_, err := s.GetThread(c, "alice", "thr_1")
	wantErr(t, "GetThread after delete", err, models.ErrNotFound)
	_, err = s.GetThreadItem(c, "alice", "thr_1", "msg_1")
	wantErr(t, "GetThreadItem after delete", err, models.ErrNotFound)
	wantErr(t, "DeleteThread twice", s.DeleteThread(c, "alice", "thr_1"), models.ErrNotFound)
	if diff := cmp.Diff([]string{"msg_1=other"}, itemTexts(t, s, "alice", "thr_2")); diff != "" {
		t.Errorf("other thread's items (-want +got):\n%s", diff)
	}

	// A new thread with the old id starts empty: nothing comes back.
	mustSaveThread(t, s, "alice", newThread("thr_1", t0))
	if got := itemTexts(t, s, "alice", "thr_1"); len(got) != 0 {
		t.Errorf("recreated thread has items %v, want none", got)
	}
	mustAddItems(t, s, "alice", "thr_1", newItem("msg_1", sec(5), "new"))
}

func testItemAddAndGet(t *testing.T, s *store.Store) {
	c := ctx(t)
	mustSaveThread(t, s, "alice", newThread("thr_1", t0))
	in := newItem("msg_1", sec(1).Add(789), "Buy milk ☕") // nanoseconds are dropped from the column
	in.ThreadID, in.UserID = "thr_other", "mallory"       // the arguments decide
	mustAddItems(t, s, "alice", "thr_1", in)
	got, err := s.GetThreadItem(c, "alice", "thr_1", "msg_1")
	if err != nil {
		t.Fatalf("GetThreadItem: %v", err)
	}
	want := models.ThreadItem{ID: "msg_1", ThreadID: "thr_1", UserID: "alice", Type: "assistant_message", CreatedAt: sec(1), Data: in.Data}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("GetThreadItem (-want +got):\n%s", diff)
	}

	err = s.AddThreadItem(c, "alice", "thr_1", newItem("msg_1", sec(2), "duplicate"))
	wantErr(t, "AddThreadItem with a used id", err, models.ErrConflict)
	wantErr(t, "AddThreadItem to a missing thread", s.AddThreadItem(c, "alice", "thr_missing", newItem("msg_2", sec(2), "x")), models.ErrNotFound)
	_, err = s.GetThreadItem(c, "alice", "thr_1", "msg_missing")
	wantErr(t, "GetThreadItem of a missing item", err, models.ErrNotFound)

	before := time.Now().Add(-time.Second)
	mustAddItems(t, s, "alice", "thr_1", newItem("msg_2", time.Time{}, "now"))
	if got, err := s.GetThreadItem(c, "alice", "thr_1", "msg_2"); err != nil || got.CreatedAt.Before(before) {
		t.Errorf("item with a zero time: CreatedAt %v, err %v; want now", got.CreatedAt, err)
	}
	if diff := cmp.Diff([]string{"msg_1=Buy milk ☕", "msg_2=now"}, itemTexts(t, s, "alice", "thr_1")); diff != "" {
		t.Errorf("items (-want +got):\n%s", diff)
	}
}

func testItemRejectsBadInput(t *testing.T, s *store.Store) {
	mustSaveThread(t, s, "alice", newThread("thr_1", t0))
	tests := []struct {
		name  string
		edit  func(*models.ThreadItem)
		field string
	}{
		{"empty id", func(it *models.ThreadItem) { it.ID = "" }, "item_id"},
		{"long id", func(it *models.ThreadItem) { it.ID = strings.Repeat("x", 256) }, "item_id"},
		{"no type", func(it *models.ThreadItem) { it.Type = "" }, "type"},
		{"bad data", func(it *models.ThreadItem) { it.Data = []byte(`{"type":`) }, "data"},
		{"no data", func(it *models.ThreadItem) { it.Data = nil }, "data"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			it := newItem("msg_1", t0, "x")
			tc.edit(&it)
			wantField(t, s.AddThreadItem(ctx(t), "alice", "thr_1", it), tc.field)
			wantField(t, s.SaveThreadItem(ctx(t), "alice", "thr_1", it), tc.field)
		})
	}
	if got := itemTexts(t, s, "alice", "thr_1"); len(got) != 0 {
		t.Errorf("rejected items were stored: %v", got)
	}
}

func testItemSaveKeepsPlace(t *testing.T, s *store.Store) {
	c := ctx(t)
	mustSaveThread(t, s, "alice", newThread("thr_1", t0))
	mustAddItems(t, s, "alice", "thr_1", newItem("msg_1", sec(1), "one"), newItem("msg_2", sec(2), "two"), newItem("msg_3", sec(3), "three"))

	// A replacement keeps the item's place even if its own time moved.
	edited := newItem("msg_2", sec(10), "two, edited")
	if err := s.SaveThreadItem(c, "alice", "thr_1", edited); err != nil {
		t.Fatalf("SaveThreadItem (replace): %v", err)
	}
	if err := s.SaveThreadItem(c, "alice", "thr_1", newItem("msg_4", sec(4), "four")); err != nil {
		t.Fatalf("SaveThreadItem (append): %v", err)
	}
	want := []string{"msg_1=one", "msg_2=two, edited", "msg_3=three", "msg_4=four"}
	if diff := cmp.Diff(want, itemTexts(t, s, "alice", "thr_1")); diff != "" {
		t.Errorf("items after SaveThreadItem (-want +got):\n%s", diff)
	}
	got, err := s.GetThreadItem(c, "alice", "thr_1", "msg_2")
	if err != nil || string(got.Data) != string(edited.Data) {
		t.Errorf("GetThreadItem after replace = %s, %v; want the new data", got.Data, err)
	}
	wantErr(t, "SaveThreadItem in a missing thread", s.SaveThreadItem(c, "alice", "thr_missing", newItem("msg_1", sec(1), "x")), models.ErrNotFound)
}

func testItemList(t *testing.T, s *store.Store) {
	c := ctx(t)
	mustSaveThread(t, s, "alice", newThread("thr_1", t0))
	mustSaveThread(t, s, "alice", newThread("thr_2", t0))
	for i, n := range listSeconds {
		mustAddItems(t, s, "alice", "thr_1", newItem(fmt.Sprintf("msg_%d", i+1), sec(n), "x"))
	}
	mustAddItems(t, s, "alice", "thr_1", newItem("msg_0", sec(-1), "x"))
	mustAddItems(t, s, "alice", "thr_2", newItem("msg_other", sec(1), "y"))

	for _, lc := range listCases("msg") {
		items, more, err := s.ListThreadItems(c, "alice", "thr_1", lc.q)
		ids := []string{}
		for _, it := range items {
			ids = append(ids, it.ID)
		}
		checkList(t, "msg", lc, ids, more, err)
	}
	_, _, err := s.ListThreadItems(c, "alice", "thr_1", models.PageQuery{After: "msg_other"})
	wantErr(t, "ListThreadItems after another thread's item", err, models.ErrNotFound)
	_, _, err = s.ListThreadItems(c, "alice", "thr_1", models.PageQuery{Limit: models.MaxPageLimit + 1})
	wantField(t, err, "limit")

	mustSaveThread(t, s, "alice", newThread("thr_empty", t0))
	items, more, err := s.ListThreadItems(c, "alice", "thr_empty", models.PageQuery{})
	if err != nil || len(items) != 0 || more {
		t.Errorf("empty thread: %d items, more %v, err %v; want none", len(items), more, err)
	}
	_, _, err = s.ListThreadItems(c, "alice", "thr_missing", models.PageQuery{})
	wantErr(t, "ListThreadItems of a missing thread", err, models.ErrNotFound)
}

func testItemDelete(t *testing.T, s *store.Store) {
	c := ctx(t)
	mustSaveThread(t, s, "alice", newThread("thr_1", t0))
	mustAddItems(t, s, "alice", "thr_1", newItem("msg_1", sec(1), "one"), newItem("msg_2", sec(2), "two"))
	if err := s.DeleteThreadItem(c, "alice", "thr_1", "msg_1"); err != nil {
		t.Fatalf("DeleteThreadItem: %v", err)
	}
	_, err := s.GetThreadItem(c, "alice", "thr_1", "msg_1")
	wantErr(t, "GetThreadItem after delete", err, models.ErrNotFound)
	wantErr(t, "DeleteThreadItem twice", s.DeleteThreadItem(c, "alice", "thr_1", "msg_1"), models.ErrNotFound)
	wantErr(t, "DeleteThreadItem in a missing thread", s.DeleteThreadItem(c, "alice", "thr_missing", "msg_2"), models.ErrNotFound)
	if diff := cmp.Diff([]string{"msg_2=two"}, itemTexts(t, s, "alice", "thr_1")); diff != "" {
		t.Errorf("items after delete (-want +got):\n%s", diff)
	}
}

func testFeedbackErrors(t *testing.T, s *store.Store) {
	c := ctx(t)
	mustSaveThread(t, s, "alice", newThread("thr_1", t0))
	mustAddItems(t, s, "alice", "thr_1", newItem("msg_1", sec(1), "one"))
	tests := []struct {
		name   string
		thread string
		items  []string
		kind   string
		want   error // nil for success
	}{
		{"positive", "thr_1", []string{"msg_1"}, "positive", nil},
		{"negative replaces it", "thr_1", []string{"msg_1", "msg_1"}, "negative", nil},
		{"no items", "thr_1", nil, "positive", nil},
		{"unknown kind", "thr_1", []string{"msg_1"}, "meh", models.ErrInvalid},
		{"missing thread", "thr_missing", []string{"msg_1"}, "positive", models.ErrNotFound},
		{"missing thread, no items", "thr_missing", nil, "positive", models.ErrNotFound},
		{"missing item", "thr_1", []string{"msg_1", "msg_missing"}, "positive", models.ErrNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := s.SaveFeedback(c, "alice", tc.thread, tc.items, tc.kind)
			if tc.want == nil && err != nil {
				t.Errorf("SaveFeedback: %v", err)
			}
			if tc.want != nil {
				wantErr(t, "SaveFeedback", err, tc.want)
			}
		})
	}
}
