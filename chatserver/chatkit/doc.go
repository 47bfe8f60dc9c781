// Package chatkit speaks OpenAI's ChatKit custom-backend protocol, as the
// ChatKit Python SDK 1.6.5 does, without any web framework, model client or
// database.
//
// It has three parts:
//
//   - Wire types with the exact JSON of the reference server: threads
//     ([ThreadMetadata], [Thread]), thread items ([ThreadItem] and its eleven
//     kinds), stream events ([Event]) and item updates ([ItemUpdate]),
//     pages ([Page]). A [WidgetItem] carries a tree of the components of
//     package chatkit/widget (widget.Card, widget.Text, ...); [StreamWidget]
//     streams one as it is built, with the updates of [DiffWidget].
//   - Request decoding: [ParseRequest] validates the body of POST /chatkit,
//     {"type", "params", "metadata"}, for all sixteen request types.
//   - The protocol engine: [Server.Handle] answers a parsed [Request] for one
//     user, either with a JSON document or with a stream of typed [Event]
//     values. It persists threads and items through a [Store], and asks a
//     [Responder] to produce the assistant's turn.
//
// The HTTP layer only frames the result: a non-streaming [Response] is
// written as application/json, a streaming one as text/event-stream, each
// event as one SSE frame ([EncodeSSE]), sent when the engine flushes its
// [EventWriter]: after every event but text deltas, which go out together
// before the Responder waits for more ([Turn].Flush). Errors
// of ParseRequest and Handle map to HTTP statuses: a [*RequestError] is 400,
// [ErrNotFound] is 404 and [ErrUnsupported] is 501.
//
// Timestamps are UTC with microsecond precision and marshal as RFC 3339
// ("2026-11-27T02:16:25.966971Z"). Ids have the reference's prefixes,
// with 64 random bits rather than its 32: "thr_1a2b3c4d5e6f7a8b",
// "msg_…", "tc_…", "wf_…", "shcx_…" (see [NewID]).
package chatkit
