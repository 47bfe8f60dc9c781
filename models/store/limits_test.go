package store_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/taskpilot/taskpilot/models/store"
	"github.com/taskpilot/taskpilot/models/store/storetest"
)

// replicas opens n stores on one fresh PostgreSQL database, as n replicas
// of the server would.
func replicas(t *testing.T, n int) []*store.Store {
	t.Helper()
	url := storetest.PostgresURL(t)
	stores := make([]*store.Store, n)
	for i := range stores {
		stores[i] = storetest.Open(t, url)
	}
	return stores
}

func leases(t *testing.T, s *store.Store, ttl time.Duration) *store.TurnLeases {
	t.Helper()
	l, err := s.TurnLeases(ttl, nil)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestTurnLeasesPostgres: one turn at a time per thread across replicas;
// a lease is renewed while held, free at once when given back, and
// expires when its holder dies.
func TestTurnLeasesPostgres(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rs := replicas(t, 3)
	const ttl = 2 * time.Second
	a, b := leases(t, rs[0], ttl), leases(t, rs[1], ttl)

	try := func(l *store.TurnLeases, user, thread string) (func(), bool) {
		t.Helper()
		unlock, ok, err := l.TryLock(ctx, user, thread)
		if err != nil {
			t.Fatalf("TryLock(%s, %s): %v", user, thread, err)
		}
		return unlock, ok
	}

	unlockA, ok := try(a, "alice", "t1")
	if !ok {
		t.Fatal("first lease on a free thread refused")
	}
	if _, ok := try(b, "alice", "t1"); ok {
		t.Error("replica b took alice's thread t1 while replica a runs a turn on it")
	}
	if _, ok := try(a, "alice", "t1"); ok {
		t.Error("a second turn on t1 in replica a itself was let through")
	}
	for _, other := range [][2]string{{"alice", "t2"}, {"bob", "t1"}} {
		unlock, ok := try(b, other[0], other[1])
		if !ok {
			t.Errorf("lease on %v refused: only alice's t1 is busy", other)
			continue
		}
		unlock()
	}

	time.Sleep(ttl + ttl/2) // longer than the TTL: only renewal keeps it
	if _, ok := try(b, "alice", "t1"); ok {
		t.Error("replica b took t1 after the TTL although replica a still runs the turn (no renewal)")
	}
	unlockA()
	unlockA() // a second call is harmless
	unlockB, ok := try(b, "alice", "t1")
	if !ok {
		t.Fatal("t1 still busy right after replica a gave its lease back")
	}
	unlockB()

	// Replica c dies mid-turn: its store goes away without giving the
	// lease back. Until the TTL passes the thread stays busy; then the
	// next turn takes it over.
	c := leases(t, rs[2], ttl)
	if _, ok := try(c, "alice", "t3"); !ok {
		t.Fatal("lease on t3 refused")
	}
	if err := rs[2].Close(); err != nil {
		t.Fatal(err)
	}
	died := time.Now()
	if _, ok := try(b, "alice", "t3"); ok {
		t.Error("t3 free at once after its holder died: want it busy until the lease expires")
	}
	deadline := died.Add(ttl + 3*time.Second)
	for {
		unlock, ok := try(b, "alice", "t3")
		if ok {
			if d := time.Since(died); d < ttl-ttl/3 {
				t.Errorf("dead replica's lease taken over after %v, before its TTL %v", d, ttl)
			}
			unlock()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("dead replica's lease on t3 never expired (TTL %v)", ttl)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestTurnLeasesRace: of many turns started at once on one thread from
// two replicas, exactly one runs.
func TestTurnLeasesRace(t *testing.T) {
	t.Parallel()
	rs := replicas(t, 2)
	ls := []*store.TurnLeases{leases(t, rs[0], 10*time.Second), leases(t, rs[1], 10*time.Second)}
	var won atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range 20 {
		wg.Go(func() {
			<-start
			_, ok, err := ls[i%2].TryLock(context.Background(), "alice", "hot")
			if err != nil {
				t.Error(err)
			}
			if ok {
				won.Add(1)
			}
		})
	}
	close(start)
	wg.Wait()
	if n := won.Load(); n != 1 {
		t.Errorf("%d of 20 simultaneous turns on one thread got the lease, want 1", n)
	}
}

// TestRateBucketsPostgres: two replicas together grant a key its burst
// and no more, with a wait until the next token; other keys have their
// own buckets; tokens come back at the rate.
func TestRateBucketsPostgres(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rs := replicas(t, 2)
	var bs []*store.RateBuckets
	for _, r := range rs {
		b, err := r.RateBuckets()
		if err != nil {
			t.Fatal(err)
		}
		bs = append(bs, b)
	}
	const perSecond, burst = 1.0 / 60, 5 // one a minute after the burst
	granted := 0
	var lastWait time.Duration
	for i := range 2 * burst {
		ok, wait, err := bs[i%2].Take(ctx, "alice", perSecond, burst)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			granted++
			if wait != 0 {
				t.Errorf("granted with a wait of %v", wait)
			}
		} else {
			lastWait = wait
		}
	}
	if granted != burst {
		t.Errorf("two replicas granted %d of %d requests, want the burst of %d", granted, 2*burst, burst)
	}
	if lastWait < 50*time.Second || lastWait > 60*time.Second {
		t.Errorf("wait after the burst %v, want just under a minute (one token a minute)", lastWait)
	}
	if ok, _, err := bs[1].Take(ctx, "bob", perSecond, burst); err != nil || !ok {
		t.Errorf("bob refused (%v) because of alice's requests", err)
	}

	// Refill: 2 tokens a second, burst 1.
	for i := range 3 {
		if ok, _, err := bs[i%2].Take(ctx, "carol", 2, 1); err != nil || !ok {
			t.Fatalf("take %d after waiting for the refill: %v %v", i, ok, err)
		}
		ok, wait, err := bs[(i+1)%2].Take(ctx, "carol", 2, 1)
		if err != nil || ok {
			t.Fatalf("second take at once: %v %v, want refused", ok, err)
		}
		if wait <= 0 || wait > 500*time.Millisecond {
			t.Errorf("wait %v, want at most 500ms at 2 tokens a second", wait)
		}
		time.Sleep(wait + 20*time.Millisecond)
	}
}

// TestRateBucketsRace: many requests at once through two replicas get
// exactly the burst.
func TestRateBucketsRace(t *testing.T) {
	t.Parallel()
	rs := replicas(t, 2)
	var bs []*store.RateBuckets
	for _, r := range rs {
		b, _ := r.RateBuckets()
		bs = append(bs, b)
	}
	var granted atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range 40 {
		wg.Go(func() {
			<-start
			ok, _, err := bs[i%2].Take(context.Background(), "alice", 1.0/3600, 10)
			if err != nil {
				t.Error(err)
			}
			if ok {
				granted.Add(1)
			}
		})
	}
	close(start)
	wg.Wait()
	if n := granted.Load(); n != 10 {
		t.Errorf("%d of 40 simultaneous requests granted, want the burst of 10", n)
	}
}

// TestSharedLimitsRefuseSQLite: SQLite keeps its limits in the one
// process; the shared versions say so rather than half-work.
func TestSharedLimitsRefuseSQLite(t *testing.T) {
	t.Parallel()
	s := storetest.OpenSQLite(t)
	if _, err := s.TurnLeases(time.Minute, nil); err == nil {
		t.Error("TurnLeases on SQLite: no error")
	}
	if _, err := s.RateBuckets(); err == nil {
		t.Error("RateBuckets on SQLite: no error")
	}
}

// TestSharedLimitsSweep: expired leases and refilled buckets, the same as
// no row, do not pile up.
func TestSharedLimitsSweep(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := replicas(t, 1)[0]
	l := leases(t, s, time.Minute)
	unlock, ok, err := l.TryLock(ctx, "alice", "dead")
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	defer unlock()
	if err := s.Exec(ctx, "UPDATE turn_leases SET expires_at = now() - interval '1 second'"); err != nil {
		t.Fatal(err)
	}
	b, _ := s.RateBuckets()
	if _, _, err := b.Take(ctx, "old", 1, 10); err != nil {
		t.Fatal(err)
	}
	if err := s.Exec(ctx, "UPDATE rate_buckets SET updated_at = now() - interval '11 seconds'"); err != nil {
		t.Fatal(err)
	}

	l.SweepSoon()
	b.SweepSoon()
	if _, ok, err := l.TryLock(ctx, "alice", "live"); err != nil || !ok {
		t.Fatal(ok, err)
	}
	if _, _, err := b.Take(ctx, "new", 1, 10); err != nil {
		t.Fatal(err)
	}
	for table, want := range map[string]int64{"turn_leases": 1, "rate_buckets": 1} {
		if n, err := s.CountRows(ctx, table); err != nil || n != want {
			t.Errorf("%s has %d rows (%v) after the sweep, want %d (the live one)", table, n, err, want)
		}
	}
}
