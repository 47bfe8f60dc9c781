package chatserver_test

import (
	"testing"

	"github.com/taskpilot/taskpilot/models/store/storetest"
)

// TestPostgres runs the end-to-end scenarios on PostgreSQL when
// TASKPILOT_TEST_POSTGRES_DSN is set (and fails without it when
// TASKPILOT_REQUIRE_POSTGRES=1), each on a fresh database.
func TestPostgres(t *testing.T) {
	t.Parallel()
	storetest.PostgresDSN(t)
	for name, scenario := range map[string]func(*testing.T, string){
		"end to end":    tasksEndToEnd,
		"other users":   otherUsersThread,
		"hostile input": hostileInput,
		"confirmations": confirmations,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			scenario(t, storetest.PostgresURL(t))
		})
	}
}
