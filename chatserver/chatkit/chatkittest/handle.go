package chatkittest

import (
	"context"

	"github.com/taskpilot/taskpilot/chatserver/chatkit"
)

// Result is a chatkit.Response as an HTTP client receives it: a JSON
// body, or a stream of SSE frames.
type Result struct {
	// JSON is the body of a non-streaming response; nil when Stream is
	// set.
	JSON []byte
	// Stream runs a streaming response, calling send with each event as
	// one SSE frame ("data: {...}\n\n"), encoded with chatkit.EncodeSSE as
	// the HTTP layer does. An error from send is a client that went away.
	Stream func(ctx context.Context, send func(frame []byte) error) error
}

// Handle answers a request body for user as the chat server's HTTP layer
// does, without HTTP: chatkit.ParseRequest, then srv.Handle, with events
// framed as SSE. Its errors are those of ParseRequest and Server.Handle.
func Handle(ctx context.Context, srv *chatkit.Server, user string, body []byte) (Result, error) {
	req, err := chatkit.ParseRequest(body)
	if err != nil {
		return Result{}, err
	}
	res, err := srv.Handle(ctx, user, req)
	if err != nil || res.Stream == nil {
		return Result{JSON: res.JSON}, err
	}
	return Result{Stream: func(ctx context.Context, send func([]byte) error) error {
		return res.Stream(ctx, chatkit.EmitFunc(func(ev chatkit.Event) error {
			frame, err := chatkit.EncodeSSE(ev)
			if err != nil {
				return err
			}
			return send(frame)
		}))
	}}, nil
}
