package chatserver

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// ThreadLocker lets one turn at a time run on a thread. The default keeps
// the locks in this process, which is enough for one replica; models/store's
// TurnLeases keeps them in PostgreSQL, shared by every replica.
type ThreadLocker interface {
	// TryLock takes the lock of user's thread and returns the function that
	// gives it back, or reports false when a turn already holds it. An error
	// means it could not tell.
	TryLock(ctx context.Context, user, thread string) (unlock func(), ok bool, err error)
}

// TokenBuckets hold the rate limit's token buckets, one per user. The
// default keeps them in this process; models/store's RateBuckets keeps them
// in PostgreSQL, so that all replicas together grant the configured rate.
type TokenBuckets interface {
	// Take takes a token from key's bucket, which holds up to burst tokens
	// and gains perSecond tokens a second (a new one is full), and reports
	// true; when the bucket holds less than one, Take takes nothing and
	// reports false and how long until it holds one.
	Take(ctx context.Context, key string, perSecond float64, burst int) (ok bool, wait time.Duration, err error)
}

// memoryBuckets are TokenBuckets in this process: a rate.Limiter per key.
type memoryBuckets struct {
	now func() time.Time

	mu        sync.Mutex
	limiters  map[string]*rate.Limiter
	lastSweep time.Time
}

func newMemoryBuckets(now func() time.Time) *memoryBuckets {
	return &memoryBuckets{now: now, limiters: map[string]*rate.Limiter{}, lastSweep: now()}
}

// Take implements TokenBuckets.
func (m *memoryBuckets) Take(_ context.Context, key string, perSecond float64, burst int) (bool, time.Duration, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	m.sweep(now)
	lim, ok := m.limiters[key]
	if !ok {
		lim = rate.NewLimiter(rate.Limit(perSecond), burst)
		m.limiters[key] = lim
	}
	if lim.AllowN(now, 1) {
		return true, 0, nil
	}
	missing := 1 - lim.TokensAt(now)
	return false, time.Duration(missing / perSecond * float64(time.Second)), nil
}

// sweep forgets, once a minute, the limiters that have refilled: they are
// the same as new ones, and keeping them would grow the map forever.
func (m *memoryBuckets) sweep(now time.Time) {
	if now.Sub(m.lastSweep) < time.Minute {
		return
	}
	m.lastSweep = now
	for key, lim := range m.limiters {
		if lim.TokensAt(now) >= float64(lim.Burst()) {
			delete(m.limiters, key)
		}
	}
}

// memoryLocks are ThreadLocker's locks in this process.
type memoryLocks struct {
	mu   sync.Mutex
	busy map[threadKey]struct{}
}

type threadKey struct{ user, thread string }

// TryLock implements ThreadLocker.
func (l *memoryLocks) TryLock(_ context.Context, user, thread string) (unlock func(), ok bool, err error) {
	k := threadKey{user, thread}
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, held := l.busy[k]; held {
		return nil, false, nil
	}
	if l.busy == nil {
		l.busy = map[threadKey]struct{}{}
	}
	l.busy[k] = struct{}{}
	return func() {
		l.mu.Lock()
		delete(l.busy, k)
		l.mu.Unlock()
	}, true, nil
}
