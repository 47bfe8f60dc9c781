package agent

import (
	"context"
	"fmt"
	"net/http"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Connector opens MCP client sessions to the TaskPilot MCP server acting
// as a given user: every tool call made through the session sees only that
// user's tasks. The agent opens one session per turn or action and closes
// it when done.
type Connector interface {
	// Connect returns an initialized session for user, or an error when
	// the server cannot be reached.
	Connect(ctx context.Context, user string) (*mcp.ClientSession, error)
}

// clientInfo is how the agent introduces itself to the MCP server.
var clientInfo = &mcp.Implementation{Name: "taskpilot-chat", Title: "TaskPilot chat", Version: "1"}

// httpConnector reaches an MCP server over Streamable HTTP.
type httpConnector struct {
	url    string
	token  func(user string) (string, error)
	client *http.Client
	mcp    *mcp.Client
}

// NewHTTPConnector returns a Connector for the Streamable HTTP endpoint url
// (e.g. "http://127.0.0.1:8081/mcp"). Each session's requests carry
// "Authorization: Bearer <token(user)>"; token typically mints a
// short-lived token for the MCP server's audience (mcpserver/token.Mint).
// A nil token sends no Authorization header, for servers without auth.
// httpClient nil means http.DefaultClient's settings.
func NewHTTPConnector(url string, token func(user string) (string, error), httpClient *http.Client) Connector {
	if httpClient == nil {
		httpClient = &http.Client{}
	}
	return &httpConnector{url: url, token: token, client: httpClient, mcp: mcp.NewClient(clientInfo, nil)}
}

// Connect implements Connector.
func (c *httpConnector) Connect(ctx context.Context, user string) (*mcp.ClientSession, error) {
	client := *c.client
	if c.token != nil {
		tok, err := c.token(user)
		if err != nil {
			return nil, fmt.Errorf("mcp token for %s: %w", user, err)
		}
		base := client.Transport
		if base == nil {
			base = http.DefaultTransport
		}
		client.Transport = bearer{token: tok, base: base}
	}
	cs, err := c.mcp.Connect(ctx, &mcp.StreamableClientTransport{
		Endpoint:             c.url,
		HTTPClient:           &client,
		MaxRetries:           -1, // the server is stateless; a failed call fails the turn
		DisableStandaloneSSE: true,
	}, nil)
	if err != nil {
		return nil, fmt.Errorf("connect to mcp server: %w", err)
	}
	return cs, nil
}

// bearer adds an Authorization header to every request.
type bearer struct {
	token string
	base  http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.base.RoundTrip(r)
}

// inMemoryConnector connects to in-process MCP servers.
type inMemoryConnector struct {
	server func(user string) *mcp.Server
	mcp    *mcp.Client
}

// NewInMemoryConnector returns a Connector that serves each session from
// the in-process server that server(user) returns, over in-memory
// transports; the server must act as user (e.g. mcpserver.New with
// Options.DefaultUser set to user). server is called on every Connect;
// cache its results if building a server is costly.
func NewInMemoryConnector(server func(user string) *mcp.Server) Connector {
	return &inMemoryConnector{server: server, mcp: mcp.NewClient(clientInfo, nil)}
}

// Connect implements Connector.
func (c *inMemoryConnector) Connect(ctx context.Context, user string) (*mcp.ClientSession, error) {
	srv := c.server(user)
	if srv == nil {
		return nil, fmt.Errorf("no mcp server for user %s", user)
	}
	ct, st := mcp.NewInMemoryTransports()
	ss, err := srv.Connect(ctx, st, nil)
	if err != nil {
		return nil, fmt.Errorf("start in-memory mcp session: %w", err)
	}
	cs, err := c.mcp.Connect(ctx, ct, nil)
	if err != nil {
		_ = ss.Close()
		return nil, fmt.Errorf("connect to in-memory mcp server: %w", err)
	}
	return cs, nil
}
