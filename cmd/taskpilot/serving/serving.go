// Package serving runs an HTTP handler for the life of a process, the one
// serving loop of both of taskpilot's HTTP servers (MCP and chat): no
// write timeout, so that responses may stream, and a graceful shutdown
// that ends open streams first. It imports only the standard library.
package serving

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// ShutdownTimeout bounds how long Serve waits for requests in flight
// after its context is done.
const ShutdownTimeout = 10 * time.Second

// Serve serves h on ln until ctx is done, then logs "shutting down" to log
// and shuts down gracefully: it stops accepting, runs onShutdown (e.g.
// chatserver.Handler.CloseStreams or mcphttp.Handler.CloseSessions, which
// end open streams), closes connections that never sent a request and
// waits up to ShutdownTimeout for requests in flight. It sets no write
// timeout, so responses may stream. It returns nil after a clean
// shutdown.
func Serve(ctx context.Context, ln net.Listener, h http.Handler, log *slog.Logger, onShutdown ...func()) error {
	hs := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	var unused unusedConns
	hs.ConnState = unused.track
	for _, f := range onShutdown {
		hs.RegisterOnShutdown(f)
	}
	hs.RegisterOnShutdown(unused.close)

	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()
	shutdownErr := hs.Shutdown(sctx)
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	if shutdownErr != nil {
		return fmt.Errorf("shut down: %w", shutdownErr)
	}
	return nil
}

// unusedConns tracks a server's connections that have not sent a request
// yet. http.Server.Shutdown counts such a connection as busy for its first
// five seconds, and HTTP clients open them ahead of need (a pooled
// connection dialed for a request another connection then served), so
// without closing them a shutdown waits five seconds for nothing.
type unusedConns struct {
	mu    sync.Mutex
	conns map[net.Conn]struct{}
}

// track is an http.Server.ConnState hook.
func (u *unusedConns) track(c net.Conn, state http.ConnState) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if state == http.StateNew {
		if u.conns == nil {
			u.conns = make(map[net.Conn]struct{})
		}
		u.conns[c] = struct{}{}
		return
	}
	delete(u.conns, c)
}

// close closes every connection that has not sent a request; it runs when
// the server shuts down.
func (u *unusedConns) close() {
	u.mu.Lock()
	defer u.mu.Unlock()
	for c := range u.conns {
		_ = c.Close()
	}
	u.conns = nil
}
