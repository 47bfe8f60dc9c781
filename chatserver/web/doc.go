// Package web serves TaskPilot's browser pages: the ChatKit page at "/",
// which loads OpenAI's ChatKit web component from its CDN and points it at
// our ChatKit endpoint, and the self-hosted "lite" client at "/lite", which
// speaks the same protocol with no third-party code and is used
// automatically when the CDN cannot be reached.
//
// Routes of the handler [New] returns:
//
//	GET  /                 the ChatKit page
//	GET  /lite             the lite client
//	GET  /lite/{file}      the pages' scripts, styles and icon (embedded)
//	GET  /signin           the sign-in page, only when Config.Auth is
//	                       "accounts"
//	GET  /account          the account page, only when Config.Auth is
//	                       "accounts": the connected applications (OAuth
//	                       grants, from the chat server's /api/v1/grants),
//	                       each revocable
//	POST /auth/dev-login   {"user": name} -> {"token": jwt}, only when
//	                       Config.DevLogin is set
//
// [Handler.Routes] lists these routes, so that the chat server mounts each
// as a route of its own and runs its Host, origin and logging middleware
// for the pages too.
//
// The pages get their settings from a JSON block rendered into the HTML
// (<script type="application/json" id="taskpilot-config">), never from the
// URL. Every answer carries X-Content-Type-Options: nosniff and
// Referrer-Policy: no-referrer; pages also carry a Content-Security-Policy
// that allows only this origin (and, for "/", the ChatKit CDN).
//
// How a page gets a bearer token depends on Config.Auth:
//
//   - "none": no token; the chat server acts as its single local user.
//   - "token": a host application that serves TaskPilot on its own origin
//     stores the user's JWT in sessionStorage["taskpilot.token"] (or sets
//     window.TASKPILOT_TOKEN) before opening the page; otherwise the page
//     asks the user to paste one (e.g. from `taskpilot token --user alice`).
//     Tokens are never read from the URL.
//   - "dev": the page asks for a name and trades it for a token at
//     POST /auth/dev-login. Only for development on a loopback address.
//   - "accounts": people sign in on GET /signin with an account's name
//     and password (or create one where sign-up allows); the sign-in API
//     of package chatserver/signin sets an HttpOnly session cookie, and
//     the pages get short-lived tokens from POST /auth/token, keep them
//     in memory only and refresh them before they end. When the session
//     is gone a page goes to /signin?next=<where it was> and comes back,
//     keeping the message the user was writing. A next path must be a
//     path of this origin ("/..." but not "//" or "/"), so the sign-in
//     page cannot send anyone elsewhere.
package web
