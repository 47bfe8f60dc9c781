package chatkit_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/google/jsonschema-go/jsonschema"
)

// The reference JSON Schemas (generated from the ChatKit Python SDK 1.6.5
// models) live outside the repository, in the shared folder beside it.

// sharedDir returns the shared folder: the repository root's parent's
// "shared", or "" when it is absent.
func sharedDir(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
	shared := filepath.Join(filepath.Dir(dir), "shared")
	if _, err := os.Stat(filepath.Join(shared, "chatkit", "schema")); err != nil {
		return ""
	}
	return shared
}

// schemaSet validates JSON against the reference schemas.
type schemaSet struct {
	dir string
	mu  sync.Mutex
	raw map[string]map[string]any       // file → schema
	res map[string]*jsonschema.Resolved // file or file#def → resolved
}

var (
	schemasOnce sync.Once
	schemas     *schemaSet
)

// referenceSchemas returns the schema set, or nil (and logs why) when the
// shared folder is absent; validating with a nil set does nothing.
func referenceSchemas(t *testing.T) *schemaSet {
	t.Helper()
	schemasOnce.Do(func() {
		if dir := sharedDir(t); dir != "" {
			schemas = &schemaSet{
				dir: filepath.Join(dir, "chatkit", "schema"),
				raw: map[string]map[string]any{},
				res: map[string]*jsonschema.Resolved{},
			}
		}
	})
	if schemas == nil {
		t.Log("skipping validation against the reference schemas: ../shared/chatkit/schema beside the repository is absent")
	}
	return schemas
}

// validate checks data against the schema file name (e.g.
// "stream-event.schema.json"). For a discriminated union it validates
// against the branch named by data's "type", which gives readable errors.
func (s *schemaSet) validate(t *testing.T, name string, data []byte) {
	t.Helper()
	if s == nil {
		return
	}
	var inst any
	if err := json.Unmarshal(data, &inst); err != nil {
		t.Errorf("%s: not JSON: %v\n%s", name, err, data)
		return
	}
	rs, err := s.resolved(name, inst)
	if err != nil {
		t.Fatalf("schema %s: %v", name, err)
	}
	if err := rs.Validate(inst); err != nil {
		t.Errorf("%s rejects %s\n%v", name, data, err)
	}
}

func (s *schemaSet) resolved(name string, inst any) (*jsonschema.Resolved, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	root, ok := s.raw[name]
	if !ok {
		b, err := os.ReadFile(filepath.Join(s.dir, name))
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(b, &root); err != nil {
			return nil, err
		}
		s.raw[name] = root
	}
	key, schema := name, root
	if disc, ok := root["discriminator"].(map[string]any); ok {
		typ, _ := inst.(map[string]any)["type"].(string)
		if ref, ok := disc["mapping"].(map[string]any)[typ].(string); ok {
			key = name + ref
			schema = map[string]any{"$ref": ref, "$defs": root["$defs"]}
		}
	}
	if rs, ok := s.res[key]; ok {
		return rs, nil
	}
	rs, err := resolve(schema)
	if err != nil {
		return nil, err
	}
	s.res[key] = rs
	return rs, nil
}

func resolve(schema map[string]any) (*jsonschema.Resolved, error) {
	b, err := json.Marshal(schema)
	if err != nil {
		return nil, err
	}
	var js jsonschema.Schema
	if err := json.Unmarshal(b, &js); err != nil {
		return nil, err
	}
	return js.Resolve(nil)
}

// rejects reports whether the schema rejects data. Call it only on a
// non-nil set.
func (s *schemaSet) rejects(t *testing.T, name string, data []byte) bool {
	t.Helper()
	var inst any
	if err := json.Unmarshal(data, &inst); err != nil {
		return true
	}
	if _, ok := inst.(map[string]any); !ok {
		return true
	}
	rs, err := s.resolved(name, inst)
	if err != nil {
		t.Fatalf("schema %s: %v", name, err)
	}
	return rs.Validate(inst) != nil
}

// validateDef checks data against one definition of the schema file name.
func (s *schemaSet) validateDef(t *testing.T, name, def string, data []byte) {
	t.Helper()
	if s == nil {
		return
	}
	if err := s.checkDef(name, def, data); err != nil {
		t.Errorf("%s rejects %s\n%v", def, data, err)
	}
}

func (s *schemaSet) checkDef(name, def string, data []byte) error {
	if _, err := s.resolved(name, map[string]any{}); err != nil { // loads the file
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if defs, _ := s.raw[name]["$defs"].(map[string]any); defs[def] == nil {
		return fmt.Errorf("%s has no definition %q", name, def)
	}
	key := name + "#/$defs/" + def
	rs, ok := s.res[key]
	if !ok {
		var err error
		rs, err = resolve(map[string]any{"$ref": "#/$defs/" + def, "$defs": s.raw[name]["$defs"]})
		if err != nil {
			return err
		}
		s.res[key] = rs
	}
	var inst any
	if err := json.Unmarshal(data, &inst); err != nil {
		return err
	}
	return rs.Validate(inst)
}

// TestSchemaValidatorRejects makes sure the validation above is not
// vacuous: it must reject what the reference rejects.
func TestSchemaValidatorRejects(t *testing.T) {
	t.Parallel()
	s := referenceSchemas(t)
	if s == nil {
		t.Skip("reference schemas absent")
	}
	for _, bad := range []string{
		`{"type":"error","code":"thread.not_found","allow_retry":false}`,
		`{"type":"progress_update","icon":"upload","text":"x"}`,
		`{"type":"thread.item.done","item":{"id":"a","thread_id":"t","created_at":"2026-01-01T00:00:00Z","type":"assistant_message","content":null}}`,
		`{"type":"thread.created","thread":{"id":"t","created_at":"2026-01-01T00:00:00Z","status":{"type":"active"},"metadata":{}}}`,
		`{"type":"thread.item.done","item":{"id":"a","thread_id":"t","created_at":"2026-01-01T00:00:00Z","type":"widget","widget":{"type":"Row"}}}`,
	} {
		if !s.rejects(t, "stream-event.schema.json", []byte(bad)) {
			t.Errorf("schema accepts %s", bad)
		}
	}
	if s.checkDef("stream-event.schema.json", "Badge", []byte(`{"type":"Badge","label":"x","color":"bogus"}`)) == nil {
		t.Errorf("Badge definition accepts an unknown color")
	}
}
