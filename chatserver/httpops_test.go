package chatserver_test

import (
	"testing"

	"github.com/taskpilot/taskpilot/chatserver"
	"github.com/taskpilot/taskpilot/mcpserver/httpops/httpopstest"
)

// TestOperationsContract: /healthz, /readyz and the request log line are
// the ones package httpops describes, as on the MCP server.
func TestOperationsContract(t *testing.T) {
	t.Parallel()
	var c httpopstest.Contract
	h := newHarness(t, config{noModel: true, opts: func(o *chatserver.Options) {
		o.Logger, o.Ready = c.Logger(), c.Ready
	}})
	c.Check(t, h.url, "user")
}
