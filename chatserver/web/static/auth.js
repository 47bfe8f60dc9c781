// Bearer tokens for the pages, shared by the ChatKit page and the lite
// client. Where the token comes from depends on the server's auth mode:
//
//   none   no token at all;
//   token  sessionStorage["taskpilot.token"] or window.TASKPILOT_TOKEN,
//          put there by a host app on this origin, or pasted by the user;
//   dev    minted for a name by POST /auth/dev-login.
//
// Tokens are never read from or written to the URL.
import { $, h } from './dom.js';

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
  }

  /** needed reports whether requests need a token. */
  get needed() {
    return this.mode !== 'none';
  }

  /** token returns the current token, or '' if there is none. */
  token() {
    if (!this.needed) return '';
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
    try {
      sessionStorage.setItem(TOKEN_KEY, token);
    } catch {
      window.TASKPILOT_TOKEN = token;
    }
  }

  /** clear forgets the token, for example after the server refused it. */
  clear() {
    try {
      sessionStorage.removeItem(TOKEN_KEY);
    } catch {
      // nothing stored
    }
    delete window.TASKPILOT_TOKEN;
  }

  /** user returns the token's subject for display (the server checks the token; this does not). */
  user() {
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

  /** fetch is window.fetch with the Authorization header added when there is a token. */
  fetch(input, init = {}) {
    const headers = new Headers(init.headers || (input instanceof Request ? input.headers : undefined));
    const t = this.token();
    if (t) headers.set('Authorization', `Bearer ${t}`);
    return window.fetch(input, { ...init, headers });
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
