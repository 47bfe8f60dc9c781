package chatserver_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/taskpilot/taskpilot/chatserver"
	"github.com/taskpilot/taskpilot/mcpserver/httpops/httpopstest"
)

// TestOperationsContract: /healthz, /readyz and the request log line are
// the ones package httpops describes, as on the MCP server.
func TestOperationsContract(t *testing.T) {
	t.Parallel()
	var log httpopstest.Log
	var notReady atomic.Pointer[error]
	h := newHarness(t, config{noModel: true, opts: func(o *chatserver.Options) {
		o.Logger = log.Logger()
		o.Ready = func(context.Context) error {
			if err := notReady.Load(); err != nil {
				return *err
			}
			return nil
		}
	}})
	httpopstest.Check(t, httpopstest.Server{
		URL:   h.url,
		Log:   &log,
		Extra: []string{"user"},
		SetReady: func(err error) {
			if err == nil {
				notReady.Store(nil)
			} else {
				notReady.Store(&err)
			}
		},
	})
}
