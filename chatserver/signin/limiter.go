package signin

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Rates are the sign-in throttles: a bucket per account name and one per
// client address, each Burst attempts at once refilled at Every.
type Rates struct {
	AccountBurst int
	AccountEvery time.Duration
	AddrBurst    int
	AddrEvery    time.Duration
}

// DefaultRates allow 5 quick attempts per account, then one per 20 s, and
// 20 per address, then one per 3 s.
var DefaultRates = Rates{AccountBurst: 5, AccountEvery: 20 * time.Second, AddrBurst: 20, AddrEvery: 3 * time.Second}

// maxBuckets bounds the memory of a MemoryLimiter: past it, full buckets
// (which throttle nothing) are dropped.
const maxBuckets = 10000

// MemoryLimiter is an in-process Limiter (golang.org/x/time/rate buckets).
type MemoryLimiter struct {
	rates   Rates
	now     func() time.Time
	mu      sync.Mutex
	buckets map[string]*rate.Limiter
}

// NewMemoryLimiter returns an in-process limiter with rates.
func NewMemoryLimiter(r Rates) *MemoryLimiter {
	return &MemoryLimiter{rates: r, now: time.Now, buckets: map[string]*rate.Limiter{}}
}

// Allow implements Limiter. Keys starting with "addr:" use the address
// rates, all others the account rates.
func (m *MemoryLimiter) Allow(_ context.Context, key string) (bool, time.Duration, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	b, ok := m.buckets[key]
	if !ok {
		if len(m.buckets) >= maxBuckets {
			m.prune(now)
		}
		burst, every := m.rates.of(key)
		b = rate.NewLimiter(rate.Every(every), burst)
		m.buckets[key] = b
	}
	r := b.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d, nil
	}
	return true, 0, nil
}

// prune drops the buckets that are full again.
func (m *MemoryLimiter) prune(now time.Time) {
	for k, b := range m.buckets {
		if b.TokensAt(now) >= float64(b.Burst()) {
			delete(m.buckets, k)
		}
	}
}

// TokenBuckets are token buckets that several replicas share
// (models/store's RateBuckets on PostgreSQL). Take takes a token from
// key's bucket, which holds up to burst tokens and gains perSecond tokens
// a second (a new one is full), and reports true; when the bucket holds
// less than one it takes nothing and reports false and how long until it
// holds one.
type TokenBuckets interface {
	Take(ctx context.Context, key string, perSecond float64, burst int) (ok bool, wait time.Duration, err error)
}

// SharedLimiter is a Limiter on TokenBuckets that every replica on one
// database shares, so that together they grant the Rates, not the Rates
// each. Its keys are those of Allow prefixed with "signin:", apart from
// the other users of the buckets (the chat rate limit's keys are account
// names, which hold no colon).
type SharedLimiter struct {
	rates   Rates
	buckets TokenBuckets
}

// NewSharedLimiter returns a limiter with rates on buckets.
func NewSharedLimiter(buckets TokenBuckets, r Rates) *SharedLimiter {
	return &SharedLimiter{rates: r, buckets: buckets}
}

// Allow implements Limiter, with the keys of MemoryLimiter.Allow.
func (l *SharedLimiter) Allow(ctx context.Context, key string) (bool, time.Duration, error) {
	burst, every := l.rates.of(key)
	ok, wait, err := l.buckets.Take(ctx, "signin:"+key, 1/every.Seconds(), burst)
	if err != nil {
		return false, 0, fmt.Errorf("sign-in throttle: %w", err)
	}
	return ok, wait, nil
}

// of returns the burst and refill interval of key's bucket: the address
// rates for keys starting with "addr:", the account rates otherwise.
func (r Rates) of(key string) (int, time.Duration) {
	if strings.HasPrefix(key, "addr:") {
		return r.AddrBurst, r.AddrEvery
	}
	return r.AccountBurst, r.AccountEvery
}
