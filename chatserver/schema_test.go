package chatserver_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/google/jsonschema-go/jsonschema"
)

// The reference JSON Schemas of the ChatKit wire types live outside the
// repository, in ../shared/chatkit/schema beside it. Tests that check
// events against them skip when the folder is absent.

var (
	schemaOnce sync.Once
	schemaDir  string // "" when absent

	schemaMu  sync.Mutex
	schemaRaw = map[string]map[string]any{}
	schemaRes = map[string]*jsonschema.Resolved{}
)

// findSchemaDir returns the schema folder, or "".
func findSchemaDir() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
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
	d := filepath.Join(filepath.Dir(dir), "shared", "chatkit", "schema")
	if _, err := os.Stat(d); err != nil {
		return ""
	}
	return d
}

// haveSchemas reports whether the reference schemas are present.
func haveSchemas() bool {
	schemaOnce.Do(func() { schemaDir = findSchemaDir() })
	return schemaDir != ""
}

// requireSchemas skips the test when the reference schemas are absent.
func requireSchemas(t *testing.T) {
	t.Helper()
	if !haveSchemas() {
		t.Skip("reference schemas not found: ../shared/chatkit/schema beside the repository is absent")
	}
}

// validateJSON checks data against the schema file name (e.g.
// "stream-event.schema.json"); for a discriminated union against the
// branch data's "type" names, which gives readable errors. It does
// nothing when the schemas are absent.
func validateJSON(t testing.TB, name string, data []byte) {
	t.Helper()
	if !haveSchemas() {
		return
	}
	var inst any
	if err := json.Unmarshal(data, &inst); err != nil {
		t.Errorf("%s: not JSON: %v\n%s", name, err, data)
		return
	}
	rs, err := resolvedSchema(name, inst)
	if err != nil {
		t.Fatalf("schema %s: %v", name, err)
	}
	if err := rs.Validate(inst); err != nil {
		t.Errorf("%s rejects %s\n%v", name, data, err)
	}
}

func resolvedSchema(name string, inst any) (*jsonschema.Resolved, error) {
	schemaMu.Lock()
	defer schemaMu.Unlock()
	root, ok := schemaRaw[name]
	if !ok {
		b, err := os.ReadFile(filepath.Join(schemaDir, name))
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(b, &root); err != nil {
			return nil, err
		}
		schemaRaw[name] = root
	}
	key, schema := name, root
	if disc, ok := root["discriminator"].(map[string]any); ok {
		obj, _ := inst.(map[string]any)
		typ, _ := obj["type"].(string)
		if ref, ok := disc["mapping"].(map[string]any)[typ].(string); ok {
			key = name + ref
			schema = map[string]any{"$ref": ref, "$defs": root["$defs"]}
		}
	}
	if rs, ok := schemaRes[key]; ok {
		return rs, nil
	}
	b, err := json.Marshal(schema)
	if err != nil {
		return nil, err
	}
	var js jsonschema.Schema
	if err := json.Unmarshal(b, &js); err != nil {
		return nil, err
	}
	rs, err := js.Resolve(nil)
	if err != nil {
		return nil, err
	}
	schemaRes[key] = rs
	return rs, nil
}

// TestSchemaValidatorRejects makes sure validateJSON is not vacuous.
func TestSchemaValidatorRejects(t *testing.T) {
	requireSchemas(t)
	bad := `{"type":"error","code":"thread.not_found","allow_retry":false}`
	var inst any
	_ = json.Unmarshal([]byte(bad), &inst)
	rs, err := resolvedSchema("stream-event.schema.json", inst)
	if err != nil {
		t.Fatal(err)
	}
	if rs.Validate(inst) == nil {
		t.Errorf("schema accepts %s", bad)
	}
}
