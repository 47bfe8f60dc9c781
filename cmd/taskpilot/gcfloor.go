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
// of times a second, about a fifth of its CPU at 32 users. Once Go's own
// goal (the live heap twice, plus stacks and globals) is past floor, it
// is GOGC 100 as before, so a server holding many open streams keeps the
// memory per stream it had.
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
	h := &heapFloor{floor: floor, sample: []metrics.Sample{
		{Name: "/gc/heap/live:bytes"}, {Name: "/gc/scan/stack:bytes"}, {Name: "/gc/scan/globals:bytes"},
	}}
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
// reaches floor, or at Go's default goal when that is more. It reports
// false once stopped.
func (h *heapFloor) tune() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stopped {
		return false
	}
	metrics.Read(h.sample)
	var v [3]uint64
	for i, s := range h.sample {
		if s.Value.Kind() != metrics.KindUint64 {
			return true
		}
		v[i] = s.Value.Uint64()
	}
	debug.SetGCPercent(floorPercent(v[0], v[1]+v[2], h.floor)) // cheap: no collection, no pause
	return true
}

// floorPercent is the GOGC that starts the next collection at floor
// bytes of heap when live bytes are live and the collector's other roots
// (stacks and globals) roots bytes, never less than 100. Go's goal is
// live + (live+roots)*GOGC/100.
func floorPercent(live, roots, floor uint64) int {
	if live >= floor || live+roots == 0 {
		return 100
	}
	return max(100, int((floor-live)*100/(live+roots)))
}
