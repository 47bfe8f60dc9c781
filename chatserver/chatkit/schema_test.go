package chatkit_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
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

// schemaSet validates JSON against the reference schemas. Each schema is
// resolved once; a failure is explained again against the branch of the
// union it meant to match, which gives a readable error.
type schemaSet struct {
	dir string
	mu  sync.Mutex
	raw map[string]map[string]any       // file → schema
	res map[string]*jsonschema.Resolved // file, file#/$defs/X or file#widgets → resolved
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
// "stream-event.schema.json").
func (s *schemaSet) validate(t *testing.T, name string, data []byte) {
	t.Helper()
	if s == nil {
		return
	}
	if err := s.check(name, data); err != nil {
		t.Errorf("%s rejects %s\n%v", name, data, err)
	}
}

// rejects reports whether the schema rejects data. Call it only on a
// non-nil set.
func (s *schemaSet) rejects(t *testing.T, name string, data []byte) bool {
	t.Helper()
	return s.check(name, data) != nil
}

func (s *schemaSet) check(name string, data []byte) error {
	var inst any
	if err := json.Unmarshal(data, &inst); err != nil {
		return err
	}
	root, err := s.load(name)
	if err != nil {
		return err
	}
	rs, err := s.resolved(name, func() map[string]any { return root })
	if err != nil {
		return err
	}
	if err := rs.Validate(inst); err != nil {
		// Explain against the branch of the discriminated union.
		disc, _ := root["discriminator"].(map[string]any)
		obj, _ := inst.(map[string]any)
		if ref, ok := disc["mapping"].(map[string]any)[fmt.Sprint(obj["type"])].(string); ok {
			return s.checkDef(name, strings.TrimPrefix(ref, "#/$defs/"), data)
		}
		return err
	}
	return nil
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
	root, err := s.load(name)
	if err != nil {
		return err
	}
	defs, _ := root["$defs"].(map[string]any)
	if defs[def] == nil {
		return fmt.Errorf("%s has no definition %q", name, def)
	}
	rs, err := s.resolved(name+"#/$defs/"+def, func() map[string]any {
		return map[string]any{"$ref": "#/$defs/" + def, "$defs": defs}
	})
	if err != nil {
		return err
	}
	var inst any
	if err := json.Unmarshal(data, &inst); err != nil {
		return err
	}
	return rs.Validate(inst)
}

// validateWidgetNode checks one widget node against the typed definition
// of its type: quickly against all of them at once, then, to explain a
// failure, against its own.
func (s *schemaSet) validateWidgetNode(t *testing.T, typ string, data []byte) {
	t.Helper()
	const name = "stream-event.schema.json"
	root, err := s.load(name)
	if err != nil {
		t.Fatal(err)
	}
	defs, _ := root["$defs"].(map[string]any)
	rs, err := s.resolved(name+"#widgets", func() map[string]any {
		var anyOf []any
		for def, v := range defs {
			props, _ := v.(map[string]any)["properties"].(map[string]any)
			typeProp, _ := props["type"].(map[string]any)
			if c, ok := typeProp["const"].(string); ok && c != "" && c[0] >= 'A' && c[0] <= 'Z' {
				anyOf = append(anyOf, map[string]any{"$ref": "#/$defs/" + def})
			}
		}
		return map[string]any{"anyOf": anyOf, "$defs": defs}
	})
	if err != nil {
		t.Fatal(err)
	}
	var inst any
	if err := json.Unmarshal(data, &inst); err != nil {
		t.Fatal(err)
	}
	if rs.Validate(inst) != nil {
		s.validateDef(t, name, widgetDef(typ), data)
	}
}

// load reads a schema file once.
func (s *schemaSet) load(name string) (map[string]any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if root, ok := s.raw[name]; ok {
		return root, nil
	}
	b, err := os.ReadFile(filepath.Join(s.dir, name))
	if err != nil {
		return nil, err
	}
	var root map[string]any
	if err := json.Unmarshal(b, &root); err != nil {
		return nil, err
	}
	s.raw[name] = root
	return root, nil
}

// resolved returns the resolved schema cached under key, building it the
// first time.
func (s *schemaSet) resolved(key string, schema func() map[string]any) (*jsonschema.Resolved, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rs, ok := s.res[key]; ok {
		return rs, nil
	}
	b, err := json.Marshal(schema())
	if err != nil {
		return nil, err
	}
	var js jsonschema.Schema
	if err := json.Unmarshal(b, &js); err != nil {
		return nil, err
	}
	rs, err := js.Resolve(nil)
	if err != nil {
		return nil, fmt.Errorf("resolve %s: %w", key, err)
	}
	s.res[key] = rs
	return rs, nil
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
