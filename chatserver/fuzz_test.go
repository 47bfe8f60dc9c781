package chatserver_test

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/taskpilot/taskpilot/models/store/storetest"
)

// fuzzTarget is a chat server (slash commands, no model) on one database
// with a user who has a thread holding a user message and a task widget.
type fuzzTarget struct {
	name         string // the database
	h            *harness
	user         string
	replacements *strings.Replacer // $THREAD, $ITEM, $WIDGET
}

// fuzzTargets starts a fuzzTarget on SQLite, and on PostgreSQL when
// TASKPILOT_TEST_POSTGRES_DSN is set, where NUL bytes once answered 500.
// PostgreSQL is its shared test database (no fresh one per fuzz worker),
// with a user unique to the process.
func fuzzTargets(f *testing.F) []fuzzTarget {
	f.Helper()
	var out []fuzzTarget
	for name, url := range storetest.URLs(f) {
		h := newHarness(f, config{dbURL: url, noModel: true})
		user := "fuzz-" + rand.Text()[:8]
		events := h.stream(user, createReq("/add Buy milk"))
		thread := threadID(f, events)
		item := find(f, events, "thread.item.done:user_message").M["item"].(map[string]any)["id"].(string)
		events = h.stream(user, addReq(thread, "/list"))
		widget := find(f, events, "thread.item.done:widget").M["item"].(map[string]any)["id"].(string)
		out = append(out, fuzzTarget{name: name, h: h, user: user,
			replacements: strings.NewReplacer("$THREAD", thread, "$ITEM", item, "$WIDGET", widget)})
	}
	return out
}

// post sends body to path as the target's user, with the placeholders
// replaced, reads the whole answer (a stream to its end) and fails t on a
// 5xx. The one 5xx allowed is 501 not_supported, the documented answer to
// attachments and transcription.
func (ft fuzzTarget) post(t *testing.T, path string, body []byte) {
	body = []byte(ft.replacements.Replace(string(body)))
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, ft.h.url+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer token-"+ft.user)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", ft.name, err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s: read answer: %v", ft.name, err)
	}
	if resp.StatusCode < 500 {
		return
	}
	var e struct {
		Error struct{ Code string } `json:"error"`
	}
	_ = json.Unmarshal(answer, &e)
	if resp.StatusCode == http.StatusNotImplemented && e.Error.Code == "not_supported" {
		return
	}
	t.Errorf("%s: POST %s %.300q: %d %.300s", ft.name, path, body, resp.StatusCode, answer)
}

// chatkitSeeds reads the request seeds shared with the chatkit package.
func chatkitSeeds(tb testing.TB) [][]byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("chatkit", "testdata", "requests.seed"))
	if err != nil {
		tb.Fatal(err)
	}
	var out [][]byte
	for line := range strings.SplitSeq(string(b), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, []byte(line))
		}
	}
	return out
}

// FuzzChatKit: no body posted to /chatkit, of any request type, answers a
// 5xx (or panics), on either database.
func FuzzChatKit(f *testing.F) {
	for _, seed := range chatkitSeeds(f) {
		f.Add(seed)
	}
	f.Add([]byte(`{"type":"items.feedback","params":{"thread_id":"$THREAD","item_ids":[` +
		strings.Repeat(`"$ITEM",`, 20_000) + `"$ITEM"],"kind":"negative"}}`))
	f.Add([]byte(`{"type":"threads.update","params":{"thread_id":"$THREAD","title":"` + strings.Repeat("x", 900_000) + `"}}`))
	targets := fuzzTargets(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, ft := range targets {
			ft.post(t, "/chatkit", body)
		}
	})
}

// FuzzREST: no body posted to /api/{user}/chat answers a 5xx (or panics),
// on either database.
func FuzzREST(f *testing.F) {
	for _, seed := range []string{
		`{"message":"/add Buy milk"}`,
		`{"conversation_id":"$THREAD","message":"/list"}`,
		`{"conversation_id":"$THREAD","content":"/done 1"}`,
		`{"conversation_id":"thr_\u0000","message":"/list"}`,
		`{"conversation_id":"$THREAD","message":"/add Bread\u0000 and\u001b butter"}`,
		`{"message":"\u0000\u0000"}`,
		`{"conversation_id":"` + strings.Repeat("t", 300) + `","message":"hi"}`,
		`{"message":"` + strings.Repeat("x", 9000) + `"}`,
		`{"message":null}`,
		`[]`,
	} {
		f.Add([]byte(seed))
	}
	targets := fuzzTargets(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, ft := range targets {
			ft.post(t, "/api/"+ft.user+"/chat", body)
		}
	})
}
