package mcpserver

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/taskpilot/taskpilot/models"
)

// ChangeFeed is the task change feed (*store.Changes implements it): the
// tools publish every change they make, and resource subscriptions listen
// for the changes of their user, whichever process made them.
type ChangeFeed interface {
	Publish(ctx context.Context, user string, kind models.ChangeKind, numbers ...int64) error
	Subscribe(user string) (<-chan models.TaskChange, func())
}

// changed publishes a successful mutation of user's tasks. A failure to
// publish is logged; the change itself has been made.
func (s *server) changed(ctx context.Context, user string, kind models.ChangeKind, numbers ...int64) {
	if s.changes == nil || len(numbers) == 0 {
		return
	}
	if err := s.changes.Publish(context.WithoutCancel(ctx), user, kind, numbers...); err != nil {
		s.log.WarnContext(ctx, "publish task change", "kind", kind, "err", err)
	}
}

// changedResults publishes what a bulk write did: each task that changed,
// grouped by the kind of change; results that failed or changed nothing
// are left out.
func (s *server) changedResults(ctx context.Context, user string, res []models.TaskResult) {
	var kinds []models.ChangeKind
	byKind := map[models.ChangeKind][]int64{}
	for _, r := range res {
		if r.Err != nil {
			continue
		}
		var k models.ChangeKind
		switch r.Change {
		case models.ChangeCompleted, models.ChangeRolled:
			k = models.TaskCompleted
		case models.ChangeReopened, models.ChangeUnrolled:
			k = models.TaskReopened
		case models.ChangeUpdated:
			k = models.TaskUpdated
		case models.ChangeDeleted:
			k = models.TaskDeleted
		case models.ChangeRestored:
			k = models.TaskRestored
		default:
			continue
		}
		if _, ok := byKind[k]; !ok {
			kinds = append(kinds, k)
		}
		byKind[k] = append(byKind[k], r.Number)
	}
	for _, k := range kinds {
		s.changed(ctx, user, k, byKind[k]...)
	}
}

// subscriptions tracks resources/subscribe per session and user, listens
// to the change feed for each user with a subscription, and sends
// notifications/resources/updated only to that user's sessions.
//
// The SDK keeps its own subscriber list by URI alone, and task://3 names a
// different task for every user; so notify holds the user being notified
// in owner while it calls Server.ResourceUpdated, and the sending
// middleware (filter) drops the notification for every session whose
// subscription to that URI is another user's.
type subscriptions struct {
	s   *server
	srv *mcp.Server

	mu       sync.Mutex
	bySess   map[*mcp.ServerSession]map[string]string // session -> uri -> user
	users    map[string]*userListener                 // user -> feed listener
	watching map[*mcp.ServerSession]bool              // sessions with a close watcher

	notifyMu sync.Mutex             // one ResourceUpdated at a time
	owner    atomic.Pointer[string] // the user being notified
}

// userListener reads one user's changes from the feed.
type userListener struct {
	refs int
	stop func()
}

// newSubscriptions returns an empty registry; New sets srv.
func newSubscriptions(s *server) *subscriptions {
	return &subscriptions{
		s:        s,
		bySess:   make(map[*mcp.ServerSession]map[string]string),
		users:    make(map[string]*userListener),
		watching: make(map[*mcp.ServerSession]bool),
	}
}

// subscribe is the SDK's SubscribeHandler: it checks that the URI names
// one of the user's resources and records the subscription.
func (sub *subscriptions) subscribe(ctx context.Context, req *mcp.SubscribeRequest) error {
	user, err := sub.s.userOf(ctx, req.Extra)
	if err != nil {
		return err
	}
	if _, err := sub.s.checkResource(ctx, user, req.Params.URI); err != nil {
		return err
	}
	sub.add(req.Session, req.Params.URI, user)
	return nil
}

// unsubscribe is the SDK's UnsubscribeHandler.
func (sub *subscriptions) unsubscribe(_ context.Context, req *mcp.UnsubscribeRequest) error {
	sub.remove(req.Session, req.Params.URI)
	return nil
}

// add records that sess, acting as user, subscribed to uri.
func (sub *subscriptions) add(sess *mcp.ServerSession, uri, user string) {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	uris := sub.bySess[sess]
	if uris == nil {
		uris = make(map[string]string)
		sub.bySess[sess] = uris
	}
	if old, ok := uris[uri]; ok {
		if old == user {
			return
		}
		sub.release(old)
	}
	uris[uri] = user
	sub.retain(user)
	if sess != nil && !sub.watching[sess] {
		sub.watching[sess] = true
		go func() {
			_ = sess.Wait()
			sub.dropSession(sess)
		}()
	}
}

// remove forgets sess's subscription to uri.
func (sub *subscriptions) remove(sess *mcp.ServerSession, uri string) {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	uris := sub.bySess[sess]
	user, ok := uris[uri]
	if !ok {
		return
	}
	delete(uris, uri)
	if len(uris) == 0 {
		delete(sub.bySess, sess)
	}
	sub.release(user)
}

// dropSession forgets every subscription of a closed session.
func (sub *subscriptions) dropSession(sess *mcp.ServerSession) {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	for _, user := range sub.bySess[sess] {
		sub.release(user)
	}
	delete(sub.bySess, sess)
	delete(sub.watching, sess)
}

// retain starts listening to user's changes on the first subscription.
// Called with mu held.
func (sub *subscriptions) retain(user string) {
	if l := sub.users[user]; l != nil {
		l.refs++
		return
	}
	ch, stop := sub.s.changes.Subscribe(user)
	sub.users[user] = &userListener{refs: 1, stop: stop}
	go func() {
		for ev := range ch {
			sub.notify(ev)
		}
	}()
}

// release stops listening to user's changes after the last subscription.
// Called with mu held.
func (sub *subscriptions) release(user string) {
	l := sub.users[user]
	if l == nil {
		return
	}
	if l.refs--; l.refs == 0 {
		l.stop()
		delete(sub.users, user)
	}
}

// notify sends resources/updated for every resource of ev's user that ev
// may have changed and that one of the user's sessions subscribed to.
func (sub *subscriptions) notify(ev models.TaskChange) {
	sub.mu.Lock()
	uris := map[string]bool{}
	for _, subs := range sub.bySess {
		for uri, user := range subs {
			if user == ev.UserID && affects(ev, uri) {
				uris[uri] = true
			}
		}
	}
	sub.mu.Unlock()
	if len(uris) == 0 {
		return
	}
	sub.notifyMu.Lock()
	defer sub.notifyMu.Unlock()
	sub.owner.Store(&ev.UserID)
	defer sub.owner.Store(nil)
	for uri := range uris {
		_ = sub.srv.ResourceUpdated(context.Background(), &mcp.ResourceUpdatedNotificationParams{URI: uri})
	}
}

// affects reports whether ev may change the resource at uri: its own task,
// any view (a task can enter or leave one), everything on a resync.
func affects(ev models.TaskChange, uri string) bool {
	r, ok := parseResourceURI(uri)
	if !ok {
		return false
	}
	if ev.Kind == models.TasksResync || r.view != "" {
		return true
	}
	return r.number == ev.Number
}

// filter is a sending middleware that lets notifications/resources/updated
// through only to the sessions that subscribed as the user being notified.
func (sub *subscriptions) filter(next mcp.MethodHandler) mcp.MethodHandler {
	return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
		if method != "notifications/resources/updated" {
			return next(ctx, method, req)
		}
		p, ok := req.GetParams().(*mcp.ResourceUpdatedNotificationParams)
		sess, _ := req.GetSession().(*mcp.ServerSession)
		owner := sub.owner.Load()
		if !ok || owner == nil || sub.userFor(sess, p.URI) != *owner {
			return nil, nil
		}
		return next(ctx, method, req)
	}
}

// userFor is the user as whom sess subscribed to uri, or "".
func (sub *subscriptions) userFor(sess *mcp.ServerSession, uri string) string {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	return sub.bySess[sess][uri]
}

// userOf returns the user of a request that is not a tool call: the
// request's bearer token user, else the one the HTTP middleware put in ctx
// (requests the SDK makes itself carry no Extra), else the default user.
func (s *server) userOf(ctx context.Context, extra *mcp.RequestExtra) (string, error) {
	var ti *auth.TokenInfo
	if extra != nil && extra.TokenInfo != nil {
		ti = extra.TokenInfo
	} else {
		ti = auth.TokenInfoFromContext(ctx)
	}
	user := s.defaultUser
	if ti != nil {
		user = ti.UserID
	}
	if user == "" {
		return "", errNotAuthenticated
	}
	return user, nil
}
