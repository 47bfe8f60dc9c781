package mcphttp_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/taskpilot/taskpilot/mcpserver/httpops/httpopstest"
	"github.com/taskpilot/taskpilot/mcpserver/mcphttp"
	"github.com/taskpilot/taskpilot/models/store/storetest"
)

// TestOperationsContract: /healthz, /readyz and the request log line are
// the ones package httpops describes, as on the chat server.
func TestOperationsContract(t *testing.T) {
	t.Parallel()
	var log httpopstest.Log
	var notReady atomic.Pointer[error]
	srv := start(t, storetest.OpenSQLite(t), mcphttp.Options{
		Verifier: mustVerifier(t),
		Logger:   log.Logger(),
		Ready: func(context.Context) error {
			if err := notReady.Load(); err != nil {
				return *err
			}
			return nil
		},
	})
	httpopstest.Check(t, httpopstest.Server{
		URL:   srv.URL,
		Log:   &log,
		Extra: []string{"rpc_method"},
		SetReady: func(err error) {
			if err == nil {
				notReady.Store(nil)
			} else {
				notReady.Store(&err)
			}
		},
	})
}
