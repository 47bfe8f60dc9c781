// Package chatserver is TaskPilot's chat HTTP server: the gin adapter of
// the ChatKit protocol engine (package chatkit). It parses each request
// once, hands it to the engine and writes the answer as JSON or frames its
// events as SSE. It is the only package that imports gin, and it imports
// no model client and not the agent (package chatserver/agent): the REST
// endpoint gets a turn's tool calls through [ToolCalls], which the agent
// implements.
//
// Routes:
//
//	POST /chatkit, POST /api/v1/chatkit  the ChatKit endpoint: a JSON body
//	                                     {type, params, metadata?} answered
//	                                     with application/json or an SSE stream
//	POST /api/{user_id}/chat             the REST contract: {conversation_id?,
//	                                     message} -> {conversation_id, response,
//	                                     tool_calls}
//	GET  /api/v1/tasks, POST /api/v1/tasks/{task_id}/{change},
//	GET  /api/v1/tasks/events            the live task pane (only with
//	                                     Options.Pane; see [TaskPane])
//	GET  /api/v1/grants,
//	DELETE /api/v1/grants/{id}           the user's OAuth grants, revocable
//	                                     (only with Options.Grants; see [Grants])
//	GET  /healthz                        the process is up
//	GET  /readyz                         the database answers (503 if not);
//	                                     both as package httpops says
//	GET  /metrics                        Prometheus metrics (only with
//	                                     Options.Metrics; see [Metrics])
//	GET  /, /lite, /lite/{file}          the browser pages, and POST
//	POST /auth/dev-login                 /auth/dev-login when configured
//	                                     (only with Options.Web, on the
//	                                     routes it lists)
//
// Every other path is a JSON 404. On every route, a request that arrived
// on a loopback address with a foreign Host header is refused with 403
// (DNS rebinding; Options.AllowedHosts lets a reverse proxy's names
// through), and so is a cross-origin browser POST from an origin not in
// Options.AllowedOrigins.
//
// Every response carries an X-Request-Id header (the client's, if sane,
// else a new one), also in the request's log line, which is the one of
// package httpops with the user added.
//
// Every request to the first three, to the pane's and to the grants' is
// authenticated with "Authorization: Bearer <JWT>" when a [Verifier] is
// configured, and acts as the token's subject; without one every request
// acts as Options.LocalUser. Requests are limited per user (a token bucket), in
// body size and in message length, and a thread answers one turn at a
// time; the buckets and the turn locks are in memory unless
// Options.RateBuckets and Options.ThreadLocks share them between replicas.
// Errors outside a stream are JSON:
//
//	{"error":{"code":"invalid_request","message":"params.thread_id: required"}}
//
// with these codes and statuses: invalid_request and message_too_long 400,
// unauthenticated 401 (with WWW-Authenticate: Bearer), forbidden 403,
// not_found 404, thread_busy 409, body_too_large 413, rate_limited 429
// (with Retry-After), internal 500, not_supported 501, agent_failed 502,
// unavailable 503. Once a stream has started, failures are ChatKit error
// events instead.
//
// Serve the [Handler] from an http.Server with no write timeout (streams
// are long) and, on shutdown, end the open streams first with
// [Handler.CloseStreams], so that their partial answers are stored as when
// a user presses stop; taskpilot does both with package
// cmd/taskpilot/serving.
package chatserver
