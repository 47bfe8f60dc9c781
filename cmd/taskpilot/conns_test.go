package main

import (
	"context"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/taskpilot/taskpilot/mcpserver/mcphttp"
)

// TestShutdownClosesUnusedConns: a connection that never sent a request
// (HTTP clients dial them ahead of need) must not hold up a shutdown;
// net/http would wait five seconds for it.
func TestShutdownClosesUnusedConns(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := mcphttp.New(mcphttp.Options{Server: mcp.NewServer(&mcp.Implementation{Name: "t", Version: "1"}, nil)})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serveMCPHTTP(ctx, ln, h, slog.New(slog.DiscardHandler)) }()

	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	time.Sleep(50 * time.Millisecond) // let the server accept it

	start := time.Now()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("shutdown took %v with an unused connection open", d)
		}
	case <-time.After(8 * time.Second):
		t.Fatal("no shutdown within 8s")
	}
}
