// Tests of the lite client's widget renderer (static/widgets.js) on a fake
// document (fakedom.js): run with `node --test jstest/`.
import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { install } from './fakedom.js';
import { h } from '../static/dom.js';
import { formValues, renderWidget, setPath } from '../static/widgets.js';

beforeEach(() => install());

// render renders widget and returns its element and the actions it fires.
function render(widget) {
  const fired = [];
  const el = renderWidget(widget, { idPrefix: 'w-item1', onAction: (action, opts) => fired.push({ action, opts }) });
  return { el, fired };
}

// taskRow is a row of the task list widget, as mcpserver's list_tasks draws it.
const taskRow = (id, title, done) => ({
  type: 'ListViewItem',
  key: id,
  children: [
    { type: 'Text', value: title, lineThrough: done },
    { type: 'Button', iconStart: done ? 'undo' : 'check', onClickAction: { type: done ? 'task.reopen' : 'task.complete', payload: { id } } },
  ],
});

test('setPath sets dotted names and never touches prototypes', () => {
  const o = { todo: 'not an object' };
  setPath(o, 'todo.title', 'Buy milk');
  setPath(o, 'todo.due.day', '2026-05-01');
  setPath(o, 'priority', 'high');
  assert.deepEqual(o, { todo: { title: 'Buy milk', due: { day: '2026-05-01' } }, priority: 'high' });
  for (const name of ['__proto__.polluted', 'constructor.prototype.polluted', 'a.__proto__.polluted', '..']) setPath(o, name, 'yes');
  assert.equal({}.polluted, undefined, 'Object.prototype was changed');
  assert.equal(o.polluted, 'yes', 'dangerous parts are dropped, not the whole name');
  assert.equal(o.a.polluted, 'yes');
});

test('formValues reads named, enabled controls; checkboxes as booleans', () => {
  const form = h(
    'form',
    {},
    h('input', { name: 'title', value: 'Buy milk' }),
    h('input', { name: 'done', type: 'checkbox', checked: true }),
    h('input', { name: 'later', type: 'checkbox' }),
    h('input', { name: 'prio', type: 'radio', value: 'low' }),
    h('input', { name: 'prio', type: 'radio', value: 'high', checked: true }),
    h('input', { name: 'off', value: 'x', disabled: true }),
    h('input', { value: 'no name' }),
    h('textarea', { name: 'notes', value: 'two\nlines' }),
    h('select', { name: 'list' }, h('option', { value: 'home' }), h('option', { value: 'work', selected: true })),
    h('button', { name: 'go', value: 'clicked' }),
  );
  assert.deepEqual(formValues(form), { title: 'Buy milk', done: true, later: false, prio: 'high', notes: 'two\nlines', list: 'work' });
});

test('text stays text and only known colors become classes', () => {
  const { el } = render({
    type: 'Card',
    children: [
      { type: 'Title', value: '<b>Title</b>', color: 'danger' },
      { type: 'Text', value: '<img src=x onerror=alert(1)>', color: 'javascript:alert(1)' },
      { type: 'Caption', value: 42, color: 'text-success' },
      { type: 'Badge', label: 'high', color: 'url(evil)' },
    ],
  });
  const title = el.querySelector('h3');
  assert.equal(title.textContent, '<b>Title</b>');
  assert.equal(title.children.length, 0);
  assert.ok(title.classList.contains('c-danger'));
  const text = el.querySelector('.w-text');
  assert.equal(text.textContent, '<img src=x onerror=alert(1)>');
  assert.equal(text.className, 'w-text');
  assert.equal(el.querySelector('.w-caption').textContent, '42');
  assert.ok(el.querySelector('.w-caption').classList.contains('c-success'));
  assert.equal(el.querySelector('.w-badge').className, 'w-badge c-secondary v-soft', 'an unknown badge color falls back');
  assert.equal(el.querySelectorAll('img').length, 0);
});

test('Markdown widgets are built as elements, never from markup', () => {
  const { el } = render({ type: 'Markdown', value: '**md** <script>window.__xss=1</script> [x](javascript:alert(1))' });
  const md = el;
  assert.equal(md.className, 'md w-markdown widget');
  assert.equal(md.querySelectorAll('strong').length, 1);
  assert.equal(md.querySelectorAll('script').length + md.querySelectorAll('a').length, 0);
  assert.equal(md.textContent, 'md <script>window.__xss=1</script> x)', 'a javascript: link is only its label');
});

test('unknown components render their children or nothing; junk is skipped', () => {
  const { el } = render({
    type: 'Card',
    children: [{ type: 'Fancy', children: [{ type: 'Text', value: 'inside' }] }, { type: 'AlsoUnknown' }, null, 'junk', 7, { value: 'no type' }],
  });
  const card = el;
  assert.equal(card.localName, 'section');
  assert.equal(card.children.length, 1, 'only the unknown component with children is rendered');
  assert.equal(card.children[0].className, 'w-box');
  assert.equal(card.textContent, 'inside');
});

test('the root gets the widget class and a known theme only', () => {
  assert.equal(render({ type: 'Card', theme: 'dark' }).el.className, 'w-card widget theme-dark');
  assert.equal(render({ type: 'Card', theme: 'evil' }).el.className, 'w-card widget');
  const nothing = render({ type: 'NoSuchRoot' }).el;
  assert.equal(nothing.localName, 'div');
  assert.equal(nothing.className, 'widget');
  assert.equal(render(null).el.className, 'widget');
});

test('images load only from http(s) or this origin', () => {
  const { el } = render({
    type: 'Col',
    children: [
      { type: 'Image', src: 'javascript:alert(1)' },
      { type: 'Image', src: '//evil.example/x.png' },
      { type: 'Image', src: 'https://img.example/a.png', alt: 'A', width: 40 },
      { type: 'Image', src: '/files/b.png' },
    ],
  });
  const imgs = el.querySelectorAll('img');
  assert.deepEqual(imgs.map((i) => i.src), ['https://img.example/a.png', '/files/b.png']);
  assert.equal(imgs[0].alt, 'A');
  assert.equal(imgs[0].style.width, '40px');
});

test('layout props go through the CSSOM and only when valid', () => {
  const { el } = render({ type: 'Row', gap: 2, padding: { x: 2, y: 1 }, align: 'center', justify: 'between', width: 'calc(100% - 1px)', maxWidth: '30rem', flex: 1, radius: 'full', border: true });
  assert.equal(el.style.gap, '8px');
  assert.equal(el.style.padding, '4px 8px 4px 8px');
  assert.equal(el.style.alignItems, 'center');
  assert.equal(el.style.justifyContent, 'space-between');
  assert.equal(el.style.width, undefined, 'a CSS expression is not a length');
  assert.equal(el.style.maxWidth, '30rem');
  assert.equal(el.style.flex, '1 1 0%');
  assert.ok(el.classList.contains('w-border') && el.classList.contains('r-full') && el.classList.contains('w-row'));
});

test('a button fires its action with its options', () => {
  const action = { type: 'btn.click', payload: { n: 1 }, streaming: false, loadingBehavior: 'none' };
  const { el, fired } = render({ type: 'Button', label: 'Click', onClickAction: action });
  el.click();
  assert.equal(fired.length, 1);
  assert.deepEqual(fired[0].action, { type: 'btn.click', payload: { n: 1 } });
  assert.equal(fired[0].opts.streaming, false);
  assert.equal(fired[0].opts.handler, 'server');
  assert.equal(fired[0].opts.loadingBehavior, 'none');
  assert.equal(fired[0].opts.el, el);
  const streamed = render({ type: 'Button', label: 'Go', onClickAction: { type: 'go', handler: 'client' } });
  streamed.el.click();
  assert.equal(streamed.fired[0].opts.streaming, true);
  assert.equal(streamed.fired[0].opts.handler, 'client');
  assert.deepEqual(streamed.fired[0].action.payload, {});
  const disabled = render({ type: 'Button', label: 'No', disabled: true, onClickAction: { type: 'no' } });
  disabled.el.click();
  assert.equal(disabled.fired.length, 0);
});

test('a form card sends its values in the confirm payload, named by dotted paths', () => {
  const payload = { id: 7, todo: { list: 'home' } };
  const { el, fired } = render({
    type: 'Card',
    asForm: true,
    confirm: { label: 'Save', action: { type: 'form.save', payload } },
    cancel: { label: 'Cancel', action: { type: 'form.cancel' } },
    children: [
      { type: 'Label', value: 'Task title', fieldName: 'todo.title' },
      { type: 'Input', name: 'todo.title', defaultValue: 'Buy milk', required: true },
      { type: 'Select', name: 'priority', defaultValue: 'high', options: [{ value: 'low', label: 'Low' }, { value: 'high', label: 'High' }] },
      { type: 'DatePicker', name: 'due', defaultValue: '2026-05-01T00:00:00Z' },
      { type: 'Checkbox', name: 'done', label: 'Done', defaultChecked: true },
    ],
  });
  assert.equal(el.localName, 'form');
  const input = el.querySelector('input');
  const label = el.querySelector('label');
  assert.equal(label.getAttribute('for'), 'w-item1-todo_title');
  assert.equal(input.id, 'w-item1-todo_title', 'the Label names its Input');
  assert.equal(input.getAttribute('aria-label'), null, 'a labelled field has no aria-label of its own');
  assert.equal(el.querySelectorAll('input').find((i) => i.type === 'date').value, '2026-05-01');
  el.querySelector('.w-card-actions .primary').click();
  assert.equal(fired.length, 1);
  assert.equal(fired[0].action.type, 'form.save');
  assert.deepEqual(fired[0].action.payload, { id: 7, todo: { list: 'home', title: 'Buy milk' }, priority: 'high', due: '2026-05-01', done: true });
  assert.deepEqual(payload, { id: 7, todo: { list: 'home' } }, 'the widget JSON is not changed');
  el.querySelector('.w-card-actions .ghost').click();
  assert.equal(fired[1].action.type, 'form.cancel');
});

test('a task row names its icon button after the action and the row', () => {
  const { el, fired } = render({ type: 'ListView', children: [taskRow('t1', 'Buy milk', false), taskRow('t2', 'Call the plumber', true)] });
  const buttons = el.querySelectorAll('button');
  assert.deepEqual(buttons.map((b) => b.getAttribute('aria-label')), ['Complete: Buy milk', 'Reopen: Call the plumber']);
  assert.equal(buttons[0].title, 'Complete: Buy milk', 'an icon-only button gets a tooltip');
  // Focus keys follow the rows' keys, so a re-rendered widget finds the same button.
  assert.deepEqual(buttons.map((b) => b.dataset.fk), ['r/t1/1', 'r/t2/1']);
  assert.ok(el.querySelectorAll('.w-text')[1].classList.contains('strike'));
  buttons[0].click();
  assert.deepEqual(fired[0].action, { type: 'task.complete', payload: { id: 't1' } });
});

test('a list view with a limit hides the rest behind "Show all"', () => {
  const rows = ['a', 'b', 'c'].map((id) => taskRow(id, id.toUpperCase(), false));
  const { el } = render({ type: 'ListView', limit: 2, children: rows });
  const lis = el.querySelectorAll('li');
  assert.deepEqual(lis.map((li) => li.hidden), [false, false, true]);
  const more = el.querySelector('.btn.ghost');
  assert.equal(more.textContent, 'Show all 3');
  more.click();
  assert.deepEqual(lis.map((li) => li.hidden), [false, false, false]);
  assert.equal(el.querySelector('.btn.ghost'), null, 'the button is gone');
});

test('a clickable row fires on click and on Enter, but not for its own buttons', () => {
  const { el, fired } = render({
    type: 'ListView',
    children: [{ type: 'ListViewItem', onClickAction: { type: 'row.open' }, children: [{ type: 'Text', value: 'Row' }, { type: 'Button', label: 'Own', onClickAction: { type: 'own' } }] }],
  });
  const li = el.querySelector('li');
  assert.equal(li.tabIndex, 0);
  li.click();
  li.dispatchEvent({ type: 'keydown', key: 'Enter' });
  li.dispatchEvent({ type: 'keydown', key: 'x' });
  el.querySelector('button').click();
  assert.deepEqual(fired.map((f) => f.action.type), ['row.open', 'row.open', 'own']);
});

test('change actions carry the new value', () => {
  const { el, fired } = render({
    type: 'Col',
    children: [
      { type: 'Checkbox', name: 'done', onChangeAction: { type: 'toggle' } },
      { type: 'Select', name: 'prio', options: [{ value: 'low' }, { value: 'high' }], onChangeAction: { type: 'prio' } },
    ],
  });
  const box = el.querySelector('input');
  box.checked = true;
  box.dispatchEvent({ type: 'change' });
  const sel = el.querySelector('select');
  sel.querySelectorAll('option')[2].selected = true;
  sel.dispatchEvent({ type: 'change' });
  assert.deepEqual(fired.map((f) => f.action), [
    { type: 'toggle', payload: { done: true } },
    { type: 'prio', payload: { prio: 'high' } },
  ]);
  assert.equal(sel.querySelectorAll('option')[0].textContent, 'Choose…', 'a select without a default asks for a choice');
  assert.equal(sel.querySelectorAll('option')[0].disabled, true);
});

// liveRow is a row of the task list widget as the agent draws it now: a
// synchronous checkbox, the title and a Delete button.
const liveRow = (id, title, done) => ({
  type: 'ListViewItem',
  key: String(id),
  children: [
    { type: 'Checkbox', name: `done_${id}`, defaultChecked: done, onChangeAction: { type: done ? 'task.reopen' : 'task.complete', payload: { task_id: id }, streaming: false } },
    { type: 'Col', children: [{ type: 'Text', value: title, lineThrough: done }, { type: 'Caption', value: `#${id} · due 2026-05-13` }] },
    { type: 'Button', label: 'Delete', onClickAction: { type: 'task.delete', payload: { task_id: id }, streaming: false } },
  ],
});

test('the task list: a named checkbox per task that acts synchronously', () => {
  const { el, fired } = render({ type: 'ListView', children: [liveRow(1, 'Buy milk', false), liveRow(2, 'Call mom', true)] });
  const boxes = el.querySelectorAll('input').filter((i) => i.type === 'checkbox');
  assert.deepEqual(boxes.map((b) => b.getAttribute('aria-label')), ['Buy milk', 'Call mom'], 'each box is named by its task');
  assert.deepEqual(boxes.map((b) => b.checked), [false, true]);
  assert.notEqual(boxes[0].id, boxes[1].id, 'ids stay unique');
  boxes[0].checked = true;
  boxes[0].dispatchEvent({ type: 'change' });
  assert.deepEqual(fired[0].action, { type: 'task.complete', payload: { task_id: 1, done_1: true } });
  assert.equal(fired[0].opts.streaming, false, 'sent with threads.sync_custom_action, also while an answer streams');
  const del = el.querySelectorAll('button').find((b) => b.textContent === 'Delete');
  assert.equal(del.getAttribute('aria-label'), 'Delete: Buy milk');
});

test('the inline add form sends title, priority and due date', () => {
  const { el, fired } = render({
    type: 'ListView',
    children: [
      {
        type: 'ListViewItem',
        key: 'add',
        children: [
          {
            type: 'Form',
            direction: 'row',
            onSubmitAction: { type: 'task.add', payload: { filter: { status: 'pending' } }, streaming: false },
            children: [
              { type: 'Input', name: 'title', placeholder: 'Add a task', required: true },
              { type: 'Select', name: 'priority', defaultValue: 'medium', options: [{ value: 'high', label: 'High priority' }, { value: 'medium', label: 'Medium priority' }, { value: 'low', label: 'Low priority' }] },
              { type: 'DatePicker', name: 'due', placeholder: 'Due date', clearable: true },
              { type: 'Button', label: 'Add', submit: true, style: 'primary' },
            ],
          },
        ],
      },
    ],
  });
  const form = el.querySelector('form');
  const [title, due] = [form.querySelectorAll('input')[0], form.querySelectorAll('input')[1]];
  assert.equal(title.getAttribute('aria-label'), 'Add a task', 'the placeholder names the field');
  assert.equal(form.querySelector('select').getAttribute('aria-label'), 'priority');
  assert.equal(due.type, 'date');
  assert.equal(due.getAttribute('aria-label'), 'Due date');
  const add = form.querySelectorAll('button').find((b) => b.textContent === 'Add');
  add.click();
  assert.equal(fired.length, 0, 'an empty title is not sent');
  title.value = 'Pay rent';
  const opts = form.querySelectorAll('option');
  opts[1].selected = false;
  opts[0].selected = true;
  due.value = '2026-05-20';
  add.click();
  assert.deepEqual(fired.map((f) => f.action), [{ type: 'task.add', payload: { filter: { status: 'pending' }, title: 'Pay rent', priority: 'high', due: '2026-05-20' } }]);
  assert.equal(fired[0].opts.streaming, false);
});
