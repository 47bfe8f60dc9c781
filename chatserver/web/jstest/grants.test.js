// Tests of the account page's DOM-free rules (static/grants.js): how a
// grant's client and scopes read, its date, the revoke path and the
// messages of failed requests. Run with `node --test jstest/`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GRANTS_PATH, clientName, grantPath, grantsError, scopeText, when } from '../static/grants.js';

test('clientName prefers the name, then a URL client_id\'s host, then the id', () => {
  assert.equal(clientName({ client_name: 'Claude', client_id: 'abc' }), 'Claude');
  assert.equal(clientName({ client_name: '  ', client_id: 'https://app.example.com/oauth/client.json' }), 'app.example.com');
  assert.equal(clientName({ client_id: 'tp_123' }), 'tp_123');
  assert.equal(clientName({ client_id: 'javascript:alert(1)' }), 'javascript:alert(1)'); // shown as text, never a link
  assert.equal(clientName({}), 'Unnamed application');
});

test('scopeText says what the client can do', () => {
  assert.equal(scopeText(['read', 'write']), 'Read and change your tasks');
  assert.equal(scopeText(['write', 'read', 'offline_access']), 'Read and change your tasks');
  assert.equal(scopeText(['read']), 'Read your tasks');
  assert.equal(scopeText(['write']), 'Change your tasks');
  assert.equal(scopeText([]), 'No access to your tasks');
  assert.equal(scopeText(null), 'No access to your tasks');
});

test('when formats RFC 3339 times and refuses anything else', () => {
  const s = when('2026-12-03T12:30:00Z', { timeZone: 'UTC' });
  assert.match(s, /2026/);
  assert.match(s, /12:30|12\.30/);
  assert.equal(when('not a date'), '');
  assert.equal(when(undefined), '');
});

test('grantPath escapes the id', () => {
  assert.equal(grantPath('abc'), `${GRANTS_PATH}/abc`);
  assert.equal(grantPath('../x?y'), '/api/v1/grants/..%2Fx%3Fy');
});

test('grantsError explains each failure', () => {
  assert.match(grantsError(0, null), /Cannot reach the server/);
  assert.match(grantsError(404, null), /no longer connected/);
  assert.match(grantsError(429, null), /wait a moment/);
  assert.match(grantsError(503, { error: { code: 'unavailable', message: 'your connected applications can\'t be read right now; try again in a few seconds' } }), /^Your connected applications can't be read right now; try again in a few seconds\.$/);
  assert.match(grantsError(500, null), /HTTP 500/);
});
