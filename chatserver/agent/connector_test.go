package agent_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/taskpilot/taskpilot/chatserver/agent"
	"github.com/taskpilot/taskpilot/mcpserver"
	"github.com/taskpilot/taskpilot/mcpserver/mcphttp"
	"github.com/taskpilot/taskpilot/models/store/storetest"
)

// Turns that start at once on a cold tool cache share one tools/list: the
// others wait for it (each as long as its own context allows) and get the
// same list.
func TestHTTPConnectorListsToolsOnce(t *testing.T) {
	t.Parallel()
	st := storetest.OpenSQLite(t)
	h := mcphttp.New(mcphttp.Options{Server: mcpserver.New(st, mcpserver.Options{DefaultUser: "alice"})})
	var lists atomic.Int64
	listing := make(chan struct{}, 1) // a tools/list arrived
	release := make(chan struct{})    // answer it
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if bytes.Contains(body, []byte(`"tools/list"`)) {
			lists.Add(1)
			select {
			case listing <- struct{}{}:
			default:
			}
			<-release
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	conn := agent.NewHTTPConnector(srv.URL+"/mcp", nil, nil)

	const callers = 20
	var started, wg sync.WaitGroup
	results := make([][]string, callers)
	errs := make([]error, callers)
	started.Add(callers)
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			started.Done()
			tools, err := conn.Tools(context.Background(), "alice", false)
			errs[i] = err
			for _, tool := range tools {
				results[i] = append(results[i], tool.Name)
			}
		}()
	}
	// One caller leaves while the list is on its way: it gets its own
	// context's error, and the others still get the list.
	ctx, cancel := context.WithCancel(context.Background())
	left := make(chan error, 1)
	go func() {
		_, err := conn.Tools(ctx, "alice", false)
		left <- err
	}()
	started.Wait()
	<-listing
	time.Sleep(100 * time.Millisecond) // let every caller reach the wait
	cancel()
	if err := <-left; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled caller got %v, want context.Canceled", err)
	}
	close(release)
	wg.Wait()

	if n := lists.Load(); n != 1 {
		t.Errorf("%d tools/list requests, want 1", n)
	}
	for i := range callers {
		if errs[i] != nil || len(results[i]) == 0 {
			t.Fatalf("caller %d: tools %v, err %v", i, results[i], errs[i])
		}
	}
	// Cached now: no request. A refresh asks the server again.
	if _, err := conn.Tools(context.Background(), "alice", false); err != nil {
		t.Fatal(err)
	}
	if n := lists.Load(); n != 1 {
		t.Errorf("%d tools/list requests after a cached call, want 1", n)
	}
	if _, err := conn.Tools(context.Background(), "alice", true); err != nil {
		t.Fatal(err)
	}
	if n := lists.Load(); n != 2 {
		t.Errorf("%d tools/list requests after a refresh, want 2", n)
	}
}
