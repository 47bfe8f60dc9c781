package chatserver

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/taskpilot/taskpilot/chatserver/chatkit"
)

// chatkit answers POST /chatkit: it parses and checks the request (size,
// message length, the thread's turn lock), hands it to the Kit and writes
// the response as JSON or as an SSE stream.
func (s *server) chatkit(c *gin.Context) {
	withTimeZone(c)
	user := userOf(c)
	body, err := s.readBody(c)
	if err != nil {
		s.writeKitError(c, err)
		return
	}
	req, err := chatkit.ParseRequest(body)
	if err != nil {
		s.writeKitError(c, err)
		return
	}
	c.Set(requestTypeKey, req.Type)
	if in := userInput(req); in != nil {
		if !s.checkMessage(c, messageChars(*in)) {
			return
		}
	}
	if id := turnThread(req); id != "" {
		unlock, ok, err := s.locks.TryLock(c.Request.Context(), user, id)
		if err != nil {
			s.writeKitError(c, fmt.Errorf("lock thread: %w", err))
			return
		}
		if !ok {
			writeThreadBusy(c)
			return
		}
		defer unlock()
		if err := s.checkThread(c.Request.Context(), user, id); err != nil {
			s.writeKitError(c, err)
			return
		}
	}
	res, err := s.opts.Kit.Handle(c.Request.Context(), user, req)
	if err != nil {
		s.writeKitError(c, err)
		return
	}
	if res.Stream == nil {
		c.Data(http.StatusOK, "application/json", res.JSON)
		return
	}
	s.stream(c, res.Stream)
}

// readBody reads the request body, at most MaxBodyBytes of it; a larger
// body gives a *http.MaxBytesError.
func (s *server) readBody(c *gin.Context) ([]byte, error) {
	r := http.MaxBytesReader(c.Writer, c.Request.Body, s.opts.MaxBodyBytes)
	body, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	return body, nil
}

// userInput returns the user message a request carries, or nil.
func userInput(req chatkit.Request) *chatkit.UserMessageInput {
	switch p := req.Params.(type) {
	case *chatkit.ThreadCreateParams:
		return &p.Input
	case *chatkit.ThreadAddUserMessageParams:
		return &p.Input
	}
	return nil
}

// messageChars counts the characters of a user message: its text parts
// and the quoted text.
func messageChars(in chatkit.UserMessageInput) int {
	n := utf8.RuneCountInString(in.QuotedText)
	for _, c := range in.Content {
		n += utf8.RuneCountInString(c.Text)
	}
	return n
}

// checkMessage answers 400 and reports false when a message of n
// characters is too long.
func (s *server) checkMessage(c *gin.Context, n int) bool {
	if n <= s.opts.MaxMessageChars {
		return true
	}
	writeError(c, http.StatusBadRequest, "message_too_long",
		fmt.Sprintf("the message has %d characters; the limit is %d", n, s.opts.MaxMessageChars))
	return false
}

// turnThread returns the thread a streaming request runs a turn on, or ""
// (threads.create makes a new thread; other requests run no turn).
func turnThread(req chatkit.Request) string {
	switch p := req.Params.(type) {
	case *chatkit.ThreadAddUserMessageParams:
		return p.ThreadID
	case *chatkit.ThreadAddClientToolOutputParams:
		return p.ThreadID
	case *chatkit.ThreadAddStructuredInputParams:
		return p.ThreadID
	case *chatkit.ThreadRetryAfterItemParams:
		return p.ThreadID
	case *chatkit.ThreadCustomActionParams:
		if req.IsStreaming() {
			return p.ThreadID
		}
	}
	return ""
}

// checkThread returns an error wrapping chatkit.ErrNotFound unless user
// has the thread, so that a turn on a missing thread (or another user's)
// is a 404 rather than a stream that only says "error".
func (s *server) checkThread(ctx context.Context, user, threadID string) error {
	_, err := s.opts.Kit.Thread(ctx, user, threadID)
	return err
}

func writeThreadBusy(c *gin.Context) {
	writeError(c, http.StatusConflict, "thread_busy",
		"this conversation is still answering a previous message; wait for it to finish or stop it")
}

// stream writes an SSE response: the headers at once, then every event
// of run as one SSE frame (chatkit.EncodeSSE), sent on each flush (see
// chatkit.EventWriter). run gets the request's context, also cancelled by
// Handler.CloseStreams, so a client that goes away or a shutdown ends the
// turn at once.
func (s *server) stream(c *gin.Context, run func(ctx context.Context, out chatkit.EventWriter) error) {
	ctx, cancel := context.WithCancel(c.Request.Context())
	defer cancel()
	defer context.AfterFunc(s.streams, cancel)()
	defer s.streamStarted(c)()

	h := c.Writer.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	c.Status(http.StatusOK)
	c.Writer.Flush()

	if err := run(ctx, sseWriter{c.Writer}); err != nil {
		s.log.InfoContext(ctx, "stream ended early", "err", err, "user", userOf(c))
	}
}

// sseWriter writes events as SSE frames to an HTTP response.
type sseWriter struct{ w gin.ResponseWriter }

// WriteEvent implements chatkit.EventWriter.
func (s sseWriter) WriteEvent(ev chatkit.Event) error {
	frame, err := chatkit.EncodeSSE(ev)
	if err != nil {
		return err
	}
	_, err = s.w.Write(frame)
	return err
}

// Flush implements chatkit.EventWriter. A client that went away shows in
// the next write or in the request's context.
func (s sseWriter) Flush() error {
	s.w.Flush()
	return nil
}
