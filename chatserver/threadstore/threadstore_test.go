package threadstore_test

import (
	"crypto/rand"
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
