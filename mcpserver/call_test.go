package mcpserver

import (
	"encoding/json"
	"testing"
)

// checkedKeywords are the JSON schema keywords checkArgs enforces. Tool
// calls are validated by checkArgs alone, so an input schema that uses
// any other keyword would go unchecked.
var checkedKeywords = map[string]bool{
	"type": true, "description": true, "properties": true, "required": true,
	"additionalProperties": true, "items": true, "enum": true, "default": true,
	"minLength": true, "maxLength": true, "minimum": true, "maximum": true,
	"minItems": true, "maxItems": true,
}

// TestSchemaKeywords: every keyword of every tool's input schema is one
// checkArgs enforces, and additionalProperties is always false.
func TestSchemaKeywords(t *testing.T) {
	t.Parallel()
	var walk func(tool, path string, s map[string]any)
	walk = func(tool, path string, s map[string]any) {
		for k, v := range s {
			if !checkedKeywords[k] {
				t.Errorf("%s: %s uses %q, which checkArgs does not check", tool, path, k)
			}
			switch k {
			case "properties":
				for name, p := range v.(map[string]any) {
					walk(tool, path+"."+name, p.(map[string]any))
				}
			case "items":
				walk(tool, path+"[]", v.(map[string]any))
			case "additionalProperties":
				if v != false {
					t.Errorf("%s: %s has additionalProperties %v, want false", tool, path, v)
				}
			}
		}
	}
	for _, tool := range Tools() {
		b, err := json.Marshal(tool.InputSchema)
		if err != nil {
			t.Fatal(err)
		}
		var s map[string]any
		if err := json.Unmarshal(b, &s); err != nil {
			t.Fatal(err)
		}
		walk(tool.Name, "arguments", s)
	}
}
