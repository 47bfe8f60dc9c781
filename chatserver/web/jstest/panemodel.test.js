// Tests of the task pane's DOM-free rules: run with `node --test jstest/`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff, Refresher, browserZone, changeURL, details, dueText, emptyText, listURL, parseEvent } from '../static/panemodel.js';

test('listURL and changeURL', () => {
  assert.equal(listURL('today', '', 'Europe/Paris'), '/api/v1/tasks?filter=today&tz=Europe%2FParis');
  assert.equal(listURL('all', 'abc=', ''), '/api/v1/tasks?filter=all&cursor=abc%3D');
  assert.equal(changeURL(3, 'complete'), '/api/v1/tasks/3/complete');
});

test('browserZone', () => {
  assert.equal(browserZone({ DateTimeFormat: () => ({ resolvedOptions: () => ({ timeZone: 'Asia/Tokyo' }) }) }), 'Asia/Tokyo');
  assert.equal(browserZone({ DateTimeFormat: () => { throw new Error('no'); } }), '');
});

test('parseEvent keeps the known events and skips the rest', () => {
  assert.deepEqual(parseEvent('{"type":"ready"}'), { type: 'ready' });
  assert.deepEqual(parseEvent('{"type":"task.changed","kind":"created","task_id":1}'), { type: 'task.changed', kind: 'created', task_id: 1 });
  assert.deepEqual(parseEvent('{"type":"tasks.resync"}'), { type: 'tasks.resync' });
  for (const bad of ['', 'not json', 'null', '{"type":7}', '{"type":"thread.item.done"}', '[]']) assert.equal(parseEvent(bad), null, bad);
});

test('dueText', () => {
  const today = '2026-12-03';
  assert.equal(dueText('2026-12-03', today), 'today');
  assert.equal(dueText('2026-12-04', today), 'tomorrow');
  assert.equal(dueText('2026-12-02', today), 'yesterday');
  assert.equal(dueText('2026-12-10', today), 'Thu 10 Dec');
  assert.equal(dueText('2027-01-05', today), 'Tue 5 Jan 2027');
  assert.equal(dueText('', today), '');
});

test('details', () => {
  const t = { due: '2026-12-02', overdue: true, priority: 'high', repeat_text: 'every week', tags: ['home', 'errands'] };
  assert.deepEqual(details(t, '2026-12-03'), [
    { text: 'overdue · yesterday', kind: 'overdue' },
    { text: 'high priority', kind: 'priority' },
    { text: 'every week', kind: 'repeat' },
    { text: '#home', kind: 'tag' },
    { text: '#errands', kind: 'tag' },
  ]);
  assert.deepEqual(details({ priority: 'medium', tags: [] }, '2026-12-03'), []);
  assert.deepEqual(details({ due: '2026-12-04', priority: 'low' }, '2026-12-03'), [{ text: 'due tomorrow', kind: 'due' }]);
});

test('emptyText', () => {
  assert.equal(emptyText('today', { total: 0 }), 'No tasks yet. Add one in the chat.');
  assert.equal(emptyText('today', { total: 3 }), 'Nothing due today.');
  assert.equal(emptyText('overdue', { total: 3 }), 'Nothing overdue.');
  assert.equal(emptyText('completed', { total: 3 }), 'No completed tasks.');
  assert.equal(emptyText('all', { total: 3 }), 'No tasks match.');
});

// fakeTimers runs timeouts when told to.
function fakeTimers() {
  let next = 1;
  const pending = new Map();
  return {
    setTimeout(f) { const id = next++; pending.set(id, f); return id; },
    clearTimeout(id) { pending.delete(id); },
    fire() { const fs = [...pending.values()]; pending.clear(); fs.forEach((f) => f()); },
    get count() { return pending.size; },
  };
}

test('Refresher folds a burst into one refresh, and one more for changes during it', async () => {
  const timers = fakeTimers();
  let runs = 0;
  let release;
  const r = new Refresher(() => { runs++; return new Promise((res) => (release = res)); }, 150, timers);
  for (let i = 0; i < 50; i++) r.request(); // a bulk completion of 50 tasks
  assert.equal(timers.count, 1);
  timers.fire();
  assert.equal(runs, 1);
  r.request(); // a change while the list loads
  r.request();
  assert.equal(timers.count, 0);
  release();
  await new Promise((res) => setImmediate(res));
  assert.equal(timers.count, 1, 'one more refresh is scheduled');
  timers.fire();
  assert.equal(runs, 2);
  release();
  await new Promise((res) => setImmediate(res));
  assert.equal(timers.count, 0);
});

test('Refresher.now skips the delay; a failing refresh does not stop it', async () => {
  const timers = fakeTimers();
  let runs = 0;
  const r = new Refresher(async () => { runs++; throw new Error('down'); }, 150, timers);
  r.request();
  await r.now();
  assert.equal(runs, 1);
  assert.equal(timers.count, 0, 'the pending delay was cancelled');
  await r.now();
  assert.equal(runs, 2);
});

test('Backoff doubles to the cap and resets', () => {
  const b = new Backoff(1000, 8000);
  assert.deepEqual([b.next(), b.next(), b.next(), b.next(), b.next()], [1000, 2000, 4000, 8000, 8000]);
  b.reset();
  assert.equal(b.next(), 1000);
});
