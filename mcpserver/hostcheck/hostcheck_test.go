package hostcheck_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/taskpilot/taskpilot/mcpserver/hostcheck"
)

func TestAllowed(t *testing.T) {
	loopback := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}
	loopback6 := &net.TCPAddr{IP: net.IPv6loopback, Port: 8080}
	public := &net.TCPAddr{IP: net.IPv4(192, 0, 2, 10), Port: 8080}
	tests := []struct {
		name  string
		local net.Addr // nil: no local address in the context
		host  string
		hosts []string
		want  bool
	}{
		{"loopback IP", loopback, "127.0.0.1:8080", nil, true},
		{"other loopback IP", loopback, "127.0.0.2:8080", nil, true},
		{"localhost", loopback, "localhost:8080", nil, true},
		{"localhost in capitals", loopback, "LOCALHOST:8080", nil, true},
		{"localhost without port", loopback, "localhost", nil, true},
		{"IPv6 loopback", loopback6, "[::1]:8080", nil, true},
		{"rebinding name", loopback, "evil.example:8080", nil, false},
		{"rebinding name on IPv6", loopback6, "evil.example:8080", nil, false},
		{"rebinding name without port", loopback, "evil.example", nil, false},
		{"a subdomain of localhost is not localhost", loopback, "localhost.evil.example:8080", nil, false},
		{"private IP", loopback, "192.168.1.5:8080", nil, false},
		{"no Host", loopback, "", nil, false},
		{"allowed proxy host", loopback, "tasks.example.com", []string{"tasks.example.com"}, true},
		{"allowed proxy host with a port", loopback, "tasks.example.com:8443", []string{"tasks.example.com"}, true},
		{"allowed host in other case", loopback, "Tasks.Example.COM", []string{"tasks.example.com"}, true},
		{"allowed IPv6 host", loopback, "[2001:db8::1]:443", []string{"[2001:db8::1]"}, true},
		{"another host than the allowed one", loopback, "evil.example", []string{"tasks.example.com"}, false},
		{"suffix of an allowed host", loopback, "example.com", []string{"tasks.example.com"}, false},
		{"not on loopback: not checked", public, "evil.example:8080", nil, true},
		{"no local address: not checked", nil, "evil.example:8080", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.Host = tt.host
			if tt.local != nil {
				r = r.WithContext(context.WithValue(r.Context(), http.LocalAddrContextKey, tt.local))
			}
			if got := hostcheck.Allowed(r, tt.hosts); got != tt.want {
				t.Errorf("Allowed(Host %q on %v, %q) = %v, want %v", tt.host, tt.local, tt.hosts, got, tt.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		host string
		ok   bool
	}{
		{"tasks.example.com", true},
		{"proxy-1.internal", true},
		{"localhost", true},
		{"10.0.0.7", true},
		{"2001:db8::1", true},
		{"[2001:db8::1]", true},
		{"", false},
		{"https://tasks.example.com", false},
		{"tasks.example.com:443", false},
		{"tasks.example.com/chat", false},
		{"tasks example", false},
		{"*.example.com", false},
		{".example.com", false},
	}
	for _, tt := range tests {
		if err := hostcheck.Validate(tt.host); (err == nil) != tt.ok {
			t.Errorf("Validate(%q) = %v, want ok %v", tt.host, err, tt.ok)
		}
	}
}
