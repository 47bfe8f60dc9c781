package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newMigrateCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Apply pending database migrations",
		Long: `Migrate creates or upgrades the database schema. It is idempotent and safe to
run while servers are up. Servers also migrate on start unless
--migrate-on-start=false.`,
		Example: `  taskpilot migrate
  taskpilot migrate --database-url sqlite:///var/lib/taskpilot/taskpilot.db
  TASKPILOT_DATABASE_URL=postgres://taskpilot@db/taskpilot taskpilot migrate`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, log, err := e.load(cmd)
			if err != nil {
				return err
			}
			st, err := openStore(cmd.Context(), cfg.Database, log, true)
			if err != nil {
				return err
			}
			if err := st.Close(); err != nil {
				return fmt.Errorf("close database: %w", err)
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "database migrated (%s)\n", st.Dialect())
			return err
		},
	}
}
