package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// releaseTimeout bounds the statement that gives a lease back; it runs
// after the turn, whose context may be cancelled already.
const releaseTimeout = 5 * time.Second

// errNeedsPostgres refuses the shared limits on SQLite, whose single
// process keeps them in memory.
var errNeedsPostgres = errors.New("shared turn leases and rate buckets need PostgreSQL")

// TurnLeases are the one-turn-per-thread locks of every replica on one
// PostgreSQL database: a row in turn_leases per thread with a turn
// running, naming its holder and when it expires. The holder renews it
// while the turn runs (every third of the TTL) and deletes it at the end;
// a replica that dies leaves a row that expires after the TTL, and the
// next turn takes it over.
//
// A lease row rather than an advisory lock: a session-level
// pg_try_advisory_lock belongs to one pooled connection, which the turn
// would have to hold for its whole duration (minutes, one connection per
// running turn), does not work through a transaction-mode pooler such as
// PgBouncer, and hashes (user, thread) into 64 bits that can collide; a
// row needs no connection while the turn runs, expires on PostgreSQL's
// clock (the replicas' clocks do not matter) and can be inspected.
type TurnLeases struct {
	s   *Store
	ttl time.Duration
	log *slog.Logger
	id  string // this process, in holder names

	mu        sync.Mutex
	lastSweep time.Time
}

// TurnLeases returns the turn leases on s, which expire ttl after their
// last renewal; log gets the renewals that fail. It refuses SQLite.
func (s *Store) TurnLeases(ttl time.Duration, log *slog.Logger) (*TurnLeases, error) {
	if s.dialect != DialectPostgres {
		return nil, errNeedsPostgres
	}
	if ttl < time.Second {
		return nil, fmt.Errorf("turn lease ttl %v is under a second", ttl)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	host, _ := os.Hostname()
	return &TurnLeases{s: s, ttl: ttl, log: log, id: fmt.Sprintf("%s:%d", host, os.Getpid()), lastSweep: time.Now()}, nil
}

// TryLock takes the lease of user's thread and returns the function that
// gives it back, or reports false if a live lease of another holder has
// it. Until unlock is called the lease is renewed in the background.
func (l *TurnLeases) TryLock(ctx context.Context, user, thread string) (unlock func(), ok bool, err error) {
	if !storable(user) || !storable(thread) {
		// PostgreSQL cannot store such a name, so no thread has it: there
		// is nothing to lock, and the turn fails as "not found".
		return func() {}, true, nil
	}
	l.sweep(ctx)
	holder := l.id + ":" + randomHex(8)
	ok, err = l.take(ctx, user, thread, holder)
	if err != nil {
		return nil, false, fmt.Errorf("take turn lease: %w", err)
	}
	if !ok {
		return nil, false, nil
	}
	stop, stopped := make(chan struct{}), make(chan struct{})
	go l.renew(context.WithoutCancel(ctx), user, thread, holder, stop, stopped)
	var once sync.Once
	return func() {
		once.Do(func() {
			close(stop)
			<-stopped // no renewal after the release
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
			defer cancel()
			if err := l.s.db.WithContext(rctx).Exec(
				"DELETE FROM turn_leases WHERE user_id = ? AND thread_id = ? AND holder = ?",
				user, thread, holder).Error; err != nil {
				l.log.WarnContext(rctx, "release turn lease: it expires by itself", "thread", thread, "err", err, "ttl", l.ttl)
			}
		})
	}, true, nil
}

// take inserts the lease, or takes over the row when holder already has it
// (a renewal) or it has expired; it reports whether holder has the lease.
func (l *TurnLeases) take(ctx context.Context, user, thread, holder string) (bool, error) {
	res := l.s.db.WithContext(ctx).Exec(`INSERT INTO turn_leases AS l (user_id, thread_id, holder, expires_at)
		VALUES (@user, @thread, @holder, now() + make_interval(secs => CAST(@ttl AS double precision)))
		ON CONFLICT (user_id, thread_id) DO UPDATE
			SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
			WHERE l.holder = EXCLUDED.holder OR l.expires_at < now()`,
		map[string]any{"user": user, "thread": thread, "holder": holder, "ttl": l.ttl.Seconds()})
	if res.Error != nil {
		return false, res.Error
	}
	return res.RowsAffected == 1, nil
}

// renew extends the lease every third of the TTL until stop is closed;
// ctx carries the request's values, not its end.
// A failed renewal is retried at the next tick (the lease outlives two);
// a lease found taken over is given up, with a warning.
func (l *TurnLeases) renew(ctx context.Context, user, thread, holder string, stop <-chan struct{}, stopped chan<- struct{}) {
	defer close(stopped)
	tick := time.NewTicker(l.ttl / 3)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		tctx, cancel := context.WithTimeout(ctx, l.ttl/3)
		ok, err := l.take(tctx, user, thread, holder)
		cancel()
		switch {
		case err != nil:
			l.log.WarnContext(ctx, "renew turn lease", "thread", thread, "err", err)
		case !ok:
			l.log.WarnContext(ctx, "turn lease lost to another replica: the turn outlived its lease", "thread", thread, "ttl", l.ttl)
			return
		}
	}
}

// sweep deletes, once a minute, the expired leases (of replicas that
// died): they are the same as no row. A live holder whose renewal was late
// takes its lease back at the next renewal, as it would an expired row.
func (l *TurnLeases) sweep(ctx context.Context) {
	l.mu.Lock()
	due := time.Since(l.lastSweep) >= sweepEvery
	if due {
		l.lastSweep = time.Now()
	}
	l.mu.Unlock()
	if due {
		_ = l.s.db.WithContext(ctx).Exec("DELETE FROM turn_leases WHERE expires_at < now()").Error
	}
}

// storable reports whether PostgreSQL can store s as text.
func storable(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

// randomHex returns n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails
	return hex.EncodeToString(b)
}
