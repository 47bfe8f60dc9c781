package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strconv"

	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

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
			cfg, o, log, err := e.loadOrigins(cmd)
			if err != nil {
				return err
			}
			return runServe(cmd.Context(), cfg, o, log, e.getenv)
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
func runServe(ctx context.Context, cfg Config, o origins, log *slog.Logger, getenv func(string) string) error {
	p, err := planServe(cfg, o)
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
	metrics := mcpMetrics(reg)
	if p.auth.oauth, err = serveOAuth(ctx, p, st, chatLn.Addr(), mcpLn.Addr(), mcpLog); err != nil {
		return err
	}
	mcpHandler, err := newMCPHandler(p, newTaskServer(p, st, changes, metrics, mcpLog), st, mcpLn.Addr(), metrics, mcpLog)
	if err != nil {
		return err
	}
	p.mcpURL = "http://" + loopbackAddr(mcpLn.Addr()) + "/mcp"
	chatOpts, err := newChatOptions(p, getenv, st, reg, log)
	if err != nil {
		return err
	}
	chatOpts.Pane.Events = changes // the task pane hears what the MCP server publishes
	if p.auth.oauth != nil {
		if err := p.auth.oauth.mount(&chatOpts, st, log); err != nil {
			return err
		}
		defer p.auth.oauth.run(ctx, p.auth.oauth.server, log)()
	}
	if p.auth.mode == authAccounts {
		if err := logSetupLink(ctx, st, p.publicURL, log); err != nil {
			return err
		}
	}

	log.Info("serving", "chat_addr", chatLn.Addr().String(), "mcp_addr", mcpLn.Addr().String(), "auth", p.auth.mode.String())
	serving = true
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return serveMCPHTTP(gctx, mcpLn, mcpHandler, mcpLog) })
	g.Go(func() error { return serveChat(gctx, chatLn, chatOpts) })
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
