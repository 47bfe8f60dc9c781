package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/taskpilot/taskpilot/chatserver/agent/fakemodel"
	"github.com/taskpilot/taskpilot/models/store/storetest"
)

// busyMessage is the 409 thread_busy message, unchanged across replicas.
const busyMessage = "this conversation is still answering a previous message; wait for it to finish or stop it"

// newSlowModel starts a fake model (package fakemodel) whose answer to
// "slow" stops after its first words until Release, and whose answer to
// "stall" stops until the client goes away; both signal Held. It answers
// anything else at once; title requests fail (titles fall back).
func newSlowModel(t *testing.T) *fakemodel.Model {
	m := fakemodel.New(t, func(req fakemodel.Request) fakemodel.Reply {
		switch last := req.LastUserText(); {
		case strings.Contains(last, "slow"):
			return fakemodel.Reply{Text: []string{"Thinking", " done."}, HoldAt: 1}
		case strings.Contains(last, "stall"):
			return fakemodel.Reply{Text: []string{"Thinking"}, HangText: true}
		}
		return fakemodel.Reply{Text: []string{"Thinking", " done."}}
	})
	m.SetTitle(http.StatusBadRequest, "")
	return m
}

// replica is one `taskpilot serve` process.
type replica struct {
	url    string
	cmd    *exec.Cmd
	exited chan error
	log    *syncBuffer
}

// startReplica starts `taskpilot serve` on ports of its own with env and
// waits until it listens.
func startReplica(t *testing.T, bin string, env []string) *replica {
	t.Helper()
	r := &replica{exited: make(chan error, 1), log: &syncBuffer{}}
	r.cmd = exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--mcp-addr", "127.0.0.1:0", "--log-format", "json")
	r.cmd.Env = env
	pipe, err := r.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addrc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			fmt.Fprintln(r.log, sc.Text())
			var line struct {
				Msg      string `json:"msg"`
				ChatAddr string `json:"chat_addr"`
			}
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "serving" {
				addrc <- line.ChatAddr
			}
		}
		r.exited <- r.cmd.Wait()
	}()
	t.Cleanup(func() {
		if r.cmd.ProcessState == nil {
			_ = r.cmd.Process.Kill()
			t.Logf("replica stopped: %v", <-r.exited)
		}
	})
	select {
	case addr := <-addrc:
		r.url = "http://" + addr
	case err := <-r.exited:
		t.Fatalf("replica exited early: %v\n%s", err, r.log)
	case <-time.After(30 * time.Second):
		t.Fatalf("replica not listening after 30s:\n%s", r.log)
	}
	return r
}

// rest posts a REST chat message as the local user.
func (r *replica) rest(t *testing.T, conversation, message string) (int, map[string]any) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"conversation_id": conversation, "message": message})
	status, out := post(t, r.url+"/api/local/chat", "", string(body))
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("REST answer %d %q: %v", status, out, err)
	}
	return status, m
}

// wantBusy fails unless a turn on thread through r is refused with 409
// thread_busy, over REST and over ChatKit.
func (r *replica) wantBusy(t *testing.T, thread, when string) {
	t.Helper()
	status, body := r.rest(t, thread, "hello")
	e, _ := body["error"].(map[string]any)
	if status != http.StatusConflict || e["code"] != "thread_busy" || e["message"] != busyMessage {
		t.Errorf("%s: REST turn on the other replica: %d %v, want 409 thread_busy", when, status, body)
	}
	kit, _ := json.Marshal(map[string]any{"type": "threads.add_user_message", "params": map[string]any{"thread_id": thread, "input": map[string]any{
		"content": []any{map[string]any{"type": "input_text", "text": "hello"}}, "attachments": []any{}, "inference_options": map[string]any{},
	}}})
	status, out := post(t, r.url+"/chatkit", "", string(kit))
	if status != http.StatusConflict || !strings.Contains(out, `"thread_busy"`) {
		t.Errorf("%s: ChatKit turn on the other replica: %d %s, want 409 thread_busy", when, status, out)
	}
}

// TestReplicasShareTurnLocks runs two `taskpilot serve` processes on one
// PostgreSQL database: while replica A runs a turn on a thread, replica B
// refuses another with 409 thread_busy; once A's turn ends B runs one at
// once; when A is killed mid-turn, B refuses until A's lease expires and
// then runs the turn.
func TestReplicasShareTurnLocks(t *testing.T) {
	t.Parallel()
	bin := binary(t)
	const lease = 3 * time.Second
	model := newSlowModel(t)
	env := processEnv(t, "TASKPILOT_DATABASE_URL="+storetest.PostgresURL(t),
		"OPENAI_API_KEY=test", "OPENAI_BASE_URL="+model.URL(), "TASKPILOT_MODEL=slow",
		"TASKPILOT_CHAT_RATE_LIMIT=0", "TASKPILOT_CHAT_TURN_LEASE="+lease.String())
	a := startReplica(t, bin, env)
	b := startReplica(t, bin, env)

	status, body := a.rest(t, "", "/help")
	thread, _ := body["conversation_id"].(string)
	if status != http.StatusOK || thread == "" {
		t.Fatalf("new thread: %d %v", status, body)
	}

	// A turn on A, held by the model.
	turn := func(r *replica, msg string) chan int {
		done := make(chan int, 1)
		go func() {
			body, _ := json.Marshal(map[string]string{"conversation_id": thread, "message": msg})
			req, _ := http.NewRequest(http.MethodPost, r.url+"/api/local/chat", strings.NewReader(string(body)))
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				done <- 0 // the replica died
				return
			}
			resp.Body.Close()
			done <- resp.StatusCode
		}()
		select {
		case <-model.Held():
		case <-time.After(30 * time.Second):
			t.Fatalf("the turn on replica %s never reached the model:\n%s", r.url, r.log)
		}
		return done
	}
	first := turn(a, "slow")
	b.wantBusy(t, thread, "while A's turn runs")
	time.Sleep(lease + lease/2) // past the TTL: A renews its lease
	b.wantBusy(t, thread, "past the lease TTL while A's turn still runs")
	model.Release()
	if got := <-first; got != http.StatusOK {
		t.Fatalf("A's turn: %d", got)
	}
	if status, body := b.rest(t, thread, "right after"); status != http.StatusOK {
		t.Errorf("B's turn right after A's ended: %d %v, want 200 (the lease is given back)", status, body)
	}

	// A dies mid-turn (kill -9): its lease stays until it expires.
	stalled := turn(a, "stall")
	if err := a.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	if err := <-a.exited; err == nil {
		t.Error("replica A exited cleanly after kill -9")
	}
	<-stalled
	b.wantBusy(t, thread, "right after A was killed")
	for {
		status, body := b.rest(t, thread, "after the crash")
		if status == http.StatusOK {
			waited := time.Since(killed)
			t.Logf("B took the dead replica's thread over after %v (lease %v)", waited.Round(time.Millisecond), lease)
			if waited < lease/2 {
				t.Errorf("B took the thread over after %v, well before the lease of %v expired", waited, lease)
			}
			break
		}
		if status != http.StatusConflict {
			t.Fatalf("B after A's crash: %d %v", status, body)
		}
		if time.Since(killed) > lease+10*time.Second {
			t.Fatalf("the killed replica's lease never expired (lease %v):\n%s", lease, b.log)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestReplicasShareRateLimit: two `taskpilot serve` processes on one
// PostgreSQL database, each with a limit of 1 request a minute after a
// burst of 20, grant 20 requests together, not 40; the refusals are 429
// rate_limited with Retry-After.
func TestReplicasShareRateLimit(t *testing.T) {
	t.Parallel()
	bin := binary(t)
	env := processEnv(t, "TASKPILOT_DATABASE_URL="+storetest.PostgresURL(t), "TASKPILOT_CHAT_RATE_LIMIT=1")
	rs := []*replica{startReplica(t, bin, env), startReplica(t, bin, env)}
	granted, refused := 0, 0
	for i := range 40 {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, rs[i%2].url+"/chatkit",
			strings.NewReader(`{"type":"threads.list","params":{}}`))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		switch resp.StatusCode {
		case http.StatusOK:
			granted++
		case http.StatusTooManyRequests:
			refused++
			secs, err := strconv.Atoi(resp.Header.Get("Retry-After"))
			if err != nil || secs < 1 || secs > 60 || body.Error.Code != "rate_limited" ||
				body.Error.Message != fmt.Sprintf("too many requests; try again in %d seconds", secs) {
				t.Errorf("refusal: Retry-After %q, %+v", resp.Header.Get("Retry-After"), body.Error)
			}
		default:
			t.Fatalf("request %d: %d %+v", i, resp.StatusCode, body)
		}
	}
	if granted != 20 || refused != 20 {
		t.Errorf("two replicas granted %d and refused %d of 40 requests, want 20 and 20 (a burst of 20 in all)", granted, refused)
	}
}
