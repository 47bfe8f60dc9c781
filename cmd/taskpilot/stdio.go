package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// stdioDrainTimeout bounds how long `taskpilot mcp` keeps answering the
// requests it has read after its stdin ends.
const stdioDrainTimeout = 10 * time.Second

// drainingStdio returns the MCP transport of `taskpilot mcp` over stdio:
// the SDK's IOTransport, except that the end of stdin reaches the SDK only
// once every request read before it has been answered on stdout (or after
// timeout). The SDK takes EOF as the end of the session and cancels the
// calls in flight, so `printf '<initialize>\n<initialized>\n<tools/call>\n'
// | taskpilot mcp` would otherwise answer nothing but the initialize.
//
// The wrapper works on the byte streams, not on the SDK's Connection, so
// that everything the SDK's own stdio connection does (batches, line
// limits, protocol version checks) stays as it is: it reads the ids of the
// requests in each line on their way in, and crosses them off as the
// responses go out.
func drainingStdio(stdin io.Reader, stdout io.Writer, timeout time.Duration, log *slog.Logger) *mcp.IOTransport {
	p := &pending{ids: map[string]int{}, closed: make(chan struct{})}
	return &mcp.IOTransport{
		Reader: &drainReader{p: p, r: bufio.NewReader(stdin), timeout: timeout, log: log},
		Writer: &drainWriter{p: p, w: stdout},
	}
}

// pending counts the requests read and not yet answered, by id.
type pending struct {
	mu     sync.Mutex
	ids    map[string]int
	n      int
	idle   chan struct{} // closed when n drops to 0 while the reader waits
	closed chan struct{} // closed by Close: the session is over
	once   sync.Once
}

// add notes the requests in line, one JSON-RPC message or a batch.
func (p *pending) add(line []byte) {
	ids := messageIDs(line, true)
	if len(ids) == 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, id := range ids {
		p.ids[id]++
		p.n++
	}
}

// done crosses off the requests msg answers.
func (p *pending) done(msg []byte) {
	ids := messageIDs(msg, false)
	if len(ids) == 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, id := range ids {
		if p.ids[id] == 0 {
			continue
		}
		p.ids[id]--
		if p.ids[id] == 0 {
			delete(p.ids, id)
		}
		p.n--
	}
	if p.n == 0 && p.idle != nil {
		close(p.idle)
		p.idle = nil
	}
}

// wait returns once no request is pending, the session is closed, or
// timeout has passed; it reports how many requests are still unanswered.
func (p *pending) wait(timeout time.Duration) (left int) {
	p.mu.Lock()
	if p.n == 0 {
		p.mu.Unlock()
		return 0
	}
	idle := make(chan struct{})
	p.idle = idle
	p.mu.Unlock()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-idle:
	case <-p.closed:
	case <-t.C:
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n
}

func (p *pending) close() { p.once.Do(func() { close(p.closed) }) }

// messageIDs returns the ids of the requests (requests is true) or of the
// responses in data, a JSON-RPC message or batch; notifications have
// none. Unparsable data has none: the SDK answers it with an error, or
// ends the session.
func messageIDs(data []byte, requests bool) []string {
	data = bytes.TrimSpace(data)
	var msgs []json.RawMessage
	if len(data) > 0 && data[0] == '[' {
		if json.Unmarshal(data, &msgs) != nil {
			return nil
		}
	} else {
		msgs = []json.RawMessage{data}
	}
	var ids []string
	for _, raw := range msgs {
		var m struct {
			ID     json.RawMessage `json:"id"`
			Method *string         `json:"method"`
		}
		if json.Unmarshal(raw, &m) != nil || (m.Method != nil) != requests {
			continue
		}
		if id, ok := idKey(m.ID); ok {
			ids = append(ids, id)
		}
	}
	return ids
}

// idKey is a JSON-RPC id as the SDK sees it (numbers are integers, so 2
// and 2.0 are the same id); ok is false for a missing or null id.
func idKey(raw json.RawMessage) (string, bool) {
	var v any
	if len(raw) == 0 || json.Unmarshal(raw, &v) != nil {
		return "", false
	}
	switch v := v.(type) {
	case string:
		return "s" + v, true
	case float64:
		return "n" + strconv.FormatInt(int64(v), 10), true
	}
	return "", false
}

// drainReader passes stdin to the SDK line by line, noting the requests
// of each line before the SDK sees it, and holds back the end of the input
// until they are answered.
type drainReader struct {
	p       *pending
	r       *bufio.Reader
	timeout time.Duration
	log     *slog.Logger

	buf []byte // the rest of the line being passed on
	err error  // the error after buf
}

// maxTrackedLine is the longest line whose requests are tracked: the
// longest the SDK accepts. A longer line is passed on untracked (the SDK
// refuses it).
const maxTrackedLine = mcp.DefaultMaxLineLength

// Read implements io.Reader.
func (r *drainReader) Read(b []byte) (int, error) {
	if len(r.buf) == 0 && r.err == nil {
		r.buf, r.err = r.readLine()
		r.p.add(r.buf)
	}
	if len(r.buf) > 0 {
		n := copy(b, r.buf)
		r.buf = r.buf[n:]
		return n, nil
	}
	if errors.Is(r.err, io.EOF) {
		r.drain()
	}
	return 0, r.err
}

// drain waits for the answers to the requests read before the end of
// stdin.
func (r *drainReader) drain() {
	r.p.mu.Lock()
	n := r.p.n
	r.p.mu.Unlock()
	if n == 0 {
		return
	}
	r.log.Debug("stdin closed; answering the requests already read", "requests", n)
	if left := r.p.wait(r.timeout); left > 0 {
		r.log.Warn("stdin closed; stopping with requests unanswered", "requests", left, "waited", r.timeout)
	}
}

// readLine reads up to and including the next newline, or the rest of
// the input, or maxTrackedLine bytes.
func (r *drainReader) readLine() ([]byte, error) {
	var line []byte
	for {
		chunk, err := r.r.ReadSlice('\n')
		line = append(line, chunk...)
		if !errors.Is(err, bufio.ErrBufferFull) || len(line) >= maxTrackedLine {
			if errors.Is(err, bufio.ErrBufferFull) {
				err = nil
			}
			return line, err
		}
	}
}

// Close ends the wait for answers: the SDK closes its reader when the
// session ends. Stdin itself stays open.
func (r *drainReader) Close() error {
	r.p.close()
	return nil
}

// drainWriter writes the SDK's messages to stdout (one message per Write)
// and crosses off the requests they answer.
type drainWriter struct {
	p *pending
	w io.Writer
}

// Write implements io.Writer.
func (w *drainWriter) Write(b []byte) (int, error) {
	n, err := w.w.Write(b)
	w.p.done(b)
	return n, err
}

// Close does nothing: stdout stays open.
func (w *drainWriter) Close() error { return nil }
