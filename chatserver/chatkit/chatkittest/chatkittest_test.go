package chatkittest_test

import (
	"fmt"
	"testing"

	"github.com/taskpilot/taskpilot/chatserver/chatkit/chatkittest"
)

// TestRejects makes sure the validation is not vacuous: it must reject
// what the reference rejects.
func TestRejects(t *testing.T) {
	t.Parallel()
	s := chatkittest.RequireSchemas(t)
	for _, bad := range []string{
		`{"type":"error","code":"thread.not_found","allow_retry":false}`,
		`{"type":"progress_update","icon":"upload","text":"x"}`,
		`{"type":"thread.item.done","item":{"id":"a","thread_id":"t","created_at":"2026-01-01T00:00:00Z","type":"assistant_message","content":null}}`,
		`{"type":"thread.created","thread":{"id":"t","created_at":"2026-01-01T00:00:00Z","status":{"type":"active"},"metadata":{}}}`,
		`{"type":"thread.item.done","item":{"id":"a","thread_id":"t","created_at":"2026-01-01T00:00:00Z","type":"widget","widget":{"type":"Row"}}}`,
	} {
		if s.Check(chatkittest.EventSchema, []byte(bad)) == nil {
			t.Errorf("schema accepts %s", bad)
		}
	}
	if s.CheckDef(chatkittest.EventSchema, "Badge", []byte(`{"type":"Badge","label":"x","color":"bogus"}`)) == nil {
		t.Errorf("Badge definition accepts an unknown color")
	}
}

// TestWidgetNodes checks that a wrong prop deep in a widget, which the
// event schema alone accepts as a dynamic component, is reported, and that
// a valid widget passes.
func TestWidgetNodes(t *testing.T) {
	t.Parallel()
	s := chatkittest.RequireSchemas(t)
	const event = `{"type":"thread.item.done","item":{"id":"w","thread_id":"t","created_at":"2026-01-01T00:00:00Z","type":"widget","copy_text":null,"widget":{"type":"Card","children":[{"type":"Badge","label":"x","color":%s}]}}}`
	for _, tc := range []struct {
		color   string
		wantErr bool
	}{
		{`"success"`, false},
		{`"bogus"`, true},
	} {
		data := []byte(fmt.Sprintf(event, tc.color))
		if err := s.Check(chatkittest.EventSchema, data); err != nil {
			t.Fatalf("event schema rejects %s: %v", data, err)
		}
		rec := &recorder{T: t}
		s.ValidateEvent(rec, data)
		if rec.failed != tc.wantErr {
			t.Errorf("ValidateEvent(color %s) failed = %v, want %v", tc.color, rec.failed, tc.wantErr)
		}
	}
}

// recorder notes a test error instead of failing the test.
type recorder struct {
	*testing.T
	failed bool
}

func (r *recorder) Errorf(string, ...any) { r.failed = true }
