package threadstore_test

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/taskpilot/taskpilot/chatserver/chatkit"
	"github.com/taskpilot/taskpilot/chatserver/chatkit/chatkittest"
	"github.com/taskpilot/taskpilot/chatserver/threadstore"
	"github.com/taskpilot/taskpilot/models"
	"github.com/taskpilot/taskpilot/models/store"
	"github.com/taskpilot/taskpilot/models/store/storetest"
)

func TestSQLite(t *testing.T) {
	chatkittest.TestStore(t, func(t *testing.T) chatkit.Store {
		return threadstore.New(storetest.OpenSQLite(t))
	})
}

func TestPostgres(t *testing.T) {
	storetest.PostgresDSN(t)
	chatkittest.TestStore(t, func(t *testing.T) chatkit.Store {
		return threadstore.New(storetest.OpenPostgres(t))
	})
}

// TestLargePageIsCapped checks that a client asking for more items than
// the store serves at once gets a full page and has_more, not an error.
func TestLargePageIsCapped(t *testing.T) {
	ctx := t.Context()
	s := threadstore.New(storetest.Open(t, "sqlite::memory:"))
	if err := s.SaveThread(ctx, "alice", &chatkit.ThreadMetadata{ID: "thr_1", CreatedAt: chatkit.Now()}); err != nil {
		t.Fatal(err)
	}
	for i := range models.MaxPageLimit + 1 {
		item := &chatkit.EndOfTurnItem{ItemBase: chatkit.ItemBase{ID: fmt.Sprintf("eot_%03d", i), ThreadID: "thr_1", CreatedAt: chatkit.Now()}}
		if err := s.AddThreadItem(ctx, "alice", "thr_1", item); err != nil {
			t.Fatal(err)
		}
	}
	page, err := s.LoadThreadItems(ctx, "alice", "thr_1", chatkit.ListOptions{Limit: 1000, Order: chatkit.OrderAsc})
	if err != nil {
		t.Fatalf("LoadThreadItems(limit 1000): %v", err)
	}
	if len(page.Data) != models.MaxPageLimit || !page.HasMore || page.After != "eot_099" {
		t.Errorf("page: %d items, HasMore %v, After %q; want %d, true, eot_099", len(page.Data), page.HasMore, page.After, models.MaxPageLimit)
	}
}

// TestNotFoundMatchesBoth checks that a missing thread is reported as
// chatkit.ErrNotFound (what the ChatKit server checks) with the store's
// message.
func TestNotFoundMatchesBoth(t *testing.T) {
	s := threadstore.New(storetest.Open(t, "sqlite::memory:"))
	_, err := s.LoadThread(t.Context(), "alice", "thr_missing")
	if !errors.Is(err, chatkit.ErrNotFound) || !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("err = %v, want chatkit.ErrNotFound and models.ErrNotFound", err)
	}
	if want := "get thread: thread thr_missing: not found"; err.Error() != want {
		t.Errorf("message = %q, want %q", err, want)
	}
}

// TestModelTitleWithNUL: a title with NUL (say, written by a model) is
// saved without it on both databases; PostgreSQL once refused the save.
func TestModelTitleWithNUL(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		s := threadstore.New(st)
		user := "nul-" + rand.Text()[:8]
		th := &chatkit.ThreadMetadata{ID: "thr_1", Title: "Milk\x00 run", CreatedAt: chatkit.Now()}
		if err := s.SaveThread(ctx, user, th); err != nil {
			t.Fatalf("SaveThread: %v", err)
		}
		got, err := s.LoadThread(ctx, user, "thr_1")
		if err != nil || got.Title != "Milk run" {
			t.Fatalf("LoadThread = %+v, %v; want title %q", got, err, "Milk run")
		}
	})
}

// TestCreateThread: a thread created with its first item reads back as
// saved, with that item; creating it again is refused and adds nothing,
// and another user's thread of the same id is theirs alone.
func TestCreateThread(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, st *store.Store) {
		ctx, s := t.Context(), threadstore.New(st)
		alice, bob := "alice_"+rand.Text(), "bob_"+rand.Text() // the PostgreSQL database is shared
		thread := &chatkit.ThreadMetadata{ID: "thr_1", Title: "Milk", CreatedAt: chatkit.Now(), Status: chatkit.ThreadStatus{Type: chatkit.StatusActive}}
		msg := func(id string) chatkit.EncodedItem {
			it := &chatkit.UserMessageItem{ItemBase: chatkit.ItemBase{ID: id, ThreadID: "thr_1", CreatedAt: chatkit.Now()},
				Content: []chatkit.UserContent{{Type: "input_text", Text: "add buy milk"}}, Attachments: []chatkit.Attachment{}}
			b, err := json.Marshal(it)
			if err != nil {
				t.Fatal(err)
			}
			return chatkit.EncodedItem{Item: it, JSON: b}
		}
		ids := func(user string) string {
			page, err := s.LoadThreadItems(ctx, user, "thr_1", chatkit.ListOptions{Limit: 10, Order: chatkit.OrderAsc})
			if err != nil {
				t.Fatalf("items of %s: %v", user, err)
			}
			var out []string
			for _, it := range page.Data {
				out = append(out, it.Base().ID)
			}
			return fmt.Sprint(out)
		}
		if err := s.CreateThread(ctx, alice, thread, msg("msg_1")); err != nil {
			t.Fatal(err)
		}
		got, err := s.LoadThread(ctx, alice, "thr_1")
		if err != nil || got.Title != "Milk" || !got.CreatedAt.Equal(thread.CreatedAt) || got.Status != thread.Status {
			t.Errorf("thread read back: %+v, %v; want %+v", got, err, thread)
		}
		if err := s.CreateThread(ctx, alice, thread, msg("msg_2")); !errors.Is(err, models.ErrConflict) {
			t.Errorf("creating it again: %v, want models.ErrConflict", err)
		}
		if err := s.CreateThread(ctx, bob, thread, msg("msg_3")); err != nil {
			t.Errorf("bob's thread of the same id: %v", err)
		}
		if a, b := ids(alice), ids(bob); a != "[msg_1]" || b != "[msg_3]" {
			t.Errorf("items: alice %s, bob %s; want [msg_1], [msg_3]", a, b)
		}
	})
}
