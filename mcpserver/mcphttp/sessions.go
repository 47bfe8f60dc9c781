package mcphttp

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Session routing.
//
// TaskPilot's tools keep no per-session state: every call carries what it
// needs and reads the database. So any replica can serve any call. But
// clients of the initialize-based protocol (2025-xx) get an Mcp-Session-Id
// and may use it for server-to-client streams (GET, several concurrent SSE
// streams). sessionRouter gives them that where it can and never fails a
// call because of where it lands:
//
//   - an initialize request, and any request naming a session this process
//     holds, goes to a stateful handler (sessions, GET streams, DELETE);
//   - everything else (a session id from another replica or from before a
//     restart, sessionless 2026 protocol requests) goes to a stateless
//     handler, which serves it on a temporary session.
type sessionRouter struct {
	server    *mcp.Server
	stateful  http.Handler
	stateless http.Handler
}

// sessionIdle is how long an idle stateful session is kept.
const sessionIdle = 30 * time.Minute

// maxPeekBytes bounds how much of a POST body is read to find its method;
// larger bodies are left to the stateless handler, which applies its own
// limits.
const maxPeekBytes = 1 << 20

func newSessionRouter(server *mcp.Server, opts *mcp.StreamableHTTPOptions) *sessionRouter {
	stateful := *opts
	stateful.SessionTimeout = sessionIdle
	stateless := *opts
	stateless.Stateless = true
	get := func(*http.Request) *mcp.Server { return server }
	return &sessionRouter{
		server:    server,
		stateful:  mcp.NewStreamableHTTPHandler(get, &stateful),
		stateless: mcp.NewStreamableHTTPHandler(get, &stateless),
	}
}

func (sr *sessionRouter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if id := r.Header.Get("Mcp-Session-Id"); id != "" {
		if sr.holds(id) {
			sr.stateful.ServeHTTP(w, r)
		} else {
			sr.stateless.ServeHTTP(w, r)
		}
		return
	}
	if r.Method == http.MethodPost && isInitialize(r) {
		sr.stateful.ServeHTTP(w, r)
		return
	}
	sr.stateless.ServeHTTP(w, r)
}

// holds reports whether this process has a live session with id.
func (sr *sessionRouter) holds(id string) bool {
	for s := range sr.server.Sessions() {
		if s.ID() == id {
			return true
		}
	}
	return false
}

// isInitialize reports whether r's body is a single JSON-RPC "initialize"
// request. It leaves r.Body readable from the start.
func isInitialize(r *http.Request) bool {
	return rpcMethod(r) == "initialize"
}

// peekedBody is a request body whose JSON-RPC method was read, followed
// by the whole body again.
type peekedBody struct {
	io.Reader
	io.Closer
	method string
}

// rpcMethod returns the method of r's body if it is a single JSON-RPC
// message of at most maxPeekBytes, else "". It leaves r.Body readable
// from the start, and reads it only once however often it is called.
func rpcMethod(r *http.Request) string {
	if r.Body == nil {
		return ""
	}
	if b, ok := r.Body.(*peekedBody); ok {
		return b.method
	}
	head, err := readHead(r)
	body := &peekedBody{Reader: io.MultiReader(bytes.NewReader(head), r.Body), Closer: r.Body}
	r.Body = body
	if err != nil || len(head) > maxPeekBytes {
		return ""
	}
	var msg struct {
		Method string `json:"method"`
	}
	if json.Unmarshal(head, &msg) == nil {
		body.method = msg.Method
	}
	return body.method
}

// readHead reads up to maxPeekBytes+1 bytes of r's body: into one buffer
// of the announced length when there is one (io.ReadAll would grow its
// buffer from 512 bytes up), else as it comes.
func readHead(r *http.Request) ([]byte, error) {
	if r.ContentLength <= 0 || r.ContentLength > maxPeekBytes {
		return io.ReadAll(io.LimitReader(r.Body, maxPeekBytes+1))
	}
	buf := make([]byte, r.ContentLength)
	n, err := io.ReadFull(r.Body, buf)
	return buf[:n], err
}
