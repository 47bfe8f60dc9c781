package chatserver_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/taskpilot/taskpilot/chatserver"
	"github.com/taskpilot/taskpilot/chatserver/agent"
	"github.com/taskpilot/taskpilot/mcpserver"
	"github.com/taskpilot/taskpilot/mcpserver/mcphttp"
	"github.com/taskpilot/taskpilot/mcpserver/token"
	"github.com/taskpilot/taskpilot/models"
	"github.com/taskpilot/taskpilot/models/store"
	"github.com/taskpilot/taskpilot/models/store/storetest"
)

var (
	paneSecret   = []byte("task-pane-test-secret-0123456789abcdef")
	paneAudience = "taskpilot-mcp"
)

// paneReplica is one TaskPilot process: a store, its change feed, the MCP
// server over HTTP with bearer tokens (publishing to the feed) and a chat
// server whose agent reaches that MCP server, with the task pane fed by
// the same feed.
type paneReplica struct {
	*harness
	mcpURL string
	feed   *countingFeed
}

func newPaneReplica(t *testing.T, db *store.Store) *paneReplica {
	t.Helper()
	changes, err := store.NewChanges(context.Background(), db, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = changes.Close() })
	v, err := token.NewVerifier(token.Config{Secret: paneSecret, Audience: paneAudience})
	if err != nil {
		t.Fatal(err)
	}
	mcpSrv := httptest.NewServer(mcphttp.New(mcphttp.Options{
		Server:   mcpserver.New(db, mcpserver.Options{Changes: changes}),
		Verifier: v,
	}))
	t.Cleanup(mcpSrv.Close)
	mcpURL := mcpSrv.URL + "/mcp"
	feed := &countingFeed{feed: changes}
	h := newHarness(t, config{db: db, noModel: true, events: feed,
		connector: agent.NewHTTPConnector(mcpURL, func(user string) (string, error) { return paneToken(user) }, nil)})
	return &paneReplica{harness: h, mcpURL: mcpURL, feed: feed}
}

func paneToken(user string) (string, error) {
	return token.Mint(paneSecret, user, paneAudience, "", time.Hour, time.Now())
}

// countingFeed counts the open subscriptions of the feed it wraps.
type countingFeed struct {
	feed chatserver.TaskEvents
	open atomic.Int64
}

func (c *countingFeed) Subscribe(user string) (<-chan models.TaskChange, func()) {
	ch, stop := c.feed.Subscribe(user)
	c.open.Add(1)
	var once sync.Once
	return ch, func() { once.Do(func() { stop(); c.open.Add(-1) }) }
}

// bearerTransport adds a bearer token to every request.
type bearerTransport struct{ token string }

func (b bearerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(r)
}

// otherClient connects to the MCP server at url as user, as Claude
// Desktop on the same account would: directly, not through the chat.
func otherClient(t *testing.T, url, user string) *mcp.ClientSession {
	t.Helper()
	tok, err := paneToken(user)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "claude-desktop", Version: "1"}, nil).Connect(context.Background(),
		&mcp.StreamableClientTransport{Endpoint: url, HTTPClient: &http.Client{Transport: bearerTransport{tok}}, DisableStandaloneSSE: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cs.Close() })
	return cs
}

// callTool calls a tool and requires success.
func callTool(t *testing.T, cs *mcp.ClientSession, name string, args map[string]any) {
	t.Helper()
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil || res.IsError {
		t.Fatalf("%s %v: %v %+v", name, args, err, res)
	}
}

// paneEvents is an open GET /api/v1/tasks/events stream.
type paneEvents struct {
	t      *testing.T
	events chan map[string]any
	close  func()
}

// openEvents opens user's event stream and waits for its ready event.
func (h *harness) openEvents(t *testing.T, user string) *paneEvents {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, h.url+"/api/v1/tasks/events", nil)
	req.Header.Set("Authorization", "Bearer token-"+user)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		b, _ := io.ReadAll(resp.Body)
		cancel()
		t.Fatalf("events: %d %s: %s", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	s := &paneEvents{t: t, events: make(chan map[string]any, 100)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(s.events)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			data, ok := strings.CutPrefix(sc.Text(), "data: ")
			if !ok {
				continue
			}
			var ev map[string]any
			if err := json.Unmarshal([]byte(data), &ev); err != nil {
				t.Errorf("event %q: %v", data, err)
				continue
			}
			s.events <- ev
		}
	}()
	s.close = sync.OnceFunc(func() { cancel(); _ = resp.Body.Close(); <-done })
	t.Cleanup(s.close)
	if ev := s.next(); ev["type"] != "ready" {
		t.Fatalf("first event %v, want ready", ev)
	}
	return s
}

// next returns the next event, failing after 5 seconds.
func (s *paneEvents) next() map[string]any {
	s.t.Helper()
	select {
	case ev, ok := <-s.events:
		if !ok {
			s.t.Fatal("the event stream ended")
		}
		return ev
	case <-time.After(5 * time.Second):
		s.t.Fatal("no event within 5s")
	}
	return nil
}

// wantChange requires the next event to be kind for task id.
func (s *paneEvents) wantChange(kind string, id int) {
	s.t.Helper()
	ev := s.next()
	if ev["type"] != "task.changed" || ev["kind"] != kind || ev["task_id"] != float64(id) {
		s.t.Fatalf("event %v, want task.changed %s %d", ev, kind, id)
	}
}

// get sends GET path as user and decodes the JSON answer.
func (h *harness) get(user, path string) (int, map[string]any) {
	h.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, h.url+path, nil)
	if user != "" {
		req.Header.Set("Authorization", "Bearer token-"+user)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		h.t.Fatalf("GET %s: %v", path, err)
	}
	return resp.StatusCode, out
}

// paneTitles lists user's tasks through the pane and returns their titles.
func (h *harness) paneTitles(user, query string) []string {
	h.t.Helper()
	status, body := h.get(user, "/api/v1/tasks?"+query)
	if status != http.StatusOK {
		h.t.Fatalf("list %s: %d %v", query, status, body)
	}
	titles := []string{}
	for _, t := range body["tasks"].([]any) {
		titles = append(titles, t.(map[string]any)["title"].(string))
	}
	return titles
}

// paneBackends returns a fresh database URL per backend: SQLite always,
// PostgreSQL when TASKPILOT_TEST_POSTGRES_DSN is set.
func paneBackends(t *testing.T) map[string]func(testing.TB) string {
	out := map[string]func(testing.TB) string{"sqlite": storetest.SQLiteURL}
	if len(storetest.URLs(t)) > 1 {
		out["postgres"] = storetest.PostgresURL
	}
	return out
}

// TestTaskPaneLive: the pane's event stream hears a change that another
// MCP client of the same user makes directly on the MCP server, the
// pane's list shows it, the pane's own actions go through MCP and are
// heard too, and nothing of another user's reaches it or is changed by
// it.
func TestTaskPaneLive(t *testing.T) {
	t.Parallel()
	for name, dbURL := range paneBackends(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := newPaneReplica(t, storetest.Open(t, dbURL(t)))
			alice, bob := otherClient(t, r.mcpURL, "alice"), otherClient(t, r.mcpURL, "bob")
			callTool(t, bob, "add_task", map[string]any{"title": "Bob's first"})

			aliceEv, bobEv := r.openEvents(t, "alice"), r.openEvents(t, "bob")
			callTool(t, alice, "add_task", map[string]any{"title": "Buy milk"})
			aliceEv.wantChange("created", 1)
			callTool(t, alice, "add_task", map[string]any{"title": "Call mom"})
			aliceEv.wantChange("created", 2)
			callTool(t, alice, "add_task", map[string]any{"title": "Pay rent"})
			aliceEv.wantChange("created", 3)
			callTool(t, bob, "add_task", map[string]any{"title": "Bob's second"})
			bobEv.wantChange("created", 2) // never alice's 1..3

			if got := r.paneTitles("alice", "filter=all"); strings.Join(got, ",") != "Buy milk,Call mom,Pay rent" {
				t.Errorf("alice's pane lists %q", got)
			}
			if got := r.paneTitles("bob", "filter=all"); strings.Join(got, ",") != "Bob's first,Bob's second" {
				t.Errorf("bob's pane lists %q", got)
			}
			// The composer's "@" search: the user's own tasks only.
			for _, tt := range []struct{ user, query, want string }{
				{"alice", "filter=all&q=MILK", "Buy milk"},
				{"alice", "filter=all&q=" + url.QueryEscape(" a "), "Call mom,Pay rent"},
				{"alice", "filter=all&q=first", ""},
				{"bob", "filter=all&q=milk", ""},
				{"bob", "filter=all&q=first", "Bob's first"},
			} {
				if got := strings.Join(r.paneTitles(tt.user, tt.query), ","); got != tt.want {
					t.Errorf("%s %s: %q, want %q", tt.user, tt.query, got, tt.want)
				}
			}
			long := url.QueryEscape(strings.Repeat("x", 201))
			if status, body := r.get("alice", "/api/v1/tasks?filter=all&q="+long); status != http.StatusBadRequest || errorCode(body) != "invalid_request" {
				t.Errorf("a 201-character search: %d %v, want 400", status, body)
			}

			// The pane's quick actions: through MCP, so heard like any change.
			status, body := r.postJSON("alice", "/api/v1/tasks/1/complete", nil)
			if status != http.StatusOK || body["message"] != "Completed: Buy milk." {
				t.Fatalf("complete: %d %v", status, body)
			}
			aliceEv.wantChange("completed", 1)
			if got := r.paneTitles("alice", "filter=completed"); strings.Join(got, ",") != "Buy milk" {
				t.Errorf("completed filter lists %q", got)
			}
			status, body = r.postJSON("alice", "/api/v1/tasks/2/delete", nil)
			if status != http.StatusOK || body["message"] != "Moved to the trash: Call mom." {
				t.Fatalf("delete: %d %v", status, body)
			}
			aliceEv.wantChange("deleted", 2)
			if status, _ := r.postJSON("alice", "/api/v1/tasks/2/restore", nil); status != http.StatusOK {
				t.Fatalf("restore: %d", status)
			}
			aliceEv.wantChange("restored", 2)
			if status, _ := r.postJSON("alice", "/api/v1/tasks/1/reopen", nil); status != http.StatusOK {
				t.Fatalf("reopen: %d", status)
			}
			aliceEv.wantChange("reopened", 1)

			// Bob cannot touch alice's task 3 (he has no task 3).
			for _, change := range []string{"complete", "delete"} {
				status, body := r.postJSON("bob", "/api/v1/tasks/3/"+change, nil)
				if status != http.StatusNotFound || errorCode(body) != "not_found" {
					t.Errorf("bob %s alice's 3: %d %v, want 404", change, status, body)
				}
			}
			if got := r.paneTitles("alice", "filter=all"); strings.Join(got, ",") != "Buy milk,Call mom,Pay rent" {
				t.Errorf("after bob's attempts alice's pane lists %q", got)
			}
			// Bob heard none of alice's changes: his next event is his own.
			callTool(t, bob, "complete_task", map[string]any{"task_id": 1, "completed": true})
			bobEv.wantChange("completed", 1)
		})
	}
}

// TestTaskPaneAcrossReplicas: two chat servers on one PostgreSQL; a change
// made through replica A's MCP server reaches the pane on replica B.
func TestTaskPaneAcrossReplicas(t *testing.T) {
	t.Parallel()
	dbURL := storetest.PostgresURL(t)
	a := newPaneReplica(t, storetest.Open(t, dbURL))
	b := newPaneReplica(t, storetest.Open(t, dbURL))
	onB := b.openEvents(t, "alice")
	bobOnB := b.openEvents(t, "bob")
	callTool(t, otherClient(t, a.mcpURL, "alice"), "add_task", map[string]any{"title": "Buy milk"})
	onB.wantChange("created", 1)
	if got := b.paneTitles("alice", "filter=all"); strings.Join(got, ",") != "Buy milk" {
		t.Errorf("replica B lists %q", got)
	}
	// The pane's action on B is heard on A.
	onA := a.openEvents(t, "alice")
	if status, _ := b.postJSON("alice", "/api/v1/tasks/1/complete", nil); status != http.StatusOK {
		t.Fatalf("complete on B: %d", status)
	}
	onA.wantChange("completed", 1)
	onB.wantChange("completed", 1)
	callTool(t, otherClient(t, a.mcpURL, "bob"), "add_task", map[string]any{"title": "Bob's"})
	bobOnB.wantChange("created", 1) // his own, not alice's two
}

// TestTaskPaneFilters: today, overdue, all and completed, and the
// browser's time zone for today.
func TestTaskPaneFilters(t *testing.T) {
	t.Parallel()
	r := newPaneReplica(t, storetest.OpenSQLite(t))
	c := otherClient(t, r.mcpURL, "alice")
	now := time.Now().UTC()
	day := func(d int) string { return now.AddDate(0, 0, d).Format(time.DateOnly) }
	callTool(t, c, "add_task", map[string]any{"title": "Yesterday", "due": day(-1)})
	callTool(t, c, "add_task", map[string]any{"title": "Today", "due": day(0)})
	callTool(t, c, "add_task", map[string]any{"title": "Tomorrow", "due": day(1)})
	callTool(t, c, "add_task", map[string]any{"title": "Undated"})
	callTool(t, c, "add_task", map[string]any{"title": "Done today", "due": day(0)})
	callTool(t, c, "complete_task", map[string]any{"task_id": 5, "completed": true})
	east := time.Now().In(time.FixedZone("", 14*3600)).Format(time.DateOnly)
	callTool(t, c, "add_task", map[string]any{"title": "Kiritimati today", "due": east})

	for _, tt := range []struct{ query, want string }{
		{"filter=today&tz=UTC", "Today"},
		{"filter=overdue", "Yesterday"},
		{"filter=completed", "Done today"},
		{"filter=all", "Yesterday,Today,Done today,Tomorrow,Kiritimati today,Undated"},
		{"filter=today&tz=Etc/GMT-14", "Kiritimati today"},
	} {
		got := strings.Join(r.paneTitles("alice", tt.query), ",")
		if tt.query == "filter=all" {
			// Sorted by due date; the two due on the UTC+14 date may tie with tomorrow.
			if len(strings.Split(got, ",")) != 6 || !strings.HasPrefix(got, "Yesterday,") || !strings.HasSuffix(got, ",Undated") {
				t.Errorf("%s: %q", tt.query, got)
			}
			continue
		}
		if tt.query == "filter=today&tz=Etc/GMT-14" {
			// UTC+14's date is UTC's today or tomorrow, depending on the hour.
			if east == day(0) {
				tt.want = "Today,Kiritimati today"
			} else {
				tt.want = "Tomorrow,Kiritimati today"
			}
		}
		if got != tt.want {
			t.Errorf("%s: %q, want %q", tt.query, got, tt.want)
		}
	}
	// Overdue is the zone's too, as the MCP server sees it: UTC's today is
	// over in UTC+14 once UTC+14 is a day ahead.
	wantOverdue := "Yesterday"
	if east != day(0) {
		wantOverdue = "Yesterday,Today"
	}
	if got := strings.Join(r.paneTitles("alice", "filter=overdue&tz=Etc/GMT-14"), ","); got != wantOverdue {
		t.Errorf("overdue in UTC+14: %q, want %q", got, wantOverdue)
	}
	// The page's time zone header, which every request of the pages
	// carries, does what tz does.
	for _, filter := range []string{"today", "overdue"} {
		want := r.paneTitles("alice", "filter="+filter+"&tz=Etc/GMT-14")
		req, _ := http.NewRequest(http.MethodGet, r.url+"/api/v1/tasks?filter="+filter, nil)
		req.Header.Set("Authorization", "Bearer token-alice")
		req.Header.Set("X-TaskPilot-Timezone", "Etc/GMT-14")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var page struct{ Tasks []struct{ Title string } }
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("filter=%s with the header: %d %v", filter, resp.StatusCode, err)
		}
		got := []string{}
		for _, task := range page.Tasks {
			got = append(got, task.Title)
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("filter=%s in the header's UTC+14: %q, want %q as with tz", filter, got, want)
		}
	}
	if got := r.paneTitles("alice", "filter=today&tz=Etc/GMT%2B12"); strings.Contains(strings.Join(got, ","), "Kiritimati") {
		t.Errorf("UTC-12's today lists %q: a task due on UTC+14's date, always another day", got)
	}
	for _, q := range []string{"filter=soon", "filter=today&tz=Mars/Olympus", "filter=today&tz=Local"} {
		if status, body := r.get("alice", "/api/v1/tasks?"+q); status != http.StatusBadRequest || errorCode(body) != "invalid_request" {
			t.Errorf("%s: %d %v, want 400", q, status, body)
		}
	}
	for _, p := range []string{"/api/v1/tasks/0/complete", "/api/v1/tasks/x/complete", "/api/v1/tasks/99999999999999999999/delete"} {
		if status, body := r.postJSON("alice", p, nil); status != http.StatusBadRequest {
			t.Errorf("%s: %d %v, want 400", p, status, body)
		}
	}
	if status, _ := r.postJSON("alice", "/api/v1/tasks/1/explode", nil); status != http.StatusNotFound {
		t.Errorf("unknown change: %d, want 404", status)
	}
	if status, body := r.postJSON("alice", "/api/v1/tasks/42/complete", nil); status != http.StatusNotFound || body["error"].(map[string]any)["message"] != "Task 42 no longer exists." {
		t.Errorf("missing task: %d %v", status, body)
	}
}

// TestTaskPaneRefusals: the pane's routes refuse what /chatkit refuses.
func TestTaskPaneRefusals(t *testing.T) {
	t.Parallel()
	r := newPaneReplica(t, storetest.OpenSQLite(t))
	for _, tt := range []struct {
		method, path, auth, host, origin string
		want                             int
	}{
		{"GET", "/api/v1/tasks/events", "", "", "", http.StatusUnauthorized},
		{"GET", "/api/v1/tasks/events", "Bearer nope", "", "", http.StatusUnauthorized},
		{"GET", "/api/v1/tasks/events", "Basic dG9rZW4tYWxpY2U6", "", "", http.StatusUnauthorized},
		{"GET", "/api/v1/tasks?filter=all", "", "", "", http.StatusUnauthorized},
		{"POST", "/api/v1/tasks/1/complete", "", "", "", http.StatusUnauthorized},
		{"GET", "/api/v1/tasks/events", "Bearer token-alice", "evil.example", "", http.StatusForbidden},
		{"POST", "/api/v1/tasks/1/delete", "Bearer token-alice", "", "https://evil.example", http.StatusForbidden},
	} {
		req, _ := http.NewRequest(tt.method, r.url+tt.path, nil)
		if tt.auth != "" {
			req.Header.Set("Authorization", tt.auth)
		}
		if tt.host != "" {
			req.Host = tt.host
		}
		if tt.origin != "" {
			req.Header.Set("Origin", tt.origin)
			req.Header.Set("Sec-Fetch-Site", "cross-site")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("%s %s (auth %q host %q origin %q): %d, want %d", tt.method, tt.path, tt.auth, tt.host, tt.origin, resp.StatusCode, tt.want)
		}
	}
	if n := r.feed.open.Load(); n != 0 {
		t.Errorf("%d subscriptions after refused requests", n)
	}
}

// TestTaskEventsHeartbeatAndResync: an idle stream sends comments, and a
// feed's resync (missed changes) reaches the pane as tasks.resync.
func TestTaskEventsHeartbeatAndResync(t *testing.T) {
	t.Parallel()
	changes, err := store.NewChanges(context.Background(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, config{noModel: true, events: changes, opts: func(o *chatserver.Options) { o.Pane.Heartbeat = 20 * time.Millisecond }})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, h.url+"/api/v1/tasks/events", nil)
	req.Header.Set("Authorization", "Bearer token-alice")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	var lines []string
	pings, published := 0, false
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			continue
		case line == ": ping":
			pings++
		default:
			lines = append(lines, line)
		}
		if pings == 2 && !published {
			published = true
			_ = changes.Publish(ctx, "bob", models.TaskCreated, 7) // another user's: never shown
			_ = changes.Publish(ctx, "alice", models.TasksResync, 0)
		}
		if len(lines) == 2 {
			break
		}
	}
	want := []string{`data: {"type":"ready"}`, `data: {"type":"tasks.resync"}`}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") || pings < 2 {
		t.Errorf("stream lines %q after %d pings, want %q", lines, pings, want)
	}
}

// TestTaskEventsCleanup: streams whose clients go away end, their
// subscriptions and goroutines with them; a shutdown ends open streams at
// once.
func TestTaskEventsCleanup(t *testing.T) {
	r := newPaneReplica(t, storetest.OpenSQLite(t))
	base := runtime.NumGoroutine()
	var streams []*paneEvents
	for range 20 {
		streams = append(streams, r.openEvents(t, "alice"))
	}
	if n := r.feed.open.Load(); n != 20 {
		t.Fatalf("%d subscriptions, want 20", n)
	}
	for _, s := range streams {
		s.close()
	}
	waitFor(t, "subscriptions to end", func() bool { return r.feed.open.Load() == 0 })
	http.DefaultClient.CloseIdleConnections()
	waitFor(t, "goroutines to end", func() bool { return runtime.NumGoroutine() <= base+2 })

	// Shutdown.
	changes, err := store.NewChanges(context.Background(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	h := newHarness(t, config{noModel: true, events: changes, serve: ctx})
	waitFor(t, "the server to listen", func() bool {
		resp, err := http.Get(h.url + "/healthz")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil
	})
	s := h.openEvents(t, "alice")
	start := time.Now()
	stop()
	for range s.events {
	}
	if err := <-h.served; err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("shutdown took %v with an open event stream", d)
	}
}
