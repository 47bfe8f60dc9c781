package store

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"gorm.io/driver/postgres"

	"github.com/taskpilot/taskpilot/models"
)

// changesChannel is the PostgreSQL NOTIFY channel of the change feed.
const changesChannel = "taskpilot_task_changes"

// changesBuffer is how many events a subscriber may fall behind before it
// gets a TasksResync instead of the events it missed.
const changesBuffer = 64

// maxNotifyNumbers bounds the task numbers in one NOTIFY payload, far below
// PostgreSQL's 8000-byte limit even with a 255-character user id.
const maxNotifyNumbers = 200

// Listener health: how long the listener waits for a notification before it
// pings the connection, and how it backs off between reconnects.
var (
	listenIdle     = 30 * time.Second
	pingTimeout    = 5 * time.Second
	reconnectFirst = 100 * time.Millisecond
	reconnectMax   = 5 * time.Second
)

// Changes is the task change feed: publishers say "user U's task N changed
// (kind)", subscribers of U (or of every user) hear it.
//
// Events are delivered in-process at once. On PostgreSQL they are also sent
// with NOTIFY, and a dedicated connection LISTENs (reconnecting after a
// failure), so subscribers on every process on the same database hear every
// change. Delivery is best effort: a subscriber that falls behind, or a
// listener that lost its connection, gets a models.TasksResync event
// meaning "read afresh", never a silent gap. It is safe for concurrent use.
type Changes struct {
	origin string // this feed's id in NOTIFY payloads, to skip its own
	log    *slog.Logger
	store  *Store // nil: in-process only

	mu   sync.Mutex
	subs map[*changeSub]struct{}

	cancel context.CancelFunc
	done   chan struct{}
}

// changeSub is one subscriber.
type changeSub struct {
	user   string // "" for every user
	ch     chan models.TaskChange
	missed bool // an event was dropped; send a resync first
}

// notifyPayload is the JSON sent with NOTIFY.
type notifyPayload struct {
	Origin  string            `json:"o"`
	User    string            `json:"u"`
	Kind    models.ChangeKind `json:"k"`
	Numbers []int64           `json:"n"`
}

// NewChanges returns the change feed of s. On PostgreSQL it opens the
// listening connection first and fails if it cannot; later connection
// failures are logged and retried, until ctx ends or Close is called.
// log may be nil.
func NewChanges(ctx context.Context, s *Store, log *slog.Logger) (*Changes, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &Changes{
		origin: rand.Text(),
		log:    log.With("component", "changes"),
		subs:   make(map[*changeSub]struct{}),
		done:   make(chan struct{}),
	}
	if s == nil || s.dialect != DialectPostgres {
		close(c.done)
		c.cancel = func() {}
		return c, nil
	}
	c.store = s
	dsn, err := s.dsn()
	if err != nil {
		return nil, err
	}
	conn, err := listenConn(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("listen for task changes: %w", err)
	}
	lctx, cancel := context.WithCancel(ctx)
	c.cancel = cancel
	go c.listen(lctx, dsn, conn)
	return c, nil
}

// dsn is the PostgreSQL connection string s was opened with.
func (s *Store) dsn() (string, error) {
	dl := s.db.Dialector
	if t, ok := dl.(translator); ok {
		dl = t.Dialector
	}
	d, ok := dl.(*postgres.Dialector)
	if !ok || d.Config == nil || d.DSN == "" {
		return "", errors.New("listen for task changes: no postgres dsn")
	}
	return d.DSN, nil
}

// listenConn opens a connection and LISTENs on the changes channel.
func listenConn(ctx context.Context, dsn string) (*pgx.Conn, error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if _, err := conn.Exec(ctx, "LISTEN "+changesChannel); err != nil {
		closeConn(ctx, conn)
		return nil, err
	}
	return conn, nil
}

// Close stops the listener and ends every subscription's channel.
func (c *Changes) Close() error {
	c.cancel()
	<-c.done
	c.mu.Lock()
	defer c.mu.Unlock()
	for sub := range c.subs {
		close(sub.ch)
		delete(c.subs, sub)
	}
	return nil
}

// Subscribe returns a channel of user's task changes ("" for every user's)
// and a function that ends the subscription and closes the channel. A
// subscriber must keep reading; when it falls behind it gets one
// models.TasksResync for what it missed.
func (c *Changes) Subscribe(user string) (<-chan models.TaskChange, func()) {
	sub := &changeSub{user: user, ch: make(chan models.TaskChange, changesBuffer)}
	c.mu.Lock()
	c.subs[sub] = struct{}{}
	c.mu.Unlock()
	var once sync.Once
	return sub.ch, func() {
		once.Do(func() {
			c.mu.Lock()
			defer c.mu.Unlock()
			if _, ok := c.subs[sub]; ok {
				delete(c.subs, sub)
				close(sub.ch)
			}
		})
	}
}

// Publish tells every subscriber of user that the tasks numbers changed in
// the way kind says. Local subscribers hear it at once; on PostgreSQL the
// error is that of sending the NOTIFY to the other processes.
func (c *Changes) Publish(ctx context.Context, user string, kind models.ChangeKind, numbers ...int64) error {
	if user == "" || len(numbers) == 0 {
		return nil
	}
	c.deliver(user, kind, numbers)
	if c.store == nil {
		return nil
	}
	for len(numbers) > 0 {
		n := min(len(numbers), maxNotifyNumbers)
		b, err := json.Marshal(notifyPayload{Origin: c.origin, User: user, Kind: kind, Numbers: numbers[:n]})
		if err != nil {
			return fmt.Errorf("publish task change: %w", err)
		}
		if err := c.store.db.WithContext(ctx).Exec("SELECT pg_notify(?, ?)", changesChannel, string(b)).Error; err != nil {
			return fmt.Errorf("publish task change: %w", err)
		}
		numbers = numbers[n:]
	}
	return nil
}

// deliver hands the changes to every local subscriber of user.
func (c *Changes) deliver(user string, kind models.ChangeKind, numbers []int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for sub := range c.subs {
		if sub.user != "" && sub.user != user {
			continue
		}
		for _, n := range numbers {
			sub.send(models.TaskChange{UserID: user, Number: n, Kind: kind})
		}
	}
}

// resyncAll tells every subscriber to read afresh.
func (c *Changes) resyncAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for sub := range c.subs {
		sub.missed = true
		sub.flush()
	}
}

// send queues ev, or remembers that the subscriber missed something.
// Called with Changes.mu held.
func (sub *changeSub) send(ev models.TaskChange) {
	if !sub.flush() {
		return
	}
	select {
	case sub.ch <- ev:
	default:
		sub.missed = true
	}
}

// flush queues the pending resync, if any, and reports whether the
// subscriber is caught up. Called with Changes.mu held.
func (sub *changeSub) flush() bool {
	if !sub.missed {
		return true
	}
	select {
	case sub.ch <- models.TaskChange{UserID: sub.user, Kind: models.TasksResync}:
		sub.missed = false
		return true
	default:
		return false
	}
}

// listen receives NOTIFYs from the other processes until ctx ends,
// reconnecting whenever the connection fails.
func (c *Changes) listen(ctx context.Context, dsn string, conn *pgx.Conn) {
	defer close(c.done)
	defer func() {
		if conn != nil {
			closeConn(ctx, conn)
		}
	}()
	for {
		err := c.receive(ctx, conn)
		if ctx.Err() != nil {
			return
		}
		c.log.Warn("task change listener lost its connection; reconnecting", "err", err)
		closeConn(ctx, conn)
		conn = nil
		for wait := reconnectFirst; conn == nil; wait = min(2*wait, reconnectMax) {
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
			if conn, err = listenConn(ctx, dsn); err != nil {
				c.log.Warn("task change listener: reconnect failed", "err", err)
				conn = nil
			}
		}
		c.log.Info("task change listener reconnected")
		// Changes made while it was down are lost: everyone reads afresh.
		c.resyncAll()
	}
}

// closeConn closes conn, waiting a moment at most, also once ctx is done.
func closeConn(ctx context.Context, conn *pgx.Conn) {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), pingTimeout)
	defer cancel()
	_ = conn.Close(cctx)
}

// receive handles notifications on conn until it fails or ctx ends. When
// nothing arrives for listenIdle it pings, so a dead connection is noticed.
func (c *Changes) receive(ctx context.Context, conn *pgx.Conn) error {
	for {
		wctx, cancel := context.WithTimeout(ctx, listenIdle)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case err == nil:
			c.handle(n.Payload)
		case conn.IsClosed() || !errors.Is(err, context.DeadlineExceeded):
			return err
		default:
			pctx, cancel := context.WithTimeout(ctx, pingTimeout)
			err := conn.Ping(pctx)
			cancel()
			if err != nil {
				return err
			}
		}
	}
}

// handle delivers one NOTIFY payload from another process.
func (c *Changes) handle(payload string) {
	var p notifyPayload
	if err := json.Unmarshal([]byte(payload), &p); err != nil || p.User == "" {
		c.log.Warn("task change listener: bad payload", "err", err)
		return
	}
	if p.Origin == c.origin {
		return // delivered locally when published
	}
	c.deliver(p.User, p.Kind, p.Numbers)
}
