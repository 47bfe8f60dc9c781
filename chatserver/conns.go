package chatserver

import (
	"net"
	"net/http"
	"sync"
)

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

// close closes every connection that has not sent a request; register it
// with http.Server.RegisterOnShutdown.
func (u *unusedConns) close() {
	u.mu.Lock()
	defer u.mu.Unlock()
	for c := range u.conns {
		_ = c.Close()
	}
	u.conns = nil
}
