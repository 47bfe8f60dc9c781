// Package hostcheck protects TaskPilot's HTTP servers from DNS rebinding.
//
// A web page on a name its owner controls (evil.example) can make that
// name resolve to 127.0.0.1 and then call a server on loopback from the
// victim's browser. The browser treats the calls as same-origin (the name
// is the page's own), so CORS and cross-origin checks let them through;
// only the Host header still shows the foreign name. The rule, the MCP
// Go SDK's: a request that arrived on a loopback address must name a
// loopback host (localhost, 127.0.0.0/8, ::1) or one of the allowed hosts
// (a reverse proxy on the same machine forwarding its public name).
// Requests that arrived on any other address are not checked: a server
// reachable from the network relies on its authentication.
package hostcheck

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
)

// Allowed reports whether r passes the rule of the package comment, with
// hosts the allowed host names (see Validate), matched case-insensitively
// whatever the port. Requests with no local address (not from an
// http.Server) are allowed.
func Allowed(r *http.Request, hosts []string) bool {
	local, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	if !ok || local == nil || !isLoopback(local.String()) {
		return true
	}
	name := hostname(r.Host)
	return isLoopback(name) || slices.ContainsFunc(hosts, func(h string) bool {
		return strings.EqualFold(strings.Trim(h, "[]"), name)
	})
}

// Validate checks an allowed host: a host name ("tasks.example.com") or
// an IP address, without scheme, port or path.
func Validate(host string) error {
	if _, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		return nil
	}
	valid := host != "" && len(host) <= 253 && !strings.HasPrefix(host, ".") && !strings.HasPrefix(host, "-")
	for _, c := range host {
		if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') && c != '-' && c != '.' {
			valid = false
		}
	}
	if !valid {
		return fmt.Errorf("allowed host %q: want a host name such as tasks.example.com or an IP address, without scheme, port or path", host)
	}
	return nil
}

// hostname is the name in a Host header, without port or brackets.
func hostname(hostport string) string {
	if host, _, err := net.SplitHostPort(hostport); err == nil {
		return host
	}
	return strings.Trim(hostport, "[]")
}

// isLoopback reports whether addr (a host or host:port) is localhost or a
// loopback IP address.
func isLoopback(addr string) bool {
	host := hostname(addr)
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}
