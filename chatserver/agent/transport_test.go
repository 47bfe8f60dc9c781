package agent

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
)

// TestSentBodyIsReleased: a model request's body (the conversation and
// the tool schemas) can be collected once it is sent, while the reply
// still streams: every open stream would hold it otherwise, for as long
// as the model takes. The client is built with the agent's own options.
func TestSentBodyIsReleased(t *testing.T) {
	hold := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "data: {}\n\n")
		w.(http.Flusher).Flush()
		select { // the reply is still streaming
		case <-hold:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(hold)
	a := &Agent{cfg: Config{BaseURL: srv.URL + "/v1", APIKey: "k", RequestTimeout: time.Minute, MaxRetries: 1}}
	client := openai.NewClient(a.modelOptions()...)

	body := []byte(`{"model":"m","messages":[{"role":"user","content":"` + strings.Repeat("a", 32<<10) + `"}],"stream":true}`)
	released := make(chan struct{})
	runtime.AddCleanup(&body[0], func(ch chan struct{}) { close(ch) }, released)
	var raw *http.Response
	if err := client.Post(t.Context(), "chat/completions", json.RawMessage(body), &raw); err != nil {
		t.Fatal(err)
	}
	body = nil
	defer raw.Body.Close()
	line, err := bufio.NewReader(raw.Body).ReadString('\n')
	if err != nil || line != "data: {}\n" {
		t.Fatalf("first line %q, %v", line, err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		runtime.GC()
		select {
		case <-released:
			runtime.KeepAlive(raw)
			return
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("the request body is still held while the reply streams")
		}
	}
}
