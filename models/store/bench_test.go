package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/taskpilot/taskpilot/models"
	"github.com/taskpilot/taskpilot/models/store"
	"github.com/taskpilot/taskpilot/models/store/storetest"
)

// BenchmarkListTasks100k lists one page of a user who has 100,000 tasks,
// at the start and 99,900 tasks deep, with the default and the due sort.
// With keyset pagination the deep page costs about what the first does.
func BenchmarkListTasks100k(b *testing.B) {
	dbs := map[string]func(testing.TB) *store.Store{
		"sqlite":   storetest.OpenSQLite,
		"postgres": storetest.OpenPostgres,
	}
	for _, name := range []string{"sqlite", "postgres"} {
		b.Run(name, func(b *testing.B) {
			s := dbs[name](b)
			ctx := context.Background()
			const n = 100_000
			if err := s.SeedTasks(ctx, "alice", n); err != nil {
				b.Fatal(err)
			}
			if err := s.SeedTasks(ctx, "bob", 1000); err != nil {
				b.Fatal(err)
			}
			for _, sort := range []models.Sort{models.SortCreated, models.SortDue} {
				deep, err := s.CursorAt(ctx, "alice", sort, n-100)
				if err != nil {
					b.Fatal(err)
				}
				for _, pos := range []struct {
					name, cursor string
				}{{"first", ""}, {"deep", deep}} {
					b.Run(string(sort)+"/"+pos.name, func(b *testing.B) {
						f := models.TaskFilter{Sort: sort, Limit: models.DefaultListLimit, Cursor: pos.cursor}
						benchList(b, s, f)
					})
				}
			}
		})
	}
}

func benchList(b *testing.B, s *store.Store, f models.TaskFilter) {
	for b.Loop() {
		page, err := s.ListTasks(b.Context(), "alice", f)
		if err != nil {
			b.Fatal(err)
		}
		if len(page.Tasks) != f.Limit || page.Counts.Total != 100_000 {
			b.Fatalf("got %d tasks, total %d", len(page.Tasks), page.Counts.Total)
		}
	}
}

// BenchmarkNewThread stores a new thread and its first message, as a
// chat turn that creates a thread does: in two writes (SaveThread, then
// AddThreadItem) and in one (CreateThread).
func BenchmarkNewThread(b *testing.B) {
	dbs := map[string]func(testing.TB) *store.Store{
		"sqlite":   storetest.OpenSQLite,
		"postgres": storetest.OpenPostgres,
	}
	msg := []byte(`{"type":"user_message","id":"msg_1","thread_id":"thr","created_at":"2026-12-03T17:00:00Z","content":[{"type":"input_text","text":"add buy milk"}],"attachments":[],"inference_options":{}}`)
	for _, name := range []string{"sqlite", "postgres"} {
		for _, mode := range []string{"two-writes", "create"} {
			b.Run(name+"/"+mode, func(b *testing.B) {
				s := dbs[name](b)
				ctx := context.Background()
				n := 0
				for b.Loop() {
					n++
					id := fmt.Sprintf("thr_%d", n)
					th := models.Thread{ID: id, Status: `{"type":"active"}`, Metadata: "{}"}
					it := models.ThreadItem{ID: "msg_1", Type: "user_message", Data: msg}
					var err error
					if mode == "create" {
						err = s.CreateThread(ctx, "alice", th, []models.ThreadItem{it})
					} else if err = s.SaveThread(ctx, "alice", th); err == nil {
						err = s.AddThreadItem(ctx, "alice", id, it)
					}
					if err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
