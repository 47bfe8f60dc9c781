package main

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// heapFloor lets the heap grow to at least floor bytes between garbage
// collections. With Go's default GOGC of 100 a collection starts when
// the heap is twice its live size: a server whose live heap is a few MB
// while each chat turn allocates about a megabyte (over half of it the
// MCP SDK's JSON decoding, 32 KB per message parsed) then collects dozens
// of times a second, about a fifth of its CPU at 32 users. Past floor/2
// of live heap it is GOGC 100 as before, so a server holding many open
// streams keeps the memory per stream it had.
type heapFloor struct {
	floor  uint64
	sample []metrics.Sample

	mu      sync.Mutex
	stopped bool
}

// gcSentinel is the object whose cleanup runs after a collection (see
// heapFloor.arm); it holds a pointer so that it is never one of the tiny
// allocations the runtime packs together, which may be freed late.
type gcSentinel struct {
	p *int
	_ [8]byte
}

// startHeapFloor keeps the heap floor (see heapFloor) of floor bytes
// until stop is called, which restores GOGC 100. It does nothing when
// floor is 0 or when the process was started with GOGC or GOMEMLIMIT
// (the operator tuned the collector).
func startHeapFloor(floor uint64) (stop func()) {
	if floor == 0 || os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	h := &heapFloor{floor: floor, sample: []metrics.Sample{{Name: "/gc/heap/live:bytes"}}}
	h.tune()
	h.arm()
	return func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.stopped = true
		debug.SetGCPercent(100)
	}
}

// arm runs tune after the next collection, and again after each one.
func (h *heapFloor) arm() {
	runtime.AddCleanup(&gcSentinel{}, func(h *heapFloor) {
		if h.tune() {
			h.arm()
		}
	}, h)
}

// tune sets GOGC so that the next collection starts when the heap
// reaches floor, or twice the live heap when that is more. It reports
// false once stopped.
func (h *heapFloor) tune() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stopped {
		return false
	}
	metrics.Read(h.sample)
	if h.sample[0].Value.Kind() != metrics.KindUint64 {
		return true
	}
	debug.SetGCPercent(floorPercent(h.sample[0].Value.Uint64(), h.floor)) // cheap: no collection, no pause
	return true
}

// floorPercent is the GOGC that starts the next collection at floor
// bytes of heap when live bytes are live, and never less than 100.
func floorPercent(live, floor uint64) int {
	if live == 0 || 2*live >= floor {
		return 100
	}
	return int(floor*100/live) - 100
}
