package main

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/taskpilot/taskpilot/models/store/storetest"
)

// TestE2EStdioResources checks the binary's prompts, resources and
// subscriptions over stdio: the change feed is wired into the server.
func TestE2EStdioResources(t *testing.T) {
	t.Parallel()
	bin := binary(t)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()

	var stderr syncBuffer
	cmd := exec.Command(bin, "mcp")
	cmd.Env = processEnv(t, "TASKPILOT_DATABASE_URL="+storetest.SQLiteURL(t), "TASKPILOT_MCP_USER=alice")
	cmd.Stderr = &stderr
	updates := make(chan string, 10)
	client := mcp.NewClient(&mcp.Implementation{Name: "e2e", Version: "v0"}, &mcp.ClientOptions{
		ResourceUpdatedHandler: func(_ context.Context, req *mcp.ResourceUpdatedNotificationRequest) {
			updates <- req.Params.URI
		},
	})
	// Under the 2026 protocol Subscribe returns before the server has the
	// subscription; its acknowledgement says when it has.
	acks := make(chan struct{}, 10)
	client.AddReceivingMiddleware(func(next mcp.MethodHandler) mcp.MethodHandler {
		return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
			if method == "notifications/subscriptions/acknowledged" {
				acks <- struct{}{}
			}
			return next(ctx, method, req)
		}
	})
	cs, err := client.Connect(ctx, &mcp.CommandTransport{Command: cmd}, nil)
	if err != nil {
		t.Fatalf("connect: %v\nstderr:\n%s", err, stderr.String())
	}
	defer cs.Close()
	if caps := cs.InitializeResult().Capabilities; caps.Resources == nil || !caps.Resources.Subscribe || caps.Prompts == nil || caps.Completions == nil {
		t.Fatalf("capabilities = %+v, want resources with subscribe, prompts and completions", caps)
	}
	addAndList(ctx, t, cs, "Water the plants")
	if err := cs.Subscribe(ctx, &mcp.SubscribeParams{URI: "task://1"}); err != nil {
		t.Fatalf("subscribe: %v", err)
	}
	if cs.InitializeResult().ProtocolVersion >= "2026" {
		select {
		case <-acks:
		case <-time.After(10 * time.Second):
			t.Fatal("subscription not acknowledged")
		}
	}
	var done struct{ Status string }
	callTool(ctx, t, cs, "complete_task", map[string]any{"task_id": 1}, &done)
	select {
	case uri := <-updates:
		if uri != "task://1" {
			t.Errorf("update of %s, want task://1", uri)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no notifications/resources/updated after complete_task")
	}
	res, err := cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: "task://1"})
	if err != nil || len(res.Contents) != 2 || !strings.Contains(res.Contents[1].Text, "Status: completed") {
		t.Fatalf("read task://1 = %+v, %v", res, err)
	}
	p, err := cs.GetPrompt(ctx, &mcp.GetPromptParams{Name: "capture", Arguments: map[string]string{"text": "buy stamps"}})
	if err != nil || len(p.Messages) != 1 {
		t.Fatalf("get capture = %+v, %v", p, err)
	}
}
