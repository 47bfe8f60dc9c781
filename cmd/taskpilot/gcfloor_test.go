package main

import (
	"runtime"
	"runtime/debug"
	"strings"
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
