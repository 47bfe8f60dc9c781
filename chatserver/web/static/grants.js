// The DOM-free rules of the account page's connected applications (OAuth
// grants, GET /api/v1/grants), node-tested (jstest/grants.test.js): how a
// grant's client, scopes and date read, and what to say when a request
// fails.

/** GRANTS_PATH is the grants API of the chat server. */
export const GRANTS_PATH = '/api/v1/grants';

/** grantPath returns the path that revokes grant id (DELETE). */
export function grantPath(id) {
  return `${GRANTS_PATH}/${encodeURIComponent(id)}`;
}

/**
 * clientName returns how to call a grant's client: its name, else the host
 * of a URL client_id (a Client ID Metadata Document), else the client_id.
 */
export function clientName(g) {
  const name = typeof g.client_name === 'string' ? g.client_name.trim() : '';
  if (name) return name;
  const id = typeof g.client_id === 'string' ? g.client_id : '';
  try {
    const u = new URL(id);
    if (u.protocol === 'https:' || u.protocol === 'http:') return u.host;
  } catch {
    // not a URL: the id itself
  }
  return id || 'Unnamed application';
}

/** scopeText says in words what a grant's scopes let the client do. */
export function scopeText(scopes) {
  const s = new Set(Array.isArray(scopes) ? scopes : []);
  if (s.has('read') && s.has('write')) return 'Read and change your tasks';
  if (s.has('write')) return 'Change your tasks';
  if (s.has('read')) return 'Read your tasks';
  return 'No access to your tasks';
}

/** when formats an RFC 3339 time for people ('' if it is not one); opts go to Intl.DateTimeFormat. */
export function when(iso, opts = {}) {
  const t = typeof iso === 'string' ? Date.parse(iso) : NaN;
  if (Number.isNaN(t)) return '';
  return new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short', ...opts }).format(new Date(t));
}

/**
 * grantsError returns the message for a failed grants request: status 0
 * when the server could not be reached, body the JSON error if any.
 */
export function grantsError(status, body) {
  if (status === 0) return 'Cannot reach the server. Check your connection and try again.';
  if (status === 404) return 'That application is no longer connected. The list is up to date now.';
  if (status === 429) return 'Too many requests; wait a moment and try again.';
  if (status === 401) return 'Your sign-in has ended; sign in again.';
  const msg = body && body.error && typeof body.error.message === 'string' ? body.error.message : '';
  return msg ? `${msg.charAt(0).toUpperCase()}${msg.slice(1)}.`.replace(/\.\.$/, '.') : `Something went wrong (HTTP ${status}); try again.`;
}
