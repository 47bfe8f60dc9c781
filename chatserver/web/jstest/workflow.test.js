// Tests of how the lite client shows workflow items (static/workflow.js):
// run with `node --test jstest/`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FAILED_ICON, stepLines, stepState, stepTitle, workflowView } from '../static/workflow.js';

const done = { type: 'custom', status_indicator: 'complete', icon: 'check-circle', title: 'Added task 3: Buy milk', content: 'due 2026-12-10 · high priority' };
const failed = { type: 'custom', status_indicator: 'none', icon: FAILED_ICON, title: "Couldn't delete the task", content: "Task 9 wasn't found. Type /list to see your tasks." };
const loading = { type: 'custom', status_indicator: 'loading', icon: 'plus', title: 'Adding “Buy milk”…' };

test('a step says its state in words', () => {
  assert.deepEqual(stepState(done), { state: 'done', label: 'Done:' });
  assert.deepEqual(stepState(failed), { state: 'failed', label: 'Failed:' });
  assert.deepEqual(stepState(loading), { state: 'loading', label: 'In progress:' });
  assert.deepEqual(stepState({ type: 'thought', content: 'hmm' }), { state: 'none', label: '' });
  assert.deepEqual(stepState(null), { state: 'none', label: '' });
  // A failure is a failure whatever its indicator says.
  assert.equal(stepState({ ...failed, status_indicator: 'complete' }).state, 'failed');
});

test('step titles and content lines', () => {
  assert.equal(stepTitle(done), 'Added task 3: Buy milk');
  assert.equal(stepTitle({ type: 'thought' }), 'Thought');
  assert.equal(stepTitle({}), 'Step');
  assert.deepEqual(stepLines({ content: '✓ #4 A\n✓ #5 B\n\nType /undo to restore them.' }), ['✓ #4 A', '✓ #5 B', 'Type /undo to restore them.']);
  assert.deepEqual(stepLines(loading), []);
  assert.deepEqual(stepLines({ content: 42 }), []);
});

test('the summary line of a workflow', () => {
  const running = workflowView({ type: 'custom', tasks: [loading], expanded: false });
  assert.deepEqual([running.text, running.running, running.open], ['Working…', true, true], 'open while it runs');

  const one = workflowView({ type: 'custom', tasks: [done], summary: { title: done.title, icon: 'check-circle' }, expanded: false });
  assert.deepEqual([one.text, one.icon, one.running, one.failed, one.open], [done.title, 'check-circle', false, false, false], 'collapsed when done');

  const bad = workflowView({ type: 'custom', tasks: [done, failed], summary: { title: '2 steps, 1 failed', icon: FAILED_ICON }, expanded: true });
  assert.deepEqual([bad.text, bad.failed, bad.open, bad.tasks.length], ['2 steps, 1 failed', true, true, 2], 'a failure is shown');

  assert.equal(workflowView({ tasks: [], summary: { duration: 3 } }).text, 'Worked for 3s');
  assert.equal(workflowView({ tasks: [done, null], summary: {} }).text, '1 step');
  assert.equal(workflowView(null).text, 'Working…');
});
