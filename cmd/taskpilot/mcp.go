package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/taskpilot/taskpilot/chatserver"
	"github.com/taskpilot/taskpilot/mcpserver"
	"github.com/taskpilot/taskpilot/mcpserver/mcphttp"
	"github.com/taskpilot/taskpilot/mcpserver/token"
	"github.com/taskpilot/taskpilot/models/store"
)

func newMCPCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "mcp",
		Short: "Serve the task tools over MCP (stdio or Streamable HTTP)",
		Long: `Mcp serves the six task tools (add_task, list_tasks, find_task_by_name,
update_task, complete_task, delete_task) to an MCP client.

With --transport stdio (the default) the client starts taskpilot and talks
JSON-RPC over its stdin and stdout; every request acts as --user. Logs go to
stderr.

With --transport http the server listens on --addr and serves Streamable HTTP
at /mcp. Each request needs "Authorization: Bearer <token>" (see taskpilot
token) and acts as the token's subject. --auth none skips that and acts as
--user; it is only allowed on a loopback address.`,
		Example: `  taskpilot mcp
  taskpilot mcp --user alice --database-url sqlite:///home/alice/.taskpilot/taskpilot.db
  TASKPILOT_AUTH_SECRET=$(cat secret) taskpilot mcp --transport http --addr 127.0.0.1:8081
  taskpilot mcp --transport http --auth none`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, log, err := e.load(cmd)
			if err != nil {
				return err
			}
			return runMCP(cmd.Context(), cfg, log, cmd.InOrStdin(), cmd.OutOrStdout())
		},
	}
	fs := cmd.Flags()
	addFlag(fs, "transport", "mcp.transport")
	addFlag(fs, "addr", "mcp.addr")
	addFlag(fs, "user", "mcp.user")
	addFlag(fs, "auth", "mcp.auth")
	addFlag(fs, "public-url", "mcp.public_url")
	addFlag(fs, "allowed-origins", "mcp.allowed_origins")
	addFlag(fs, "allowed-hosts", "http.allowed_hosts")
	addFlag(fs, "migrate-on-start", "database.migrate_on_start")
	addFlag(fs, "metrics", "metrics.enabled")
	return cmd
}

// runMCP serves MCP until ctx is done or, on stdio, until stdin ends and
// the requests read before its end are answered.
func runMCP(ctx context.Context, cfg Config, log *slog.Logger, stdin io.Reader, stdout io.Writer) error {
	if err := cfg.MCP.validate(); err != nil {
		return err
	}
	if cfg.MCP.Transport == "http" {
		switch {
		case cfg.MCP.Auth == "none" && !isLoopback(cfg.MCP.Addr):
			return fmt.Errorf("--auth none is only allowed on a loopback address (127.0.0.1, ::1, localhost), not %q: anyone who can reach it would act as %q", cfg.MCP.Addr, cfg.MCP.User)
		case cfg.MCP.Auth == "jwt" && cfg.Auth.Secret == nil && cfg.Auth.JWKSURL == "":
			return errNoKey
		}
	}
	st, err := openStore(ctx, cfg.Database, log, cfg.Database.MigrateOnStart)
	if err != nil {
		return err
	}
	defer st.Close()
	var verifier *token.Verifier
	if cfg.MCP.Transport == "http" {
		if cfg.MCP.Auth == "accounts" {
			if cfg.Auth.Secret, err = accountsSecret(ctx, cfg, st); err != nil {
				return err
			}
		}
		if verifier, err = httpVerifier(cfg, log, st); err != nil {
			return err
		}
	}
	changes, err := store.NewChanges(ctx, st, log)
	if err != nil {
		return err
	}
	defer changes.Close()
	defer startTrashPurge(ctx, st, cfg.Database, log)()
	opts := mcpserver.Options{Logger: log, DefaultUser: cfg.MCP.User, Version: version(), Changes: changes}
	if err := taskOptions(&opts, cfg); err != nil {
		return err
	}
	var metrics *mcphttp.Metrics // only over HTTP
	if cfg.MCP.Transport == "http" && cfg.Metrics.Enabled {
		metrics = mcphttp.NewMetrics(newRegistry(cfg, st))
		opts.Metrics = metrics
	}
	srv := mcpserver.New(st, opts)

	if cfg.MCP.Transport == "stdio" {
		log.Info("serving MCP on stdio", "user", cfg.MCP.User)
		err := srv.Run(ctx, drainingStdio(stdin, stdout, stdioDrainTimeout, log))
		if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, io.EOF) {
			return nil
		}
		return fmt.Errorf("serve mcp: %w", err)
	}

	ln, err := new(net.ListenConfig).Listen(ctx, "tcp", cfg.MCP.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	var authServers []string
	if checkURL(cfg.Auth.Issuer) == nil {
		authServers = []string{cfg.Auth.Issuer} // an OAuth issuer clients can discover
	}
	resource := resourceURL(cfg.MCP.PublicURL, ln.Addr())
	if verifier, authServers, err = mcpOAuth(ctx, cfg, st, resource, verifier, authServers, log); err != nil {
		_ = ln.Close()
		return err
	}
	h := mcphttp.New(mcphttp.Options{
		Server:               srv,
		Verifier:             verifier,
		Ready:                st.Ping,
		ResourceURL:          resource,
		AuthorizationServers: authServers,
		AllowedOrigins:       cfg.MCP.AllowedOrigins,
		AllowedHosts:         cfg.HTTP.AllowedHosts,
		Logger:               log,
		Metrics:              metrics,
	})
	log.Info("listening", "addr", ln.Addr().String(), "auth", cfg.MCP.Auth, "resource", resource)
	return serveMCPHTTP(ctx, ln, h, log)
}

// resourceURL is the public URL of the /mcp endpoint: under publicURL if
// set, else at the listening address. On all interfaces (0.0.0.0, ::) that
// address is no use to clients, so it is left empty and mcphttp derives it
// from each request's Host.
func resourceURL(publicURL string, addr net.Addr) string {
	if publicURL != "" {
		return strings.TrimSuffix(publicURL, "/") + "/mcp"
	}
	if tcp, ok := addr.(*net.TCPAddr); ok && tcp.IP.IsUnspecified() {
		return ""
	}
	return "http://" + addr.String() + "/mcp"
}

// httpVerifier returns the token verifier for --auth jwt or accounts
// (which also checks that the subject is an active account of st), or nil
// for --auth none after checking that the address is loopback.
func httpVerifier(cfg Config, log *slog.Logger, st *store.Store) (*token.Verifier, error) {
	if cfg.MCP.Auth == "none" {
		if !isLoopback(cfg.MCP.Addr) {
			return nil, fmt.Errorf("--auth none is only allowed on a loopback address (127.0.0.1, ::1, localhost), not %q: anyone who can reach it would act as %q", cfg.MCP.Addr, cfg.MCP.User)
		}
		log.Warn("authentication is off: every HTTP request acts as one user", "user", cfg.MCP.User, "addr", cfg.MCP.Addr)
		return nil, nil
	}
	if cfg.Auth.Secret == nil && cfg.Auth.JWKSURL == "" {
		return nil, errNoKey
	}
	tc := token.Config{
		Secret:   cfg.Auth.Secret,
		JWKSURL:  cfg.Auth.JWKSURL,
		Audience: cfg.Auth.Audience,
		Issuer:   cfg.Auth.Issuer,
		Leeway:   30 * time.Second,
	}
	if cfg.MCP.Auth == "accounts" {
		tc.CheckSubject = activeAccount(st)
	}
	v, err := token.NewVerifier(tc)
	if err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	return v, nil
}

// errNoKey refuses --auth jwt without a key.
var errNoKey = errors.New("--auth jwt needs a key: set TASKPILOT_AUTH_SECRET (at least 32 bytes; mint tokens with taskpilot token) or TASKPILOT_AUTH_JWKS_URL, use --auth accounts for TaskPilot's own accounts, or --auth none on a loopback address")

// isLoopback reports whether addr (host:port) only listens on loopback.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// serveMCPHTTP serves h on ln until ctx is done, then shuts down
// gracefully (see chatserver.ServeHTTP), closing the MCP sessions, which
// ends their open streams.
func serveMCPHTTP(ctx context.Context, ln net.Listener, h *mcphttp.Handler, log *slog.Logger) error {
	if err := chatserver.ServeHTTP(ctx, ln, h, log, h.CloseSessions); err != nil {
		return fmt.Errorf("mcp http: %w", err)
	}
	log.Info("stopped")
	return nil
}
