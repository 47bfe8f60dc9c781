package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/taskpilot/taskpilot/chatserver/agent/fakemodel"
	"github.com/taskpilot/taskpilot/models/store/storetest"
)

// TestModelTimeoutSettings: the model's request and first-token timeouts
// come from flags, environment and YAML, in that order, and nonsense is
// refused.
func TestModelTimeoutSettings(t *testing.T) {
	t.Parallel()
	load := func(t *testing.T, yaml string, vars map[string]string, args ...string) (ChatConfig, error) {
		t.Helper()
		cmd, _, err := newRootCmd(&env{}).Find([]string{"serve"})
		if err != nil {
			t.Fatal(err)
		}
		path := ""
		if yaml != "" {
			path = filepath.Join(t.TempDir(), "taskpilot.yaml")
			if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		if err := cmd.ParseFlags(args); err != nil {
			t.Fatal(err)
		}
		cfg, _, err := loadConfig(path, fakeEnv(vars), cmd.Flags())
		return cfg.Chat, err
	}
	for _, tc := range []struct {
		name                string
		yaml                string
		vars                map[string]string
		args                []string
		timeout, firstToken time.Duration
		wantErr             string
	}{
		{name: "defaults", timeout: 60 * time.Second, firstToken: 20 * time.Second},
		{name: "yaml", yaml: "chat:\n  model_timeout: 2m\n  model_first_token_timeout: 45s\n", timeout: 2 * time.Minute, firstToken: 45 * time.Second},
		{
			name: "env beats yaml", yaml: "chat:\n  model_timeout: 2m\n",
			vars:    map[string]string{"TASKPILOT_MODEL_TIMEOUT": "90s", "TASKPILOT_MODEL_FIRST_TOKEN_TIMEOUT": "0"},
			timeout: 90 * time.Second,
		},
		{
			name: "flags beat env", vars: map[string]string{"TASKPILOT_MODEL_TIMEOUT": "90s"},
			args:    []string{"--model-timeout", "5m", "--model-first-token-timeout", "1m"},
			timeout: 5 * time.Minute, firstToken: time.Minute,
		},
		{name: "no unit", vars: map[string]string{"TASKPILOT_MODEL_TIMEOUT": "30"}, wantErr: `chat.model_timeout (TASKPILOT_MODEL_TIMEOUT): "30" is not a duration`},
		{name: "yaml number", yaml: "chat:\n  model_timeout: 30\n", wantErr: `taskpilot.yaml:2: chat.model_timeout: "30" is not a duration`},
		{name: "too short", vars: map[string]string{"TASKPILOT_MODEL_TIMEOUT": "500ms"}, wantErr: "chat.model_timeout (TASKPILOT_MODEL_TIMEOUT): must be at least 1s"},
		{name: "zero request timeout", args: []string{"--model-timeout", "0s"}, wantErr: "--model-timeout: must be at least 1s"},
		{name: "first token too short", args: []string{"--model-first-token-timeout", "10ms"}, wantErr: "--model-first-token-timeout: must be 0 (off) or at least 1s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := load(t, tc.yaml, tc.vars, tc.args...)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.ModelTimeout != tc.timeout || got.FirstTokenTimeout != tc.firstToken {
				t.Errorf("timeouts %v and %v, want %v and %v", got.ModelTimeout, got.FirstTokenTimeout, tc.timeout, tc.firstToken)
			}
		})
	}
}

// stallingModel starts a fake model (package fakemodel) that starts every
// streamed answer (the role chunk, then text when withText is set) and
// then sends nothing until the client gives up; title requests fail.
func stallingModel(t *testing.T, withText bool) string {
	t.Helper()
	m := fakemodel.New(t, func(fakemodel.Request) fakemodel.Reply {
		if withText {
			return fakemodel.Reply{Text: []string{"Let me see"}, HangText: true}
		}
		return fakemodel.Reply{Stall: true}
	})
	m.SetTitle(http.StatusBadRequest, "")
	return m.URL()
}

// TestServeModelTimeouts: `taskpilot serve` applies both model timeouts:
// a model that stalls before its first token, or streams too long, ends
// the turn with an error the user can retry, in about the time set.
func TestServeModelTimeouts(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		withText bool
		args     []string
	}{
		{"first token", false, []string{"--model-first-token-timeout", "1s"}},
		{"request", true, []string{"--model-timeout", "1s", "--model-first-token-timeout", "0"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			vars := map[string]string{"OPENAI_BASE_URL": stallingModel(t, tc.withText), "TASKPILOT_MODEL": "m", "OPENAI_API_KEY": "sk-test"}
			args := append([]string{"serve", "--addr", "127.0.0.1:0", "--mcp-addr", "127.0.0.1:0", "--database-url", storetest.SQLiteURL(t)}, tc.args...)
			log, _ := background(t, vars, args...)
			chatURL := "http://" + logValue(t, log, "chat_addr")

			start := time.Now()
			status, body := post(t, chatURL+"/api/local/chat", "", `{"message":"hello"}`)
			took := time.Since(start)

			if status != http.StatusBadGateway || !strings.Contains(body, "taking too long") {
				t.Errorf("status %d, body %s; want 502 saying the model is taking too long", status, body)
			}
			// One attempt, or the retries of a timed-out one (2 by default).
			if took < time.Second || took > 8*time.Second {
				t.Errorf("the turn took %v, want about 1s per attempt", took)
			}
		})
	}
}
