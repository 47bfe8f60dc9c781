package store

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// DefaultTrashRetention is how long deleted tasks stay in the trash.
const DefaultTrashRetention = 30 * 24 * time.Hour

// PurgeTrash removes, for every user, the tasks that went to the trash
// before cutoff, and returns how many. It is a single DELETE … WHERE
// deleted_us < cutoff, so it is idempotent: replicas sharing one database
// may run it at the same time, and whichever comes second finds nothing
// left to remove. Counters need no change: trashed tasks are not counted.
func (s *Store) PurgeTrash(ctx context.Context, cutoff time.Time) (int64, error) {
	res := s.db.WithContext(ctx).Exec("DELETE FROM tasks WHERE deleted_us <> 0 AND deleted_us < ?", cutoff.UnixMicro())
	if res.Error != nil {
		return 0, fmt.Errorf("purge trash: %w", res.Error)
	}
	return res.RowsAffected, nil
}

// RunTrashPurge purges tasks older than retention from the trash now and
// then every interval until ctx ends. Failures are logged and retried at
// the next tick. A retention of 0 or less disables purging.
func (s *Store) RunTrashPurge(ctx context.Context, retention, interval time.Duration, log *slog.Logger) {
	if retention <= 0 {
		return
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if interval <= 0 {
		interval = time.Hour
	}
	purge := func() {
		n, err := s.PurgeTrash(ctx, time.Now().Add(-retention))
		switch {
		case err != nil && ctx.Err() == nil:
			log.ErrorContext(ctx, "purge trash failed", "err", err)
		case n > 0:
			log.InfoContext(ctx, "purged trash", "tasks", n)
		}
	}
	purge()
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			purge()
		}
	}
}
