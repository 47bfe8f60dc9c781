package oauthserver_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/taskpilot/taskpilot/chatserver/oauthserver"
	"github.com/taskpilot/taskpilot/models/store"
	"github.com/taskpilot/taskpilot/models/store/storetest"
)

// onStore returns a replica of h that reaches the database through st (a
// store of its own, as another process has).
func (h *harness) onStore(st *store.Store) *harness {
	h.t.Helper()
	r := *h
	r.st = st
	r.serve()
	return &r
}

// TestRestart: the authorization server keeps nothing that matters in its
// process. A code issued before a restart is redeemed after it, and a
// refresh token issued before the next restart refreshes after it; the
// tokens work on the MCP server of the restarted process.
func TestRestart(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, st *store.Store) {
		first := newHarness(t, st)
		clientID := first.register(redirect)
		v, c := pkce()
		code := first.code(first.browser(first.alice), first.authQuery(clientID, redirect, c))
		first.srv.Close()

		second := first.replica()
		tok := second.exchange(clientID, redirect, code, v)
		if tok.Status != http.StatusOK || tok.AccessToken == "" || tok.RefreshToken == "" {
			t.Fatalf("code issued before the restart, redeemed after it = %+v, want tokens", tok)
		}
		if got := second.mcpStatus(t, tok.AccessToken); got != http.StatusOK {
			t.Fatalf("/mcp after the restart = %d, want 200", got)
		}
		second.srv.Close()

		third := first.replica()
		r := third.refresh(clientID, tok.RefreshToken)
		if r.Status != http.StatusOK || r.AccessToken == "" || r.RefreshToken == "" {
			t.Fatalf("refresh token issued before the restart, used after it = %+v, want new tokens", r)
		}
		cs, err := third.mcpSession(t, r.AccessToken)
		if err != nil {
			t.Fatal(err)
		}
		if res := callTool(t, cs, "add_task", map[string]any{"title": "after two restarts"}); res.IsError {
			t.Fatalf("add_task after two restarts: %s", resultText(res))
		}
		// The code is still spent after the restarts.
		if again := third.exchange(clientID, redirect, code, v); again.Error != "invalid_grant" || again.AccessToken != "" {
			t.Fatalf("code replayed after the restarts = %+v, want invalid_grant", again)
		}
	})
}

// twoInstances returns two instances of the servers on one fresh
// PostgreSQL database, each with its own connection pool.
func twoInstances(t *testing.T) (a, b *harness) {
	t.Helper()
	u := storetest.PostgresURL(t)
	a = newHarness(t, storetest.Open(t, u))
	return a, a.onStore(storetest.Open(t, u))
}

// TestTwoInstances: two instances on one PostgreSQL database act as one
// authorization server: a code redeemed on one cannot be replayed on the
// other (and the replay revokes what it gave), a refresh token rotated on
// one and reused on the other revokes the whole grant, and an RFC 7009
// revocation on one is honoured by the other and by both MCP servers.
func TestTwoInstances(t *testing.T) {
	a, b := twoInstances(t)
	clientID := a.register(redirect)
	browser := a.browser(a.alice)
	grant := func(on *harness) (tokenResponse, string, string) {
		t.Helper()
		v, c := pkce()
		code := on.code(browser, on.authQuery(clientID, redirect, c))
		return on.exchange(clientID, redirect, code, v), code, v
	}

	t.Run("code replayed on the other instance", func(t *testing.T) {
		tok, code, v := grant(a)
		if tok.Status != http.StatusOK {
			t.Fatalf("exchange on a: %+v", tok)
		}
		if again := b.exchange(clientID, redirect, code, v); again.Error != "invalid_grant" || again.AccessToken != "" {
			t.Fatalf("code redeemed on a, replayed on b = %+v, want invalid_grant and nothing issued", again)
		}
		if r := a.refresh(clientID, tok.RefreshToken); r.Error != "invalid_grant" {
			t.Fatalf("refresh on a after the replay on b = %+v, want invalid_grant (grant revoked)", r)
		}
		if got := a.mcpStatus(t, tok.AccessToken); got != http.StatusUnauthorized {
			t.Fatalf("a's /mcp with the replayed code's access token = %d, want 401", got)
		}
	})

	t.Run("code redeemed on both at once", func(t *testing.T) {
		v, c := pkce()
		code := a.code(browser, a.authQuery(clientID, redirect, c))
		var wg sync.WaitGroup
		results := make([]tokenResponse, 2)
		for i, on := range []*harness{a, b} {
			wg.Go(func() { results[i] = on.exchange(clientID, redirect, code, v) })
		}
		wg.Wait()
		issued := 0
		for _, r := range results {
			if r.AccessToken != "" {
				issued++
			} else if r.Error != "invalid_grant" {
				t.Errorf("the losing redemption = %+v, want invalid_grant", r)
			}
		}
		if issued > 1 {
			t.Fatalf("one code redeemed twice at once issued %d token sets", issued)
		}
	})

	t.Run("refresh reuse across instances", func(t *testing.T) {
		tok, _, _ := grant(a)
		r1 := a.refresh(clientID, tok.RefreshToken)
		if r1.Status != http.StatusOK {
			t.Fatalf("refresh on a: %+v", r1)
		}
		if got := b.mcpStatus(t, r1.AccessToken); got != http.StatusOK {
			t.Fatalf("b's /mcp with a's refreshed token = %d, want 200", got)
		}
		if again := b.refresh(clientID, tok.RefreshToken); again.Error != "invalid_grant" || again.AccessToken != "" {
			t.Fatalf("refresh token rotated on a, reused on b = %+v, want invalid_grant", again)
		}
		// The whole family is revoked: the newest refresh token and the
		// newest access token stop working on both instances.
		if after := a.refresh(clientID, r1.RefreshToken); after.Error != "invalid_grant" {
			t.Fatalf("newest refresh token after reuse = %+v, want invalid_grant", after)
		}
		for name, on := range map[string]*harness{"a": a, "b": b} {
			if got := on.mcpStatus(t, r1.AccessToken); got != http.StatusUnauthorized {
				t.Errorf("%s's /mcp with the reused family's access token = %d, want 401", name, got)
			}
		}
	})

	t.Run("refresh on both at once", func(t *testing.T) {
		tok, _, _ := grant(a)
		var wg sync.WaitGroup
		results := make([]tokenResponse, 2)
		for i, on := range []*harness{a, b} {
			wg.Go(func() { results[i] = on.refresh(clientID, tok.RefreshToken) })
		}
		wg.Wait()
		// At most one succeeds; the other is reuse, which revokes the
		// grant, so whatever the winner got stops working too.
		for _, r := range results {
			if r.RefreshToken != "" {
				if after := a.refresh(clientID, r.RefreshToken); after.Error != "invalid_grant" {
					t.Errorf("refresh after a concurrent reuse = %+v, want invalid_grant", after)
				}
			}
		}
		if results[0].AccessToken != "" && results[1].AccessToken != "" {
			t.Fatal("one refresh token used twice at once refreshed twice")
		}
	})

	t.Run("rfc 7009 on the other instance", func(t *testing.T) {
		for _, hint := range []string{"refresh_token", "access_token"} {
			tok, _, _ := grant(a)
			which := tok.RefreshToken
			if hint == "access_token" {
				which = tok.AccessToken
			}
			resp, err := http.PostForm(b.url+"/oauth/revoke", url.Values{"token": {which}, "token_type_hint": {hint}, "client_id": {clientID}})
			if err != nil {
				t.Fatal(err)
			}
			readAll(resp)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("revoke %s on b = %s, want 200", hint, resp.Status)
			}
			if r := a.refresh(clientID, tok.RefreshToken); r.Error != "invalid_grant" {
				t.Errorf("refresh on a after b revoked the %s = %+v, want invalid_grant", hint, r)
			}
			if got := a.mcpStatus(t, tok.AccessToken); got != http.StatusUnauthorized {
				t.Errorf("a's /mcp after b revoked the %s = %d, want 401", hint, got)
			}
		}
	})
}

// clock is a settable clock for the signing keys.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// kidOf is the kid in a JWT's header.
func kidOf(t *testing.T, jwt string) string {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(strings.Split(jwt, ".")[0])
	if err != nil {
		t.Fatal(err)
	}
	var h struct{ Kid string }
	_ = json.Unmarshal(b, &h)
	return h.Kid
}

func (h *harness) jwksKids() []string {
	h.t.Helper()
	var jwks struct {
		Keys []struct{ Kid string } `json:"keys"`
	}
	getJSON(h.t, h.url+"/oauth/jwks.json", &jwks)
	var out []string
	for _, k := range jwks.Keys {
		out = append(out, k.Kid)
	}
	return out
}

// TestKeyRotation: when the signing key is older than the rotation
// period, a new one signs; tokens signed with the old one keep working
// and it stays in the JWKS until they have expired, then it is dropped.
// Another instance that has not reloaded its keys yet accepts tokens of
// the new key at once.
func TestKeyRotation(t *testing.T) {
	forEachFresh(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		clk := &clock{t: time.Now()}
		keys, err := oauthserver.LoadKeys(ctx, oauthserver.KeysConfig{Store: st, Now: clk.now})
		if err != nil {
			t.Fatal(err)
		}
		h := newHarness(t, st, func(c *oauthserver.Config) { c.Keys = keys })
		// An instance with keys of its own, loaded now and not reloaded
		// before the rotation.
		otherKeys, err := oauthserver.LoadKeys(ctx, oauthserver.KeysConfig{Store: st, Now: clk.now})
		if err != nil {
			t.Fatal(err)
		}
		other := *h
		other.opts = []harnessOpt{func(c *oauthserver.Config) { c.Keys = otherKeys }}
		other.serve()

		clientID := h.register(redirect)
		b := h.browser(h.alice)
		issue := func() tokenResponse {
			t.Helper()
			v, c := pkce()
			tr := h.exchange(clientID, redirect, h.code(b, h.authQuery(clientID, redirect, c)), v)
			if tr.Status != http.StatusOK {
				t.Fatalf("token: %+v", tr)
			}
			return tr
		}
		old := issue()
		oldKid := keys.Signing().ID
		if kidOf(t, old.AccessToken) != oldKid {
			t.Fatalf("token kid %q, want the signing key %q", kidOf(t, old.AccessToken), oldKid)
		}

		clk.add(oauthserver.DefaultKeyRotation + time.Minute)
		if err := keys.Rotate(ctx); err != nil {
			t.Fatal(err)
		}
		newKid := keys.Signing().ID
		if newKid == oldKid {
			t.Fatal("the key was not rotated")
		}
		fresh := issue()
		if got := kidOf(t, fresh.AccessToken); got != newKid {
			t.Fatalf("token after rotation signed by %q, want the new key %q", got, newKid)
		}
		if kids := h.jwksKids(); len(kids) != 2 || kids[0] != newKid || kids[1] != oldKid {
			t.Fatalf("JWKS after rotation = %v, want [%s %s]", kids, newKid, oldKid)
		}
		for name, on := range map[string]*harness{"the rotating instance": h, "the other instance": &other} {
			for what, tok := range map[string]string{"old": old.AccessToken, "new": fresh.AccessToken} {
				if got := on.mcpStatus(t, tok); got != http.StatusOK {
					t.Errorf("%s's /mcp with the %s key's token = %d, want 200", name, what, got)
				}
			}
		}
		// A refresh after the rotation is signed by the new key.
		if r := h.refresh(clientID, old.RefreshToken); r.Status != http.StatusOK || kidOf(t, r.AccessToken) != newKid {
			t.Fatalf("refresh after rotation = %+v (kid %q), want a token of the new key", r, kidOf(t, r.AccessToken))
		}

		// Once every token of the old key has expired, it is dropped.
		clk.add(oauthserver.DefaultKeyRetention + time.Minute)
		if err := keys.Rotate(ctx); err != nil {
			t.Fatal(err)
		}
		if kids := h.jwksKids(); len(kids) != 1 || kids[0] != newKid {
			t.Fatalf("JWKS after the retention = %v, want [%s]", kids, newKid)
		}
		if got := h.mcpStatus(t, old.AccessToken); got != http.StatusUnauthorized {
			t.Fatalf("/mcp with a token of a dropped key = %d, want 401", got)
		}
		if stored, _ := st.ListSigningKeys(ctx); len(stored) != 1 {
			t.Fatalf("%d keys stored after the retention, want 1", len(stored))
		}
	})
}

// TestConcurrentRotation: replicas starting at once with a key due for
// rotation make one new key between them.
func TestConcurrentRotation(t *testing.T) {
	forEachFresh(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		clk := &clock{t: time.Now()}
		if _, err := oauthserver.LoadKeys(ctx, oauthserver.KeysConfig{Store: st, Now: clk.now}); err != nil {
			t.Fatal(err)
		}
		clk.add(oauthserver.DefaultKeyRotation)
		var wg sync.WaitGroup
		kids := make([]string, 6)
		for i := range kids {
			wg.Go(func() {
				k, err := oauthserver.LoadKeys(ctx, oauthserver.KeysConfig{Store: st, Now: clk.now})
				if err != nil {
					t.Error(err)
					return
				}
				kids[i] = k.Signing().ID
			})
		}
		wg.Wait()
		stored, err := st.ListSigningKeys(ctx)
		if err != nil || len(stored) != 2 {
			t.Fatalf("keys after 6 replicas rotated at once = %d, %v; want 2 (the old and one new)", len(stored), err)
		}
		for _, k := range kids {
			if k != kids[0] {
				t.Fatalf("replicas sign with different keys: %v", kids)
			}
		}
	})
}

// forEachFresh runs f on a new SQLite database and, when PostgreSQL is
// configured, a new PostgreSQL database (signing keys are shared by
// everything on a database, so rotating them needs one of its own).
func forEachFresh(t *testing.T, f func(t *testing.T, st *store.Store)) {
	t.Run("sqlite", func(t *testing.T) { f(t, storetest.OpenSQLite(t)) })
	if _, ok := storetest.URLs(t)["postgres"]; ok {
		t.Run("postgres", func(t *testing.T) { f(t, storetest.OpenPostgres(t)) })
	}
}
