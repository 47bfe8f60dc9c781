package mcpserver

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/taskpilot/taskpilot/models"
	"github.com/taskpilot/taskpilot/models/store/storetest"
)

// BenchmarkCallTool measures tool calls through a real client over the
// in-memory transport, on a real store, with 1 and 32 concurrent clients.
// Each client is its own user with its own session (as with one bearer
// token per user). It reports throughput and latency percentiles.
func BenchmarkCallTool(b *testing.B) {
	const maxClients = 32
	for backend, st := range storetest.Backends(b) {
		sessions := make([]*mcp.ClientSession, maxClients)
		for i := range sessions {
			user := newUser(fmt.Sprintf("bench%d", i))
			ctx := context.Background()
			for j := range 20 {
				if _, err := st.CreateTask(ctx, user, models.NewTask{Title: fmt.Sprintf("Seed task %d", j), Tags: models.Tags{"seed"}}); err != nil {
					b.Fatal(err)
				}
			}
			sessions[i] = connect(b, st, Options{DefaultUser: user})
		}
		calls := []struct {
			tool string
			args map[string]any
		}{
			{"add_task", map[string]any{"title": "Benchmark task", "due": "2026-06-01", "tags": []string{"bench"}}},
			{"list_tasks", map[string]any{"status": "pending", "limit": 20}},
		}
		for _, call := range calls {
			for _, clients := range []int{1, maxClients} {
				b.Run(fmt.Sprintf("%s/%s/clients=%d", backend, call.tool, clients), func(b *testing.B) {
					benchCalls(b, sessions[:clients], call.tool, call.args)
				})
			}
		}
	}
}

// benchCalls makes b.N calls spread over the sessions, each session in its
// own goroutine, and reports calls/s, p50 and p99.
func benchCalls(b *testing.B, sessions []*mcp.ClientSession, tool string, args map[string]any) {
	var next atomic.Int64
	latencies := make([][]time.Duration, len(sessions))
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for i, cs := range sessions {
		wg.Go(func() {
			ctx := context.Background()
			for next.Add(1) <= int64(b.N) {
				t0 := time.Now()
				res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: tool, Arguments: args})
				latencies[i] = append(latencies[i], time.Since(t0))
				if err != nil || res.IsError {
					b.Errorf("%s: %v %v", tool, err, res)
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	all := slices.Concat(latencies...)
	slices.Sort(all)
	if len(all) == 0 {
		return
	}
	pct := func(p float64) float64 {
		return float64(all[int(p*float64(len(all)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(float64(len(all))/elapsed.Seconds(), "calls/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}

// BenchmarkBulkVsSingle compares one complete_task call with 50 task_ids
// against 50 complete_task calls with one task_id each, through a real
// client on a real store. Each op completes or reopens all 50 tasks (it
// alternates, so every op writes). Compare the ns/op of the two.
func BenchmarkBulkVsSingle(b *testing.B) {
	const n = 50
	for backend, st := range storetest.Backends(b) {
		for _, mode := range []string{"bulk", "single"} {
			b.Run(fmt.Sprintf("%s/%s/tasks=%d", backend, mode, n), func(b *testing.B) {
				user := newUser("bulkbench")
				in := make([]models.NewTask, n)
				ids := make([]int64, n)
				for i := range in {
					in[i] = models.NewTask{Title: fmt.Sprintf("Task %d", i+1)}
					ids[i] = int64(i + 1)
				}
				if _, err := st.CreateTasks(context.Background(), user, in); err != nil {
					b.Fatal(err)
				}
				cs := connect(b, st, Options{DefaultUser: user})
				i := 0
				for b.Loop() {
					completed := i%2 == 0
					i++
					if mode == "bulk" {
						res := callTool(b, cs, "complete_task", map[string]any{"task_ids": ids, "completed": completed})
						if res.IsError {
							b.Fatal(textOf(res))
						}
						continue
					}
					for _, id := range ids {
						res := callTool(b, cs, "complete_task", map[string]any{"task_id": id, "completed": completed})
						if res.IsError {
							b.Fatal(textOf(res))
						}
					}
				}
				b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "tasks/s")
			})
		}
	}
}
