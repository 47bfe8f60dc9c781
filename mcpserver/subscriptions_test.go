package mcpserver

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/taskpilot/taskpilot/models"
	"github.com/taskpilot/taskpilot/models/store"
	"github.com/taskpilot/taskpilot/models/store/storetest"
)

// replica is one MCP server process over HTTP with bearer tokens whose
// value is the user id, on st with its own change feed. A stateless server
// serves the sessionless 2026-07-28 protocol (subscriptions/listen), a
// stateful one the initialize-based protocol (resources/subscribe).
func replica(t *testing.T, st *store.Store, stateless bool) string {
	t.Helper()
	changes, err := store.NewChanges(t.Context(), st, nil)
	if err != nil {
		t.Fatalf("NewChanges: %v", err)
	}
	t.Cleanup(func() { _ = changes.Close() })
	srv := New(st, Options{Now: func() time.Time { return testNow }, Changes: changes})
	verify := func(_ context.Context, token string, _ *http.Request) (*auth.TokenInfo, error) {
		return &auth.TokenInfo{UserID: token, Expiration: time.Now().Add(time.Hour)}, nil
	}
	h := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return srv }, &mcp.StreamableHTTPOptions{Stateless: stateless})
	ts := httptest.NewServer(auth.RequireBearerToken(verify, nil)(h))
	t.Cleanup(ts.Close)
	return ts.URL
}

// watcher is a client session that records resources/updated URIs.
type watcher struct {
	cs      *mcp.ClientSession
	updates chan string
	acks    chan struct{} // subscriptions/listen acknowledged (2026 protocol)
}

// newWatcher returns a watcher without a session and the client for it.
func newWatcher() (*watcher, *mcp.Client) {
	w := &watcher{updates: make(chan string, 100), acks: make(chan struct{}, 100)}
	client := mcp.NewClient(&mcp.Implementation{Name: "test-client", Version: "1"}, &mcp.ClientOptions{
		ResourceUpdatedHandler: func(_ context.Context, req *mcp.ResourceUpdatedNotificationRequest) {
			w.updates <- req.Params.URI
		},
	})
	// Under the 2026 protocol Subscribe returns before the server has the
	// subscription; its acknowledgement says when it has.
	client.AddReceivingMiddleware(func(next mcp.MethodHandler) mcp.MethodHandler {
		return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
			if method == "notifications/subscriptions/acknowledged" {
				w.acks <- struct{}{}
			}
			return next(ctx, method, req)
		}
	})
	return w, client
}

// watch connects to url as user, with the latest protocol version that
// the server supports.
func watch(t *testing.T, url, user string) *watcher {
	t.Helper()
	return watchVersion(t, url, user, "")
}

// watchVersion connects to url as user, asking for protocol version.
func watchVersion(t *testing.T, url, user, version string) *watcher {
	t.Helper()
	w, client := newWatcher()
	cs, err := client.Connect(context.Background(), &mcp.StreamableClientTransport{
		Endpoint: url, HTTPClient: &http.Client{Transport: bearer{user}},
	}, &mcp.ClientSessionOptions{ProtocolVersion: version})
	if err != nil {
		t.Fatalf("connect as %s: %v", user, err)
	}
	if version != "" {
		if got := cs.InitializeResult().ProtocolVersion; got != version {
			t.Fatalf("negotiated protocol %s, want %s", got, version)
		}
	}
	t.Cleanup(func() { _ = cs.Close() })
	w.cs = cs
	return w
}

func (w *watcher) subscribe(t *testing.T, uri string) {
	t.Helper()
	if err := w.cs.Subscribe(context.Background(), &mcp.SubscribeParams{URI: uri}); err != nil {
		t.Fatalf("subscribe %s: %v", uri, err)
	}
	if w.cs.InitializeResult().ProtocolVersion < "2026" {
		return
	}
	select {
	case <-w.acks:
	case <-time.After(5 * time.Second):
		t.Fatalf("subscribe %s: not acknowledged within 5s", uri)
	}
}

// want waits for updates of exactly the URIs in want (any order).
func (w *watcher) want(t *testing.T, want ...string) {
	t.Helper()
	left := map[string]bool{}
	for _, u := range want {
		left[u] = true
	}
	timeout := time.After(5 * time.Second)
	for len(left) > 0 {
		select {
		case u := <-w.updates:
			if !left[u] {
				t.Fatalf("unexpected update of %s (waiting for %v)", u, left)
			}
			delete(left, u)
		case <-timeout:
			t.Fatalf("no update of %v within 5s", left)
		}
	}
	w.quiet(t)
}

// quiet fails if an update arrives within a short while.
func (w *watcher) quiet(t *testing.T) {
	t.Helper()
	select {
	case u := <-w.updates:
		t.Fatalf("unexpected update of %s", u)
	case <-time.After(300 * time.Millisecond):
	}
}

func TestSubscriptions(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, st *store.Store) {
		t.Run("initialize protocol", func(t *testing.T) { testSubscriptions(t, replica(t, st, false), "2025-11-25") })
		t.Run("2026-07-28 protocol", func(t *testing.T) { testSubscriptions(t, replica(t, st, true), "2026-07-28") })
	})
}

func testSubscriptions(t *testing.T, url, version string) {
	{
		alice, bob := newUser("alice"), newUser("bob")
		a, b := watchVersion(t, url, alice, version), watchVersion(t, url, bob, version)
		mustOK[addTaskOut](t, a.cs, "add_task", map[string]any{"title": "Buy milk"})
		mustOK[addTaskOut](t, a.cs, "add_task", map[string]any{"title": "Pay rent"})
		mustOK[addTaskOut](t, b.cs, "add_task", map[string]any{"title": "Bob's task"})

		a.subscribe(t, "task://1")
		a.subscribe(t, "tasks://pending")
		b.subscribe(t, "task://1") // bob's own task 1, same URI

		mustOK[completeTaskOut](t, a.cs, "complete_task", map[string]any{"task_id": 1})
		a.want(t, "task://1", "tasks://pending")
		b.quiet(t) // alice's task 1 is not bob's

		mustOK[updateTaskOut](t, a.cs, "update_task", map[string]any{"task_id": 2, "priority": "high"})
		a.want(t, "tasks://pending") // task 2 is in the view, not task://1

		mustOK[updateTaskOut](t, b.cs, "update_task", map[string]any{"task_id": 1, "title": "Bob's new title"})
		b.want(t, "task://1")
		a.quiet(t)

		mustOK[addTaskOut](t, a.cs, "add_task", map[string]any{"title": "Third"})
		a.want(t, "tasks://pending")
		mustOK[deleteTaskOut](t, a.cs, "delete_task", map[string]any{"task_id": 1})
		a.want(t, "task://1", "tasks://pending")

		if err := a.cs.Unsubscribe(context.Background(), &mcp.UnsubscribeParams{URI: "tasks://pending"}); err != nil {
			t.Fatal(err)
		}
		mustOK[addTaskOut](t, a.cs, "add_task", map[string]any{"title": "Fourth"})
		a.quiet(t)

		// Only one's own resources can be subscribed to. (The 2026 client
		// subscribes on a background stream and does not report the error.)
		for _, uri := range []string{"task://2", "task://99", "test://watched-resource"} {
			err := b.cs.Subscribe(context.Background(), &mcp.SubscribeParams{URI: uri})
			if version < "2026" && (err == nil || !strings.Contains(err.Error(), "Resource not found")) {
				t.Errorf("bob subscribing to %s: err = %v, want resource not found", uri, err)
			}
		}
		mustOK[updateTaskOut](t, a.cs, "update_task", map[string]any{"task_id": 2, "title": "Pay the rent"})
		b.quiet(t)
	}
}

// TestSubscriptionsAcrossReplicas runs two MCP servers, each with its own
// store, on one PostgreSQL database: a change made through one notifies a
// subscriber of the other.
func TestSubscriptionsAcrossReplicas(t *testing.T) {
	dbURL := storetest.PostgresURL(t)
	one, two := replica(t, storetest.Open(t, dbURL), false), replica(t, storetest.Open(t, dbURL), false)
	alice, bob := newUser("alice"), newUser("bob")
	onOne, bobOnOne := watch(t, one, alice), watch(t, one, bob)
	onTwo := watch(t, two, alice)
	mustOK[addTaskOut](t, onTwo.cs, "add_task", map[string]any{"title": "Buy milk"})
	mustOK[addTaskOut](t, bobOnOne.cs, "add_task", map[string]any{"title": "Bob's task"})
	onOne.subscribe(t, "task://1")
	onOne.subscribe(t, "tasks://today")
	bobOnOne.subscribe(t, "task://1")

	mustOK[updateTaskOut](t, onTwo.cs, "update_task", map[string]any{"task_id": 1, "due": "2026-05-10"})
	onOne.want(t, "task://1", "tasks://today")
	bobOnOne.quiet(t)

	j, _ := readResource(t, onOne.cs, "tasks://today")
	if !strings.Contains(j, "Buy milk") {
		t.Errorf("today's view on the other replica: %s", j)
	}
}

// fakeFeed is a ChangeFeed whose events the test sends by hand.
type fakeFeed struct {
	mu   sync.Mutex
	subs map[string]chan models.TaskChange
}

func (f *fakeFeed) Publish(context.Context, string, models.ChangeKind, ...int64) error { return nil }

func (f *fakeFeed) Subscribe(user string) (<-chan models.TaskChange, func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ch := make(chan models.TaskChange, 10)
	f.subs[user] = ch
	return ch, func() {}
}

func (f *fakeFeed) send(t *testing.T, ev models.TaskChange) {
	t.Helper()
	f.mu.Lock()
	ch := f.subs[ev.UserID]
	f.mu.Unlock()
	if ch == nil {
		t.Fatalf("nobody listens to %s", ev.UserID)
	}
	ch <- ev
}

// A resync from the feed (changes may have been missed) notifies every
// resource the user subscribed to.
func TestSubscriptionsResync(t *testing.T) {
	st := storetest.Open(t, "sqlite::memory:")
	feed := &fakeFeed{subs: map[string]chan models.TaskChange{}}
	w, client := newWatcher()
	srv := New(st, Options{DefaultUser: "alice", Now: func() time.Time { return testNow }, Changes: feed})
	ct, tt := mcp.NewInMemoryTransports()
	if _, err := srv.Connect(context.Background(), tt, nil); err != nil {
		t.Fatal(err)
	}
	cs, err := client.Connect(context.Background(), ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cs.Close() })
	w.cs = cs
	mustOK[addTaskOut](t, cs, "add_task", map[string]any{"title": "One"})
	mustOK[addTaskOut](t, cs, "add_task", map[string]any{"title": "Two"})
	w.subscribe(t, "task://1")
	w.subscribe(t, "task://2")
	w.subscribe(t, "tasks://overdue")

	feed.send(t, models.TaskChange{UserID: "alice", Number: 2, Kind: models.TaskUpdated})
	w.want(t, "task://2", "tasks://overdue")
	feed.send(t, models.TaskChange{UserID: "alice", Kind: models.TasksResync})
	w.want(t, "task://1", "task://2", "tasks://overdue")
}
