package memstore_test

import (
	"testing"

	"github.com/taskpilot/taskpilot/chatserver/chatkit"
	"github.com/taskpilot/taskpilot/chatserver/chatkit/memstore"
	"github.com/taskpilot/taskpilot/chatserver/chatkit/storetest"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(*testing.T) chatkit.Store { return memstore.New() })
}
