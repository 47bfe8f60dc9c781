package mcpserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/taskpilot/taskpilot/models"
)

// schemaFor infers the JSON schema of T and removes the "null" alternative
// that jsonschema.For adds for pointers and slices: models handle plain
// types best, and an absent property already means "not given".
func schemaFor[T any]() *jsonschema.Schema {
	s, err := jsonschema.For[T](nil)
	if err != nil {
		panic(fmt.Sprintf("mcpserver: schema: %v", err)) // a bug in a static type
	}
	dropNull(s)
	return s
}

// dropNull rewrites every ["null", T] type in s to T.
func dropNull(s *jsonschema.Schema) {
	if s == nil {
		return
	}
	if len(s.Types) == 2 && slices.Contains(s.Types, "null") {
		s.Type = s.Types[0]
		if s.Type == "null" {
			s.Type = s.Types[1]
		}
		s.Types = nil
	}
	for _, p := range s.Properties {
		dropNull(p)
	}
	dropNull(s.Items)
}

// prop returns the property schema name of s; it panics if there is none,
// which is a bug in a tool definition.
func prop(s *jsonschema.Schema, name string) *jsonschema.Schema {
	p, ok := s.Properties[name]
	if !ok {
		panic(fmt.Sprintf("mcpserver: schema has no property %q", name))
	}
	return p
}

// enum returns the values as a JSON schema enum.
func enum[T ~string](values ...T) []any {
	out := make([]any, len(values))
	for i, v := range values {
		out[i] = string(v)
	}
	return out
}

// checkArgs checks raw tool arguments against s, which must be an object
// schema using only the keywords our tools use. It reports every problem.
func checkArgs(s *jsonschema.Schema, raw json.RawMessage) error {
	args := map[string]any{}
	if len(bytes.TrimSpace(raw)) > 0 && string(bytes.TrimSpace(raw)) != "null" {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&args); err != nil {
			return errors.New("Invalid arguments: they must be a JSON object of named arguments.") //nolint:staticcheck // ST1005: a sentence shown verbatim to the model
		}
	}
	var problems []string
	var unknown []string
	for k := range args {
		if _, ok := s.Properties[k]; !ok {
			unknown = append(unknown, k)
		}
	}
	slices.Sort(unknown)
	for _, k := range unknown {
		problems = append(problems, fmt.Sprintf("unknown argument %q (allowed: %s)", k, strings.Join(s.PropertyOrder, ", ")))
	}
	for _, name := range s.Required {
		if _, ok := args[name]; !ok {
			problems = append(problems, fmt.Sprintf("missing required argument %q", name))
		}
	}
	for _, name := range s.PropertyOrder {
		if v, ok := args[name]; ok {
			problems = append(problems, checkValue(name, s.Properties[name], v)...)
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("Invalid arguments: %s.", strings.Join(problems, "; ")) //nolint:staticcheck // ST1005: a sentence shown verbatim to the model
}

// checkValue checks one argument value against its schema.
func checkValue(name string, s *jsonschema.Schema, v any) []string {
	switch s.Type {
	case "string":
		str, ok := v.(string)
		if !ok {
			return []string{fmt.Sprintf("%q must be a string, not %s", name, kind(v))}
		}
		n := utf8.RuneCountInString(str)
		if s.MinLength != nil && n < *s.MinLength {
			if *s.MinLength == 1 {
				return []string{fmt.Sprintf("%q must not be empty", name)}
			}
			return []string{fmt.Sprintf("%q has %d characters; the minimum is %d", name, n, *s.MinLength)}
		}
		if s.MaxLength != nil && n > *s.MaxLength {
			return []string{fmt.Sprintf("%q has %d characters; the limit is %d", name, n, *s.MaxLength)}
		}
		if len(s.Enum) > 0 && !slices.Contains(s.Enum, any(str)) {
			return []string{fmt.Sprintf("%q must be one of %s, not %q", name, quoteAll(s.Enum), str)}
		}
	case "integer":
		num, ok := v.(json.Number)
		if !ok {
			return []string{fmt.Sprintf("%q must be a whole number, not %s", name, kind(v))}
		}
		n, err := num.Int64()
		if err != nil {
			if f, ferr := num.Float64(); ferr == nil && math.Abs(f) < math.MaxInt64 {
				return []string{fmt.Sprintf("%q must be a whole number, not %s", name, num)}
			}
			return []string{fmt.Sprintf("%q is out of range: %s", name, num)}
		}
		f := float64(n)
		if s.Minimum != nil && f < *s.Minimum {
			return []string{fmt.Sprintf("%q must be at least %v, not %s", name, *s.Minimum, num)}
		}
		if s.Maximum != nil && f > *s.Maximum {
			return []string{fmt.Sprintf("%q must be at most %v, not %s", name, *s.Maximum, num)}
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			return []string{fmt.Sprintf("%q must be true or false, not %s", name, kind(v))}
		}
	case "array":
		items, ok := v.([]any)
		if !ok {
			return []string{fmt.Sprintf("%q must be an array, not %s", name, kind(v))}
		}
		if s.MinItems != nil && len(items) < *s.MinItems {
			return []string{fmt.Sprintf("%q must not be empty", name)}
		}
		if s.MaxItems != nil && len(items) > *s.MaxItems {
			return []string{fmt.Sprintf("%q has %d items; the limit is %d", name, len(items), *s.MaxItems)}
		}
		var problems []string
		for i, item := range items {
			if s.Items != nil {
				problems = append(problems, checkValue(fmt.Sprintf("%s[%d]", name, i), s.Items, item)...)
			}
		}
		return problems
	case "object":
		obj, ok := v.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%q must be an object, not %s", name, kind(v))}
		}
		return checkObject(name+".", s, obj)
	}
	return nil
}

// checkObject checks the members of a nested object argument against s;
// prefix names the object in messages ("repeat.").
func checkObject(prefix string, s *jsonschema.Schema, obj map[string]any) []string {
	var problems []string
	var unknown []string
	for k := range obj {
		if _, ok := s.Properties[k]; !ok {
			unknown = append(unknown, k)
		}
	}
	slices.Sort(unknown)
	for _, k := range unknown {
		problems = append(problems, fmt.Sprintf("unknown argument %q (allowed: %s)", prefix+k, strings.Join(s.PropertyOrder, ", ")))
	}
	for _, k := range s.Required {
		if _, ok := obj[k]; !ok {
			problems = append(problems, fmt.Sprintf("missing required argument %q", prefix+k))
		}
	}
	for _, k := range s.PropertyOrder {
		if v, ok := obj[k]; ok {
			problems = append(problems, checkValue(prefix+k, s.Properties[k], v)...)
		}
	}
	return problems
}

// kind names the JSON type of a decoded value.
func kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// quoteAll formats enum values as "a", "b", "c".
func quoteAll(values []any) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = fmt.Sprintf("%q", v)
	}
	return strings.Join(q, ", ")
}

// Phrases shared by tool and argument descriptions.
const (
	taskIDHelp = "task_id is the user's task number shown by list_tasks and add_task (not a position in a list)."
	dateHelp   = "Dates are YYYY-MM-DD or an RFC 3339 date-time such as 2026-05-01T17:00:00Z."
)

// constrainTaskFields adds the limits of models to whichever task fields
// (title, description, priority, due, tags) the input schema s has.
func constrainTaskFields(s *jsonschema.Schema) {
	if p, ok := s.Properties["title"]; ok {
		p.MinLength = new(1)
		p.MaxLength = jsonschema.Ptr(models.MaxTitleLen)
	}
	if p, ok := s.Properties["description"]; ok {
		p.MaxLength = jsonschema.Ptr(models.MaxDescriptionLen)
	}
	if p, ok := s.Properties["priority"]; ok {
		p.Enum = enum(models.Priorities...)
	}
	if p, ok := s.Properties["due"]; ok {
		p.MinLength = new(1)
		p.MaxLength = new(40)
	}
	if p, ok := s.Properties["tags"]; ok {
		p.MaxItems = jsonschema.Ptr(models.MaxTags)
		p.Items.MinLength = new(1)
		p.Items.MaxLength = jsonschema.Ptr(models.MaxTagLen)
	}
}

// annotations returns explicit hints for a tool that touches only the
// user's own task list (never an open world).
func annotations(readOnly, destructive, idempotent bool) *mcp.ToolAnnotations {
	return &mcp.ToolAnnotations{
		ReadOnlyHint:    readOnly,
		DestructiveHint: new(destructive),
		IdempotentHint:  idempotent,
		OpenWorldHint:   new(false),
	}
}
