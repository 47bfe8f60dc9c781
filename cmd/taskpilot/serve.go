package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"

	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/taskpilot/taskpilot/chatserver"
	"github.com/taskpilot/taskpilot/mcpserver"
	"github.com/taskpilot/taskpilot/mcpserver/mcphttp"
	"github.com/taskpilot/taskpilot/mcpserver/token"
	"github.com/taskpilot/taskpilot/models/store"
)

func newServeCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the MCP server and the chat server in one process",
		Long: `Serve runs both servers on one database: the MCP server (Streamable HTTP at
/mcp on --mcp-addr) and the chat server (the chat page at /, ChatKit at
/chatkit and the REST contract at /api/{user_id}/chat on --addr). The chat server reaches the
tasks over real MCP HTTP on loopback, exactly as taskpilot chat does.

With no key configured (the default on a fresh machine) both servers run
without authentication, for a single local user (--user, default local),
and only on loopback addresses. With TASKPILOT_AUTH_SECRET set both servers
require "Authorization: Bearer <token>" (see taskpilot token; one token
works for both). Model settings are those of taskpilot chat.`,
		Example: `  taskpilot serve
  taskpilot serve --addr 127.0.0.1:8080 --mcp-addr 127.0.0.1:8081
  TASKPILOT_AUTH_SECRET=$(cat secret) OPENAI_API_KEY=sk-... taskpilot serve --addr 0.0.0.0:8080`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, log, err := e.load(cmd)
			if err != nil {
				return err
			}
			return runServe(cmd.Context(), cfg, log, e.getenv)
		},
	}
	fs := cmd.Flags()
	addFlag(fs, "addr", "chat.addr")
	addFlag(fs, "mcp-addr", "mcp.addr")
	addFlag(fs, "auth", "chat.auth")
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
	fs.Lookup("mcp-addr").Usage = "listen address of the MCP server (Streamable HTTP at /mcp)"
	fs.Lookup("user").Usage = "the single user when authentication is off"
	return cmd
}

// runServe runs the MCP and chat servers until ctx is done or one of them
// fails, which stops the other.
func runServe(ctx context.Context, cfg Config, log *slog.Logger, getenv func(string) string) error {
	if err := cfg.Chat.validate(); err != nil {
		return err
	}
	if _, _, err := net.SplitHostPort(cfg.MCP.Addr); err != nil {
		return fmt.Errorf("--mcp-addr %q is not host:port", cfg.MCP.Addr)
	}
	auth, err := chatAuth(cfg, cfg.Chat.Addr, cfg.MCP.Addr)
	if err != nil {
		return err
	}
	if err := checkDevLogin(cfg, auth, cfg.Chat.Addr, cfg.MCP.Addr); err != nil {
		return err
	}
	if auth == "jwt" && cfg.Auth.Secret == nil {
		return errors.New("serve with --auth jwt needs TASKPILOT_AUTH_SECRET: the chat server mints the MCP server's tokens with it")
	}
	st, err := openStore(ctx, cfg.Database, log, cfg.Database.MigrateOnStart)
	if err != nil {
		return err
	}
	defer st.Close()
	if auth == "accounts" {
		if cfg.Auth.Secret, err = accountsSecret(ctx, cfg, st); err != nil {
			return err
		}
	}
	defer startTrashPurge(ctx, st, cfg.Database, log)()
	changes, err := store.NewChanges(ctx, st, log)
	if err != nil {
		return err
	}
	defer changes.Close()

	lc := new(net.ListenConfig)
	mcpLn, err := lc.Listen(ctx, "tcp", cfg.MCP.Addr)
	if err != nil {
		return fmt.Errorf("listen for mcp: %w", err)
	}
	chatLn, err := lc.Listen(ctx, "tcp", cfg.Chat.Addr)
	if err != nil {
		_ = mcpLn.Close()
		return fmt.Errorf("listen for chat: %w", err)
	}
	serving := false
	defer func() {
		if !serving { // the servers close their listeners once they run
			_ = mcpLn.Close()
			_ = chatLn.Close()
		}
	}()

	mcpLog := log.With("component", "mcp")
	// One registry: each server's /metrics shows both servers' metrics.
	reg := newRegistry(cfg, st)
	mcpOpts := mcpserver.Options{Logger: mcpLog, DefaultUser: cfg.MCP.User, Version: version(), Changes: changes}
	if err := taskOptions(&mcpOpts, cfg); err != nil {
		return err
	}
	var mcpMetrics *mcphttp.Metrics
	if reg != nil {
		mcpMetrics = mcphttp.NewMetrics(reg)
		mcpOpts.Metrics = mcpMetrics
	}
	var verifier *token.Verifier
	if auth != "none" {
		cfg.MCP.Auth = auth
		if verifier, err = httpVerifier(cfg, mcpLog, st); err != nil {
			return err
		}
	}
	var authServers []string
	if checkURL(cfg.Auth.Issuer) == nil {
		authServers = []string{cfg.Auth.Issuer}
	}
	oa, err := serveOAuth(ctx, cfg, st, auth, chatLn.Addr(), mcpLn.Addr(), mcpLog)
	if err != nil {
		return err
	}
	if oa != nil {
		if verifier, err = oa.withLocalKeys(cfg, st); err != nil {
			return err
		}
		authServers = []string{oa.issuer}
	}
	mcpHandler := mcphttp.New(mcphttp.Options{
		Server:               mcpserver.New(st, mcpOpts),
		Verifier:             verifier,
		Ready:                st.Ping,
		ResourceURL:          resourceURL(cfg.MCP.PublicURL, mcpLn.Addr()),
		AuthorizationServers: authServers,
		AllowedOrigins:       cfg.MCP.AllowedOrigins,
		AllowedHosts:         cfg.HTTP.AllowedHosts,
		Logger:               mcpLog,
		Metrics:              mcpMetrics,
	})
	mcpURL := "http://" + loopbackAddr(mcpLn.Addr()) + "/mcp"
	chatOpts, err := chatOptions(cfg, log, getenv, st, reg, auth, mcpURL, auth != "none")
	if err != nil {
		return err
	}
	if oa != nil {
		if err := oa.mount(&chatOpts, st, log); err != nil {
			return err
		}
	}
	if auth == "accounts" {
		if err := logSetupLink(ctx, st, publicBase(cfg), log); err != nil {
			return err
		}
	}

	log.Info("serving", "chat_addr", chatLn.Addr().String(), "mcp_addr", mcpLn.Addr().String(), "auth", auth)
	serving = true
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return serveMCPHTTP(gctx, mcpLn, mcpHandler, mcpLog) })
	g.Go(func() error { return chatserver.Serve(gctx, chatLn, chatOpts) })
	return g.Wait()
}

// loopbackAddr is how this process reaches a listener of its own: on
// loopback, even when the listener accepts every interface.
func loopbackAddr(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return a.String()
	}
	if tcp.IP.IsUnspecified() {
		return net.JoinHostPort("127.0.0.1", strconv.Itoa(tcp.Port))
	}
	return tcp.String()
}
