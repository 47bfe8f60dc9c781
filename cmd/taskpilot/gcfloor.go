package main

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"time"
)

// heapFloor lets the heap grow to at least floor bytes between garbage
// collections. With Go's default GOGC of 100 a collection starts when
// the heap is twice its live size: a server whose live heap is a few MB
// while each chat turn allocates about a megabyte (over half of it the
// MCP SDK's JSON decoding, 32 KB per message parsed) then collects dozens
// of times a second, about a fifth of its CPU at 32 users. Once Go's own
// goal (the live heap twice, plus stacks and globals) is past floor, it
// is GOGC 100 as before, so a server holding many open streams keeps the
// memory per stream it had. A server that goes quiet after a burst is
// collected once (see quietCollect).
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

// startHeapFloor keeps the heap floor (see heapFloor) of floor bytes,
// and collects a server gone quiet (see quietCollect), until stop is
// called (once or more), which restores GOGC 100. It does nothing when
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
	done, watched := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(watched)
		watchQuiet(done, quietEvery, newGCReader(), runtime.GC)
	}()
	var once sync.Once
	return func() {
		once.Do(func() { close(done) })
		<-watched
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
	var v [3]uint64
	if !readUint64s(h.sample, v[:]) {
		return true
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

// quietEvery is how often a running heap floor looks for a server
// holding free memory that no collection is coming for soon (see
// quietCollect).
const quietEvery = time.Second

// The thresholds of quietCollect.
const (
	quietHorizon = 10       // intervals: a collection further away than this is not soon
	quietFree    = 16 << 20 // free heap still held from the system that is worth a collection
)

// gcReading is what quietCollect looks at.
type gcReading struct {
	cycles  uint64 // collections so far
	allocs  uint64 // heap bytes allocated so far
	objects uint64 // heap bytes in objects, live or not yet swept
	goal    uint64 // the heap size at which the next collection starts
	free    uint64 // heap bytes free but still held from the system
}

// quietCollect reports whether to collect now, given the reading of
// quietEvery ago, the current one, and the collection count right after
// the last collection it asked for (0 for none). The runtime gives the
// memory a burst of load leaves free (many streams opened at once) back
// to the system only after a later collection, and a server that then
// runs light, holding its streams, may not start one for minutes (Go
// forces one every two). So when much free heap is held, no collection
// ran in the interval, and at the interval's allocation rate the next
// would be more than quietHorizon intervals away, it asks for one now: at
// most one between two of the collector's own, so a quiet server is not
// collected again and again. Under load a collection is always near and
// nothing changes.
func quietCollect(prev, cur gcReading, forcedAt uint64) bool {
	if cur.cycles != prev.cycles || cur.cycles == forcedAt || cur.free < quietFree {
		return false
	}
	if cur.goal <= cur.objects {
		return false // one is starting
	}
	return (cur.allocs-prev.allocs)*quietHorizon < cur.goal-cur.objects
}

// watchQuiet reads the collector every interval until done is closed,
// and calls collect when quietCollect says so.
func watchQuiet(done <-chan struct{}, interval time.Duration, read func() gcReading, collect func()) {
	t := time.NewTicker(interval)
	defer t.Stop()
	prev := read()
	var forcedAt uint64
	for {
		select {
		case <-done:
			return
		case <-t.C:
		}
		cur := read()
		if quietCollect(prev, cur, forcedAt) {
			collect()
			cur = read()
			forcedAt = cur.cycles
		}
		prev = cur
	}
}

// newGCReader returns a reader of the runtime's metrics for watchQuiet.
func newGCReader() func() gcReading {
	sample := []metrics.Sample{
		{Name: "/gc/cycles/total:gc-cycles"}, {Name: "/gc/heap/allocs:bytes"}, {Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/gc/heap/goal:bytes"}, {Name: "/memory/classes/heap/free:bytes"},
	}
	return func() gcReading {
		var v [5]uint64
		readUint64s(sample, v[:]) // a metric this Go lacks reads 0: no free heap, never a collection
		return gcReading{cycles: v[0], allocs: v[1], objects: v[2], goal: v[3], free: v[4]}
	}
}

// readUint64s reads samples into v, one value each; it reports false when
// one is not a uint64 (a metric this Go does not have), which reads 0.
func readUint64s(samples []metrics.Sample, v []uint64) bool {
	metrics.Read(samples)
	ok := true
	for i, s := range samples {
		if s.Value.Kind() != metrics.KindUint64 {
			v[i], ok = 0, false
			continue
		}
		v[i] = s.Value.Uint64()
	}
	return ok
}
