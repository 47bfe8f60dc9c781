package store

import (
	"context"
	"time"
)

// SweepSoon makes the next TryLock sweep the expired leases.
func (l *TurnLeases) SweepSoon() {
	l.mu.Lock()
	l.lastSweep = time.Time{}
	l.mu.Unlock()
}

// SweepSoon makes the next Take sweep the full buckets.
func (b *RateBuckets) SweepSoon() {
	b.mu.Lock()
	b.lastSweep = time.Time{}
	b.mu.Unlock()
}

// CountRows counts the rows of table.
func (s *Store) CountRows(ctx context.Context, table string) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Table(table).Count(&n).Error
	return n, err
}
