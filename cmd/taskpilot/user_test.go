package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"
	"strings"
	"testing"

	"github.com/taskpilot/taskpilot/models"
	"github.com/taskpilot/taskpilot/models/password"
	"github.com/taskpilot/taskpilot/models/store"
	"github.com/taskpilot/taskpilot/models/store/storetest"
)

// runUser runs "taskpilot user ARGS" on dbURL with stdin.
func runUser(t *testing.T, dbURL, stdin string, args ...string) (string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	env := fakeEnv(map[string]string{"TASKPILOT_DATABASE_URL": dbURL, "TASKPILOT_LOG_LEVEL": "error"})
	err := run(t.Context(), append([]string{"user"}, args...), env, strings.NewReader(stdin), &stdout, &stderr)
	return stdout.String(), err
}

// TestUserCommands walks an account through add, list, passwd, disable,
// enable and delete on both databases, checking what the store holds.
func TestUserCommands(t *testing.T) {
	// The test reads the store while the commands run: share the SQLite file.
	urls := map[string]string{"sqlite": "sqlite://" + filepath.Join(t.TempDir(), "tp.db") + "?locking_mode=normal"}
	if _, ok := storetest.URLs(t)["postgres"]; ok {
		urls["postgres"] = storetest.PostgresURL(t)
	}
	for name, dbURL := range urls {
		t.Run(name, func(t *testing.T) {
			out, err := runUser(t, dbURL, "correct horse battery\n", "add", "Alice", "--password-stdin")
			if err != nil || out != "account alice created\n" {
				t.Fatalf("add: %q, %v", out, err)
			}
			if _, err := runUser(t, dbURL, "another password\n", "add", "alice", "--password-stdin"); err == nil ||
				!strings.Contains(err.Error(), "already exists") {
				t.Errorf("second add: %v, want 'already exists'", err)
			}
			if _, err := runUser(t, dbURL, "short\n", "add", "bob", "--password-stdin"); err == nil ||
				!strings.Contains(err.Error(), "at least 8 characters") {
				t.Errorf("short password: %v", err)
			}
			if _, err := runUser(t, dbURL, "", "add", "bob"); err == nil ||
				!strings.Contains(err.Error(), "--password-stdin") {
				t.Errorf("no terminal, no --password-stdin: %v", err)
			}
			if _, err := runUser(t, dbURL, "x\n", "add", "bad name!", "--password-stdin"); err == nil ||
				!strings.Contains(err.Error(), "letters a-z") {
				t.Errorf("bad name: %v", err)
			}

			st := storetest.Open(t, dbURL)
			ctx := context.Background()
			checkPassword(t, st, "alice", "correct horse battery")

			if out, err := runUser(t, dbURL, "new password 2\n", "passwd", "alice", "--password-stdin"); err != nil || out != "password of alice changed\n" {
				t.Fatalf("passwd: %q, %v", out, err)
			}
			checkPassword(t, st, "alice", "new password 2")

			if out, err := runUser(t, dbURL, "", "disable", "alice"); err != nil || out != "account alice disabled\n" {
				t.Fatalf("disable: %q, %v", out, err)
			}
			out, err = runUser(t, dbURL, "", "list")
			if err != nil || !strings.HasPrefix(out, "NAME") || !strings.Contains(out, "alice") || !strings.Contains(out, "disabled") {
				t.Fatalf("list: %q, %v", out, err)
			}
			if _, err := runUser(t, dbURL, "", "enable", "alice"); err != nil {
				t.Fatal(err)
			}
			if a, _ := st.GetAccount(ctx, "alice"); a.Disabled {
				t.Error("alice is still disabled after enable")
			}
			if _, err := runUser(t, dbURL, "", "disable", "nobody"); err == nil || !strings.Contains(err.Error(), `no account named "nobody"`) {
				t.Errorf("disable nobody: %v", err)
			}

			if _, err := st.CreateTask(ctx, "alice", models.NewTask{Title: "keep me?"}); err != nil {
				t.Fatal(err)
			}
			if _, err := runUser(t, dbURL, "", "delete", "alice"); err == nil || !strings.Contains(err.Error(), "--yes") {
				t.Errorf("delete without --yes: %v", err)
			}
			if a, err := st.GetAccount(ctx, "alice"); err != nil {
				t.Fatalf("delete without --yes deleted the account: %+v, %v", a, err)
			}
			if out, err := runUser(t, dbURL, "", "delete", "alice", "--yes"); err != nil || !strings.Contains(out, "deleted") {
				t.Fatalf("delete: %q, %v", out, err)
			}
			page, err := st.ListTasks(ctx, "alice", models.TaskFilter{Limit: 10})
			if err != nil || len(page.Tasks) != 0 {
				t.Errorf("alice's tasks after delete: %+v, %v", page.Tasks, err)
			}
		})
	}
}

// checkPassword fails t unless name's stored hash is an argon2id hash of pw.
func checkPassword(t *testing.T, st *store.Store, name, pw string) {
	t.Helper()
	a, err := st.GetAccount(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(a.PasswordHash, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash %q is not argon2id with the default parameters", a.PasswordHash)
	}
	if ok, err := password.Verify(a.PasswordHash, pw); !ok || err != nil {
		t.Errorf("stored hash does not match %q: %v, %v", pw, ok, err)
	}
}

// TestUserInvite: the printed link's secret signs one person up.
func TestUserInvite(t *testing.T) {
	dbURL := "sqlite://" + filepath.Join(t.TempDir(), "tp.db")
	var stdout, stderr bytes.Buffer
	env := fakeEnv(map[string]string{"TASKPILOT_DATABASE_URL": dbURL, "TASKPILOT_LOG_LEVEL": "error",
		"TASKPILOT_PUBLIC_URL": "https://tasks.example.com/"})
	if err := run(t.Context(), []string{"user", "invite", "--ttl", "1h"}, env, strings.NewReader(""), &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	link := strings.TrimSpace(stdout.String())
	secret, ok := strings.CutPrefix(link, "https://tasks.example.com/signin#invite=")
	if !ok || len(secret) != 64 {
		t.Fatalf("link = %q", link)
	}
	st := storetest.Open(t, dbURL)
	if _, err := st.CreateAccountWithInvite(context.Background(), sha256Hex(secret), "ivan", "h"); err != nil {
		t.Errorf("the invite does not sign up: %v", err)
	}
	if _, err := runUser(t, dbURL, "", "invite", "--ttl", "1s"); err == nil {
		t.Error("--ttl 1s accepted")
	}
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
