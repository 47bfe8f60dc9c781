// Package chatkittest holds what tests of ChatKit code share. It checks
// ChatKit JSON against the reference JSON Schemas, which are generated from
// the ChatKit Python SDK 1.6.5 models and live outside the repository, in
// ../shared/chatkit/schema beside it. Without that folder the checks do
// nothing (Schemas) or skip the test (RequireSchemas). [Handle] answers a
// request body as the HTTP layer does, SSE frames included, for tests that
// check the wire. [TestStore] is the conformance suite every chatkit.Store
// implementation runs.
//
//	s := chatkittest.Schemas(t)
//	s.ValidateEvent(t, data) // one streamed event, widget nodes included
//	s.Validate(t, "page-thread.schema.json", body)
package chatkittest

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

// EventSchema is the schema file of one streamed event.
const EventSchema = "stream-event.schema.json"

// Validator validates JSON against the reference schemas. Each schema is
// resolved once per test binary; a failure is explained again against the
// branch of the union it meant to match, which gives a readable error.
// The Validate methods of a nil *Validator (schemas absent) do nothing.
type Validator struct {
	dir string
	mu  sync.Mutex
	raw map[string]map[string]any       // file → schema
	res map[string]*jsonschema.Resolved // file, file#/$defs/X or file#widgets → resolved
}

var (
	once    sync.Once
	schemas *Validator
)

// Schemas returns the reference schemas, or nil when they are absent (and
// then logs why, once per test binary).
func Schemas(tb testing.TB) *Validator {
	tb.Helper()
	once.Do(func() {
		tb.Helper()
		if dir := schemaDir(); dir != "" {
			schemas = &Validator{
				dir: dir,
				raw: map[string]map[string]any{},
				res: map[string]*jsonschema.Resolved{},
			}
			return
		}
		tb.Log("skipping validation against the reference schemas: ../shared/chatkit/schema beside the repository is absent")
	})
	return schemas
}

// RequireSchemas returns the reference schemas, or skips tb when they are
// absent.
func RequireSchemas(tb testing.TB) *Validator {
	tb.Helper()
	s := Schemas(tb)
	if s == nil {
		tb.Skip("reference schemas not found: ../shared/chatkit/schema beside the repository is absent")
	}
	return s
}

// schemaDir returns the schema folder, "shared/chatkit/schema" beside the
// repository root (the first parent of the working directory with a
// go.mod), or "" when it is absent.
func schemaDir() string {
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

// Validate checks data against the schema file name (e.g.
// "page-thread.schema.json") and reports a mismatch as a test error.
func (s *Validator) Validate(tb testing.TB, name string, data []byte) {
	tb.Helper()
	if s == nil {
		return
	}
	if err := s.Check(name, data); err != nil {
		tb.Errorf("%s rejects %s\n%v", name, data, err)
	}
}

// ValidateEvent checks one streamed event (the JSON of an SSE frame)
// against the event schema, and its widget nodes as ValidateWidgets does.
func (s *Validator) ValidateEvent(tb testing.TB, data []byte) {
	tb.Helper()
	s.Validate(tb, EventSchema, data)
	s.ValidateWidgets(tb, data)
}

// Check returns why the schema file name rejects data, or nil. Call it
// only on a non-nil Validator.
func (s *Validator) Check(name string, data []byte) error {
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
			return s.CheckDef(name, strings.TrimPrefix(ref, "#/$defs/"), data)
		}
		return err
	}
	return nil
}

// CheckDef returns why the definition def of the schema file name (e.g.
// "Badge") rejects data, or nil. Call it only on a non-nil Validator.
func (s *Validator) CheckDef(name, def string, data []byte) error {
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

// ValidateWidgets validates every widget node found in data (under a
// "widget" or "component" key) against the reference's typed definition
// of its type. The reference schema also accepts any node with a "type"
// as a dynamic component, so validating the whole event alone would not
// catch a wrong prop.
func (s *Validator) ValidateWidgets(tb testing.TB, data []byte) {
	tb.Helper()
	if s == nil {
		return
	}
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		tb.Fatal(err)
	}
	var walk func(v any, inWidget bool)
	walk = func(v any, inWidget bool) {
		switch v := v.(type) {
		case []any:
			for _, e := range v {
				walk(e, inWidget)
			}
		case map[string]any:
			if typ, ok := v["type"].(string); ok && inWidget && isComponent(typ) {
				b, _ := json.Marshal(v)
				s.validateWidgetNode(tb, typ, b)
			}
			for k, e := range v {
				walk(e, inWidget || k == "widget" || k == "component")
			}
		}
	}
	walk(v, false)
}

// isComponent reports whether typ names a widget component (they are
// capitalized: "Card", "Text").
func isComponent(typ string) bool {
	return typ != "" && typ[0] >= 'A' && typ[0] <= 'Z'
}

// validateWidgetNode checks one widget node against the typed definition
// of its type: quickly against all of them at once, then, to explain a
// failure, against its own.
func (s *Validator) validateWidgetNode(tb testing.TB, typ string, data []byte) {
	tb.Helper()
	root, err := s.load(EventSchema)
	if err != nil {
		tb.Fatal(err)
	}
	defs, _ := root["$defs"].(map[string]any)
	rs, err := s.resolved(EventSchema+"#widgets", func() map[string]any {
		var anyOf []any
		for def, v := range defs {
			props, _ := v.(map[string]any)["properties"].(map[string]any)
			typeProp, _ := props["type"].(map[string]any)
			if c, ok := typeProp["const"].(string); ok && isComponent(c) {
				anyOf = append(anyOf, map[string]any{"$ref": "#/$defs/" + def})
			}
		}
		return map[string]any{"anyOf": anyOf, "$defs": defs}
	})
	if err != nil {
		tb.Fatal(err)
	}
	var inst any
	if err := json.Unmarshal(data, &inst); err != nil {
		tb.Fatal(err)
	}
	if rs.Validate(inst) == nil {
		return
	}
	def := typ
	if typ == "Basic" {
		def = "BasicRoot"
	}
	if err := s.CheckDef(EventSchema, def, data); err != nil {
		tb.Errorf("%s rejects %s\n%v", def, data, err)
	}
}

// load reads a schema file once.
func (s *Validator) load(name string) (map[string]any, error) {
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
func (s *Validator) resolved(key string, schema func() map[string]any) (*jsonschema.Resolved, error) {
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
