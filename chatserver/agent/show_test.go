package agent_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/taskpilot/taskpilot/chatserver/agent/fakemodel"
	"github.com/taskpilot/taskpilot/chatserver/chatkit"
	"github.com/taskpilot/taskpilot/chatserver/chatkit/memstore"
)

// widgetWaitStore is a thread store whose write of a widget item waits
// until the model has received want streaming requests (or a second
// passed, counted in late).
type widgetWaitStore struct {
	*memstore.Store
	model *fakemodel.Model
	want  int
	late  atomic.Int64
}

func (s *widgetWaitStore) wait(it chatkit.ThreadItem) {
	if _, ok := it.(*chatkit.WidgetItem); ok {
		deadline := time.Now().Add(time.Second)
		for len(s.model.Requests()) < s.want {
			if time.Now().After(deadline) {
				s.late.Add(1)
				return
			}
			time.Sleep(time.Millisecond)
		}
	}
}

func (s *widgetWaitStore) AddThreadItem(ctx context.Context, user, threadID string, it chatkit.ThreadItem) error {
	s.wait(it)
	return s.Store.AddThreadItem(ctx, user, threadID, it)
}

// TestCardWhileModelAnswers: the model's request after a tool call goes
// out while the task card is stored and shown, not after (the card's
// write is not one more wait before the first token); the user still
// sees the card before the reply, and it is stored.
func TestCardWhileModelAnswers(t *testing.T) {
	t.Parallel()
	model := fakemodel.New(t, afterTool(func(string) []fakemodel.Call {
		return []fakemodel.Call{{ID: "call_1", Name: "add_task", Args: `{"title":"Buy milk"}`}}
	}, "Added ", "task 1."))
	var ws *widgetWaitStore
	e := newEnv(t, envOptions{model: model, threads: func(m *memstore.Store) chatkit.Store {
		ws = &widgetWaitStore{Store: m, model: model, want: 2}
		return ws
	}})
	alice := newUser("alice")

	frames := e.stream(t, context.Background(), alice, createThread("add buy milk"))

	if n := ws.late.Load(); n != 0 {
		t.Errorf("the card was stored before the model's second request was sent (%d waits timed out)", n)
	}
	want := concat(newThreadStart, []string{"progress_update"}, confirmed, []string{"done:widget"}, textTurn(2), titled)
	if diff := cmp.Diff(want, summary(frames)); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	var stored int
	for _, it := range e.storedItems(t, alice, threadID(t, frames)) {
		if _, ok := it.(*chatkit.WidgetItem); ok {
			stored++
		}
	}
	if stored != 1 {
		t.Errorf("stored %d widget items, want the card", stored)
	}
}

// TestCardsOfSeveralCalls: in a round of two calls, the first call's card
// comes before the second call's progress, and the last one's before the
// reply, as a reader follows them.
func TestCardsOfSeveralCalls(t *testing.T) {
	t.Parallel()
	model := fakemodel.New(t, afterTool(func(string) []fakemodel.Call {
		return []fakemodel.Call{
			{ID: "call_1", Name: "add_task", Args: `{"title":"Buy milk"}`},
			{ID: "call_2", Name: "add_task", Args: `{"title":"Call mom"}`},
		}
	}, "Added ", "both."))
	e := newEnv(t, envOptions{model: model})

	frames := e.stream(t, context.Background(), newUser("alice"), createThread("add buy milk and call mom"))

	want := concat(newThreadStart,
		[]string{"progress_update"}, confirmed, []string{"done:widget"},
		[]string{"progress_update"}, confirmed, []string{"done:widget"},
		textTurn(2), titled)
	if diff := cmp.Diff(want, summary(frames)); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	var titles []string
	for _, w := range widgets(frames) {
		b, _ := json.Marshal(w)
		for _, title := range []string{"Buy milk", "Call mom"} {
			if strings.Contains(string(b), title) {
				titles = append(titles, title)
			}
		}
	}
	if diff := cmp.Diff([]string{"Buy milk", "Call mom"}, titles); diff != "" {
		t.Errorf("cards (-want +got):\n%s", diff)
	}
}
