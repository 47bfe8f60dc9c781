package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"

	"github.com/spf13/cobra"

	"github.com/taskpilot/taskpilot/cmd/taskpilot/serving"
	"github.com/taskpilot/taskpilot/mcpserver/mcphttp"
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
			cfg, o, log, err := e.loadOrigins(cmd)
			if err != nil {
				return err
			}
			return runMCP(cmd.Context(), cfg, o, log, cmd.InOrStdin(), cmd.OutOrStdout())
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
func runMCP(ctx context.Context, cfg Config, o origins, log *slog.Logger, stdin io.Reader, stdout io.Writer) error {
	p, err := planMCP(cfg, o)
	if err != nil {
		return err
	}
	stopDebug, derr := startDebug(ctx, cfg.Metrics.DebugAddr, log)
	if derr != nil {
		return derr
	}
	defer stopDebug()
	if cfg.MCP.Transport == "http" { // a stdio server answers one client: its heap stays small
		defer startHeapFloor(uint64(cfg.Runtime.GCHeapFloorMB) << 20)()
	}
	st, err := openStore(ctx, cfg.Database, log, cfg.Database.MigrateOnStart)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := p.auth.open(ctx, st); err != nil {
		return err
	}
	changes, err := store.NewChanges(ctx, st, log)
	if err != nil {
		return err
	}
	defer changes.Close()
	defer startTrashPurge(ctx, st, cfg.Database, log)()

	if cfg.MCP.Transport == "stdio" {
		srv := newTaskServer(p, st, changes, nil, log) // no metrics without HTTP
		log.Info("serving MCP on stdio", "user", cfg.MCP.User)
		err := srv.Run(ctx, drainingStdio(stdin, stdout, stdioDrainTimeout, log))
		if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, io.EOF) {
			return nil
		}
		return fmt.Errorf("serve mcp: %w", err)
	}

	metrics := mcpMetrics(newRegistry(cfg, st))
	srv := newTaskServer(p, st, changes, metrics, log)
	ln, err := new(net.ListenConfig).Listen(ctx, "tcp", cfg.MCP.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	if p.auth.oauth, err = mcpOAuth(ctx, p, st, resourceURL(cfg.MCP.PublicURL, ln.Addr()), log); err != nil {
		_ = ln.Close()
		return err
	}
	h, err := newMCPHandler(p, srv, st, ln.Addr(), metrics, log)
	if err != nil {
		_ = ln.Close()
		return err
	}
	if p.auth.oauth != nil {
		defer p.auth.oauth.run(ctx, nil, log)()
	}
	log.Info("listening", "addr", ln.Addr().String(), "auth", p.auth.mode.String(), "resource", resourceURL(cfg.MCP.PublicURL, ln.Addr()))
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
// gracefully (see serving.Serve), closing the MCP sessions, which
// ends their open streams.
func serveMCPHTTP(ctx context.Context, ln net.Listener, h *mcphttp.Handler, log *slog.Logger) error {
	if err := serving.Serve(ctx, ln, h, log, h.CloseSessions); err != nil {
		return fmt.Errorf("mcp http: %w", err)
	}
	log.Info("stopped")
	return nil
}
