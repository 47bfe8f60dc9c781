// The DOM-free rules of signing in with an account (the "accounts" auth
// mode), shared by the sign-in page and the pages' token handling, and
// node-tested (jstest/session.test.js): where to go after signing in, what
// the URL fragment of a setup or invite link holds, when to refresh a page
// token, which text to keep when the session is gone, and what to tell the
// user about a refused sign-in.

/** Paths of the sign-in page and of the sign-in API (package chatserver/signin). */
export const SIGNIN_PATH = '/signin';
export const TOKEN_PATH = '/auth/token';
export const SIGNOUT_PATH = '/auth/signout';
export const CONFIG_PATH = '/auth/config';

/** DRAFT_KEY is the sessionStorage key of the message kept across a sign-in. */
export const DRAFT_KEY = 'taskpilot.draft';

/** DEFAULT_NEXT is where the sign-in page goes when it has no (valid) next path. */
export const DEFAULT_NEXT = '/';

/**
 * safeNext returns next if it is a path on this origin, else
 * DEFAULT_NEXT: it must start with "/" but not "//" or "/\" (both are
 * other hosts to a browser), hold no control characters (browsers drop
 * tabs and newlines, so "/\t/evil.example" would become "//evil.example")
 * and not lead back to the sign-in page. origin, if given, is checked
 * against the resolved URL as well.
 */
export function safeNext(next, origin = '') {
  if (typeof next !== 'string' || next.length > 2048) return DEFAULT_NEXT;
  if (!next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return DEFAULT_NEXT;
  if (/[\u0000-\u001f\u007f]/.test(next)) return DEFAULT_NEXT;
  const path = next.split(/[?#]/, 1)[0];
  if (path === SIGNIN_PATH || path.startsWith(SIGNIN_PATH + '/')) return DEFAULT_NEXT;
  if (origin) {
    try {
      if (new URL(next, origin).origin !== origin) return DEFAULT_NEXT;
    } catch {
      return DEFAULT_NEXT;
    }
  }
  return next;
}

/** signInURL returns the sign-in page's URL that comes back to next (a path of this origin). */
export function signInURL(next) {
  const n = safeNext(next);
  return n === DEFAULT_NEXT ? SIGNIN_PATH : `${SIGNIN_PATH}?next=${encodeURIComponent(n)}`;
}

/**
 * parseFragment reads a setup or invite link's fragment ("#setup=SECRET"
 * or "#invite=SECRET") and returns {setup, invite}, each "" when absent
 * or not a plausible secret (1 to 256 URL-safe characters).
 */
export function parseFragment(hash) {
  const out = { setup: '', invite: '' };
  if (typeof hash !== 'string') return out;
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  for (const key of ['setup', 'invite']) {
    const v = (params.get(key) || '').trim();
    if (/^[A-Za-z0-9._~-]{1,256}$/.test(v)) out[key] = v;
  }
  return out;
}

/** MIN_REFRESH_MS is the shortest wait before refreshing a token. */
export const MIN_REFRESH_MS = 1000;

/**
 * refreshDelay returns how many milliseconds after receiving a token that
 * is valid for expiresIn seconds to fetch the next one: a fifth of its
 * life before it ends, at most a minute early (a 5-minute token is
 * refreshed after 4). An unusable expiresIn counts as 30 seconds.
 */
export function refreshDelay(expiresIn) {
  const life = Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : 30;
  return Math.max(MIN_REFRESH_MS, Math.round((life - Math.min(60, life / 5)) * 1000));
}

/**
 * isStale reports whether a token that ends at expiresAt (ms since the
 * epoch) should be refreshed before use at now: within 10 seconds of its
 * end (the refresh timer may not have run: a sleeping laptop, a
 * background tab).
 */
export function isStale(expiresAt, now) {
  return !expiresAt || now >= expiresAt - 10000;
}

/**
 * messageText returns the text of the user message in a ChatKit request
 * body (a JSON string, as the pages send it), or "" if it holds none: the
 * message to keep when the request is refused because the session ended.
 */
export function messageText(body) {
  if (typeof body !== 'string' || !body) return '';
  let req;
  try {
    req = JSON.parse(body);
  } catch {
    return '';
  }
  const content = req && req.params && req.params.input && req.params.input.content;
  if (!Array.isArray(content)) return '';
  return content
    .filter((p) => p && typeof p.text === 'string' && (p.type === 'input_text' || p.type === 'input_tag'))
    .map((p) => (p.type === 'input_tag' ? `@${p.text}` : p.text))
    .join('');
}

/**
 * signInError returns what to tell the user about a refused sign-in or
 * sign-up: status is the HTTP status, body the parsed JSON answer (or
 * null), retryAfter the Retry-After header. It returns {message, field,
 * wait}: field is the input to focus ("name", "password" or ""), wait the
 * seconds to wait before trying again (0 if none).
 */
export function signInError(status, body, retryAfter) {
  const err = (body && body.error) || {};
  const code = typeof err.code === 'string' ? err.code : '';
  const server = typeof err.message === 'string' && err.message ? sentence(err.message) : '';
  switch (code) {
    case 'invalid_credentials':
      return { message: 'Wrong name or password.', field: 'password', wait: 0 };
    case 'rate_limited': {
      const wait = Math.max(1, Math.min(3600, parseInt(retryAfter, 10) || 0)) || 1;
      return { message: `Too many attempts. Wait ${wait} second${wait === 1 ? '' : 's'} and try again.`, field: '', wait };
    }
    case 'name_taken':
      return { message: 'That name is taken; choose another.', field: 'name', wait: 0 };
    case 'invalid_name':
      return { message: server || 'That name cannot be used.', field: 'name', wait: 0 };
    case 'invalid_password':
      return { message: server || 'That password cannot be used.', field: 'password', wait: 0 };
    case 'invalid_invite':
      return { message: server || 'This invite link is not valid: it was used already or has expired.', field: '', wait: 0 };
    case 'invalid_setup':
      return { message: server || 'This setup link is not valid any more.', field: '', wait: 0 };
    default:
      break;
  }
  if (server) return { message: server, field: '', wait: 0 };
  if (status === 0) return { message: 'Cannot reach the server. Check your connection and try again.', field: '', wait: 0 };
  if (status >= 500) return { message: 'Sign-in is unavailable right now; try again shortly.', field: '', wait: 0 };
  return { message: `Sign-in failed (HTTP ${status}).`, field: '', wait: 0 };
}

// sentence capitalises msg and ends it with a full stop.
function sentence(msg) {
  const s = msg.trim();
  if (!s) return '';
  const t = s[0].toUpperCase() + s.slice(1);
  return /[.!?]$/.test(t) ? t : `${t}.`;
}
