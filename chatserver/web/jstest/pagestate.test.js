// Tests of what the pages keep outside the server (static/pagestate.js):
// run with `node --test jstest/`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { browserTimeZone, hashFor, threadFromHash } from '../static/pagestate.js';

const intl = (timeZone) => ({ DateTimeFormat: () => ({ resolvedOptions: () => ({ timeZone }) }) });

test('browserTimeZone is the IANA name the browser resolves, or nothing', () => {
  assert.equal(browserTimeZone(intl('Europe/Paris')), 'Europe/Paris');
  assert.equal(browserTimeZone(intl('America/Argentina/Buenos_Aires')), 'America/Argentina/Buenos_Aires');
  assert.equal(browserTimeZone(intl('Etc/GMT+5')), 'Etc/GMT+5');
  for (const bad of [undefined, '', 'Europe/Paris\r\nX-Evil: 1', ' UTC', 'x'.repeat(100), 42]) {
    assert.equal(browserTimeZone(intl(bad)), '', String(bad));
  }
  assert.equal(browserTimeZone({ DateTimeFormat: () => { throw new Error('no Intl'); } }), '');
  assert.match(browserTimeZone(), /^[A-Za-z]/, 'this machine has a time zone');
});

test('the thread id round-trips through the URL fragment', () => {
  for (const id of ['thr_1a2b3c4d', 'thr_a/b', 'weird#id%']) {
    assert.equal(threadFromHash(hashFor(id)), id);
  }
  assert.equal(hashFor(null), '');
  assert.equal(hashFor('thr_1'), '#thr_1');
});

test('threadFromHash ignores what is not a thread id', () => {
  for (const bad of ['', '#', null, undefined, '#%E0%A4%A', '#has%20space', `#${'x'.repeat(256)}`, '#%0A']) {
    assert.equal(threadFromHash(bad), null, String(bad));
  }
  assert.equal(threadFromHash('thr_1'), 'thr_1', 'without the #');
});
