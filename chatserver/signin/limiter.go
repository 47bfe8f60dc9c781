package signin

import (
	"context"
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
		burst, every := m.rates.AccountBurst, m.rates.AccountEvery
		if len(key) > 5 && key[:5] == "addr:" {
			burst, every = m.rates.AddrBurst, m.rates.AddrEvery
		}
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
