package agent

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"golang.org/x/sync/singleflight"
)

// Connector reaches the TaskPilot MCP server for the agent. Every call
// acts as the user it names and sees only that user's tasks.
//
// Implementations keep what they can between turns (connections, the
// session, the tool list), so a turn costs only its tools/call requests,
// and hold nothing for a turn while the model streams.
type Connector interface {
	// Tools returns the server's tools. The list may be cached; refresh
	// asks the server again (after the model named a tool the list lacks).
	Tools(ctx context.Context, user string, refresh bool) ([]*mcp.Tool, error)
	// CallTool calls a tool as user. A tool's own failure is a result
	// with IsError; a *jsonrpc.Error is the server refusing the call; any
	// other error means the server could not be reached.
	CallTool(ctx context.Context, user string, p *mcp.CallToolParams) (*mcp.CallToolResult, error)
}

// clientInfo is how the agent introduces itself to the MCP server.
var clientInfo = &mcp.Implementation{Name: "taskpilot-chat", Title: "TaskPilot chat", Version: "1"}

// tokenReuse is how long a minted token is reused for a user's calls. The
// chat server mints 5-minute tokens, so a reused one has minutes left.
const tokenReuse = 2 * time.Minute

// toolsListTimeout bounds a shared tools/list, which runs on past the
// turn that started it (see httpConnector.Tools).
const toolsListTimeout = time.Minute

// maxCachedTokens bounds the token cache; past it, expired entries go.
const maxCachedTokens = 10000

// userKey carries the acting user in a request context, from CallTool to
// the HTTP transport that adds the user's token.
type userKey struct{}

// httpConnector reaches an MCP server over Streamable HTTP with one
// long-lived client session shared by every user: each HTTP request
// carries the bearer token of the user whose call it is.
type httpConnector struct {
	url    string
	token  func(user string) (string, error)
	client *http.Client

	mu    sync.Mutex         // guards cs and tools; held while connecting
	cs    *mcp.ClientSession // nil until first used, and after a failure
	tools []*mcp.Tool        // nil until listed, and after a change

	// listing runs one tools/list at a time: the turns that find no list
	// (all of them, when many start at once on a cold cache) wait for it
	// and share its answer, instead of each decoding its own copy.
	listing singleflight.Group

	tokMu  sync.Mutex // guards tokens (taken inside requests, so never under mu)
	tokens map[string]cachedToken
}

type cachedToken struct {
	raw     string
	expires time.Time
}

// NewHTTPConnector returns a Connector for the Streamable HTTP endpoint url
// (e.g. "http://127.0.0.1:8081/mcp"). Each request carries
// "Authorization: Bearer <token(user)>" for the user whose call it is;
// token typically mints a short-lived token for the MCP server's audience
// (mcpserver/token.Mint), and its tokens are reused for up to 2 minutes.
// A nil token sends no Authorization header, for servers without auth.
// httpClient nil means http.DefaultClient's settings; a nil Transport
// means http.DefaultTransport's settings, keeping an idle connection per
// concurrent call (the default keeps 2, so at 32 concurrent turns most
// tool calls dialled the MCP server anew).
func NewHTTPConnector(url string, token func(user string) (string, error), httpClient *http.Client) Connector {
	if httpClient == nil {
		httpClient = &http.Client{}
	}
	c := &httpConnector{url: url, token: token, tokens: map[string]cachedToken{}}
	client := *httpClient
	base := client.Transport
	if base == nil {
		base = busyTransport()
	}
	client.Transport = bearer{c: c, base: base}
	c.client = &client
	return c
}

// session returns the shared session, connecting (as user) when there is
// none.
func (c *httpConnector) session(ctx context.Context) (*mcp.ClientSession, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cs != nil {
		return c.cs, nil
	}
	// No ToolListChangedHandler: on the 2026-07-28 protocol it makes the
	// client hold a subscriptions/listen request open for the session's
	// life, which would keep the MCP server from shutting down promptly.
	// TaskPilot's tools are fixed while a server runs; a new version shows
	// as a missing tool (the list is fetched again) or as a dropped
	// connection (the next session lists them again).
	client := mcp.NewClient(clientInfo, nil)
	cs, err := client.Connect(ctx, &mcp.StreamableClientTransport{
		Endpoint:             c.url,
		HTTPClient:           c.client,
		MaxRetries:           -1, // a failed call fails the turn, never runs twice
		DisableStandaloneSSE: true,
	}, nil)
	if err != nil {
		return nil, fmt.Errorf("connect to mcp server: %w", err)
	}
	c.cs, c.tools = cs, nil
	return cs, nil
}

// drop closes the shared session after a transport failure, so that the
// next call connects again (and lists the tools again).
func (c *httpConnector) drop(cs *mcp.ClientSession) {
	c.mu.Lock()
	if c.cs == cs {
		c.cs, c.tools = nil, nil
	}
	c.mu.Unlock()
	_ = cs.Close()
}

func (c *httpConnector) forgetTools() {
	c.mu.Lock()
	c.tools = nil
	c.mu.Unlock()
}

// Tools implements Connector. Callers that need the list while a
// tools/list is in flight wait for that one (or for their ctx) rather than
// sending their own; the request runs as the user that started it, with
// that caller's values but not its cancellation, so that a turn that
// leaves does not fail the others.
func (c *httpConnector) Tools(ctx context.Context, user string, refresh bool) ([]*mcp.Tool, error) {
	c.mu.Lock()
	tools := c.tools
	c.mu.Unlock()
	if tools != nil && !refresh {
		return tools, nil
	}
	ch := c.listing.DoChan("tools", func() (any, error) {
		return c.listTools(context.WithoutCancel(ctx), user)
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return nil, r.Err
		}
		return r.Val.([]*mcp.Tool), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// listTools asks the server for its tools as user and caches the list.
func (c *httpConnector) listTools(ctx context.Context, user string) ([]*mcp.Tool, error) {
	ctx, cancel := context.WithTimeout(context.WithValue(ctx, userKey{}, user), toolsListTimeout)
	defer cancel()
	cs, err := c.session(ctx)
	if err != nil {
		return nil, err
	}
	tools, err := listTools(ctx, cs)
	if err != nil {
		if !isProtocolError(err) && ctx.Err() == nil {
			c.drop(cs)
		}
		return nil, err
	}
	c.mu.Lock()
	if c.cs == cs {
		c.tools = tools
	}
	c.mu.Unlock()
	return tools, nil
}

// CallTool implements Connector.
func (c *httpConnector) CallTool(ctx context.Context, user string, p *mcp.CallToolParams) (*mcp.CallToolResult, error) {
	ctx = context.WithValue(ctx, userKey{}, user)
	cs, err := c.session(ctx)
	if err != nil {
		return nil, err
	}
	res, err := cs.CallTool(ctx, p)
	if err != nil && !isProtocolError(err) && ctx.Err() == nil {
		c.drop(cs)
	}
	if isProtocolError(err) {
		c.forgetTools() // e.g. an unknown tool: the list may be stale
	}
	return res, err
}

// Close ends the shared session.
func (c *httpConnector) Close() error {
	c.mu.Lock()
	cs := c.cs
	c.cs, c.tools = nil, nil
	c.mu.Unlock()
	if cs == nil {
		return nil
	}
	return cs.Close()
}

// tokenFor returns a token for user, minting one when the cached one is
// older than tokenReuse.
func (c *httpConnector) tokenFor(user string) (string, error) {
	now := time.Now()
	c.tokMu.Lock()
	t, ok := c.tokens[user]
	c.tokMu.Unlock()
	if ok && now.Before(t.expires) {
		return t.raw, nil
	}
	raw, err := c.token(user)
	if err != nil {
		return "", fmt.Errorf("mcp token for %s: %w", user, err)
	}
	c.tokMu.Lock()
	if len(c.tokens) >= maxCachedTokens {
		for u, t := range c.tokens {
			if !now.Before(t.expires) {
				delete(c.tokens, u)
			}
		}
	}
	c.tokens[user] = cachedToken{raw: raw, expires: now.Add(tokenReuse)}
	c.tokMu.Unlock()
	return raw, nil
}

// bearer adds the acting user's token to every request.
type bearer struct {
	c    *httpConnector
	base http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	user, _ := r.Context().Value(userKey{}).(string)
	if b.c.token == nil || user == "" {
		return b.base.RoundTrip(r)
	}
	tok, err := b.c.tokenFor(user)
	if err != nil {
		return nil, err
	}
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+tok)
	return b.base.RoundTrip(r)
}

// inMemoryConnector connects to in-process MCP servers, one session per
// user, kept for the connector's life.
type inMemoryConnector struct {
	server func(user string) *mcp.Server
	mcp    *mcp.Client

	mu       sync.Mutex
	sessions map[string]*mcp.ClientSession
	tools    []*mcp.Tool
}

// NewInMemoryConnector returns a Connector that serves each user from the
// in-process server that server(user) returns, over in-memory transports;
// the server must act as user (e.g. mcpserver.New with
// Options.DefaultUser set to user). server is called once per user.
func NewInMemoryConnector(server func(user string) *mcp.Server) Connector {
	return &inMemoryConnector{server: server, mcp: mcp.NewClient(clientInfo, nil), sessions: map[string]*mcp.ClientSession{}}
}

// session returns user's session, connecting on first use.
func (c *inMemoryConnector) session(ctx context.Context, user string) (*mcp.ClientSession, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cs := c.sessions[user]; cs != nil {
		return cs, nil
	}
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
	c.sessions[user] = cs
	return cs, nil
}

// Tools implements Connector.
func (c *inMemoryConnector) Tools(ctx context.Context, user string, refresh bool) ([]*mcp.Tool, error) {
	c.mu.Lock()
	tools := c.tools
	c.mu.Unlock()
	if tools != nil && !refresh {
		return tools, nil
	}
	cs, err := c.session(ctx, user)
	if err != nil {
		return nil, err
	}
	if tools, err = listTools(ctx, cs); err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.tools = tools
	c.mu.Unlock()
	return tools, nil
}

// CallTool implements Connector.
func (c *inMemoryConnector) CallTool(ctx context.Context, user string, p *mcp.CallToolParams) (*mcp.CallToolResult, error) {
	cs, err := c.session(ctx, user)
	if err != nil {
		return nil, err
	}
	return cs.CallTool(ctx, p)
}

// listTools lists every tool of the server, across pages.
func listTools(ctx context.Context, cs *mcp.ClientSession) ([]*mcp.Tool, error) {
	tools := []*mcp.Tool{}
	for t, err := range cs.Tools(ctx, nil) {
		if err != nil {
			return nil, fmt.Errorf("list tools: %w", err)
		}
		tools = append(tools, t)
	}
	return tools, nil
}

// isProtocolError reports whether err is the server's own JSON-RPC answer
// refusing the call (see refusal), which leaves the connection fine; any
// other error means the server is unreachable or broken.
func isProtocolError(err error) bool {
	_, ok := refusal(err)
	return ok
}
