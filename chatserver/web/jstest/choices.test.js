// Tests of the lite client's structured input (static/choices.js) on a
// fake document (fakedom.js): run with `node --test jstest/`.
import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { install } from './fakedom.js';
import { renderStructuredInput } from '../static/choices.js';

beforeEach(() => install());

// pick is the agent's "which task?" question.
const pick = {
  id: 'si_1',
  type: 'structured_input',
  status: 'pending',
  inputs: [{ type: 'multiple_choice', id: 'pick_task', question: 'Which task do you mean by “milk”?', options: [{ value: '#1 Buy milk' }, { value: '#2 Buy oat milk' }], multiple: false }],
};

test('one choice is a group of buttons named by the question; a click answers at once', () => {
  const sent = [];
  const el = renderStructuredInput(pick, (s) => sent.push(s));
  const group = el.querySelector('[role="group"]');
  const legend = el.querySelector('legend');
  assert.equal(legend.textContent, 'Which task do you mean by “milk”?');
  assert.equal(group.getAttribute('aria-labelledby'), legend.id, 'the buttons are labelled by the question');
  const buttons = group.querySelectorAll('button');
  assert.deepEqual(buttons.map((b) => b.textContent), ['#1 Buy milk', '#2 Buy oat milk']);
  assert.deepEqual(buttons.map((b) => b.type), ['button', 'button'], 'real buttons: Tab and Enter/Space work');
  buttons[1].click();
  assert.deepEqual(sent, [{ status: 'answered', answers: { pick_task: { values: ['#2 Buy oat milk'], skipped: false } } }]);
  assert.equal(buttons[1].getAttribute('aria-pressed'), 'true');
  assert.equal(buttons[0].getAttribute('aria-pressed'), 'false');
  assert.equal(el.querySelectorAll('button').find((b) => b.textContent === 'Send'), undefined, 'no Send for a single choice');
});

test('skip skips every question', () => {
  const sent = [];
  const el = renderStructuredInput(pick, (s) => sent.push(s));
  el.querySelectorAll('button').find((b) => b.textContent === 'Skip').click();
  assert.deepEqual(sent, [{ status: 'skipped', answers: { pick_task: { values: [], skipped: true } } }]);
});

test('several questions: checkboxes and text, sent with Send', () => {
  const sent = [];
  const item = {
    id: 'si_2',
    status: 'pending',
    inputs: [
      { type: 'multiple_choice', id: 'tags', question: 'Tags?', options: [{ value: 'home' }, { value: 'work' }, { value: 'bills' }], multiple: true },
      { type: 'freeform', id: 'note', question: 'A note?', description: 'optional' },
    ],
  };
  const el = renderStructuredInput(item, (s) => sent.push(s));
  const boxes = el.querySelectorAll('input').filter((i) => i.type === 'checkbox');
  assert.equal(boxes.length, 3);
  assert.equal(el.querySelector(`label[for="${boxes[0].id}"]`).textContent, 'home', 'each box has its label');
  for (const b of [boxes[2], boxes[0]]) {
    b.checked = true;
    b.dispatchEvent({ type: 'change' });
  }
  const text = el.querySelectorAll('input').find((i) => i.type === 'text');
  assert.equal(text.getAttribute('aria-labelledby'), el.querySelectorAll('legend')[1].id);
  text.value = '  soon ';
  text.dispatchEvent({ type: 'input' });
  el.querySelectorAll('button').find((b) => b.textContent === 'Send').click();
  assert.deepEqual(sent, [{ status: 'answered', answers: { tags: { values: ['home', 'bills'], skipped: false }, note: { values: ['soon'], skipped: false } } }]);
});

test('an answered input shows the answers and no controls', () => {
  const answered = { ...pick, status: 'answered', inputs: [{ ...pick.inputs[0], answer: { values: ['#1 Buy milk'], skipped: false } }] };
  const el = renderStructuredInput(answered, () => assert.fail('sent'));
  assert.equal(el.querySelectorAll('button').length, 0);
  assert.match(el.textContent, /Which task do you mean by “milk”\? #1 Buy milk/);
  const skipped = renderStructuredInput({ ...pick, status: 'skipped' }, () => {});
  assert.match(skipped.textContent, /skipped/);
});

test('question text stays text', () => {
  const el = renderStructuredInput({ id: 'x', inputs: [{ type: 'multiple_choice', id: 'q', question: '<img src=x onerror=alert(1)>', options: [{ value: '<b>bold</b>' }] }] }, () => {});
  assert.equal(el.querySelectorAll('img').length, 0);
  assert.equal(el.querySelectorAll('b').length, 0);
  assert.equal(el.querySelector('legend').textContent, '<img src=x onerror=alert(1)>');
});
