package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"time"
	_ "time/tzdata" // TASKPILOT_TIMEZONE works on machines without zoneinfo

	"github.com/spf13/cobra"

	"github.com/taskpilot/taskpilot/chatserver"
	"github.com/taskpilot/taskpilot/cmd/taskpilot/serving"
	"github.com/taskpilot/taskpilot/mcpserver/token"
	"github.com/taskpilot/taskpilot/models/store"
)

// defaultModel is the model used when OPENAI_API_KEY is set and
// TASKPILOT_MODEL is not.
const defaultModel = "gpt-4.1-mini"

// mcpTokenTTL is the lifetime of the tokens the chat server mints for the
// MCP server; one is minted per turn.
const mcpTokenTTL = 5 * time.Minute

// mcpCallTimeout bounds one HTTP request to the MCP server.
const mcpCallTimeout = 60 * time.Second

func newChatCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "chat",
		Short: "Serve the chat assistant (ChatKit and REST) against a TaskPilot MCP server",
		Long: `Chat serves the AI assistant on --addr: the chat page at / (the ChatKit web
UI, or a self-hosted lite client at /lite), the ChatKit protocol at POST
/chatkit (also /api/v1/chatkit), and POST /api/{user_id}/chat for simple
clients. Conversations are stored in the database, beside the
tasks. The assistant reaches tasks only through the MCP server at --mcp-url,
acting as the requesting user.

The model is set by environment variables: OPENAI_API_KEY, OPENAI_BASE_URL
(any OpenAI-compatible endpoint) and TASKPILOT_MODEL (default gpt-4.1-mini
when a key is set). Without a model, slash commands still work: /add, /list,
/done N, /undo N, /delete N and /help.

Authentication (--auth): with jwt every request needs "Authorization: Bearer
<token>" and acts as the token's subject; the same tokens as the MCP server's
(see taskpilot token) are accepted. The chat server then mints a short-lived
token per user for the MCP server with TASKPILOT_AUTH_SECRET, so both must
share the secret. With none every request acts as --user; that is only
allowed on a loopback address, and the MCP server must run with --auth none
too unless a secret is set. auto (the default) is jwt when a key is
configured, else none.`,
		Example: `  export TASKPILOT_AUTH_SECRET=$(openssl rand -hex 32) OPENAI_API_KEY=sk-...
  taskpilot mcp --transport http --addr 127.0.0.1:8081 &
  taskpilot chat --addr 127.0.0.1:8080 --mcp-url http://127.0.0.1:8081/mcp
  taskpilot chat --auth none --mcp-auth none   # single local user, no secrets`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, o, log, err := e.loadOrigins(cmd)
			if err != nil {
				return err
			}
			return runChat(cmd.Context(), cfg, o, log, e.getenv)
		},
	}
	fs := cmd.Flags()
	addFlag(fs, "addr", "chat.addr")
	addFlag(fs, "mcp-url", "chat.mcp_url")
	addFlag(fs, "auth", "chat.auth")
	addFlag(fs, "mcp-auth", "chat.mcp_auth")
	addFlag(fs, "user", "mcp.user")
	addFlag(fs, "allowed-origins", "chat.allowed_origins")
	addFlag(fs, "allowed-hosts", "http.allowed_hosts")
	addFlag(fs, "dev-login", "chat.dev_login")
	addFlag(fs, "signup", "chat.signup")
	addFlag(fs, "public-url", "public_url")
	addFlag(fs, "model-timeout", "chat.model_timeout")
	addFlag(fs, "model-first-token-timeout", "chat.model_first_token_timeout")
	addFlag(fs, "migrate-on-start", "database.migrate_on_start")
	addFlag(fs, "metrics", "metrics.enabled")
	fs.Lookup("user").Usage = "the single user when authentication is off"
	return cmd
}

// runChat serves the chat server until ctx is done.
func runChat(ctx context.Context, cfg Config, o origins, log *slog.Logger, getenv func(string) string) error {
	p, err := planChat(cfg, o)
	if err != nil {
		return err
	}
	stopDebug, derr := startDebug(ctx, cfg.Metrics.DebugAddr, log)
	if derr != nil {
		return derr
	}
	defer stopDebug()
	defer startHeapFloor(uint64(cfg.Runtime.GCHeapFloorMB) << 20)()
	st, err := openStore(ctx, cfg.Database, log, cfg.Database.MigrateOnStart)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := p.auth.open(ctx, st); err != nil {
		return err
	}
	opts, err := newChatOptions(p, getenv, st, newRegistry(cfg, st), log)
	if err != nil {
		return err
	}
	if p.auth.mode == authAccounts {
		if err := logSetupLink(ctx, st, p.publicURL, log); err != nil {
			return err
		}
	}
	// The task pane's live updates: on PostgreSQL they come from every
	// process on the database (the MCP servers publish); a SQLite file is
	// one process's, so there only changes made in this process arrive.
	changes, err := store.NewChanges(ctx, st, log)
	if err != nil {
		return err
	}
	defer changes.Close()
	opts.Pane.Events = changes
	ln, err := new(net.ListenConfig).Listen(ctx, "tcp", cfg.Chat.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	oa, err := chatOAuth(ctx, p, st, ln.Addr(), &opts, log)
	if err != nil {
		_ = ln.Close()
		return err
	}
	if oa != nil {
		defer oa.run(ctx, oa.server, log)()
	}
	mcpAuth := authNone
	if p.mintMCP {
		mcpAuth = authJWT
	}
	log.Info("chat server listening", "addr", ln.Addr().String(), "auth", p.auth.mode.String(), "mcp_url", p.mcpURL, "mcp_auth", mcpAuth.String())
	return serveChat(ctx, ln, opts)
}

// serveChat serves the chat server built from opts on ln until ctx is
// done, then shuts down gracefully (see serving.Serve), ending the open
// streams first: their partial answers are kept, as when a user presses
// stop.
func serveChat(ctx context.Context, ln net.Listener, opts chatserver.Options) error {
	h := chatserver.New(opts)
	if err := serving.Serve(ctx, ln, h, opts.Logger, h.CloseStreams); err != nil {
		return fmt.Errorf("chat: %w", err)
	}
	opts.Logger.Info("chat server stopped")
	return nil
}

// location returns the time zone named by chat.timezone, or the machine's
// when it is empty.
func location(name string) (*time.Location, error) {
	if name == "" {
		return time.Local, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("%q is not a time zone such as Europe/Paris", name)
	}
	return loc, nil
}

// sharedLimits gives the chat server, on PostgreSQL, the turn locks and
// rate buckets every replica shares (on SQLite, its single process keeps
// them in memory).
func sharedLimits(opts *chatserver.Options, cfg ChatConfig, st *store.Store, log *slog.Logger) error {
	if st.Dialect() != store.DialectPostgres {
		return nil
	}
	ttl := cfg.TurnLease
	leases, err := st.TurnLeases(ttl, log.With("component", "chat"))
	if err != nil {
		return err
	}
	buckets, err := st.RateBuckets()
	if err != nil {
		return err
	}
	opts.ThreadLocks, opts.RateBuckets = leases, buckets
	log.Info("turn locks and rate limit shared through the database", "turn_lease", ttl)
	return nil
}

// devLoginTTL is how long a dev-login token lasts.
const devLoginTTL = 12 * time.Hour

// tokenVerifier adapts token.Verifier to chatserver.Verifier: the user is
// the token's subject.
type tokenVerifier struct{ v *token.Verifier }

// Verify implements chatserver.Verifier.
func (t tokenVerifier) Verify(ctx context.Context, raw string) (string, error) {
	c, err := t.v.Verify(ctx, raw)
	if err != nil {
		return "", err
	}
	return c.Subject, nil
}
