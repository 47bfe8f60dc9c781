// The account page (/account, accounts mode): the signed-in user's
// connected applications (OAuth grants of MCP clients), each revocable.
// The page gets its token like the others (auth.js: POST /auth/token with
// the session cookie, kept in memory), lists GET /api/v1/grants and
// revokes with DELETE /api/v1/grants/{id}, both with that bearer token.
import { $, h } from './dom.js';
import { Auth, readConfig } from './auth.js';
import { GRANTS_PATH, clientName, grantPath, grantsError, scopeText, when } from './grants.js';

const auth = new Auth(readConfig());

const ui = {
  user: $('user'),
  signout: $('signout'),
  notice: $('notice'),
  loading: $('grants-loading'),
  empty: $('grants-empty'),
  list: $('grants'),
  heading: $('grants-title'),
  dialog: $('revoke-dialog'),
  dialogText: $('revoke-text'),
};

// notice says text in the status line ('' clears it).
function notice(text, level = '') {
  ui.notice.textContent = text;
  ui.notice.className = `account-notice ${level}`.trim();
}

// request sends one grants request and returns {status, body} (status 0
// when the server cannot be reached).
async function request(path, init = {}) {
  let res;
  try {
    res = await auth.fetch(path, { cache: 'no-store', ...init });
  } catch {
    return { status: 0, body: null };
  }
  let body = null;
  if (res.status !== 204) {
    try {
      body = await res.json();
    } catch {
      // no JSON: grantsError says what the status means
    }
  }
  return { status: res.status, body };
}

// load shows the user's grants.
async function load() {
  const res = await request(GRANTS_PATH);
  ui.loading.hidden = true;
  if (res.status !== 200 || !res.body || !Array.isArray(res.body.grants)) {
    if (!auth.leaving) notice(grantsError(res.status, res.body), 'danger');
    return;
  }
  render(res.body.grants);
}

// render lists grants, or says there are none.
function render(grants) {
  ui.list.replaceChildren(...grants.map(item));
  ui.list.hidden = grants.length === 0;
  ui.empty.hidden = grants.length !== 0;
}

// item is one grant's list entry.
function item(g) {
  const name = clientName(g);
  const titleId = `grant-${g.id}`;
  const button = h('button', { type: 'button', class: 'btn danger', text: 'Revoke', 'aria-describedby': titleId });
  button.addEventListener('click', () => revoke(g, name, button));
  const row = (term, value) => [h('dt', { text: term }), h('dd', {}, value)];
  return h(
    'li',
    { class: 'grant', 'data-grant': g.id },
    h(
      'div',
      { class: 'grant-body' },
      h('h3', { id: titleId, text: name }),
      h(
        'dl',
        {},
        row('Can', scopeText(g.scopes)),
        row('Client ID', h('code', { text: g.client_id })),
        row('Connected', h('time', { dateTime: g.created_at, text: when(g.created_at) })),
      ),
    ),
    button,
  );
}

// confirmRevoke asks whether to revoke name's access; resolves true for yes.
function confirmRevoke(name) {
  ui.dialogText.textContent = `${name} will no longer be able to read or change your tasks. It can ask you again later.`;
  return new Promise((resolve) => {
    ui.dialog.addEventListener('close', () => resolve(ui.dialog.returnValue === 'ok'), { once: true });
    ui.dialog.returnValue = '';
    ui.dialog.showModal();
  });
}

// revoke revokes grant g after the user confirms, and takes it off the list.
async function revoke(g, name, button) {
  if (!(await confirmRevoke(name))) {
    button.focus();
    return;
  }
  button.disabled = true;
  const res = await request(grantPath(g.id), { method: 'DELETE' });
  if (res.status === 204 || res.status === 404) {
    // Gone either way (a 404: revoked meanwhile, elsewhere).
    const li = button.closest('li');
    const next = li.nextElementSibling || li.previousElementSibling;
    li.remove();
    if (!ui.list.children.length) render([]);
    notice(res.status === 204 ? `${name} is disconnected.` : grantsError(404), 'success');
    (next ? next.querySelector('button') : ui.heading).focus();
    return;
  }
  button.disabled = false;
  if (!auth.leaving) notice(grantsError(res.status, res.body), 'danger');
  button.focus();
}

async function main() {
  ui.signout.addEventListener('click', () => auth.signOut().catch((err) => notice(err.message, 'danger')));
  let signedIn;
  try {
    signedIn = await auth.refresh();
  } catch (err) {
    ui.loading.hidden = true;
    notice(err.message, 'danger');
    return;
  }
  if (!signedIn) return auth.sessionGone();
  ui.user.textContent = `Signed in as ${auth.user()}`;
  ui.user.hidden = false;
  ui.signout.hidden = false;
  await load();
}

main().catch((err) => {
  console.error(err);
  notice('The page failed to start; reload to try again.', 'danger');
});
