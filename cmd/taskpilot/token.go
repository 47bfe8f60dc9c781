package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/taskpilot/taskpilot/mcpserver/token"
)

// Bounds on --ttl.
const (
	minTokenTTL = time.Minute
	maxTokenTTL = 365 * 24 * time.Hour
)

func newTokenCmd(e *env) *cobra.Command {
	var (
		user string
		ttl  time.Duration
	)
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Mint a bearer token for the MCP HTTP server",
		Long: `Token prints a signed JWT (HS256) for --user, followed by a newline. MCP
clients send it as "Authorization: Bearer <token>" to taskpilot mcp
--transport http, which then acts as that user.

The signing secret comes from TASKPILOT_AUTH_SECRET or the file named by
TASKPILOT_AUTH_SECRET_FILE (or auth.secret_file), never from a flag; it must be
at least 32 bytes. The audience and issuer are auth.audience and auth.issuer.`,
		Example: `  export TASKPILOT_AUTH_SECRET=$(openssl rand -hex 32)
  taskpilot token --user alice
  taskpilot token --user bob --ttl 24h`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, _, err := e.load(cmd)
			if err != nil {
				return err
			}
			if user == "" {
				return errors.New("--user must not be empty")
			}
			if ttl < minTokenTTL || ttl > maxTokenTTL {
				return fmt.Errorf("--ttl must be between %v and %v, not %v", minTokenTTL, maxTokenTTL, ttl)
			}
			if cfg.Auth.Secret == nil {
				return errors.New("no signing secret: set TASKPILOT_AUTH_SECRET (at least 32 bytes) or TASKPILOT_AUTH_SECRET_FILE")
			}
			tok, err := token.Mint(cfg.Auth.Secret, user, cfg.Auth.Audience, cfg.Auth.Issuer, ttl, time.Now())
			if err != nil {
				return fmt.Errorf("mint token: %w", err)
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), tok)
			return err
		},
	}
	cmd.Flags().StringVar(&user, "user", "", "user the token acts as (its subject; required)")
	cmd.Flags().DurationVar(&ttl, "ttl", 30*24*time.Hour, "how long the token is valid (1m to 8760h)")
	_ = cmd.MarkFlagRequired("user")
	return cmd
}
