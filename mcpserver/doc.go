// Package mcpserver is TaskPilot's MCP server: six task tools (add_task,
// list_tasks, find_task_by_name, complete_task, delete_task, update_task)
// over a TaskStore, built on the official go-sdk.
//
// Tools never take a user id. The user comes from the request's bearer token
// info (set by the HTTP auth middleware) or, for stdio and unauthenticated
// setups, from Options.DefaultUser. Every tool sees only that user's tasks;
// another user's task numbers look exactly like missing ones.
//
// Each successful call returns the tool's typed output as structured content
// plus one short sentence as text. Bad input, unknown task numbers and
// ambiguous names come back as tool errors (IsError) with a message a model
// can act on; internal failures are logged and reported generically.
//
// Besides the tools the server offers prompts (prompts.go), the user's
// tasks as resources with a paginated per-user resources/list
// (resources.go), completions (completions.go) and, with Options.Changes,
// resource subscriptions fed by the task change feed (changes.go). They
// resolve the user exactly like the tools.
package mcpserver
