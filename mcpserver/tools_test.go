package mcpserver

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// toolDef is what a tool golden file holds.
type toolDef struct {
	Name         string               `json:"name"`
	Title        string               `json:"title"`
	Description  string               `json:"description"`
	Annotations  *mcp.ToolAnnotations `json:"annotations"`
	InputSchema  any                  `json:"inputSchema"`
	OutputSchema any                  `json:"outputSchema"`
}

// listTools lists the tools a client sees.
func listTools(t *testing.T) []*mcp.Tool {
	t.Helper()
	cs := connect(t, nil, Options{DefaultUser: "nobody"})
	res, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatalf("list tools: %v", err)
	}
	return res.Tools
}

// golden compares got with testdata/name, or rewrites the file when
// UPDATE_GOLDEN is set. Both sides are compared as decoded JSON.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if os.Getenv("UPDATE_GOLDEN") != "" {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with UPDATE_GOLDEN=1 to create it)", err)
	}
	var w, g any
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(w, g); diff != "" {
		t.Errorf("%s mismatch (-want +got); run with UPDATE_GOLDEN=1 if intended:\n%s", path, diff)
	}
}

func TestToolDefinitionsGolden(t *testing.T) {
	t.Parallel()
	tools := listTools(t)
	var names []string
	for _, tool := range tools {
		names = append(names, tool.Name)
		b, err := json.MarshalIndent(toolDef{
			Name:         tool.Name,
			Title:        tool.Title,
			Description:  tool.Description,
			Annotations:  tool.Annotations,
			InputSchema:  tool.InputSchema,
			OutputSchema: tool.OutputSchema,
		}, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		golden(t, filepath.Join("tools", tool.Name+".json"), append(b, '\n'))
	}
	want := []string{"add_task", "complete_task", "delete_task", "find_task_by_name", "list_tasks", "update_task"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("tool names (-want +got):\n%s", diff)
	}
}

// The server's name and instructions for models are API too.
func TestServerInfoGolden(t *testing.T) {
	t.Parallel()
	cs := connect(t, nil, Options{DefaultUser: "nobody", Version: "1.2.3"})
	info := cs.InitializeResult()
	b, err := json.MarshalIndent(map[string]any{
		"serverInfo":   info.ServerInfo,
		"instructions": info.Instructions,
		"capabilities": info.Capabilities,
	}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "server.json", append(b, '\n'))
}

// Tools must describe exactly what New serves.
func TestToolsMatchesServer(t *testing.T) {
	t.Parallel()
	served := map[string]string{}
	for _, tool := range listTools(t) {
		b, _ := json.Marshal(tool)
		served[tool.Name] = string(b)
	}
	defs := Tools()
	if len(defs) != len(served) {
		t.Fatalf("Tools() has %d tools, the server %d", len(defs), len(served))
	}
	for _, tool := range defs {
		b, err := json.Marshal(tool)
		if err != nil {
			t.Fatal(err)
		}
		var want, got any
		_ = json.Unmarshal(b, &want)
		_ = json.Unmarshal([]byte(served[tool.Name]), &got)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: Tools() vs served (-Tools +served):\n%s", tool.Name, diff)
		}
	}
}

// Models handle ["null", T] types badly; no schema may contain one.
func TestSchemasHaveNoNullType(t *testing.T) {
	t.Parallel()
	for _, tool := range listTools(t) {
		for kind, schema := range map[string]any{"inputSchema": tool.InputSchema, "outputSchema": tool.OutputSchema} {
			for _, path := range nullTypes(schema, kind) {
				t.Errorf("%s: %s allows null", tool.Name, path)
			}
		}
	}
}

// nullTypes returns the paths in a decoded JSON schema whose "type" is or
// includes "null".
func nullTypes(v any, path string) []string {
	var out []string
	switch v := v.(type) {
	case map[string]any:
		switch typ := v["type"].(type) {
		case string:
			if typ == "null" {
				out = append(out, path)
			}
		case []any:
			for _, x := range typ {
				if x == "null" {
					out = append(out, path)
				}
			}
		}
		for k, child := range v {
			out = append(out, nullTypes(child, path+"/"+k)...)
		}
	case []any:
		for i, child := range v {
			out = append(out, nullTypes(child, fmt.Sprintf("%s/%d", path, i))...)
		}
	}
	return out
}

// Every input schema rejects unknown properties, and every tool states its
// hints explicitly.
func TestToolContracts(t *testing.T) {
	t.Parallel()
	for _, tool := range listTools(t) {
		in := tool.InputSchema.(map[string]any)
		if in["additionalProperties"] != false {
			t.Errorf("%s: inputSchema.additionalProperties = %v, want false", tool.Name, in["additionalProperties"])
		}
		a := tool.Annotations
		if a == nil || a.DestructiveHint == nil || a.OpenWorldHint == nil || *a.OpenWorldHint {
			t.Errorf("%s: annotations %+v: want explicit destructive and openWorld=false", tool.Name, a)
		}
		if tool.OutputSchema == nil {
			t.Errorf("%s: no output schema", tool.Name)
		}
		if props, _ := in["properties"].(map[string]any); props["task_id"] != nil {
			if !strings.Contains(tool.Description, "not a position in a list") {
				t.Errorf("%s: description does not explain task_id", tool.Name)
			}
			if !strings.Contains(tool.Description, "find_task_by_name") {
				t.Errorf("%s: description does not point to find_task_by_name", tool.Name)
			}
		}
	}
}
