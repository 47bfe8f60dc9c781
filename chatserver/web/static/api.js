// The ChatKit protocol client: one POST endpoint, JSON answers for most
// request types and an SSE stream for the six streaming ones.
import { readEvents } from './sse.js';

/** APIError is a request the server refused (or could not answer). */
export class APIError extends Error {
  constructor(status, code, message) {
    super(message);
    this.name = 'APIError';
    this.status = status;
    this.code = code;
  }
}

/** Client sends ChatKit requests to url, with auth's token. */
export class Client {
  constructor(url, auth, onUnauthorized = () => {}) {
    this.url = url;
    this.auth = auth;
    this.onUnauthorized = onUnauthorized;
  }

  // post sends one request and returns the response if it is a success.
  async post(type, params, accept, signal) {
    let res;
    try {
      res = await this.auth.fetch(this.url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: accept },
        body: JSON.stringify({ type, params, metadata: {} }),
        signal,
      });
    } catch (err) {
      if (signal && signal.aborted) throw err;
      throw new APIError(0, 'network', 'Cannot reach the server. Check your connection and try again.');
    }
    if (res.ok) return res;
    let code = 'http_' + res.status;
    let message = `The server answered HTTP ${res.status}.`;
    try {
      const body = await res.json();
      if (body && body.error) {
        code = body.error.code || code;
        message = body.error.message || message;
      }
    } catch {
      // not JSON: keep the generic message
    }
    if (res.status === 401) {
      message = 'Your sign-in is missing or has expired.';
      this.onUnauthorized();
    }
    if (res.status === 429) message = 'Too many requests; wait a moment and try again.';
    throw new APIError(res.status, code, message);
  }

  /** request sends a non-streaming request and returns its JSON answer. */
  async request(type, params) {
    const res = await this.post(type, params, 'application/json');
    return res.json();
  }

  /**
   * stream sends a streaming request and yields its events (parsed JSON).
   * Aborting signal closes the stream, which is how the server learns
   * that the user pressed stop.
   */
  async *stream(type, params, signal) {
    const res = await this.post(type, params, 'text/event-stream', signal);
    const ct = res.headers.get('Content-Type') || '';
    if (!ct.startsWith('text/event-stream')) {
      throw new APIError(res.status, 'bad_response', 'The server did not answer with a stream.');
    }
    for await (const data of readEvents(res.body)) {
      let ev;
      try {
        ev = JSON.parse(data);
      } catch {
        continue; // an unreadable event is skipped, not fatal
      }
      if (ev && typeof ev.type === 'string') yield ev;
    }
  }
}

/** isUnauthorized reports whether err is the server refusing the token (HTTP 401). */
export function isUnauthorized(err) {
  return err instanceof APIError && err.status === 401;
}

/** errorText returns what to tell the user about err: the server's message, or fallback. */
export function errorText(err, fallback) {
  if (err instanceof APIError) return err.message;
  return fallback;
}
