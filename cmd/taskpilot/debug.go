package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/taskpilot/taskpilot/mcpserver/hostcheck"
)

// startDebug serves net/http/pprof at /debug/pprof/ on addr
// (TASKPILOT_DEBUG_ADDR) until ctx is done or stop is called; an empty
// addr serves nothing. addr must be a loopback address: profiles show
// the process's internals, so they are never offered to the network,
// and requests naming a foreign Host are refused (DNS rebinding).
func startDebug(ctx context.Context, addr string, log *slog.Logger) (stop func(), err error) {
	if addr == "" {
		return func() {}, nil
	}
	if !isLoopback(addr) {
		return nil, fmt.Errorf("TASKPILOT_DEBUG_ADDR must be a loopback address such as 127.0.0.1:6060 or localhost:6060, not %q: the profiling endpoint shows the server's internals and has no authentication", addr)
	}
	ln, err := new(net.ListenConfig).Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("debug listen: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	hs := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !hostcheck.Allowed(r, nil) {
				http.Error(w, "invalid Host header", http.StatusForbidden)
				return
			}
			mux.ServeHTTP(w, r)
		}),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	go func() {
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Warn("debug server stopped", "err", err)
		}
	}()
	log.Info("serving pprof", "addr", ln.Addr().String(), "path", "/debug/pprof/")
	done := context.AfterFunc(ctx, func() { _ = hs.Close() })
	return func() { done(); _ = hs.Close() }, nil
}
