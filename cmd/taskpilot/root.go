package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/url"

	"github.com/spf13/cobra"

	"github.com/taskpilot/taskpilot/models/store"
)

// run is the whole program; main only supplies the real process context,
// arguments, environment and standard streams.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	root := newRootCmd(&env{getenv: getenv})
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	return root.ExecuteContext(ctx)
}

// env is what commands take from the process besides flags and stdio.
type env struct {
	getenv func(string) string
}

func newRootCmd(e *env) *cobra.Command {
	root := &cobra.Command{
		Use:   "taskpilot",
		Short: "TaskPilot: a self-hosted AI task assistant",
		Long: `TaskPilot keeps each user's tasks in SQLite or PostgreSQL and serves them to AI
clients over the Model Context Protocol (MCP), and to people through a chat
assistant (ChatKit) that manages them over MCP.

Settings come from flags, then TASKPILOT_* environment variables, then the
--config YAML file, then defaults (see configs/taskpilot.example.yaml).`,
		Example: `  taskpilot serve                                # MCP + chat servers on loopback, SQLite in ./data
  taskpilot mcp                                  # MCP over stdio, for Claude Desktop and friends
  taskpilot mcp --transport http --addr 127.0.0.1:8081
  taskpilot migrate --database-url postgres://localhost/taskpilot
  taskpilot token --user alice`,
		Version:       version(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetVersionTemplate("taskpilot {{.Version}}\n")
	fs := root.PersistentFlags()
	fs.String("config", "", "YAML config file (default: none)")
	addFlag(fs, "log-level", "log.level")
	addFlag(fs, "log-format", "log.format")
	addFlag(fs, "database-url", "database.url")

	root.AddCommand(newMCPCmd(e), newChatCmd(e), newServeCmd(e), newMigrateCmd(e), newTokenCmd(e), newUserCmd(e), newVersionCmd())
	return root
}

// load reads the config for cmd (see loadConfig) and builds the logger,
// which writes to cmd's stderr.
func (e *env) load(cmd *cobra.Command) (Config, *slog.Logger, error) {
	cfg, _, log, err := e.loadOrigins(cmd)
	return cfg, log, err
}

// loadOrigins is load that also says where each setting came from, for
// the server commands' checks across settings.
func (e *env) loadOrigins(cmd *cobra.Command) (Config, origins, *slog.Logger, error) {
	path, err := cmd.Flags().GetString("config")
	if err != nil {
		return Config{}, nil, nil, err
	}
	cfg, from, err := loadConfig(path, e.getenv, cmd.Flags())
	if err != nil {
		return Config{}, nil, nil, err
	}
	return cfg, from, newLogger(cmd.ErrOrStderr(), cfg.Log), nil
}

// newLogger returns a logger writing to w in the configured level and format.
func newLogger(w io.Writer, c LogConfig) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.Level)) // checked by its setting's value
	opts := &slog.HandlerOptions{Level: level}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// openStore opens the configured database and, if migrate is set, applies
// pending migrations. The caller closes the store.
func openStore(ctx context.Context, cfg DatabaseConfig, log *slog.Logger, migrate bool) (*store.Store, error) {
	st, err := store.Open(ctx, cfg.URL, store.Options{Logger: log.With("component", "store")})
	if err != nil {
		return nil, err // already says "open <dialect>: …", with any password hidden
	}
	if migrate {
		if err := st.Migrate(ctx); err != nil {
			_ = st.Close()
			return nil, fmt.Errorf("%s: %w", st.Dialect(), err)
		}
	}
	log.Info("database ready", "dialect", st.Dialect(), "url", redact(cfg.URL), "migrated", migrate)
	return st, nil
}

// redact hides the password in a database URL so it can be logged.
func redact(dbURL string) string {
	u, err := url.Parse(dbURL)
	if err != nil {
		return "(unparsable url)"
	}
	if u.User == nil {
		return dbURL
	}
	return u.Redacted()
}
