package chatserver

import (
	"sync"
	"time"
)

// limiter is a token bucket per user: each holds up to burst tokens and
// refills at rate tokens a second; a request takes one.
type limiter struct {
	rate  float64 // tokens per second
	burst float64
	now   func() time.Time

	mu        sync.Mutex
	buckets   map[string]*bucket
	lastSweep time.Time
}

type bucket struct {
	tokens float64
	at     time.Time // when tokens was computed
}

func newLimiter(perMinute float64, burst int, now func() time.Time) *limiter {
	return &limiter{rate: perMinute / 60, burst: float64(burst), now: now, buckets: map[string]*bucket{}, lastSweep: now()}
}

// allow takes a token from user's bucket. When it is empty, allow reports
// false and how long until the next token.
func (l *limiter) allow(user string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.sweep(now)
	b, ok := l.buckets[user]
	if !ok {
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[user] = b
	}
	b.tokens = min(l.burst, b.tokens+now.Sub(b.at).Seconds()*l.rate)
	b.at = now
	if b.tokens < 1 {
		return false, time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
	}
	b.tokens--
	return true, 0
}

// sweep forgets, once a minute, the buckets that have refilled: they are
// the same as new ones, and keeping them would grow the map forever.
func (l *limiter) sweep(now time.Time) {
	if now.Sub(l.lastSweep) < time.Minute {
		return
	}
	l.lastSweep = now
	for user, b := range l.buckets {
		if b.tokens+now.Sub(b.at).Seconds()*l.rate >= l.burst {
			delete(l.buckets, user)
		}
	}
}

// threadLocks lets one turn at a time run on a thread.
type threadLocks struct {
	mu   sync.Mutex
	busy map[threadKey]struct{}
}

type threadKey struct{ user, thread string }

// tryLock takes the lock of the user's thread and returns its unlock
// function, or reports false if a turn already holds it.
func (l *threadLocks) tryLock(user, thread string) (unlock func(), ok bool) {
	k := threadKey{user, thread}
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, held := l.busy[k]; held {
		return nil, false
	}
	if l.busy == nil {
		l.busy = map[threadKey]struct{}{}
	}
	l.busy[k] = struct{}{}
	return func() {
		l.mu.Lock()
		delete(l.busy, k)
		l.mu.Unlock()
	}, true
}
