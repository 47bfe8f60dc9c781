package serving_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/taskpilot/taskpilot/cmd/taskpilot/serving"
)

// TestShutdown: when the context is done, Serve runs the shutdown hooks
// (which end a stream that would otherwise run on), does not wait for a
// connection that never sent a request, stops answering and returns nil.
func TestShutdown(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := make(chan struct{})
	started := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "data: first\n\n")
		http.NewResponseController(w).Flush()
		close(started)
		<-closed // a stream that lasts until the hook ends it
		_, _ = io.WriteString(w, "data: last\n\n")
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := make(chan error, 1)
	go func() {
		served <- serving.Serve(ctx, ln, h, slog.New(slog.DiscardHandler), func() { close(closed) })
	}()

	url := "http://" + ln.Addr().String()
	resp, err := http.Get(url + "/stream")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	<-started
	unused, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer unused.Close()
	time.Sleep(50 * time.Millisecond) // let the server accept it

	start := time.Now()
	cancel()
	body, err := io.ReadAll(resp.Body)
	if err != nil || string(body) != "data: first\n\ndata: last\n\n" {
		t.Errorf("stream = %q, %v; want both frames and a clean end", body, err)
	}
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(8 * time.Second):
		t.Fatal("Serve did not return within 8s")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("shutdown took %v", d)
	}
	if resp, err := http.Get(url + "/"); err == nil {
		resp.Body.Close()
		t.Errorf("still answering after shutdown")
	}
}
