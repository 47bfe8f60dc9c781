// Tests of the lite client's DOM-free rules (static/model.js): run with
// `node --test jstest/`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addThreadPage, applyUpdate, assistantText, findComponent, isShown, itemsAfter, lastUserMessage, rememberThread, safeImageURL, threadTitle, userMessageBefore, userText } from '../static/model.js';

test('isShown hides the protocol-only item types', () => {
  for (const type of ['user_message', 'assistant_message', 'widget', 'workflow', 'task', 'generated_image', 'structured_input', 'something_new']) {
    assert.equal(isShown({ id: 'i1', type }), true, type);
  }
  for (const type of ['hidden_context_item', 'sdk_hidden_context', 'client_tool_call', 'end_of_turn']) {
    assert.equal(isShown({ id: 'i1', type }), false, type);
  }
  assert.equal(isShown(null), false);
  assert.equal(isShown({ type: 'user_message' }), false, 'no id');
  assert.equal(isShown({ id: 7, type: 'user_message' }), false, 'id not a string');
});

test('texts of items and threads', () => {
  assert.equal(userText({ content: [{ type: 'input_text', text: 'ask ' }, { type: 'input_tag', text: 'bob' }, { type: 'input_text', text: ' now' }] }), 'ask @bob now');
  assert.equal(userText({}), '');
  assert.equal(assistantText({ content: [{ type: 'output_text', text: 'a' }, null, { type: 'output_text', text: 'b' }] }), 'a\n\n\n\nb');
  assert.equal(assistantText({ content: [{ text: 'one' }] }), 'one');
  assert.equal(threadTitle({ title: 'Groceries' }), 'Groceries');
  assert.equal(threadTitle({ title: '' }), 'New conversation');
  assert.equal(threadTitle(null), 'New conversation');
});

test('safeImageURL lets only http(s), same-origin paths and data images load', () => {
  for (const ok of ['https://img.example/a.png', 'http://img.example/a.png', '/files/a.png', 'data:image/png;base64,AAAA', 'HTTPS://X.EXAMPLE/y']) {
    assert.equal(safeImageURL(ok), ok);
  }
  for (const bad of ['javascript:alert(1)', '//evil.example/a.png', 'data:text/html,<script>', 'files/a.png', '', null, 7]) {
    assert.equal(safeImageURL(bad), '', String(bad));
  }
});

test('applyUpdate: assistant message parts', () => {
  const item = { id: 'm', type: 'assistant_message', content: [] };
  assert.equal(applyUpdate(item, { type: 'assistant_message.content_part.added', content_index: 0, content: { type: 'output_text', text: '', annotations: [] } }), true);
  applyUpdate(item, { type: 'assistant_message.content_part.text_delta', content_index: 0, delta: 'Hel' });
  applyUpdate(item, { type: 'assistant_message.content_part.text_delta', content_index: 0, delta: 'lo' });
  applyUpdate(item, { type: 'assistant_message.content_part.text_delta', content_index: 0 });
  assert.equal(assistantText(item), 'Hello');
  // A delta for a part that was never added creates it (and the ones before it).
  applyUpdate(item, { type: 'assistant_message.content_part.text_delta', content_index: 2, delta: 'x' });
  assert.deepEqual(item.content.map((p) => p.text), ['Hello', '', 'x']);
  const done = { type: 'output_text', text: 'Final', annotations: [] };
  applyUpdate(item, { type: 'assistant_message.content_part.done', content_index: 0, content: done });
  assert.equal(item.content[0].text, 'Final');
  assert.notEqual(item.content[0], done, 'the event content is copied, not shared');
  const noContent = { id: 'n', type: 'assistant_message' };
  applyUpdate(noContent, { type: 'assistant_message.content_part.text_delta', content_index: 0, delta: 'hi' });
  assert.deepEqual(noContent.content, [{ type: 'output_text', text: 'hi', annotations: [] }]);
});

test('applyUpdate: widget updates', () => {
  const widget = () => ({
    type: 'Card',
    children: [
      { type: 'Text', id: 'title', value: 'Buy milk' },
      { type: 'Row', children: [{ type: 'Text', id: 'stream', value: 'Wor' }, { type: 'Button', id: 'toggle', label: 'Complete' }] },
    ],
  });
  const item = { id: 'w', type: 'widget', widget: widget() };
  assert.equal(applyUpdate(item, { type: 'widget.streaming_text.value_delta', component_id: 'stream', delta: 'king' }), true);
  assert.equal(findComponent(item.widget, 'stream').value, 'Working');
  applyUpdate(item, { type: 'widget.component.updated', component_id: 'toggle', component: { type: 'Button', id: 'toggle', label: 'Reopen' } });
  assert.equal(findComponent(item.widget, 'toggle').label, 'Reopen');
  assert.equal(findComponent(item.widget, 'title').value, 'Buy milk', 'other components unchanged');
  // An unknown component id changes nothing and throws nothing.
  const before = JSON.stringify(item.widget);
  applyUpdate(item, { type: 'widget.component.updated', component_id: 'nope', component: { label: 'x' } });
  applyUpdate(item, { type: 'widget.streaming_text.value_delta', component_id: 'nope', delta: 'x' });
  assert.equal(JSON.stringify(item.widget), before);
  const root = { type: 'ListView', children: [] };
  applyUpdate(item, { type: 'widget.root.updated', widget: root });
  assert.equal(item.widget, root);
  // A streaming delta into a component without a value starts it.
  const empty = { id: 'e', type: 'widget', widget: { type: 'Text', id: 't' } };
  applyUpdate(empty, { type: 'widget.streaming_text.value_delta', component_id: 't', delta: 'a' });
  assert.equal(empty.widget.value, 'a');
});

test('applyUpdate: workflow tasks and images', () => {
  const item = { id: 'f', type: 'workflow' };
  applyUpdate(item, { type: 'workflow.task.added', task_index: 0, task: { type: 'custom', title: 'one' } });
  applyUpdate(item, { type: 'workflow.task.added', task_index: 0, task: { type: 'custom', title: 'zero' } });
  applyUpdate(item, { type: 'workflow.task.updated', task_index: 1, task: { type: 'custom', title: 'one, done' } });
  assert.deepEqual(item.workflow.tasks.map((t) => t.title), ['zero', 'one, done']);
  const img = { id: 'g', type: 'generated_image' };
  applyUpdate(img, { type: 'generated_image.updated', image: { url: 'https://x.example/i.png' } });
  assert.equal(img.image.url, 'https://x.example/i.png');
});

test('applyUpdate reports what it did not apply', () => {
  const item = { id: 'm', type: 'assistant_message', content: [{ type: 'output_text', text: 'a' }] };
  assert.equal(applyUpdate(item, { type: 'some.future.update' }), false);
  assert.equal(applyUpdate(item, null), false);
  assert.equal(applyUpdate(undefined, { type: 'assistant_message.content_part.text_delta', content_index: 0, delta: 'x' }), false);
  assert.equal(item.content[0].text, 'a');
});

test('findComponent searches the whole tree and ignores junk', () => {
  const tree = { type: 'Card', children: [null, 'junk', { type: 'Box', children: [{ type: 'Text', id: 'deep' }] }] };
  assert.equal(findComponent(tree, 'deep').type, 'Text');
  assert.equal(findComponent(tree, 'none'), null);
  assert.equal(findComponent(null, 'deep'), null);
});

test('addThreadPage replaces the list, or appends a further page without duplicates', () => {
  const a = { id: 'a' };
  const b = { id: 'b' };
  const c = { id: 'c' };
  assert.deepEqual(addThreadPage([a], { data: [b, c] }, false), [b, c]);
  assert.deepEqual(addThreadPage([a, b], { data: [b, c] }, true), [a, b, c]);
  assert.deepEqual(addThreadPage([a], {}, true), [a]);
  assert.deepEqual(addThreadPage([a], { data: [a, a] }, false), [a]);
});

test('rememberThread merges, moves to the top on request, and adds new threads first', () => {
  const list = [{ id: 'a', title: 'A' }, { id: 'b', title: 'B', created_at: 1 }];
  assert.deepEqual(rememberThread(list, { id: 'b', title: 'B2' }, false), [{ id: 'a', title: 'A' }, { id: 'b', title: 'B2', created_at: 1 }]);
  assert.deepEqual(rememberThread(list, { id: 'b', title: 'B2' }, true), [{ id: 'b', title: 'B2', created_at: 1 }, { id: 'a', title: 'A' }]);
  assert.deepEqual(rememberThread(list, { id: 'c' }, false), [{ id: 'c' }, ...list]);
  assert.deepEqual(list, [{ id: 'a', title: 'A' }, { id: 'b', title: 'B', created_at: 1 }], 'the old list is unchanged');
});

test('retry targets', () => {
  const items = [
    { id: 'u1', type: 'user_message' },
    { id: 'a1', type: 'assistant_message' },
    { id: 'u2', type: 'user_message' },
    { id: 'w2', type: 'widget' },
    { id: 'a2', type: 'assistant_message' },
  ];
  assert.equal(userMessageBefore(items, 'a2'), 'u2');
  assert.equal(userMessageBefore(items, 'a1'), 'u1');
  assert.equal(userMessageBefore(items, 'u1'), null);
  assert.equal(userMessageBefore(items, 'gone'), null);
  assert.equal(lastUserMessage(items).id, 'u2');
  assert.equal(lastUserMessage([]), undefined);
  assert.deepEqual(itemsAfter(items, 'u2').map((x) => x.id), ['w2', 'a2']);
  assert.deepEqual(itemsAfter(items, 'a2'), []);
  assert.deepEqual(itemsAfter(items, 'gone'), []);
});
