package memstore_test

import (
	"testing"

	"github.com/taskpilot/taskpilot/chatserver/chatkit"
	"github.com/taskpilot/taskpilot/chatserver/chatkit/chatkittest"
	"github.com/taskpilot/taskpilot/chatserver/chatkit/memstore"
)

func TestStore(t *testing.T) {
	chatkittest.TestStore(t, func(*testing.T) chatkit.Store { return memstore.New() })
}
