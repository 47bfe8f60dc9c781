package agent

import (
	"io"
	"net/http"
	"sync"

	"github.com/openai/openai-go/v3/option"
)

// modelTransport is the HTTP transport of model requests when Config
// leaves HTTPClient nil: http.DefaultTransport's settings, except that
// it keeps a connection per concurrent turn to the model (the default
// keeps 2, so a busy server dialled anew for most turns over HTTP/1.1,
// as local model servers speak) and smaller buffers, which every
// streaming reply holds for as long as it streams.
func modelTransport() *http.Transport {
	t := busyTransport()
	t.ReadBufferSize = 2 << 10
	t.WriteBufferSize = 2 << 10
	return t
}

// busyTransport is http.DefaultTransport's settings with an idle
// connection kept per concurrent request to a host (the default keeps 2):
// for the model, and for the MCP server, which every turn calling a tool
// at the same time reaches.
func busyTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 256
	t.MaxIdleConnsPerHost = 256
	return t
}

// releaseSentBody is an openai-go middleware that lets a request's body
// (the whole conversation and the tool schemas, often over 10 KB) be
// collected once it has been sent, instead of being held by the request
// until a streaming reply ends. openai-go retries from its own copy, so
// the attempt's request needs no GetBody.
func releaseSentBody(req *http.Request, next option.MiddlewareNext) (*http.Response, error) {
	if req.Body != nil && req.Body != http.NoBody {
		req.Body = &sentBody{rc: req.Body}
		req.GetBody = nil
	}
	return next(req)
}

// sentBody drops its reader at EOF or Close.
type sentBody struct {
	mu sync.Mutex
	rc io.ReadCloser // nil once read or closed
}

func (b *sentBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.rc == nil {
		return 0, io.EOF
	}
	n, err := b.rc.Read(p)
	if err == io.EOF {
		_ = b.rc.Close()
		b.rc = nil
	}
	return n, err
}

func (b *sentBody) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.rc == nil {
		return nil
	}
	err := b.rc.Close()
	b.rc = nil
	return err
}
