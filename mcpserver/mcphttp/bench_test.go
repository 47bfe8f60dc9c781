package mcphttp_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/taskpilot/taskpilot/mcpserver"
	"github.com/taskpilot/taskpilot/mcpserver/mcphttp"
	"github.com/taskpilot/taskpilot/models"
	"github.com/taskpilot/taskpilot/models/store/storetest"
)

// BenchmarkHTTPToolCall measures list_tasks calls over HTTP with auth on
// (HS256), SQLite, and 1 or 32 concurrent clients, each a separate user with
// 5 tasks. It reports throughput and the p50/p99 latency of one call.
func BenchmarkHTTPToolCall(b *testing.B) {
	for _, clients := range []int{1, 32} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			st := storetest.OpenSQLite(b)
			srv := start(b, st, mcphttp.Options{Verifier: mustVerifier(b)})
			transport := &http.Transport{MaxIdleConnsPerHost: 2 * clients}
			b.Cleanup(transport.CloseIdleConnections)
			sessions := make([]*mcp.ClientSession, clients)
			for i := range clients {
				user := fmt.Sprintf("bench-%d", i)
				for j := range 5 {
					if _, err := st.CreateTask(b.Context(), user, models.NewTask{Title: fmt.Sprintf("Task %d", j)}); err != nil {
						b.Fatal(err)
					}
				}
				sessions[i] = connect(b, srv.URL+"/mcp", mustMint(b, user), "", transport)
			}
			params := &mcp.CallToolParams{Name: "list_tasks", Arguments: noArgs}
			latencies := make([][]time.Duration, clients)
			var calls atomic.Int64
			var wg sync.WaitGroup
			b.ResetTimer()
			began := time.Now()
			for i := range clients {
				wg.Go(func() {
					for calls.Add(1) <= int64(b.N) {
						t0 := time.Now()
						res, err := sessions[i].CallTool(b.Context(), params)
						if err != nil || res.IsError {
							b.Errorf("list_tasks: %v %v", err, res)
							return
						}
						latencies[i] = append(latencies[i], time.Since(t0))
					}
				})
			}
			wg.Wait()
			elapsed := time.Since(began)
			b.StopTimer()

			all := slices.Concat(latencies...)
			if len(all) == 0 {
				return
			}
			slices.Sort(all)
			ms := func(q float64) float64 { return float64(all[int(q*float64(len(all)-1))]) / float64(time.Millisecond) }
			b.ReportMetric(float64(len(all))/elapsed.Seconds(), "calls/s")
			b.ReportMetric(ms(0.50), "p50-ms")
			b.ReportMetric(ms(0.99), "p99-ms")
		})
	}
}

// BenchmarkStatelessCall measures one stateless tools/call POST served
// by the handler in process (no network, no client library): auth off,
// metrics on, the request log at Info (off), SQLite. add_task adds a
// task per call; list_tasks reads a page of 20 of the user's 40 tasks.
// "2025-06-18" is the request the shared perf harness (mcp-call.lua)
// sends; "2026-07-28" the one the chat server's client sends, with the
// Mcp-Method and Mcp-Name headers and the request _meta of that version.
// Compare ns/op, B/op and allocs/op across changes.
func BenchmarkStatelessCall(b *testing.B) {
	for _, version := range []string{"2025-06-18", "2026-07-28"} {
		for _, tc := range []struct{ tool, args string }{
			{"add_task", `{"title":"Buy milk"}`},
			{"list_tasks", `{"limit":20}`},
		} {
			b.Run(version+"/"+tc.tool, func(b *testing.B) {
				benchmarkStatelessCall(b, version, tc.tool, tc.args)
			})
		}
	}
}

func benchmarkStatelessCall(b *testing.B, version, tool, args string) {
	st := storetest.OpenSQLite(b)
	for j := range 40 {
		if _, err := st.CreateTask(b.Context(), "alice", models.NewTask{Title: fmt.Sprintf("Task %d", j), Tags: models.Tags{"home"}}); err != nil {
			b.Fatal(err)
		}
	}
	metrics := mcphttp.NewMetrics(prometheus.NewRegistry())
	log := slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))
	h := mcphttp.New(mcphttp.Options{
		Server:  mcpserver.New(st, mcpserver.Options{DefaultUser: "alice", Metrics: metrics, Logger: log}),
		Metrics: metrics,
		Logger:  log,
	})
	meta := ""
	if version >= "2026" {
		meta = `"_meta":{"io.modelcontextprotocol/clientCapabilities":{},` +
			`"io.modelcontextprotocol/clientInfo":{"name":"taskpilot-chat","version":"1"},` +
			`"io.modelcontextprotocol/protocolVersion":"` + version + `"},`
	}
	body := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{` + meta + `"name":"` + tool + `","arguments":` + args + `}}`
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "http://127.0.0.1/mcp", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("MCP-Protocol-Version", version)
		if meta != "" {
			req.Header.Set("Mcp-Method", "tools/call")
			req.Header.Set("Mcp-Name", tool)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), `"isError":true`) || !strings.Contains(rec.Body.String(), `"result"`) {
			b.Fatalf("%d %s", rec.Code, rec.Body)
		}
	}
}
