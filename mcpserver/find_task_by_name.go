package mcpserver

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/taskpilot/taskpilot/models"
)

// maxMatches is how many candidates an ambiguous name lists.
const maxMatches = 10

// findTaskByNameIn is find_task_by_name's input.
type findTaskByNameIn struct {
	Name string `json:"name" jsonschema:"the task's title or a distinctive part of it, as the user said it"`
}

// findTaskByNameOut is find_task_by_name's structured result.
type findTaskByNameOut struct {
	TaskID int64    `json:"task_id" jsonschema:"the matching task's number; use it as task_id in other tools"`
	Title  string   `json:"title"`
	Task   taskJSON `json:"task"`
}

// findTaskByNameTool defines find_task_by_name.
func findTaskByNameTool() *mcp.Tool {
	in := schemaFor[findTaskByNameIn]()
	prop(in, "name").MinLength = new(1)
	prop(in, "name").MaxLength = jsonschema.Ptr(models.MaxTitleLen)
	return &mcp.Tool{
		Name:  "find_task_by_name",
		Title: "Find task by name",
		Description: "Find one of the user's tasks by its title and return its task_id. Use it whenever the user " +
			"refers to a task by name rather than by number, before complete_task, update_task or delete_task. " +
			"A title equal to name (ignoring case) wins; otherwise the single title containing name. If several " +
			"tasks match, the error lists them with their task_ids: ask the user which one they mean.",
		Annotations:  annotations(true, false, true),
		InputSchema:  in,
		OutputSchema: schemaFor[findTaskByNameOut](),
	}
}

// findTaskByName resolves a name to exactly one task, or explains why not.
func (s *server) findTaskByName(ctx context.Context, user string, in findTaskByNameIn) (findTaskByNameOut, string, error) {
	name, err := models.ValidateLine("name", in.Name, models.MaxTitleLen)
	if err != nil {
		return findTaskByNameOut{}, "", err
	}
	if name == "" {
		return findTaskByNameOut{}, "", userErrorf("Invalid name: give the task's title or part of it.")
	}
	ts, err := s.st.FindTasksByTitle(ctx, user, name, maxMatches+1)
	if err != nil {
		return findTaskByNameOut{}, "", fmt.Errorf("find tasks by title: %w", err)
	}
	switch len(ts) {
	case 0:
		return findTaskByNameOut{}, "", userErrorf("No task matches %q. Call list_tasks to see the user's tasks and their task ids.", name)
	case 1:
		tj := toTaskJSON(ts[0], s.clock(ctx))
		text := fmt.Sprintf("Found task %d: %s", tj.TaskID, tj.Title)
		if tj.Completed {
			text += " (completed)"
		}
		return findTaskByNameOut{TaskID: tj.TaskID, Title: tj.Title, Task: tj}, text, nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Several tasks match %q: ", name)
	for i, t := range ts[:min(len(ts), maxMatches)] {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%d %q", t.Number, t.Title)
		if t.Completed {
			b.WriteString(" (completed)")
		}
	}
	if len(ts) > maxMatches {
		b.WriteString(" and more")
	}
	b.WriteString(". Ask the user which one, or use a more specific name.")
	return findTaskByNameOut{}, "", userErrorf("%s", b.String())
}
