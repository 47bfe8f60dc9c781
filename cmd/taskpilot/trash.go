package main

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/taskpilot/taskpilot/models/store"
)

// trashPurgeInterval is how often a server purges expired tasks from the
// trash (and once on start).
const trashPurgeInterval = time.Hour

// trashRetention is database.trash_retention_days as a duration; 0 days
// keeps deleted tasks forever.
func trashRetention(cfg DatabaseConfig) time.Duration {
	return time.Duration(cfg.TrashRetentionDays) * 24 * time.Hour
}

// startTrashPurge purges the trash on start and every trashPurgeInterval
// until the returned stop is called; stop waits for a running purge. Every
// replica may run it: the purge is one idempotent DELETE.
func startTrashPurge(ctx context.Context, st *store.Store, cfg DatabaseConfig, log *slog.Logger) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		st.RunTrashPurge(ctx, trashRetention(cfg), trashPurgeInterval, log.With("component", "trash"))
	})
	return func() {
		cancel()
		wg.Wait()
	}
}
