package main

import (
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestFloorPercent(t *testing.T) {
	const mb = 1 << 20
	for _, tt := range []struct {
		live, roots, floor uint64
		want               int
	}{
		{live: 4 * mb, roots: 0, floor: 64 * mb, want: 1500},       // collect at 64 MB, not 8
		{live: 4 * mb, roots: 4 * mb, floor: 36 * mb, want: 400},   // 4 + (4+4)*4 = 36: roots count
		{live: 16 * mb, roots: 0, floor: 64 * mb, want: 300},       // at 64, not 32
		{live: 32 * mb, roots: 0, floor: 64 * mb, want: 100},       // Go's own goal is the floor
		{live: 30 * mb, roots: 10 * mb, floor: 64 * mb, want: 100}, // Go's own goal (70) is above it
		{live: 500 * mb, roots: 9 * mb, floor: 64 * mb, want: 100}, // many open streams: as without a floor
		{live: 0, roots: 0, floor: 64 * mb, want: 100},
	} {
		got := floorPercent(tt.live, tt.roots, tt.floor)
		if got != tt.want {
			t.Errorf("floorPercent(%d MB, %d MB, %d MB) = %d, want %d", tt.live/mb, tt.roots/mb, tt.floor/mb, got, tt.want)
		}
		if goal := tt.live + (tt.live+tt.roots)*uint64(got)/100; got > 100 && goal > tt.floor {
			t.Errorf("floorPercent(%d MB, %d MB, %d MB) = %d: next collection at %d MB, past the floor", tt.live/mb, tt.roots/mb, tt.floor/mb, got, goal/mb)
		}
	}
}

// TestHeapFloor: a running floor raises GOGC for a small live heap, keeps
// doing so after collections, and stop puts back the default.
func TestHeapFloor(t *testing.T) {
	if gogc := debug.SetGCPercent(100); gogc != 100 {
		debug.SetGCPercent(gogc)
		t.Skipf("GOGC is %d in this process: the floor is off", gogc)
	}
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	stop := startHeapFloor(1 << 40) // far above any test's live heap
	defer stop()
	for i := 0; i < 3; i++ {
		runtime.GC()
		deadline := time.Now().Add(5 * time.Second)
		for gcPercent() <= 100 && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond) // the cleanup runs after the collection
		}
		if p := gcPercent(); p <= 100 {
			t.Fatalf("after collection %d GOGC is %d, want it raised for the floor", i+1, p)
		}
		debug.SetGCPercent(100) // the next collection's cleanup must raise it again
	}
	stop()
	runtime.GC()
	time.Sleep(10 * time.Millisecond)
	if p := gcPercent(); p != 100 {
		t.Errorf("after stop GOGC is %d, want 100", p)
	}
}

// TestHeapFloorOperatorSetting: GOGC or GOMEMLIMIT in the environment
// leaves the collector alone.
func TestHeapFloorOperatorSetting(t *testing.T) {
	for _, env := range []string{"GOGC", "GOMEMLIMIT"} {
		t.Run(env, func(t *testing.T) {
			t.Setenv(env, "200")
			stop := startHeapFloor(1 << 40)
			defer stop()
			runtime.GC()
			time.Sleep(10 * time.Millisecond)
			if p := gcPercent(); p != 100 {
				t.Errorf("GOGC is %d, want 100 untouched", p)
			}
		})
	}
}

// gcPercent returns the current GOGC.
func gcPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

// TestHeapFloorSetting: the floor is 32 MB by default, set in MB from the
// environment or YAML, and a value outside 0..4096 stops the server at
// start (a huge one would overflow to bytes).
func TestHeapFloorSetting(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		vars       map[string]string
		want       int
		wantErr    string
	}{
		{name: "default", want: 32},
		{name: "off", vars: map[string]string{"TASKPILOT_GC_HEAP_FLOOR_MB": "0"}, want: 0},
		{name: "yaml", yaml: "runtime:\n  gc_heap_floor_mb: 128\n", want: 128},
		{name: "negative", vars: map[string]string{"TASKPILOT_GC_HEAP_FLOOR_MB": "-1"}, wantErr: "must be 0 (Go's default) to 4096, not -1"},
		{name: "too big", vars: map[string]string{"TASKPILOT_GC_HEAP_FLOOR_MB": "99999999999999"}, wantErr: "must be 0 (Go's default) to 4096"},
		{name: "not a number", vars: map[string]string{"TASKPILOT_GC_HEAP_FLOOR_MB": "64MB"}, wantErr: `"64MB" is not a whole number`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := loadFor(t, tc.yaml, tc.vars)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Runtime.GCHeapFloorMB != tc.want {
				t.Errorf("floor %d MB, want %d", cfg.Runtime.GCHeapFloorMB, tc.want)
			}
		})
	}
}

func TestQuietCollect(t *testing.T) {
	const mb = 1 << 20
	before := gcReading{cycles: 7, allocs: 900 * mb, objects: 60 * mb, goal: 90 * mb, free: 50 * mb}
	at := func(allocated, objects uint64, change func(*gcReading)) gcReading {
		r := before
		r.allocs += allocated
		r.objects = objects
		if change != nil {
			change(&r)
		}
		return r
	}
	for _, tt := range []struct {
		name     string
		cur      gcReading
		forcedAt uint64
		want     bool
	}{
		{"after a burst, holding streams: 2 MB/s, the next collection 14 s away", at(2*mb, 62*mb, nil), 0, true},
		{"under load: 20 MB/s, the next collection under 2 s away", at(20*mb, 80*mb, nil), 0, false},
		{"the next collection 9 s away", at(2*mb, 72*mb, nil), 0, false},
		{"one is starting", at(0, 91*mb, nil), 0, false},
		{"the collector ran by itself", at(0, 40*mb, func(r *gcReading) { r.cycles++ }), 0, false},
		{"little free heap", at(0, 60*mb, func(r *gcReading) { r.free = 15 * mb }), 0, false},
		{"already collected once since the collector's last", at(0, 60*mb, nil), 7, false},
		{"a collection of its own since the forced one", at(0, 60*mb, nil), 6, true},
	} {
		if got := quietCollect(before, tt.cur, tt.forcedAt); got != tt.want {
			t.Errorf("%s: quietCollect = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestWatchQuiet: a server that goes quiet holding much free heap is
// collected once, not at every tick, and again only after the collector
// ran by itself; watchQuiet returns when done is closed.
func TestWatchQuiet(t *testing.T) {
	const mb = 1 << 20
	var mu sync.Mutex
	r := gcReading{cycles: 3, allocs: 100 * mb, objects: 50 * mb, goal: 90 * mb, free: 40 * mb}
	collected := 0
	read := func() gcReading { mu.Lock(); defer mu.Unlock(); return r }
	collect := func() { mu.Lock(); defer mu.Unlock(); collected++; r.cycles++ } // free stays: the worst case
	collections := func() int { mu.Lock(); defer mu.Unlock(); return collected }
	done, exited := make(chan struct{}), make(chan struct{})
	go func() { defer close(exited); watchQuiet(done, time.Millisecond, read, collect) }()
	waitFor := func(want int) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			if n := collections(); n == want {
				return
			} else if n > want || time.Now().After(deadline) {
				t.Fatalf("%d collections, want %d", n, want)
			}
			time.Sleep(time.Millisecond)
		}
	}
	waitFor(1)
	time.Sleep(50 * time.Millisecond) // many ticks, still quiet, still free heap
	waitFor(1)
	mu.Lock()
	r.cycles++ // the collector's own
	mu.Unlock()
	waitFor(2)
	close(done)
	select {
	case <-exited:
	case <-time.After(5 * time.Second):
		t.Fatal("watchQuiet did not return when done was closed")
	}
	if n := collections(); n != 2 {
		t.Errorf("%d collections after done, want 2", n)
	}
}
