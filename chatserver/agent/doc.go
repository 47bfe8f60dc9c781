// Package agent is TaskPilot's chat assistant: it answers ChatKit turns
// with an OpenAI-compatible model (Chat Completions, streaming, tool
// calling) and reaches the user's tasks only as an MCP client of the
// TaskPilot MCP server.
//
// [Agent] implements the ChatKit protocol's [chatkit.Responder],
// [chatkit.ActionHandler], [chatkit.SyncActionHandler] and
// [chatkit.Titler]. Per turn it opens one MCP session acting as the
// requesting user (see [Connector]), lists the server's tools once, and
// offers them to the model as function tools.
//
// What a turn shows:
//
//   - Model text streams as one assistant message per model response
//     (thread.item.added, content_part.added, text deltas, content_part.done,
//     thread.item.done).
//   - Before every tool call a progress_update names what is happening.
//   - Every tool call is confirmed as a step of a workflow item written
//     from the tool's result (a failure as a failed step with a message
//     for people), stored before the next visible item and at the end of
//     the turn.
//   - "Today" is the user's: the time zone of the request (chatkit.WithTimeZone,
//     from the pages' chatkit.TimeZoneHeader), else Config.Location. Every
//     tools/call names it in its _meta (TimeZoneMeta), so the MCP server's
//     "today" and "overdue" are the same.
//   - A widget action confirms its tool call in a one-step workflow item
//     worded as a turn's (streamed, or stored for a sync action).
//   - list_tasks results appear as a ListView widget whose buttons
//     complete, reopen or delete a task (actions "task.complete",
//     "task.reopen", "task.delete" with payload {"task_id": N}); rows show
//     repeat rules; after a delete the list offers Undo, and the trash's
//     rows Restore ("task.restore").
//   - A model reply counts only when the model finished it: a cut stream,
//     garbled tool-call arguments, a content-filter stop, a length stop
//     with tool calls, or a model stalled past Config.FirstTokenTimeout runs
//     none of the reply's tools, keeps its text marked as interrupted, and
//     ends the turn with a retryable error event. So does an MCP server
//     that fails mid-turn; only tool errors (isError) go back to the model.
//   - Every tool call and its result is stored as a hidden context item
//     (see [ToolCallRecord] and [DecodeToolCall]), so later turns replay
//     them to the model and "delete it" after "add buy milk" works; the
//     chat server's REST endpoint reports them through [Agent.ToolCall].
//
// Messages starting with "/" are commands that run without a model:
// /add (with !priority, due:, every: and #tags), /list, /done and
// /delete (one or several numbers), /undo N (reopen), /undo (restore the
// last delete), /trash and /help. With no model configured
// every other message gets a reply explaining how to configure one.
package agent
