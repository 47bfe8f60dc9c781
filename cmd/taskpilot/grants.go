package main

import (
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/taskpilot/taskpilot/models"
	"github.com/taskpilot/taskpilot/models/store"
)

// newUserGrantsCmd lists an account's OAuth grants; its revoke
// subcommand revokes one.
func newUserGrantsCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "grants NAME",
		Short: "List the MCP clients an account allowed (OAuth grants)",
		Long: `Grants lists the applications (MCP clients) an account allowed on the
consent page, with the scopes each got. "taskpilot user grants revoke NAME
ID" revokes one: its refresh token stops working at once, and its access
tokens within their 10 minutes.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.withStore(cmd, func(st *store.Store) error {
				name := strings.ToLower(args[0])
				if _, err := st.GetAccount(cmd.Context(), name); err != nil {
					return accountErr(err, args[0])
				}
				grants, err := st.ListOAuthGrants(cmd.Context(), name)
				if err != nil {
					return err
				}
				w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
				fmt.Fprintln(w, "ID\tCLIENT\tCLIENT ID\tSCOPES\tCREATED\tSTATUS")
				for _, g := range grants {
					status := "active"
					if g.RevokedAt != nil {
						status = "revoked " + g.RevokedAt.UTC().Format(time.DateTime)
					}
					client := g.ClientName
					if client == "" {
						client = "-"
					}
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", g.ID, client, g.ClientID, strings.Join(g.Scopes, " "),
						g.CreatedAt.UTC().Format(time.DateTime), status)
				}
				return w.Flush()
			})
		},
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "revoke NAME ID",
		Short: "Revoke one of an account's OAuth grants",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.withStore(cmd, func(st *store.Store) error {
				name := strings.ToLower(args[0])
				err := st.RevokeOAuthGrant(cmd.Context(), name, args[1])
				if errors.Is(err, models.ErrNotFound) {
					return fmt.Errorf("%s has no grant %q (taskpilot user grants %s lists them)", name, args[1], name)
				}
				if err != nil {
					return err
				}
				_, err = fmt.Fprintf(cmd.OutOrStdout(), "grant %s of %s revoked\n", args[1], name)
				return err
			})
		},
	})
	return cmd
}
