package chatserver_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The benchmarks run the whole chat server (gin, chatkit, threadstore on
// SQLite, the agent) against a zero-latency fake model, with the client in
// the same process. Run them with
//
//	go test -run '^$' -bench 'FirstDelta|Turns' -benchtime 200x ./chatserver/
//	go test -run '^$' -bench OpenStreams -benchtime 1x ./chatserver/
//
// (each OpenStreams iteration builds a server and opens 50 streams).

// BenchmarkFirstDelta measures the time from sending a message to reading
// the first text delta at the client.
func BenchmarkFirstDelta(b *testing.B) {
	h := newHarness(b, config{})
	thread := threadID(b, h.stream("alice", createReq("hello")))
	var total time.Duration
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		resp, r, _ := h.openStream(context.Background(), "alice", addReq(thread, "hello"), isTextDelta)
		total += time.Since(start)
		_, _ = io.Copy(io.Discard, r)
		resp.Body.Close()
	}
	b.ReportMetric(float64(total.Microseconds())/float64(b.N), "µs/first-delta")
}

// BenchmarkTurns measures complete turns (message in, whole answer read)
// per second, with 1 and 32 users sending at once, each in their own
// thread.
func BenchmarkTurns(b *testing.B) {
	for _, users := range []int{1, 32} {
		b.Run(fmt.Sprintf("users=%d", users), func(b *testing.B) {
			h := newHarness(b, config{})
			threads := make([]string, users)
			for i := range threads {
				threads[i] = threadID(b, h.stream(fmt.Sprint("user", i), createReq("hello")))
			}
			var next atomic.Int64
			var wg sync.WaitGroup
			b.ResetTimer()
			start := time.Now()
			for i := range users {
				wg.Go(func() {
					user := fmt.Sprint("user", i)
					for next.Add(1) <= int64(b.N) {
						resp := h.request(context.Background(), user, "/chatkit", addReq(threads[i], "hello"))
						_, _ = io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						if resp.StatusCode != http.StatusOK {
							b.Errorf("turn: %d", resp.StatusCode)
							return
						}
					}
				})
			}
			wg.Wait()
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "turns/s")
		})
	}
}

// BenchmarkCreateTurns measures threads.create turns, one user at a
// time: a text reply, and "add buy milk" (add_task, its confirmation
// widget, then text). Its allocs/op count every store write of the turn.
func BenchmarkCreateTurns(b *testing.B) {
	for _, text := range []string{"hello", "add buy milk"} {
		b.Run(text, func(b *testing.B) {
			h := newHarness(b, config{})
			for b.Loop() {
				resp := h.request(context.Background(), "alice", "/chatkit", createReq(text))
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Fatalf("turn: %d", resp.StatusCode)
				}
			}
		})
	}
}

// BenchmarkOpenStreams measures the memory and goroutines an open stream
// costs while the model is thinking: it opens 50 streams whose model
// replies hold, and compares the live heap before and after. The figure
// includes the in-process client's side of each connection and the
// agent's connection to the model.
func BenchmarkOpenStreams(b *testing.B) {
	const streams = 50
	var perStream, goroutines float64
	for range b.N {
		b.StopTimer()
		h := newHarness(b, config{})
		ids := make([]string, streams)
		for i := range ids {
			ids[i] = threadID(b, h.stream(fmt.Sprint("user", i), createReq("hello")))
		}
		before, g0 := liveHeap(), runtime.NumGoroutine()
		b.StartTimer()
		open := make([]*http.Response, streams)
		for i := range open {
			resp := h.request(context.Background(), fmt.Sprint("user", i), "/chatkit", addReq(ids[i], "slow")) //nolint:bodyclose // closed once the model is released, below
			open[i] = resp
			<-h.model.Held()
		}
		b.StopTimer()
		after, g1 := liveHeap(), runtime.NumGoroutine()
		perStream += float64(after-before) / streams
		goroutines += float64(g1-g0) / streams
		h.model.Release()
		for _, resp := range open {
			_, _ = io.Copy(io.Discard, bufio.NewReader(resp.Body))
			resp.Body.Close()
		}
	}
	b.ReportMetric(perStream/float64(b.N), "B/stream")
	b.ReportMetric(goroutines/float64(b.N), "goroutines/stream")
}

// liveHeap returns the bytes of live heap objects after a collection.
func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
