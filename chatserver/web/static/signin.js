// The sign-in page (/signin): signs in with an account's name and password
// (POST /auth/signin), or creates an account (POST /auth/signup) when
// GET /auth/config says sign-up is open, or with an invite link
// (#invite=SECRET) or the first-account setup link (#setup=SECRET). The
// server answers with an HttpOnly session cookie; this page never sees a
// token. Afterwards it goes to ?next= (a path of this origin only), else /.
import { $ } from './dom.js';
import { CONFIG_PATH, TOKEN_PATH, parseFragment, safeNext, signInError } from './session.js';

const next = safeNext(new URLSearchParams(location.search).get('next'), location.origin);
const secrets = parseFragment(location.hash);

const ui = {
  notice: $('notice'),
  signin: {
    form: $('signin-form'),
    name: $('signin-name'),
    password: $('signin-password'),
    error: $('signin-error'),
    submit: $('signin-submit'),
  },
  signup: {
    form: $('signup-form'),
    title: $('signup-title'),
    intro: $('signup-intro'),
    name: $('signup-name'),
    password: $('signup-password'),
    error: $('signup-error'),
    submit: $('signup-submit'),
  },
  signupOffer: $('signup-offer'),
  signupClosed: $('signup-closed'),
  signinOffer: $('signin-offer'),
};

// notice shows a message above the forms ('' hides it).
function notice(text, level = 'info') {
  ui.notice.textContent = text;
  ui.notice.className = `signin-notice ${level}`;
  ui.notice.hidden = !text;
}

// show shows one of the forms and focuses its first field.
function show(which) {
  ui.signin.form.hidden = which !== 'signin';
  ui.signup.form.hidden = which !== 'signup';
  const f = ui[which];
  (f.name.value ? f.password : f.name).focus();
}

// setError shows msg under form f and marks field (a key of f) invalid.
function setError(f, msg, field = '') {
  f.error.textContent = msg;
  for (const k of ['name', 'password']) {
    if (k === field) f[k].setAttribute('aria-invalid', 'true');
    else f[k].removeAttribute('aria-invalid');
  }
  if (field) {
    f[field].focus();
    if (field === 'password') f[field].select();
  }
}

// post sends body as JSON to path and returns {status, body, retryAfter}
// (status 0 when the server cannot be reached).
async function post(path, body) {
  let res;
  try {
    res = await fetch(path, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
  } catch {
    return { status: 0, body: null, retryAfter: null };
  }
  let json = null;
  if (res.status !== 204) {
    try {
      json = await res.json();
    } catch {
      // no JSON: signInError says what the status means
    }
  }
  return { status: res.status, body: json, retryAfter: res.headers.get('Retry-After') };
}

// submit runs one sign-in or sign-up from form f, and goes on when it works.
async function submit(f, path, body, check) {
  setError(f, '');
  const problem = check();
  if (problem) {
    setError(f, problem.message, problem.field);
    return;
  }
  f.submit.disabled = true;
  f.form.setAttribute('aria-busy', 'true');
  const res = await post(path, body());
  f.form.removeAttribute('aria-busy');
  if (res.status === 204) {
    location.replace(next);
    return;
  }
  const e = signInError(res.status, res.body, res.retryAfter);
  setError(f, e.message, e.field);
  if (e.wait) {
    setTimeout(() => (f.submit.disabled = false), e.wait * 1000);
  } else {
    f.submit.disabled = false;
  }
}

// checkFields returns the first missing field of f as an error, or null.
function checkFields(f, newPassword) {
  if (!f.name.value.trim()) return { message: 'Enter your name.', field: 'name' };
  if (!f.password.value) return { message: 'Enter your password.', field: 'password' };
  if (newPassword && [...f.password.value].length < 8) return { message: 'The password must have at least 8 characters.', field: 'password' };
  return null;
}

function wire(config) {
  ui.signin.form.addEventListener('submit', (e) => {
    e.preventDefault();
    submit(ui.signin, '/auth/signin', () => ({ name: ui.signin.name.value.trim(), password: ui.signin.password.value }), () => checkFields(ui.signin, false));
  });
  ui.signup.form.addEventListener('submit', (e) => {
    e.preventDefault();
    const body = () => {
      const b = { name: ui.signup.name.value.trim(), password: ui.signup.password.value };
      if (secrets.setup && config.setup) b.setup = secrets.setup;
      else if (secrets.invite) b.invite = secrets.invite;
      return b;
    };
    submit(ui.signup, '/auth/signup', body, () => checkFields(ui.signup, true));
  });
  for (const box of document.querySelectorAll('.show-password')) {
    box.addEventListener('change', () => {
      $(box.dataset.for).type = box.checked ? 'text' : 'password';
    });
  }
  $('show-signup').addEventListener('click', () => show('signup'));
  $('show-signin').addEventListener('click', () => show('signin'));
}

// readConfig asks the server what it offers: {signup, setup}.
async function readConfig() {
  try {
    const res = await fetch(CONFIG_PATH, { credentials: 'same-origin', cache: 'no-store' });
    if (res.ok) return await res.json();
  } catch {
    // handled below
  }
  notice('Cannot reach the server right now; signing in may fail. Reload to try again.', 'warning');
  return { signup: 'closed', setup: false };
}

async function main() {
  const config = await readConfig();
  const hasLink = secrets.setup || secrets.invite;
  if (!hasLink) {
    // Already signed in (another tab, the back button): go straight on.
    try {
      const res = await fetch(TOKEN_PATH, { method: 'POST', credentials: 'same-origin', cache: 'no-store' });
      if (res.ok) {
        location.replace(next);
        return;
      }
    } catch {
      // not signed in, or the server is away: show the form
    }
  }
  wire(config);
  const open = config.signup === 'open';
  ui.signupOffer.hidden = !open;
  ui.signupClosed.hidden = open;
  if (secrets.setup && config.setup) {
    ui.signup.title.textContent = 'Create the first account';
    ui.signup.intro.textContent = 'No one has an account on this TaskPilot yet. Choose the name and password of the first one; this setup link then stops working.';
    ui.signinOffer.hidden = true;
    show('signup');
    return;
  }
  if (secrets.setup) {
    notice('This setup link has been used: the first account exists already. Sign in with it.', 'warning');
  } else if (secrets.invite) {
    ui.signup.title.textContent = 'Create your account';
    ui.signup.intro.textContent = 'You were invited to this TaskPilot. Choose a name and a password; the invite link works once.';
    show('signup');
    return;
  }
  if (open) ui.signup.intro.textContent = 'Choose a name and a password.';
  show('signin');
}

main().catch((err) => {
  console.error(err);
  notice('The page failed to start; reload to try again.', 'danger');
});
