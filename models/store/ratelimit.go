package store

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"sync"
	"time"
)

// sweepEvery is how often RateBuckets deletes the buckets that have
// refilled, and TurnLeases the leases that have expired.
const sweepEvery = time.Minute

// RateBuckets are token buckets shared by every replica on one PostgreSQL
// database, with the semantics of golang.org/x/time/rate's Limiter.Allow:
// a bucket holds up to burst tokens, gains perSecond tokens a second, and
// a request takes one if there is one. Each bucket is a row of
// rate_buckets (tokens, and when they were counted), refilled and taken
// from in one atomic statement on PostgreSQL's clock.
type RateBuckets struct {
	s *Store

	mu        sync.Mutex
	lastSweep time.Time
}

// RateBuckets returns the token buckets on s. It refuses SQLite.
func (s *Store) RateBuckets() (*RateBuckets, error) {
	if s.dialect != DialectPostgres {
		return nil, errNeedsPostgres
	}
	return &RateBuckets{s: s, lastSweep: time.Now()}, nil
}

// Take takes a token from key's bucket and reports true; when the bucket
// holds less than one it takes nothing and reports false and how long
// until it holds one. A new bucket starts full.
func (b *RateBuckets) Take(ctx context.Context, key string, perSecond float64, burst int) (bool, time.Duration, error) {
	if perSecond <= 0 || burst < 1 {
		return false, 0, fmt.Errorf("take token: rate %v/s and burst %d must be positive", perSecond, burst)
	}
	if !storable(key) {
		key = fmt.Sprintf("%q", key) // PostgreSQL text holds no NUL; the quoted form is as unique
	}
	b.sweep(ctx, perSecond, burst)
	// The CTE's INSERT either makes a full bucket less one token, or, on
	// the existing row, refills it to now and takes a token only if that
	// leaves one (the DO UPDATE's WHERE): "taken" counts 1 or 0. The
	// outer SELECT reads the bucket as it was before the statement, to
	// tell how long until the next token.
	var row struct {
		Taken     int64
		Available sql.NullFloat64
	}
	refilled := `LEAST(@burst, b.tokens + GREATEST(EXTRACT(EPOCH FROM now() - b.updated_at)::double precision, 0) * @rate)`
	err := b.s.db.WithContext(ctx).Raw(`WITH taken AS (
		INSERT INTO rate_buckets AS b (key, tokens, updated_at)
		VALUES (@key, CAST(@burst AS double precision) - 1, now())
		ON CONFLICT (key) DO UPDATE
			SET tokens = `+refilled+` - 1, updated_at = now()
			WHERE `+refilled+` >= 1
		RETURNING 1
	)
	SELECT (SELECT count(*) FROM taken) AS taken,
		(SELECT `+refilled+` FROM rate_buckets b WHERE b.key = @key) AS available`,
		map[string]any{"key": key, "burst": float64(burst), "rate": perSecond}).Scan(&row).Error
	if err != nil {
		return false, 0, fmt.Errorf("take token: %w", err)
	}
	if row.Taken == 1 {
		return true, 0, nil
	}
	missing := 1.0
	if row.Available.Valid {
		missing = math.Max(1-row.Available.Float64, 0)
	}
	return false, time.Duration(missing / perSecond * float64(time.Second)), nil
}

// sweep deletes, once a minute, the buckets untouched for as long as they
// take to refill: they are full, the same as no row.
func (b *RateBuckets) sweep(ctx context.Context, perSecond float64, burst int) {
	b.mu.Lock()
	due := time.Since(b.lastSweep) >= sweepEvery
	if due {
		b.lastSweep = time.Now()
	}
	b.mu.Unlock()
	if !due {
		return
	}
	full := float64(burst) / perSecond // seconds from empty to full
	_ = b.s.db.WithContext(ctx).Exec(
		"DELETE FROM rate_buckets WHERE updated_at < now() - make_interval(secs => CAST(? AS double precision))", full).Error
}
