package oauthserver_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/modelcontextprotocol/go-sdk/oauthex"

	"github.com/taskpilot/taskpilot/chatserver/oauthserver"
	"github.com/taskpilot/taskpilot/models"
	"github.com/taskpilot/taskpilot/models/store"
	"github.com/taskpilot/taskpilot/models/store/storetest"
)

// fetcher is the go-sdk's AuthorizationCodeFetcher played by a signed-in
// user's browser: it opens the authorization URL, answers the consent
// page and reads the code from the redirect.
func (h *harness) fetcher(b *http.Client) auth.AuthorizationCodeFetcher {
	return func(ctx context.Context, args *auth.AuthorizationArgs) (*auth.AuthorizationResult, error) {
		resp := h.consent(b, args.URL, "allow")
		readAll(resp)
		loc, err := url.Parse(resp.Header.Get("Location"))
		if err != nil || loc.Query().Get("code") == "" {
			return nil, errors.New("no code in the redirect: " + resp.Status + " " + resp.Header.Get("Location"))
		}
		return &auth.AuthorizationResult{Code: loc.Query().Get("code"), State: loc.Query().Get("state")}, nil
	}
}

// connect connects the go-sdk's own MCP client, with its OAuth support,
// to the harness's /mcp.
func (h *harness) connect(cfg *auth.AuthorizationCodeHandlerConfig) *mcp.ClientSession {
	h.t.Helper()
	oh, err := auth.NewAuthorizationCodeHandler(cfg)
	if err != nil {
		h.t.Fatal(err)
	}
	c := mcp.NewClient(&mcp.Implementation{Name: "go-sdk-test-client", Version: "1"}, nil)
	cs, err := c.Connect(context.Background(), &mcp.StreamableClientTransport{Endpoint: h.resource, OAuthHandler: oh}, nil)
	if err != nil {
		h.t.Fatalf("connect: %v", err)
	}
	h.t.Cleanup(func() { cs.Close() })
	return cs
}

func callTool(t *testing.T, cs *mcp.ClientSession, name string, args map[string]any) *mcp.CallToolResult {
	t.Helper()
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("call %s: %v", name, err)
	}
	return res
}

func resultText(r *mcp.CallToolResult) string {
	var sb strings.Builder
	for _, c := range r.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			sb.WriteString(tc.Text)
		}
	}
	return sb.String()
}

// TestGoSDKClientFlow: the go-sdk's OAuth client finds the authorization
// server from the RFC 9728 metadata, registers (RFC 7591, and by a Client
// ID Metadata Document), runs the code flow with PKCE as a signed-in user
// and uses the tools as that user.
func TestGoSDKClientFlow(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, st *store.Store) {
		t.Run("dynamic registration", func(t *testing.T) {
			h := newHarness(t, st)
			cs := h.connect(&auth.AuthorizationCodeHandlerConfig{
				DynamicClientRegistrationConfig: &auth.DynamicClientRegistrationConfig{Metadata: &oauthex.ClientRegistrationMetadata{
					ClientName: "Go SDK client", RedirectURIs: []string{"http://127.0.0.1:45678/callback"},
					GrantTypes: []string{"authorization_code", "refresh_token"}, TokenEndpointAuthMethod: "none",
				}},
				RedirectURL:              "http://127.0.0.1:45678/callback",
				AuthorizationCodeFetcher: h.fetcher(h.browser(h.alice)),
			})
			h.useTools(t, cs, h.alice)
		})
		t.Run("client id metadata document", func(t *testing.T) {
			cimd := newCIMDServer(t)
			h := newHarness(t, st, func(c *oauthserver.Config) { c.MetadataClient = cimd.Client() })
			cimd.doc = `{"client_id":"` + cimd.URL + `/client.json","client_name":"Metadata client","redirect_uris":["http://127.0.0.1:45679/cb"],"grant_types":["authorization_code","refresh_token"],"token_endpoint_auth_method":"none"}`
			cs := h.connect(&auth.AuthorizationCodeHandlerConfig{
				ClientIDMetadataDocumentConfig: &auth.ClientIDMetadataDocumentConfig{URL: cimd.URL + "/client.json"},
				RedirectURL:                    "http://127.0.0.1:45679/cb",
				AuthorizationCodeFetcher:       h.fetcher(h.browser(h.bob)),
			})
			h.useTools(t, cs, h.bob)
		})
	})
}

// useTools adds a task through MCP and checks it is user's.
func (h *harness) useTools(t *testing.T, cs *mcp.ClientSession, user string) {
	t.Helper()
	tools, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(tools.Tools) != 6 {
		t.Fatalf("tools/list has %d tools, want all 6 for a read write grant", len(tools.Tools))
	}
	res := callTool(t, cs, "add_task", map[string]any{"title": "buy milk for " + user})
	if res.IsError {
		t.Fatalf("add_task: %s", resultText(res))
	}
	tasks, err := h.st.ListTasks(context.Background(), user, models.TaskFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(tasks.Tasks) != 1 || tasks.Tasks[0].Title != "buy milk for "+user {
		t.Fatalf("%s's tasks = %+v, want the one added over OAuth", user, tasks)
	}
	grants, err := h.st.ListOAuthGrants(context.Background(), user)
	if err != nil || len(grants) != 1 || !slices.Equal(grants[0].Scopes, []string{"read", "write"}) {
		t.Fatalf("grants of %s = %+v, %v; want one read write grant", user, grants, err)
	}
}

// cimdServer serves a client's metadata document over HTTPS.
type cimdServer struct {
	*httptest.Server
	doc string
}

func newCIMDServer(t *testing.T) *cimdServer {
	c := &cimdServer{}
	c.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(c.doc))
	}))
	t.Cleanup(c.Close)
	return c
}
