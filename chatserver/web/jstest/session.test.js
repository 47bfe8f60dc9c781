// Tests of signing in with an account: the DOM-free rules (static/session.js)
// and the page token's life in auth.js (refresh, retry on 401, the way to
// the sign-in page keeping the draft), with fetch, timers, location and
// sessionStorage stubbed. Run with `node --test jstest/`.
import { test, beforeEach, afterEach, mock } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_NEXT, isStale, messageText, parseFragment, refreshDelay, safeNext, signInError, signInURL } from '../static/session.js';
import { Auth, saveDraft, takeDraft } from '../static/auth.js';

test('safeNext keeps paths of this origin and refuses everything else', () => {
  for (const ok of ['/', '/lite', '/lite#thr_123', '/lite?x=1#thr_1', '/a/b\\c', '/signing-up']) {
    assert.equal(safeNext(ok, 'https://tasks.example'), ok, ok);
  }
  const bad = [
    '//evil.example', '/\\evil.example', '///evil.example', 'https://evil.example/', 'javascript:alert(1)',
    'evil.example', '', ' /lite', '/\t/evil.example', '/\n/evil.example', '/lite\u0000', '/signin', '/signin?next=/x', '/signin#x', '/signin/',
    null, undefined, 42, ['/lite'], '/' + 'a'.repeat(2048),
  ];
  for (const b of bad) assert.equal(safeNext(b, 'https://tasks.example'), DEFAULT_NEXT, JSON.stringify(b));
  assert.equal(DEFAULT_NEXT, '/');
});

test('signInURL comes back to where the page was', () => {
  assert.equal(signInURL('/lite#thr_1'), '/signin?next=%2Flite%23thr_1');
  assert.equal(signInURL('/'), '/signin');
  assert.equal(signInURL('//evil.example'), '/signin');
  assert.equal(new URLSearchParams(signInURL('/lite?a=1&b=2').split('?')[1]).get('next'), '/lite?a=1&b=2');
});

test('parseFragment reads setup and invite links', () => {
  const secret = 'a'.repeat(64);
  assert.deepEqual(parseFragment(`#setup=${secret}`), { setup: secret, invite: '' });
  assert.deepEqual(parseFragment(`#invite=${secret}`), { setup: '', invite: secret });
  assert.deepEqual(parseFragment('invite=abc'), { setup: '', invite: 'abc' });
  assert.deepEqual(parseFragment(''), { setup: '', invite: '' });
  assert.deepEqual(parseFragment('#thr_123'), { setup: '', invite: '' });
  assert.deepEqual(parseFragment('#invite='), { setup: '', invite: '' });
  assert.deepEqual(parseFragment('#invite=<script>'), { setup: '', invite: '' });
  assert.deepEqual(parseFragment(`#invite=${'a'.repeat(257)}`), { setup: '', invite: '' });
  assert.deepEqual(parseFragment(null), { setup: '', invite: '' });
});

test('refreshDelay refreshes a token well before it ends', () => {
  assert.equal(refreshDelay(300), 240000, 'a 5-minute token is refreshed after 4');
  assert.equal(refreshDelay(3600), 3540000, 'at most a minute early');
  assert.equal(refreshDelay(30), 24000, 'a fifth of a short life');
  assert.equal(refreshDelay(1), 1000, 'never sooner than a second');
  for (const bad of [0, -5, NaN, undefined, Infinity]) assert.equal(refreshDelay(bad), 24000, String(bad));
  assert.equal(isStale(0, 1000), true, 'no token yet');
  assert.equal(isStale(100000, 89999), false);
  assert.equal(isStale(100000, 90000), true, 'within 10 s of its end');
});

test('messageText finds the message of a ChatKit request', () => {
  const body = (content) => JSON.stringify({ type: 'threads.add_user_message', params: { thread_id: 't', input: { content } } });
  assert.equal(messageText(body([{ type: 'input_text', text: 'Buy ' }, { type: 'input_tag', text: 'bob' }, { type: 'input_text', text: ' milk' }])), 'Buy @bob milk');
  assert.equal(messageText(JSON.stringify({ type: 'threads.list', params: {} })), '');
  assert.equal(messageText('not json'), '');
  assert.equal(messageText(undefined), '');
  assert.equal(messageText(body('nope')), '');
});

test('signInError says what went wrong, and where', () => {
  const e = (code, message) => ({ error: { code, message } });
  assert.deepEqual(signInError(401, e('invalid_credentials', 'wrong name or password'), null), { message: 'Wrong name or password.', field: 'password', wait: 0 });
  assert.deepEqual(signInError(429, e('rate_limited', 'too many sign-in attempts'), '20'), { message: 'Too many attempts. Wait 20 seconds and try again.', field: '', wait: 20 });
  assert.equal(signInError(429, e('rate_limited', ''), '1').message, 'Too many attempts. Wait 1 second and try again.');
  assert.equal(signInError(429, e('rate_limited', ''), null).wait, 1, 'no Retry-After still waits');
  assert.deepEqual(signInError(409, e('name_taken', 'that name is taken; choose another'), null), { message: 'That name is taken; choose another.', field: 'name', wait: 0 });
  assert.deepEqual(signInError(400, e('invalid_name', 'the name must not be empty'), null), { message: 'The name must not be empty.', field: 'name', wait: 0 });
  assert.equal(signInError(400, e('invalid_password', 'the password must have at least 8 characters'), null).field, 'password');
  assert.equal(signInError(403, e('invalid_invite', 'this invite link is not valid: it was used already or has expired'), null).message, 'This invite link is not valid: it was used already or has expired.');
  assert.equal(signInError(403, e('account_disabled', 'this account is disabled; ask the operator'), null).message, 'This account is disabled; ask the operator.');
  assert.equal(signInError(0, null, null).message, 'Cannot reach the server. Check your connection and try again.');
  assert.equal(signInError(502, null, null).message, 'Sign-in is unavailable right now; try again shortly.');
  assert.equal(signInError(418, null, null).message, 'Sign-in failed (HTTP 418).');
});

// ---- the page token (auth.js, accounts mode) ----------------------------------

let calls; // [path, init] of every fetch
let answers; // path -> list of responses (the last one repeats)
let replaced; // location.replace targets
let store;

const json = (status, body) => new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
const tokenAnswer = (token, user = 'alice', expires_in = 300) => json(200, { token, user, expires_in });

beforeEach(() => {
  calls = [];
  answers = {};
  replaced = [];
  store = new Map();
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 });
  globalThis.sessionStorage = {
    getItem: (k) => (store.has(k) ? store.get(k) : null),
    setItem: (k, v) => store.set(k, String(v)),
    removeItem: (k) => store.delete(k),
  };
  globalThis.location = { pathname: '/lite', search: '', hash: '#thr_1', replace: (u) => replaced.push(u) };
  globalThis.window = {
    fetch: async (path, init = {}) => {
      calls.push([path, init]);
      const list = answers[path] || [];
      const res = list.length > 1 ? list.shift() : list[0];
      if (!res) throw new TypeError('network down');
      return res.clone();
    },
  };
});

afterEach(() => {
  mock.timers.reset();
});

const auth = () => new Auth({ auth: 'accounts' });
const authHeader = (init) => new Headers(init.headers).get('Authorization');

test('accounts: the token comes from POST /auth/token and stays in memory', async () => {
  answers['/auth/token'] = [tokenAnswer('t1')];
  const a = auth();
  assert.equal(a.needed, true);
  assert.equal(await a.refresh(), true);
  assert.equal(a.token(), 't1');
  assert.equal(a.user(), 'alice');
  const [path, init] = calls[0];
  assert.equal(path, '/auth/token');
  assert.equal(init.method, 'POST');
  assert.equal(init.credentials, 'same-origin');
  assert.equal(store.size, 0, 'nothing written to sessionStorage');
});

test('accounts: concurrent refreshes share one request', async () => {
  answers['/auth/token'] = [tokenAnswer('t1')];
  const a = auth();
  await Promise.all([a.refresh(), a.refresh(), a.refresh()]);
  assert.equal(calls.length, 1);
});

test('accounts: the token is refreshed shortly before it ends', async () => {
  answers['/auth/token'] = [tokenAnswer('t1'), tokenAnswer('t2')];
  const a = auth();
  await a.refresh();
  mock.timers.tick(239_000);
  assert.equal(calls.length, 1, 'not refreshed early');
  mock.timers.tick(1_000);
  await a.refreshing;
  assert.equal(calls.length, 2, 'refreshed at 4 minutes');
  assert.equal(a.token(), 't2');
});

test('accounts: a token about to end is refreshed before a request', async () => {
  answers['/auth/token'] = [tokenAnswer('t1', 'alice', 300), tokenAnswer('t2')];
  answers['/chatkit'] = [json(200, {})];
  const a = auth();
  await a.refresh();
  mock.timers.setTime(1_000_000 + 295_000); // the timer never ran (a sleeping laptop)
  await a.fetch('/chatkit', { method: 'POST', body: '{}' });
  assert.deepEqual(calls.map((c) => c[0]), ['/auth/token', '/auth/token', '/chatkit']);
  assert.equal(authHeader(calls[2][1]), 'Bearer t2');
});

test('accounts: a 401 refreshes once and retries', async () => {
  answers['/auth/token'] = [tokenAnswer('t1'), tokenAnswer('t2')];
  answers['/chatkit'] = [json(401, { error: { code: 'unauthorized' } }), json(200, { ok: true })];
  const a = auth();
  await a.refresh();
  const res = await a.fetch('/chatkit', { method: 'POST', body: '{"type":"threads.list"}' });
  assert.equal(res.status, 200);
  assert.deepEqual(calls.map((c) => [c[0], c[0] === '/chatkit' ? authHeader(c[1]) : '']), [
    ['/auth/token', ''],
    ['/chatkit', 'Bearer t1'],
    ['/auth/token', ''],
    ['/chatkit', 'Bearer t2'],
  ]);
  assert.deepEqual(replaced, [], 'stayed on the page');
});

test('accounts: when the session is gone, the message goes along to /signin and back', async () => {
  answers['/auth/token'] = [tokenAnswer('t1'), json(401, { error: { code: 'unauthenticated' } })];
  answers['/chatkit'] = [json(401, {})];
  const a = auth();
  await a.refresh();
  const body = JSON.stringify({ type: 'threads.add_user_message', params: { thread_id: 'thr_1', input: { content: [{ type: 'input_text', text: '/add Buy milk' }] } } });
  const res = await a.fetch('/chatkit', { method: 'POST', body });
  assert.equal(res.status, 401);
  assert.equal(calls.filter((c) => c[0] === '/chatkit').length, 1, 'no retry without a token');
  assert.deepEqual(replaced, ['/signin?next=%2Flite%23thr_1']);
  assert.equal(a.token(), '');
  assert.equal(takeDraft(), '/add Buy milk');
  assert.equal(takeDraft(), '', 'a draft is restored once');
});

test('accounts: the text in the message box wins over the refused request', async () => {
  answers['/auth/token'] = [json(401, {})];
  answers['/chatkit'] = [json(401, {})];
  const a = auth();
  a.draft = () => 'half-written thought';
  await a.fetch('/chatkit', { method: 'POST', body: JSON.stringify({ type: 'threads.list', params: {} }) });
  assert.equal(takeDraft(), 'half-written thought');
  assert.equal(replaced.length, 1);
});

test('accounts: a server that cannot answer /auth/token does not sign the user out', async () => {
  answers['/auth/token'] = [tokenAnswer('t1'), json(503, { error: { code: 'unavailable', message: 'could not check the sign-in; try again' } })];
  answers['/chatkit'] = [json(401, {})];
  const a = auth();
  await a.refresh();
  const res = await a.fetch('/chatkit', { method: 'POST', body: '{}' });
  assert.equal(res.status, 401);
  assert.deepEqual(replaced, [], 'not sent to the sign-in page on a 503');
  await assert.rejects(a.refresh(), /could not check the sign-in/);
});

test('accounts: sign out ends the session and goes to /signin', async () => {
  answers['/auth/token'] = [tokenAnswer('t1')];
  answers['/auth/signout'] = [new Response(null, { status: 204 })];
  const a = auth();
  await a.refresh();
  saveDraft('old draft');
  await a.signOut();
  assert.deepEqual(calls.at(-1)[0], '/auth/signout');
  assert.equal(calls.at(-1)[1].method, 'POST');
  assert.deepEqual(replaced, ['/signin']);
  assert.equal(a.token(), '');
  assert.equal(takeDraft(), '', 'a signed-out tab keeps no draft');
});

test('accounts: a failed sign-out says so and stays', async () => {
  answers['/auth/token'] = [tokenAnswer('t1')];
  answers['/auth/signout'] = [json(503, {})];
  const a = auth();
  await a.refresh();
  await assert.rejects(a.signOut(), /Could not sign out/);
  assert.deepEqual(replaced, []);
  assert.equal(a.token(), 't1');
});

test('token mode is unchanged: the token lives in sessionStorage', async () => {
  const a = new Auth({ auth: 'token' });
  a.set('abc');
  assert.equal(store.get('taskpilot.token'), 'abc');
  answers['/chatkit'] = [json(401, {})];
  const res = await a.fetch('/chatkit', { method: 'POST', body: '{}' });
  assert.equal(res.status, 401);
  assert.equal(calls.length, 1, 'no token refresh outside accounts mode');
  assert.deepEqual(replaced, []);
});
