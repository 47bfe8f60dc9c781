package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/taskpilot/taskpilot/chatserver/signin"
	"github.com/taskpilot/taskpilot/models"
	"github.com/taskpilot/taskpilot/models/password"
	"github.com/taskpilot/taskpilot/models/store"
)

// newUserCmd builds "taskpilot user", the operator's account commands.
func newUserCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "user",
		Short: "Manage accounts: add, list, passwd, disable, enable, delete, invite",
		Long: `User manages the accounts people sign in with. An account's name is its user
id: the tasks and threads it owns, and the subject of its tokens.

Passwords are hashed with argon2id (19 MiB, 2 passes, 1 thread) and are read
from the terminal without echo, or with --password-stdin from the first line
of standard input, for scripts. They never appear as arguments.`,
		Example: `  taskpilot user add alice
  printf '%s\n' "$PASSWORD" | taskpilot user add bob --password-stdin
  taskpilot user list
  taskpilot user disable bob
  taskpilot user delete bob --yes`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(
		newUserAddCmd(e), newUserListCmd(e), newUserPasswdCmd(e),
		newUserDisableCmd(e, true), newUserDisableCmd(e, false), newUserDeleteCmd(e), newUserInviteCmd(e),
		newUserGrantsCmd(e),
	)
	return cmd
}

// withStore loads the config, opens and migrates the store, runs f and
// closes the store.
func (e *env) withStore(cmd *cobra.Command, f func(st *store.Store) error) error {
	cfg, log, err := e.load(cmd)
	if err != nil {
		return err
	}
	st, err := openStore(cmd.Context(), cfg.Database, log, true)
	if err != nil {
		return err
	}
	ferr := f(st)
	if err := st.Close(); err != nil && ferr == nil {
		return fmt.Errorf("close database: %w", err)
	}
	return ferr
}

func newUserAddCmd(e *env) *cobra.Command {
	var fromStdin bool
	cmd := &cobra.Command{
		Use:   "add NAME",
		Short: "Create an account",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, err := models.ValidateAccountName(args[0])
			if err != nil {
				return fmt.Errorf("account %w", err)
			}
			hash, err := readNewPassword(cmd, fromStdin)
			if err != nil {
				return err
			}
			return e.withStore(cmd, func(st *store.Store) error {
				if _, err := st.CreateAccount(cmd.Context(), name, hash); err != nil {
					if errors.Is(err, models.ErrConflict) {
						return fmt.Errorf("account %s already exists (taskpilot user passwd %s changes its password)", name, name)
					}
					return err
				}
				_, err := fmt.Fprintf(cmd.OutOrStdout(), "account %s created\n", name)
				return err
			})
		},
	}
	cmd.Flags().BoolVar(&fromStdin, "password-stdin", false, "read the password from the first line of standard input")
	return cmd
}

func newUserPasswdCmd(e *env) *cobra.Command {
	var fromStdin bool
	cmd := &cobra.Command{
		Use:   "passwd NAME",
		Short: "Set an account's password",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			hash, err := readNewPassword(cmd, fromStdin)
			if err != nil {
				return err
			}
			return e.withStore(cmd, func(st *store.Store) error {
				if err := st.SetAccountPassword(cmd.Context(), args[0], hash); err != nil {
					return accountErr(err, args[0])
				}
				_, err := fmt.Fprintf(cmd.OutOrStdout(), "password of %s changed\n", strings.ToLower(args[0]))
				return err
			})
		},
	}
	cmd.Flags().BoolVar(&fromStdin, "password-stdin", false, "read the password from the first line of standard input")
	return cmd
}

func newUserListCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the accounts",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return e.withStore(cmd, func(st *store.Store) error {
				accounts, err := st.ListAccounts(cmd.Context())
				if err != nil {
					return err
				}
				w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
				fmt.Fprintln(w, "NAME\tSTATUS\tCREATED")
				for _, a := range accounts {
					status := "active"
					if a.Disabled {
						status = "disabled"
					}
					fmt.Fprintf(w, "%s\t%s\t%s\n", a.Name, status, a.CreatedAt.Format("2006-01-02 15:04 MST"))
				}
				return w.Flush()
			})
		},
	}
}

// newUserDisableCmd builds "disable" (disable true) or "enable".
func newUserDisableCmd(e *env, disable bool) *cobra.Command {
	use, short, done := "enable NAME", "Let a disabled account sign in again", "enabled"
	if disable {
		use, short, done = "disable NAME", "Stop an account from signing in (its data is kept)", "disabled"
	}
	return &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.withStore(cmd, func(st *store.Store) error {
				if err := st.SetAccountDisabled(cmd.Context(), args[0], disable); err != nil {
					return accountErr(err, args[0])
				}
				_, err := fmt.Fprintf(cmd.OutOrStdout(), "account %s %s\n", strings.ToLower(args[0]), done)
				return err
			})
		},
	}
}

func newUserDeleteCmd(e *env) *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete an account and all its tasks and threads",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !yes {
				return fmt.Errorf("deleting %s also deletes all its tasks and threads, for good: add --yes to confirm", args[0])
			}
			return e.withStore(cmd, func(st *store.Store) error {
				if err := st.DeleteAccount(cmd.Context(), args[0]); err != nil {
					return accountErr(err, args[0])
				}
				_, err := fmt.Fprintf(cmd.OutOrStdout(), "account %s deleted with its tasks and threads\n", strings.ToLower(args[0]))
				return err
			})
		},
	}
	cmd.Flags().BoolVar(&yes, "yes", false, "confirm that the account's data is deleted too")
	return cmd
}

// accountErr words a store error about the account name for the operator.
func accountErr(err error, name string) error {
	if errors.Is(err, models.ErrNotFound) {
		return fmt.Errorf("no account named %q (taskpilot user list shows them)", name)
	}
	return err
}

// readNewPassword reads a new password (from stdin's first line with
// fromStdin, else twice from the terminal without echo), checks it and
// returns its argon2id hash.
func readNewPassword(cmd *cobra.Command, fromStdin bool) (string, error) {
	var pw string
	if fromStdin {
		line, err := bufio.NewReader(io.LimitReader(cmd.InOrStdin(), 4096)).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", fmt.Errorf("read password: %w", err)
		}
		pw = strings.TrimRight(line, "\r\n")
	} else {
		f, ok := cmd.InOrStdin().(*os.File)
		if !ok || !term.IsTerminal(int(f.Fd())) {
			return "", errors.New("standard input is not a terminal: pass the password on it with --password-stdin")
		}
		var err error
		if pw, err = promptPassword(cmd, f, "New password: "); err != nil {
			return "", err
		}
		again, err := promptPassword(cmd, f, "Repeat it: ")
		if err != nil {
			return "", err
		}
		if again != pw {
			return "", errors.New("the two passwords differ")
		}
	}
	if msg := password.Check(pw); msg != "" {
		return "", errors.New(msg)
	}
	hash, err := password.Hash(pw, password.Default)
	if err != nil {
		return "", err
	}
	return hash, nil
}

// promptPassword reads one line from the terminal f without echo.
func promptPassword(cmd *cobra.Command, f *os.File, prompt string) (string, error) {
	fmt.Fprint(cmd.ErrOrStderr(), prompt)
	b, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(cmd.ErrOrStderr())
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	return string(b), nil
}

func newUserInviteCmd(e *env) *cobra.Command {
	var ttl time.Duration
	cmd := &cobra.Command{
		Use:   "invite",
		Short: "Print a single-use sign-up link (for sign-up mode invite)",
		Long: `Invite prints a link that lets one person create an account on the sign-in
page, once, within --ttl. It works when the chat server runs with
--signup invite; the link starts with TASKPILOT_PUBLIC_URL.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if ttl < time.Minute || ttl > 90*24*time.Hour {
				return fmt.Errorf("--ttl must be between 1m and 2160h, not %v", ttl)
			}
			return e.withStore(cmd, func(st *store.Store) error {
				cfg, _, err := e.load(cmd)
				if err != nil {
					return err
				}
				secret, err := signin.NewInvite(cmd.Context(), st, ttl)
				if err != nil {
					return err
				}
				_, err = fmt.Fprintf(cmd.OutOrStdout(), "%s/signin#invite=%s\n", publicBase(cfg), secret)
				return err
			})
		},
	}
	cmd.Flags().DurationVar(&ttl, "ttl", signin.DefaultInviteTTL, "how long the link works")
	return cmd
}

// publicBase is the chat server's public base URL, without a trailing slash.
func publicBase(cfg Config) string {
	if cfg.PublicURL != "" {
		return strings.TrimSuffix(cfg.PublicURL, "/")
	}
	return "http://" + cfg.Chat.Addr
}
