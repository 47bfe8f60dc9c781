package oauthserver_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/taskpilot/taskpilot/models/store"
	"github.com/taskpilot/taskpilot/models/store/storetest"
)

func getJSON(t *testing.T, u string, v any) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", u, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

// TestMetadata: the RFC 8414 document names the endpoints and says what
// is supported (S256 only, public clients, metadata documents); the JWKS
// publishes the signing key under its kid; the MCP server's RFC 9728
// document names this server.
func TestMetadata(t *testing.T) {
	h := newHarness(t, storetest.OpenSQLite(t))
	var meta struct {
		Issuer        string   `json:"issuer"`
		Authorize     string   `json:"authorization_endpoint"`
		Token         string   `json:"token_endpoint"`
		Revocation    string   `json:"revocation_endpoint"`
		Registration  string   `json:"registration_endpoint"`
		JWKS          string   `json:"jwks_uri"`
		PKCE          []string `json:"code_challenge_methods_supported"`
		AuthMethods   []string `json:"token_endpoint_auth_methods_supported"`
		Grants        []string `json:"grant_types_supported"`
		ResponseTypes []string `json:"response_types_supported"`
		Scopes        []string `json:"scopes_supported"`
		CIMD          bool     `json:"client_id_metadata_document_supported"`
	}
	getJSON(t, h.issuer+"/.well-known/oauth-authorization-server", &meta)
	if meta.Issuer != h.issuer || meta.Authorize != h.issuer+"/oauth/authorize" || meta.Token != h.issuer+"/oauth/token" ||
		meta.Revocation != h.issuer+"/oauth/revoke" || meta.Registration != h.issuer+"/oauth/register" || meta.JWKS != h.issuer+"/oauth/jwks.json" {
		t.Errorf("endpoints: %+v", meta)
	}
	if !slices.Equal(meta.PKCE, []string{"S256"}) || !slices.Equal(meta.AuthMethods, []string{"none"}) ||
		!slices.Equal(meta.ResponseTypes, []string{"code"}) || !meta.CIMD ||
		!slices.Contains(meta.Scopes, "read") || !slices.Contains(meta.Scopes, "write") ||
		!slices.Equal(meta.Grants, []string{"authorization_code", "refresh_token"}) {
		t.Errorf("capabilities: %+v", meta)
	}

	var jwks struct {
		Keys []struct{ Kid, Kty, Crv, Alg, Use string } `json:"keys"`
	}
	getJSON(t, meta.JWKS, &jwks)
	if len(jwks.Keys) == 0 || jwks.Keys[0].Kid != h.keys.Signing().ID {
		t.Errorf("jwks = %+v, want the signing key %s first", jwks, h.keys.Signing().ID)
	}
	for _, k := range jwks.Keys {
		if k.Alg != "ES256" || k.Crv != "P-256" || k.Use != "sig" || k.Kty != "EC" {
			t.Errorf("jwks key %+v, want an ES256 signing key", k)
		}
	}

	var prm struct {
		Resource string   `json:"resource"`
		Servers  []string `json:"authorization_servers"`
	}
	getJSON(t, h.issuer+"/.well-known/oauth-protected-resource/mcp", &prm)
	if prm.Resource != h.resource || !slices.Equal(prm.Servers, []string{h.issuer}) {
		t.Errorf("protected resource metadata = %+v", prm)
	}
}

// TestDeleteAccountDeletesGrants: deleting an account removes its grants.
func TestDeleteAccountDeletesGrants(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, st *store.Store) {
		h := newHarness(t, st)
		clientID := h.register(redirect)
		v, c := pkce()
		tr := h.exchange(clientID, redirect, h.code(h.browser(h.alice), h.authQuery(clientID, redirect, c)), v)
		ctx := context.Background()
		grants, _ := st.ListOAuthGrants(ctx, h.alice)
		if len(grants) != 1 {
			t.Fatalf("grants = %+v", grants)
		}
		if err := st.DeleteAccount(ctx, h.alice); err != nil {
			t.Fatal(err)
		}
		if _, err := st.GetOAuthGrant(ctx, grants[0].ID); err == nil {
			t.Fatal("the deleted account's grant is still there")
		}
		if r := h.refresh(clientID, tr.RefreshToken); r.Error != "invalid_grant" {
			t.Fatalf("refresh of a deleted account = %+v, want invalid_grant", r)
		}
	})
}

// TestConsentFormAction: the consent page's CSP lets its form go to this
// server and then be redirected to the client's redirect URI (browsers
// apply form-action to the redirect that follows the submission, so
// 'self' alone would stop the answer from reaching the client), and
// nowhere else.
func TestConsentFormAction(t *testing.T) {
	h := newHarness(t, storetest.OpenSQLite(t))
	tests := []struct{ redirect, want string }{
		{"http://localhost:6274/oauth/callback", "form-action 'self' http://localhost:6274;"},
		{"http://127.0.0.1:9999/callback", "form-action 'self' http://127.0.0.1:9999;"},
		{"https://client.example/cb", "form-action 'self' https://client.example;"},
		{"com.example.app:/cb", "form-action 'self' com.example.app:;"},
	}
	for _, tt := range tests {
		t.Run(tt.redirect, func(t *testing.T) {
			clientID := h.register(tt.redirect)
			_, challenge := pkce()
			q := h.authQuery(clientID, tt.redirect, challenge)
			resp, err := h.browser(h.alice).Get(h.issuer + "/oauth/authorize?" + q.Encode())
			if err != nil {
				t.Fatal(err)
			}
			body := readAll(resp)
			csp := resp.Header.Get("Content-Security-Policy")
			if resp.StatusCode != http.StatusOK || !strings.Contains(csp, tt.want) {
				t.Errorf("consent page: %s with CSP %q, want it to have %q (%s)", resp.Status, csp, tt.want, body)
			}
			if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "" {
				t.Errorf("consent page answers CORS: Access-Control-Allow-Origin %q", got)
			}
		})
	}
}
