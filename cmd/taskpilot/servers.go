package main

import (
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/taskpilot/taskpilot/chatserver"
	"github.com/taskpilot/taskpilot/chatserver/agent"
	"github.com/taskpilot/taskpilot/chatserver/chatkit"
	"github.com/taskpilot/taskpilot/chatserver/signin"
	"github.com/taskpilot/taskpilot/chatserver/threadstore"
	"github.com/taskpilot/taskpilot/chatserver/web"
	"github.com/taskpilot/taskpilot/mcpserver"
	"github.com/taskpilot/taskpilot/mcpserver/mcphttp"
	"github.com/taskpilot/taskpilot/models/store"
)

// The servers of a process, each built from a plan by one function that
// `mcp`, `chat` and `serve` share.

// newTaskServer builds the MCP server over st: the tools, prompts and
// resources, in the users' time zone, with the trash retention, the
// change feed and, when metrics is not nil, the MCP metrics.
func newTaskServer(p plan, st *store.Store, changes *store.Changes, metrics *mcphttp.Metrics, log *slog.Logger) *mcp.Server {
	opts := mcpserver.Options{
		Logger:         log,
		DefaultUser:    p.cfg.MCP.User,
		Version:        version(),
		Changes:        changes,
		Location:       p.loc,
		TrashRetention: trashRetention(p.cfg.Database),
	}
	if opts.TrashRetention <= 0 {
		opts.TrashRetention = -1 // never purged
	}
	if metrics != nil { // a nil *Metrics in the interface would not be nil
		opts.Metrics = metrics
	}
	return mcpserver.New(st, opts)
}

// mcpMetrics returns the MCP metrics registered in reg, or nil when reg is
// nil (metrics off).
func mcpMetrics(reg *prometheus.Registry) *mcphttp.Metrics {
	if reg == nil {
		return nil
	}
	return mcphttp.NewMetrics(reg)
}

// newMCPHandler builds the MCP server's HTTP handler for srv listening on
// addr: the plan's authentication (verified against st in accounts mode),
// the resource URL under mcp.public_url, origins and hosts.
func newMCPHandler(p plan, srv *mcp.Server, st *store.Store, addr net.Addr, metrics *mcphttp.Metrics, log *slog.Logger) (*mcphttp.Handler, error) {
	verifier, err := p.auth.verifier(st)
	if err != nil {
		return nil, err
	}
	if verifier == nil {
		log.Warn("authentication is off: every HTTP request acts as one user", "user", p.auth.localUser, "addr", addr.String())
	}
	return mcphttp.New(mcphttp.Options{
		Server:               srv,
		Verifier:             verifier,
		Ready:                st.Ping,
		ResourceURL:          resourceURL(p.cfg.MCP.PublicURL, addr),
		AuthorizationServers: p.auth.authServers(),
		AllowedOrigins:       p.cfg.MCP.AllowedOrigins,
		AllowedHosts:         p.cfg.HTTP.AllowedHosts,
		Logger:               log,
		Metrics:              metrics,
	}), nil
}

// newChatOptions builds the chat server: the thread store over st, the
// agent (model from the environment, tools from the MCP server at
// p.mcpURL, with a minted token per user when p.mintMCP is set), the
// plan's authentication and page and, when reg is not nil, the metrics,
// registered in reg.
func newChatOptions(p plan, getenv func(string) string, st *store.Store, reg *prometheus.Registry, log *slog.Logger) (chatserver.Options, error) {
	cfg := p.cfg
	log = slog.New(chatserver.LogHandler(log.Handler())) // request ids on the agent's and engine's lines too
	var mint func(user string) (string, error)
	if p.mintMCP {
		mint = p.auth.minter(mcpTokenTTL)
	}
	connector := agent.NewHTTPConnector(p.mcpURL, mint, &http.Client{Timeout: mcpCallTimeout})

	apiKey := strings.TrimSpace(getenv("OPENAI_API_KEY"))
	model := cfg.Chat.Model
	if model == "" && apiKey != "" {
		model = defaultModel
	}
	acfg := agent.Config{
		Model:        model,
		APIKey:       apiKey,
		BaseURL:      cfg.Chat.BaseURL,
		HistoryItems: cfg.Chat.HistoryItems,
		Location:     p.loc,
		Tools:        connector,
		Logger:       log,
	}
	acfg.RequestTimeout, acfg.FirstTokenTimeout = cfg.Chat.ModelTimeout, cfg.Chat.FirstTokenTimeout
	if acfg.FirstTokenTimeout == 0 {
		acfg.FirstTokenTimeout = -1 // off
	}
	var metrics *chatserver.Metrics
	if reg != nil {
		metrics = chatserver.NewMetrics(reg)
		acfg.Metrics = metrics
	}
	ag, err := agent.New(acfg)
	if err != nil {
		return chatserver.Options{}, err
	}
	if ag.HasModel() {
		log.Info("chat model", "model", model, "base_url", cfg.Chat.BaseURL)
	} else {
		log.Warn("no chat model configured: only slash commands work (/add, /list, /done N, /help); set OPENAI_API_KEY, or OPENAI_BASE_URL and TASKPILOT_MODEL")
	}

	threads := threadstore.New(st)
	kitLog := log.With("component", "chatkit")
	opts := chatserver.Options{
		Kit:            chatkit.New(threads, ag, chatkit.Options{Logger: kitLog, Actions: ag, SyncActions: ag, Titler: ag}),
		ToolCalls:      ag,
		LocalUser:      p.auth.localUser,
		AllowedOrigins: cfg.Chat.AllowedOrigins,
		AllowedHosts:   cfg.HTTP.AllowedHosts,
		RateLimit:      chatserver.RateLimit{PerMinute: float64(cfg.Chat.RateLimit)},
		Ready:          st.Ping,
		Logger:         log.With("component", "chat"),
		Metrics:        metrics,
		Pane:           &chatserver.TaskPane{Tasks: ag}, // runChat and runServe add the change feed
	}
	if cfg.Chat.RateLimit == 0 {
		opts.RateLimit.PerMinute = -1
	}
	if err := sharedLimits(&opts, cfg.Chat, st, log); err != nil {
		return chatserver.Options{}, err
	}
	v, err := p.auth.chatVerifier(st)
	if err != nil {
		return chatserver.Options{}, err
	}
	if v != nil {
		opts.Verifier = tokenVerifier{v}
	} else {
		log.Warn("authentication is off: every chat request acts as one user", "user", p.auth.localUser)
	}
	page := web.Config{Auth: web.AuthToken, DomainKey: cfg.Chat.DomainKey, Logger: log.With("component", "web")}
	switch {
	case p.auth.mode == authNone:
		page.Auth = web.AuthNone
	case p.auth.mode == authAccounts:
		limiter, err := signinLimiter(st, log)
		if err != nil {
			return chatserver.Options{}, err
		}
		h, err := signin.New(signin.Config{
			Accounts: st,
			Limiter:  limiter,
			Mint: func(user string, ttl time.Duration) (string, error) {
				return p.auth.minter(ttl)(user)
			},
			SecureCookies: strings.HasPrefix(cfg.PublicURL, "https://"),
			SignUp:        cfg.Chat.SignUp,
			Logger:        log.With("component", "signin"),
		})
		if err != nil {
			return chatserver.Options{}, err
		}
		opts.SignIn = h
		opts.Grants = st // the account page lists and revokes them
		page.Auth = web.AuthAccounts
	case cfg.Chat.DevLogin:
		page.Auth = web.AuthDev
		page.DevLogin = p.auth.minter(devLoginTTL)
		log.Warn("dev login is on: the web page mints a token for any name typed in")
	}
	opts.Web = web.New(page)
	return opts, nil
}

// signinLimiter is the sign-in throttle: on PostgreSQL, buckets in the
// database that every replica shares (an attacker spreading guesses over
// the replicas gets no more of them); on SQLite, whose single process
// holds the database, buckets in memory.
func signinLimiter(st *store.Store, log *slog.Logger) (signin.Limiter, error) {
	if st.Dialect() != store.DialectPostgres {
		return signin.NewMemoryLimiter(signin.DefaultRates), nil
	}
	buckets, err := st.RateBuckets()
	if err != nil {
		return nil, err
	}
	log.Info("sign-in throttle shared through the database")
	return signin.NewSharedLimiter(buckets, signin.DefaultRates), nil
}
