package oauthserver_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/taskpilot/taskpilot/chatserver/oauthserver"
	"github.com/taskpilot/taskpilot/models/store/storetest"
)

// TestClientMetadataDocumentRefused: a client_id URL whose document is too
// big, too slow, redirects, lies about its client_id, or points at a
// private address is refused with invalid_client, and the browser is never
// redirected anywhere.
func TestClientMetadataDocumentRefused(t *testing.T) {
	var handler atomic.Pointer[http.HandlerFunc] // set by each case; slow ones may outlive theirs
	docs := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { (*handler.Load())(w, r) }))
	t.Cleanup(docs.Close)
	id := docs.URL + "/client.json"
	good := `{"client_id":"` + id + `","client_name":"Doc client","redirect_uris":["` + redirect + `"]}`
	jsonDoc := func(doc string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(doc))
		}
	}

	tests := []struct {
		name    string
		handler http.HandlerFunc
		safe    bool   // use the real SSRF-protected client, not the test's
		want    string // the error, and a word of the reason
	}{
		{"valid document", jsonDoc(good), false, "consent"},
		{"oversized", jsonDoc(`{"client_id":"` + id + `","redirect_uris":["` + redirect + `"],"client_name":"` + strings.Repeat("x", 6000) + `"}`), false, "invalid_client: larger than"},
		{"slow", func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-time.After(3 * time.Second):
			case <-r.Context().Done():
			}
			jsonDoc(good)(w, r)
		}, false, "invalid_client: fetch"},
		{"redirect", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/other.json", http.StatusFound)
		}, false, "redirects are not followed"},
		{"client_id mismatch", jsonDoc(`{"client_id":"https://other.example/c.json","redirect_uris":["` + redirect + `"]}`), false, "is not its URL"},
		{"not json", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("<html>")) }, false, "not application/json"},
		{"bad redirect uri in document", jsonDoc(`{"client_id":"` + id + `","redirect_uris":["http://evil.example/cb"]}`), false, "plain http off loopback"},
		{"loopback address without the test dialer", jsonDoc(good), true, "is not public"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			handler.Store(&tc.handler)
			opt := func(c *oauthserver.Config) {
				c.MetadataTimeout = time.Second
				if !tc.safe {
					c.MetadataClient = docs.Client()
				}
			}
			h := newHarness(t, storetest.OpenSQLite(t), opt)
			_, challenge := pkce()
			resp, err := h.browser(h.alice).Get(h.url + "/oauth/authorize?" + h.authQuery(id, redirect, challenge).Encode())
			if err != nil {
				t.Fatal(err)
			}
			body := readAll(resp)
			got := body
			if resp.StatusCode == http.StatusOK && strings.Contains(body, "Doc client") {
				got = "consent"
			} else if !strings.HasPrefix(body, "invalid_client: ") {
				t.Fatalf("authorize = %s %q, want invalid_client", resp.Status, body)
			}
			if resp.Header.Get("Location") != "" {
				t.Fatalf("redirected to %s", resp.Header.Get("Location"))
			}
			if !strings.Contains(got, strings.TrimPrefix(tc.want, "invalid_client: ")) {
				t.Fatalf("authorize = %s %q, want %s", resp.Status, body, tc.want)
			}
		})
	}

	t.Run("client_id not https", func(t *testing.T) {
		h := newHarness(t, storetest.OpenSQLite(t))
		_, challenge := pkce()
		for _, bad := range []string{"http://" + strings.TrimPrefix(docs.URL, "https://") + "/client.json", docs.URL, docs.URL + "/a/../client.json"} {
			resp, _ := h.browser(h.alice).Get(h.url + "/oauth/authorize?" + h.authQuery(bad, redirect, challenge).Encode())
			if body := readAll(resp); !strings.HasPrefix(body, "invalid_client") {
				t.Errorf("client_id %s: %s %q, want invalid_client", bad, resp.Status, body)
			}
		}
	})
}

// TestSafeHTTPClient refuses private and loopback addresses at dial time.
func TestSafeHTTPClient(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(srv.Close)
	c := oauthserver.SafeHTTPClient()
	for _, u := range []string{srv.URL, "http://10.0.0.1:1/", "http://169.254.169.254/latest/meta-data", "http://[::1]:1/", "http://localhost:1/"} {
		_, err := c.Get(u)
		if err == nil || !strings.Contains(err.Error(), "not public") {
			t.Errorf("GET %s: %v, want refused as not public", u, err)
		}
	}
}
