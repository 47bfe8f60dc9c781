// Bearer tokens for the pages, shared by the ChatKit page and the lite
// client. Where the token comes from depends on the server's auth mode:
//
//   none   no token at all;
//   token  sessionStorage["taskpilot.token"] or window.TASKPILOT_TOKEN,
//          put there by a host app on this origin, or pasted by the user;
//   dev    minted for a name by POST /auth/dev-login;
//   accounts  fetched with the HttpOnly session cookie of the sign-in page
//          (/signin) from POST /auth/token, kept in this tab's memory only
//          and refreshed shortly before it ends. When the session is gone
//          the page goes to /signin and comes back, keeping the message
//          the user was writing (sessionStorage["taskpilot.draft"]).
//
// Tokens are never read from or written to the URL.
import { $, h } from './dom.js';
import { TIMEZONE_HEADER, browserTimeZone } from './pagestate.js';
import { DRAFT_KEY, SIGNIN_PATH, SIGNOUT_PATH, TOKEN_PATH, isStale, messageText, refreshDelay, signInURL } from './session.js';

/** TOKEN_KEY is the sessionStorage key of the bearer token. */
export const TOKEN_KEY = 'taskpilot.token';

/** readConfig returns the settings the server rendered into the page. */
export function readConfig() {
  const el = $('taskpilot-config');
  return JSON.parse(el ? el.textContent : '{}');
}

/** Auth holds the page's token. */
export class Auth {
  constructor(cfg) {
    this.mode = cfg.auth || 'none';
    this.devLoginPath = cfg.devLoginPath || '';
    // accounts mode: the token, its user and end (ms), all in memory.
    this.mem = '';
    this.memUser = '';
    this.expiresAt = 0;
    this.timer = 0;
    this.refreshing = null;
    this.leaving = false;
    /** draft returns the text in the page's message box, kept when the session ends (pages set it). */
    this.draft = () => '';
  }

  /** accounts reports whether the page signs in with an account (sign-in page, session cookie). */
  get accounts() {
    return this.mode === 'accounts';
  }

  /** needed reports whether requests need a token. */
  get needed() {
    return this.mode !== 'none';
  }

  /** token returns the current token, or '' if there is none. */
  token() {
    if (!this.needed) return '';
    if (this.accounts) return this.mem;
    let t = '';
    try {
      t = sessionStorage.getItem(TOKEN_KEY) || '';
    } catch {
      // Storage may be disabled; fall back to the host app's variable.
    }
    return t || (typeof window.TASKPILOT_TOKEN === 'string' ? window.TASKPILOT_TOKEN : '');
  }

  /** set stores token for this tab. */
  set(token) {
    if (this.accounts) {
      this.mem = token;
      return;
    }
    try {
      sessionStorage.setItem(TOKEN_KEY, token);
    } catch {
      window.TASKPILOT_TOKEN = token;
    }
  }

  /** clear forgets the token, for example after the server refused it. */
  clear() {
    if (this.accounts) {
      this.mem = '';
      this.memUser = '';
      this.expiresAt = 0;
      clearTimeout(this.timer);
      return;
    }
    try {
      sessionStorage.removeItem(TOKEN_KEY);
    } catch {
      // nothing stored
    }
    delete window.TASKPILOT_TOKEN;
  }

  /** user returns the token's subject for display (the server checks the token; this does not). */
  user() {
    if (this.accounts) return this.mem ? this.memUser : '';
    const parts = this.token().split('.');
    if (parts.length !== 3) return '';
    try {
      const json = atob(parts[1].replace(/-/g, '+').replace(/_/g, '/'));
      const sub = JSON.parse(json).sub;
      return typeof sub === 'string' ? sub : '';
    } catch {
      return '';
    }
  }

  /**
   * fetch is window.fetch with the Authorization header added when there
   * is a token. In accounts mode it first refreshes a token about to end,
   * and on a 401 refreshes once and retries; if the session is gone it
   * keeps the message being written or sent and goes to the sign-in page.
   */
  async fetch(input, init = {}) {
    if (!this.accounts) return this.send(input, init);
    if (isStale(this.expiresAt, Date.now())) await this.refresh().catch(() => false);
    const retry = input instanceof Request ? input.clone() : input;
    let res = await this.send(input, init);
    if (res.status !== 401) return res;
    let again = false;
    try {
      again = await this.refresh();
    } catch {
      return res; // the server cannot say now; the caller reports the 401
    }
    if (again) res = await this.send(retry, init);
    if (res.status === 401) this.sessionGone(typeof init.body === 'string' ? init.body : '');
    return res;
  }

  // send is one request with the current token.
  send(input, init) {
    const headers = new Headers(init.headers || (input instanceof Request ? input.headers : undefined));
    const t = this.token();
    if (t) headers.set('Authorization', `Bearer ${t}`);
    // The user's "today" is the browser's (the server ignores a zone it does not know).
    const tz = browserTimeZone();
    if (tz) headers.set(TIMEZONE_HEADER, tz);
    return window.fetch(input, { ...init, headers });
  }

  /**
   * refresh gets a new token with the session cookie (accounts mode) and
   * schedules the next refresh. It resolves true when signed in, false
   * when there is no session (401), and rejects when the server cannot
   * answer. Calls while one is under way share it.
   */
  refresh() {
    if (!this.refreshing) {
      this.refreshing = this.fetchToken().finally(() => {
        this.refreshing = null;
      });
    }
    return this.refreshing;
  }

  async fetchToken() {
    let res;
    try {
      res = await window.fetch(TOKEN_PATH, { method: 'POST', credentials: 'same-origin', cache: 'no-store' });
    } catch {
      throw new Error('Cannot reach the server. Check your connection and try again.');
    }
    if (res.status === 401) {
      this.clear();
      return false;
    }
    let body = null;
    try {
      body = await res.json();
    } catch {
      // reported below
    }
    if (!res.ok || !body || typeof body.token !== 'string') {
      const msg = body && body.error && body.error.message;
      throw new Error(msg || `Could not get a token (HTTP ${res.status}).`);
    }
    this.mem = body.token;
    this.memUser = typeof body.user === 'string' ? body.user : '';
    this.expiresAt = Date.now() + Number(body.expires_in) * 1000;
    clearTimeout(this.timer);
    // A failed refresh is retried by the next request (isStale), which
    // also notices a session that ended.
    this.timer = setTimeout(() => this.refresh().catch(() => {}), refreshDelay(Number(body.expires_in)));
    return true;
  }

  /**
   * sessionGone keeps the text being written (the page's draft, else the
   * message of the refused request body) and goes to the sign-in page,
   * which comes back here afterwards.
   */
  sessionGone(body = '') {
    if (this.leaving) return;
    this.leaving = true;
    this.clear();
    saveDraft(this.draft() || messageText(body));
    location.replace(signInURL(location.pathname + location.search + location.hash));
  }

  /** signOut ends the session (accounts mode) and goes to the sign-in page. */
  async signOut() {
    let res;
    try {
      res = await window.fetch(SIGNOUT_PATH, { method: 'POST', credentials: 'same-origin' });
    } catch {
      throw new Error('Cannot reach the server to sign out; try again.');
    }
    if (!res.ok) throw new Error('Could not sign out; try again.');
    this.leaving = true;
    this.clear();
    takeDraft();
    location.replace(SIGNIN_PATH);
  }

  /** devLogin trades a user name for a token and stores it. */
  async devLogin(user) {
    const res = await window.fetch(this.devLoginPath, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ user }),
    });
    let body = {};
    try {
      body = await res.json();
    } catch {
      // not JSON: reported below
    }
    if (!res.ok || typeof body.token !== 'string') {
      const msg = body && body.error && body.error.message;
      throw new Error(msg || (res.status === 404 ? 'Dev login is not enabled on this server.' : `Sign-in failed (HTTP ${res.status}).`));
    }
    this.set(body.token);
  }
}

/** saveDraft keeps text for this tab until takeDraft (nothing if it is empty). */
export function saveDraft(text) {
  if (!text || !text.trim()) return;
  try {
    sessionStorage.setItem(DRAFT_KEY, text);
  } catch {
    // storage disabled: nothing can be kept
  }
}

/** takeDraft returns the text saveDraft kept, and forgets it. */
export function takeDraft() {
  try {
    const t = sessionStorage.getItem(DRAFT_KEY) || '';
    sessionStorage.removeItem(DRAFT_KEY);
    return t;
  } catch {
    return '';
  }
}

/**
 * showLogin renders the sign-in form for the auth mode into container and
 * resolves once a token is stored. reason, if given, says why (for
 * example that the previous token was refused).
 */
export function showLogin(container, auth, reason = '') {
  return new Promise((resolve) => {
    const dev = auth.mode === 'dev';
    const input = h('input', {
      id: 'login-input',
      name: dev ? 'user' : 'token',
      type: dev ? 'text' : 'password',
      required: true,
      autocomplete: dev ? 'username' : 'off',
      spellcheck: false,
    });
    if (dev) {
      input.maxLength = 64;
      input.pattern = '[A-Za-z0-9._\\-]{1,64}';
    }
    const error = h('p', { class: 'login-error', role: 'alert' });
    const button = h('button', { type: 'submit', class: 'btn primary', text: dev ? 'Sign in' : 'Continue' });
    const form = h(
      'form',
      { class: 'login', 'aria-labelledby': 'login-title' },
      h('h2', { id: 'login-title', text: dev ? 'Sign in (development)' : 'Sign in' }),
      reason ? h('p', { class: 'login-reason', text: reason }) : null,
      h('p', {
        class: 'muted',
        text: dev
          ? 'Development mode: pick any name. Each name has its own tasks and conversations.'
          : 'Paste the access token you were given (for example by `taskpilot token --user alice`). It is kept in this tab only.',
      }),
      h('label', { for: 'login-input', text: dev ? 'Your name' : 'Access token' }),
      input,
      dev ? h('p', { class: 'muted small', text: 'Letters, digits, dots, dashes and underscores; up to 64.' }) : null,
      error,
      button,
    );
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      error.textContent = '';
      const value = input.value.trim();
      if (!value) {
        error.textContent = dev ? 'Enter a name.' : 'Paste a token.';
        input.focus();
        return;
      }
      if (!dev) {
        if (/\s/.test(value)) {
          error.textContent = 'A token has no spaces; paste it again.';
          input.focus();
          return;
        }
        auth.set(value);
        container.hidden = true;
        container.replaceChildren();
        resolve();
        return;
      }
      if (!/^[A-Za-z0-9._-]{1,64}$/.test(value)) {
        error.textContent = 'Use 1 to 64 letters, digits, dots, dashes or underscores.';
        input.focus();
        return;
      }
      button.disabled = true;
      try {
        await auth.devLogin(value);
        container.hidden = true;
        container.replaceChildren();
        resolve();
      } catch (err) {
        error.textContent = err.message;
        input.focus();
      } finally {
        button.disabled = false;
      }
    });
    container.replaceChildren(form);
    container.hidden = false;
    input.focus();
  });
}
