package store_test

import (
	"context"
	"crypto/rand"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/taskpilot/taskpilot/models"
	"github.com/taskpilot/taskpilot/models/store"
	"github.com/taskpilot/taskpilot/models/store/storetest"
)

// newChanges opens the change feed of st and closes it when t ends.
func newChanges(t *testing.T, st *store.Store) *store.Changes {
	t.Helper()
	c, err := store.NewChanges(t.Context(), st, nil)
	if err != nil {
		t.Fatalf("NewChanges: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// next returns the next change on ch, failing after a few seconds.
func next(t *testing.T, ch <-chan models.TaskChange) models.TaskChange {
	t.Helper()
	select {
	case ev, ok := <-ch:
		if !ok {
			t.Fatal("subscription closed")
		}
		return ev
	case <-time.After(5 * time.Second):
		t.Fatal("no change arrived within 5s")
	}
	return models.TaskChange{}
}

// nextOf skips other users' changes (the shared test database has other
// tests' traffic) and returns the next change of user.
func nextOf(t *testing.T, ch <-chan models.TaskChange, user string) models.TaskChange {
	t.Helper()
	for {
		if ev := next(t, ch); ev.UserID == user {
			return ev
		}
	}
}

// quiet fails if anything arrives on ch for a short while.
func quiet(t *testing.T, ch <-chan models.TaskChange) {
	t.Helper()
	select {
	case ev := <-ch:
		t.Fatalf("unexpected change %+v", ev)
	case <-time.After(200 * time.Millisecond):
	}
}

func uniqueUser(name string) string { return name + "-" + rand.Text()[:8] }

func TestChangesPerUser(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, st *store.Store) {
		c := newChanges(t, st)
		alice, bob := uniqueUser("alice"), uniqueUser("bob")
		aliceCh, stopAlice := c.Subscribe(alice)
		defer stopAlice()
		bobCh, stopBob := c.Subscribe(bob)
		defer stopBob()
		allCh, stopAll := c.Subscribe("")
		defer stopAll()

		if err := c.Publish(t.Context(), alice, models.TaskCompleted, 3, 5); err != nil {
			t.Fatalf("Publish: %v", err)
		}
		want := []models.TaskChange{{UserID: alice, Number: 3, Kind: models.TaskCompleted}, {UserID: alice, Number: 5, Kind: models.TaskCompleted}}
		for _, ch := range []<-chan models.TaskChange{aliceCh, allCh} {
			got := []models.TaskChange{nextOf(t, ch, alice), nextOf(t, ch, alice)}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("changes (-want +got):\n%s", diff)
			}
		}
		quiet(t, bobCh)
		// Delivered once: the feed's own NOTIFY is not delivered again.
		quiet(t, aliceCh)

		stopAlice()
		if _, ok := <-aliceCh; ok {
			t.Error("channel still open after unsubscribe")
		}
	})
}

func TestChangesSlowSubscriberGetsResync(t *testing.T) {
	c := newChanges(t, nil)
	ch, stop := c.Subscribe("alice")
	defer stop()
	numbers := make([]int64, 100)
	for i := range numbers {
		numbers[i] = int64(i + 1)
	}
	if err := c.Publish(t.Context(), "alice", models.TaskCreated, numbers...); err != nil {
		t.Fatal(err)
	}
	// The buffer holds the first events; the rest are replaced by a resync
	// that arrives as soon as there is room.
	var got []models.TaskChange
	for range 64 {
		got = append(got, next(t, ch))
	}
	if got[63].Number != 64 {
		t.Fatalf("64th event = %+v, want task 64", got[63])
	}
	if err := c.Publish(t.Context(), "alice", models.TaskUpdated, 7); err != nil {
		t.Fatal(err)
	}
	if ev := next(t, ch); ev.Kind != models.TasksResync || ev.UserID != "alice" {
		t.Fatalf("after an overflow got %+v, want a resync for alice", ev)
	}
	if ev := next(t, ch); ev != (models.TaskChange{UserID: "alice", Number: 7, Kind: models.TaskUpdated}) {
		t.Fatalf("after the resync got %+v, want task 7 updated", ev)
	}
}

// TestChangesAcrossStores is two processes on one PostgreSQL database: a
// change published through one is heard by the other's subscribers.
func TestChangesAcrossStores(t *testing.T) {
	url := storetest.PostgresURL(t)
	a, b := storetest.Open(t, url), storetest.Open(t, url)
	ca, cb := newChanges(t, a), newChanges(t, b)
	alice, bob := uniqueUser("alice"), uniqueUser("bob")
	onB, stop := cb.Subscribe(alice)
	defer stop()
	bobOnB, stopBob := cb.Subscribe(bob)
	defer stopBob()

	if err := ca.Publish(t.Context(), alice, models.TaskDeleted, 4); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	if ev := next(t, onB); ev != (models.TaskChange{UserID: alice, Number: 4, Kind: models.TaskDeleted}) {
		t.Fatalf("on the other store got %+v, want alice's task 4 deleted", ev)
	}
	quiet(t, onB)
	quiet(t, bobOnB)

	// A bulk change larger than one NOTIFY payload arrives whole.
	many := make([]int64, 450)
	for i := range many {
		many[i] = int64(i + 1)
	}
	if err := ca.Publish(t.Context(), bob, models.TaskCompleted, many...); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	for i := range 64 { // the buffer; the rest comes as a resync
		if ev := next(t, bobOnB); ev.Number != int64(i+1) {
			t.Fatalf("event %d = %+v", i, ev)
		}
	}
}

// TestChangesListenerReconnects kills the listening connection: the
// subscriber is told to resync, and later changes arrive again.
func TestChangesListenerReconnects(t *testing.T) {
	url := storetest.PostgresURL(t)
	a, b := storetest.Open(t, url), storetest.Open(t, url)
	ca, cb := newChanges(t, a), newChanges(t, b)
	alice := uniqueUser("alice")
	onB, stop := cb.Subscribe(alice)
	defer stop()

	ctx := context.Background()
	// Both feeds listen on this fresh database; kill every listener but
	// the one publishing doesn't matter.
	if err := a.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = current_database() AND query LIKE 'LISTEN %' AND pid <> pg_backend_pid()`); err != nil {
		t.Fatalf("terminate listeners: %v", err)
	}
	if ev := next(t, onB); ev != (models.TaskChange{UserID: alice, Kind: models.TasksResync}) {
		t.Fatalf("after the listener's connection died got %+v, want a resync", ev)
	}
	if err := ca.Publish(ctx, alice, models.TaskCreated, 9); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	if ev := next(t, onB); ev != (models.TaskChange{UserID: alice, Number: 9, Kind: models.TaskCreated}) {
		t.Fatalf("after the reconnect got %+v, want task 9 created", ev)
	}
}
