// What the pages keep outside the server, without the DOM: the browser's
// time zone, sent with every request so that "today" is the user's, and
// the open thread's id in the URL fragment (/#thr_…, /lite#thr_…), so
// that a reload or a bookmark reopens it. The node tests cover them (jstest/pagestate.test.js).

/** TIMEZONE_HEADER carries the browser's IANA time zone (the server validates it). */
export const TIMEZONE_HEADER = 'X-TaskPilot-Timezone';

/** browserTimeZone returns the browser's IANA time zone name, or '' if it has none. */
export function browserTimeZone(intl = globalThis.Intl) {
  try {
    const tz = intl.DateTimeFormat().resolvedOptions().timeZone;
    return typeof tz === 'string' && /^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/.test(tz) ? tz : '';
  } catch {
    return '';
  }
}

// A thread id: at most 255 printable characters without spaces (the
// server's rule for ids).
const ID = /^[\x21-\x7e]{1,255}$/;

/** threadFromHash returns the thread id of a URL fragment ("#thr_1a2b3c4d"), or null. */
export function threadFromHash(hash) {
  let id;
  try {
    id = decodeURIComponent(String(hash || '').replace(/^#/, ''));
  } catch {
    return null;
  }
  return ID.test(id) ? id : null;
}

/** hashFor returns the URL fragment for thread id ('' for none). */
export function hashFor(id) {
  return id ? `#${encodeURIComponent(id)}` : '';
}
