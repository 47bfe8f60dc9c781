package agent_test

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/taskpilot/taskpilot/chatserver/agent/fakemodel"
	"github.com/taskpilot/taskpilot/chatserver/chatkit/chatkittest"
)

// BenchmarkTurn measures whole turns through the chat server: the agent,
// a zero-latency fake model on loopback, the real MCP server in memory
// and SQLite. Each simulated user has a thread and sends messages one
// after another; users run concurrently. It reports turns per second and
// the mean time from the request to the first text delta.
//
//	text: the model streams 20 text chunks.
//	tool: the model calls add_task, then streams 5 text chunks.
func BenchmarkTurn(b *testing.B) {
	words := make([]string, 20)
	for i := range words {
		words[i] = fmt.Sprintf("word%d ", i)
	}
	scenarios := []struct {
		name  string
		reply func(fakemodel.Request) fakemodel.Reply
	}{
		{"text", func(fakemodel.Request) fakemodel.Reply { return fakemodel.Reply{Text: words} }},
		{"tool", afterTool(func(string) []fakemodel.Call {
			return []fakemodel.Call{{ID: "call_1", Name: "add_task", Args: `{"title":"Buy milk","priority":"high"}`}}
		}, words[:5]...)},
	}
	for _, sc := range scenarios {
		for _, users := range []int{1, 32} {
			b.Run(fmt.Sprintf("%s/users=%d", sc.name, users), func(b *testing.B) {
				benchmarkTurns(b, sc.reply, users)
			})
		}
	}
}

func benchmarkTurns(b *testing.B, reply func(fakemodel.Request) fakemodel.Reply, users int) {
	e := newEnv(b, envOptions{model: fakemodel.New(b, reply)})
	ctx := context.Background()
	type conversation struct{ user, body string }
	convs := make([]conversation, users)
	for i := range convs {
		user := newUser(fmt.Sprintf("user%d", i))
		frames := e.stream(b, ctx, user, createThread("hello"))
		convs[i] = conversation{user, addMessage(threadID(b, frames), "add buy milk")}
	}

	var (
		next       atomic.Int64
		firstDelta atomic.Int64 // sum, in nanoseconds
		wg         sync.WaitGroup
	)
	b.ResetTimer()
	start := time.Now()
	for _, c := range convs {
		wg.Go(func() {
			for next.Add(1) <= int64(b.N) {
				t0 := time.Now()
				seen := false
				res, err := chatkittest.Handle(ctx, e.kit, c.user, []byte(c.body))
				if err != nil {
					b.Error(err)
					return
				}
				err = res.Stream(ctx, func(frame []byte) error {
					if !seen && bytes.Contains(frame, []byte("text_delta")) {
						seen = true
						firstDelta.Add(int64(time.Since(t0)))
					}
					if bytes.Contains(frame, []byte(`"type":"error"`)) {
						return fmt.Errorf("error event: %s", frame)
					}
					return nil
				})
				if err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "turns/s")
	b.ReportMetric(float64(firstDelta.Load())/float64(b.N)/1e6, "ms-to-first-delta")
}
