package mcpserver

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The tool call path. Each tool is registered with the SDK's low-level
// Server.AddTool and a handler built here, which does once what
// mcp.AddTool and a checking middleware used to do between them twice:
//
//   - the arguments are checked against the input schema by checkArgs,
//     whose messages a model can act on (the only validation: checkArgs
//     covers every keyword our schemas use, see TestSchemaKeywords);
//   - the schema defaults are applied and the arguments decoded into the
//     tool's input type in one json.Unmarshal, over a copy of the input
//     value that holds the defaults;
//   - the output goes into structuredContent as the Go value, which the
//     SDK encodes with the rest of the result: encoded here first, as a
//     json.RawMessage, it was encoded once and then re-scanned by the
//     SDK's encoding (encoding/json compacts every RawMessage).

// emptyArgs stands in for absent or null arguments.
var emptyArgs = json.RawMessage("{}")

// toolHandler returns the SDK handler of tool t: it checks and decodes
// the arguments, resolves the user, runs h and builds the result (see
// server.toolError for the errors).
func toolHandler[In, Out any](s *server, t *mcp.Tool, h handlerFunc[In, Out]) mcp.ToolHandler {
	schema := t.InputSchema.(*jsonschema.Schema)
	defaults := defaultsOf[In](schema)
	return func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		in, err := decodeArgs(schema, defaults, req.Params.Arguments)
		if err != nil {
			return errorResult(err), nil
		}
		user, err := s.userFrom(req)
		if err != nil {
			return errorResult(err), nil
		}
		out, text, err := h(ctx, user, in)
		if err != nil {
			return errorResult(s.toolError(ctx, t.Name, err)), nil
		}
		return &mcp.CallToolResult{
			Content:           []mcp.Content{&mcp.TextContent{Text: text}},
			StructuredContent: out,
		}, nil
	}
}

// decodeArgs checks raw against schema and decodes it over defaults.
// Absent or null arguments are {}.
func decodeArgs[In any](schema *jsonschema.Schema, defaults In, raw json.RawMessage) (In, error) {
	if trimmed := bytes.TrimSpace(raw); len(trimmed) == 0 || string(trimmed) == "null" {
		raw = emptyArgs
	}
	if err := checkArgs(schema, raw); err != nil {
		return defaults, err
	}
	in := defaults
	if err := json.Unmarshal(raw, &in); err != nil {
		// checkArgs accepted it, so this is a schema that does not fit In.
		return defaults, fmt.Errorf("Invalid arguments: %v.", err) //nolint:staticcheck // ST1005: a sentence shown verbatim to the model
	}
	return in, nil
}

// defaultsOf returns the In value that holds the schema's top-level
// defaults (the only ones our schemas have) and zero elsewhere. Decoding
// arguments over it gives every absent argument its default. It panics
// if the schema is not valid or its defaults do not fit In: a bug in a
// tool definition, found when the server is built.
func defaultsOf[In any](schema *jsonschema.Schema) In {
	if _, err := schema.Resolve(&jsonschema.ResolveOptions{ValidateDefaults: true}); err != nil {
		panic(fmt.Sprintf("mcpserver: input schema: %v", err))
	}
	var in In
	d := map[string]json.RawMessage{}
	for name, p := range schema.Properties {
		if p.Default != nil {
			d[name] = p.Default
		}
	}
	if len(d) == 0 {
		return in
	}
	b, err := json.Marshal(d)
	if err == nil {
		err = json.Unmarshal(b, &in)
	}
	if err != nil {
		panic(fmt.Sprintf("mcpserver: input defaults: %v", err))
	}
	return in
}

// errorResult is the tool error result that shows err to the model.
func errorResult(err error) *mcp.CallToolResult {
	res := &mcp.CallToolResult{}
	res.SetError(err)
	return res
}
