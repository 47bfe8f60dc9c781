package mcphttp_test

import (
	"testing"

	"github.com/taskpilot/taskpilot/mcpserver/httpops/httpopstest"
	"github.com/taskpilot/taskpilot/mcpserver/mcphttp"
	"github.com/taskpilot/taskpilot/models/store/storetest"
)

// TestOperationsContract: /healthz, /readyz and the request log line are
// the ones package httpops describes, as on the chat server.
func TestOperationsContract(t *testing.T) {
	t.Parallel()
	var c httpopstest.Contract
	srv := start(t, storetest.OpenSQLite(t), mcphttp.Options{Verifier: mustVerifier(t), Logger: c.Logger(), Ready: c.Ready})
	c.Check(t, srv.URL, "rpc_method")
}
