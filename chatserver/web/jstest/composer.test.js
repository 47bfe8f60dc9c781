// Tests of the composer's DOM-free rules (composermodel.js) and of the
// options the ChatKit page gives <openai-chatkit> (chatkitoptions.js):
// run with `node --test jstest/`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COMMANDS, commandText, entityNumber, filterCommands, keptTags, menuTrigger, messageContent, moveActive, previewWidget, replaceTrigger, searchURL, taskEntity } from '../static/composermodel.js';
import { chatkitOptions } from '../static/chatkitoptions.js';

const names = (cmds) => cmds.map((c) => c.name);

test('the commands are the agent commands', () => {
  // chatserver/agent/commands.go's switch.
  assert.deepEqual(names(COMMANDS).sort(), ['add', 'delete', 'done', 'help', 'list', 'trash', 'undo']);
});

test('filterCommands: prefix matches first, then names or descriptions containing the query', () => {
  assert.deepEqual(names(filterCommands('')), names(COMMANDS));
  assert.deepEqual(names(filterCommands('d')), ['done', 'delete', 'add', 'undo', 'help']); // help: "...the commands do"
  assert.deepEqual(names(filterCommands('de')), ['delete', 'undo']); // "undo": "...you deleted last"
  assert.deepEqual(names(filterCommands('/LI')), ['list']);
  assert.deepEqual(names(filterCommands('trash')), ['trash', 'delete']);
  assert.deepEqual(filterCommands('zzz'), []);
});

test('commandText: commands with arguments wait for them', () => {
  assert.equal(commandText(COMMANDS.find((c) => c.name === 'add')), '/add ');
  assert.equal(commandText(COMMANDS.find((c) => c.name === 'list')), '/list');
});

test('menuTrigger: "/" only at the start, "@" at the start of a word', () => {
  assert.deepEqual(menuTrigger('/'), { kind: 'command', query: '', start: 0 });
  assert.deepEqual(menuTrigger('/ad'), { kind: 'command', query: 'ad', start: 0 });
  assert.equal(menuTrigger('/add milk'), null); // arguments: the menu closes
  assert.equal(menuTrigger('see /etc/hosts'), null);
  assert.deepEqual(menuTrigger('@'), { kind: 'tag', query: '', start: 0 });
  assert.deepEqual(menuTrigger('done with @bu'), { kind: 'tag', query: 'bu', start: 10 });
  assert.equal(menuTrigger('mail me@example.com'), null);
  assert.equal(menuTrigger('@buy milk'), null); // a space ends the search
  assert.deepEqual(menuTrigger('x @mi and more', 5), { kind: 'tag', query: 'mi', start: 2 }); // the caret counts
  assert.equal(menuTrigger(''), null);
});

test('replaceTrigger puts the pick where the trigger was', () => {
  const text = 'done with @bu please';
  const t = menuTrigger(text, 13);
  assert.deepEqual(replaceTrigger(text, 13, t, '@Buy milk '), { text: 'done with @Buy milk  please', caret: 20 });
});

test('searchURL asks the task API for all tasks matching the query', () => {
  assert.equal(searchURL(' milk & eggs '), '/api/v1/tasks?filter=all&q=milk+%26+eggs');
});

test('messageContent: each @Title of a picked task becomes an input_tag with its number', () => {
  const milk = { number: 3, title: 'Buy milk' };
  const mom = { number: 12, title: 'Call mom' };
  assert.deepEqual(messageContent('done with @Buy milk and @Call mom!', [milk, mom]), [
    { type: 'input_text', text: 'done with ' },
    { type: 'input_tag', id: 'task_3', text: 'Buy milk', data: { kind: 'task', number: 3 }, interactive: true },
    { type: 'input_text', text: ' and ' },
    { type: 'input_tag', id: 'task_12', text: 'Call mom', data: { kind: 'task', number: 12 }, interactive: true },
    { type: 'input_text', text: '!' },
  ]);
  assert.deepEqual(messageContent('@Buy milk', [milk]), [{ type: 'input_tag', id: 'task_3', text: 'Buy milk', data: { kind: 'task', number: 3 }, interactive: true }]);
  // No tags, a deleted tag, a bad tag: plain text.
  assert.deepEqual(messageContent('hi @Buy milk', []), [{ type: 'input_text', text: 'hi @Buy milk' }]);
  assert.deepEqual(messageContent('hi', [milk]), [{ type: 'input_text', text: 'hi' }]);
  assert.deepEqual(messageContent('@x', [{ number: 0, title: 'x' }]), [{ type: 'input_text', text: '@x' }]);
  // The longer title wins where two start at the same place.
  const milkshake = { number: 4, title: 'Buy milkshake' };
  assert.deepEqual(messageContent('@Buy milkshake', [milk, milkshake])[0].id, 'task_4');
});

test('keptTags drops the tags whose @Title was deleted', () => {
  const tags = [{ number: 3, title: 'Buy milk' }, { number: 4, title: 'Call mom' }];
  assert.deepEqual(keptTags('about @Call mom', tags), [tags[1]]);
});

test('moveActive wraps around', () => {
  assert.equal(moveActive(-1, 'ArrowDown', 3), 0);
  assert.equal(moveActive(2, 'ArrowDown', 3), 0);
  assert.equal(moveActive(0, 'ArrowUp', 3), 2);
  assert.equal(moveActive(1, 'End', 3), 2);
  assert.equal(moveActive(0, 'ArrowDown', 0), -1);
});

test('taskEntity and previewWidget', () => {
  const e = taskEntity({ task_id: 3, title: 'Buy milk', priority: 'high', due: '2026-05-13', tags: ['home', 'shop'] });
  assert.deepEqual(e, {
    id: 'task_3', title: 'Buy milk', group: 'Tasks', icon: 'check-circle', interactive: true,
    data: { kind: 'task', number: '3', priority: 'high', due: '2026-05-13', tags: 'home, shop' },
  });
  assert.equal(entityNumber(e), 3);
  assert.equal(entityNumber({ id: 'task_x' }), 0);
  assert.equal(entityNumber({ id: 'user_3' }), 0);
  const w = previewWidget(e);
  assert.equal(w.type, 'Basic');
  const text = JSON.stringify(w);
  for (const want of ['Task 3', 'Buy milk', 'Due 2026-05-13', '"high"', '#home', '#shop']) assert.ok(text.includes(want), `preview lacks ${want}: ${text}`);
  assert.ok(JSON.stringify(previewWidget(taskEntity({ task_id: 5, title: 'Undated', priority: 'low' }))).includes('No due date'));
});

// stubElement records what the options ask of the ChatKit element.
function stubElement() {
  const calls = [];
  return {
    calls,
    setComposerValue: async (v) => calls.push(['setComposerValue', v]),
    sendUserMessage: async (v) => calls.push(['sendUserMessage', v]),
  };
}

function pageOptions(fetch, el = stubElement()) {
  const cfg = { chatkitPath: '/chatkit', domainKey: 'domain_pk_test', title: 'TaskPilot' };
  return { el, opts: chatkitOptions({ cfg, fetch, dark: false, thread: 'thr_1', element: () => el }) };
}

test('ChatKit page: the commands option lists and runs the slash commands', async () => {
  const { el, opts } = pageOptions(async () => assert.fail('no fetch'));
  assert.equal(opts.commands.enabled, true);
  const found = await opts.commands.onSearch('li');
  assert.deepEqual(found, [{ id: 'list', label: '/list', description: 'Show your tasks', icon: 'check-circle', group: 'Commands' }]);
  assert.equal((await opts.commands.onSearch('')).length, COMMANDS.length);
  await opts.commands.onSelect({ id: 'add', label: '/add' });
  await opts.commands.onSelect(found[0]);
  await opts.commands.onSelect({ id: 'nope', label: '/nope' });
  assert.deepEqual(el.calls, [
    ['setComposerValue', { text: '/add ' }],
    ['sendUserMessage', { text: '/list' }],
  ]);
});

test('ChatKit page: onTagSearch searches the task API and returns task entities', async () => {
  const asked = [];
  const fetch = async (url, init) => {
    asked.push([url, init.headers.Accept]);
    const body = { filter: 'all', tasks: [{ task_id: 7, title: 'Buy milk', priority: 'medium', tags: [] }], counts: { total: 1 } };
    return { ok: true, status: 200, json: async () => body };
  };
  const { opts } = pageOptions(fetch);
  const entities = await opts.entities.onTagSearch('milk');
  assert.deepEqual(asked, [['/api/v1/tasks?filter=all&q=milk', 'application/json']]);
  assert.deepEqual(entities, [{ id: 'task_7', title: 'Buy milk', group: 'Tasks', icon: 'check-circle', interactive: true, data: { kind: 'task', number: '7', priority: 'medium' } }]);
  const { preview } = await opts.entities.onRequestPreview(entities[0]);
  assert.equal(preview.type, 'Basic');
  assert.ok(JSON.stringify(preview).includes('Buy milk'));
  assert.deepEqual(await opts.entities.onRequestPreview({ id: 'other', title: 'x' }), { preview: null });

  const refused = pageOptions(async () => ({ ok: false, status: 401, json: async () => ({}) })).opts;
  await assert.rejects(refused.entities.onTagSearch('milk'), /HTTP 401/);
});

test('ChatKit page: a click on a tag starts a message about the task', () => {
  const { el, opts } = pageOptions(async () => ({}));
  opts.entities.onClick({ id: 'task_7', title: 'Buy milk', data: { kind: 'task', number: '7' } });
  opts.entities.onClick({ id: 'nope', title: 'x' });
  assert.deepEqual(el.calls, [['setComposerValue', { content: [
    { type: 'input_tag', id: 'task_7', text: 'Buy milk', data: { kind: 'task', number: '7' }, interactive: true },
    { type: 'input_text', text: ' ' },
  ] }]]);
});

test('ChatKit page: the Plan my day starter and composer tool, and the rest of the options', () => {
  const fetch = async () => ({});
  const { opts } = pageOptions(fetch);
  assert.deepEqual(opts.startScreen.prompts[0], { label: 'Plan my day', prompt: 'Plan my day', icon: 'calendar' });
  assert.equal(opts.composer.tools.length, 1);
  assert.equal(opts.composer.tools[0].id, 'plan_day');
  assert.equal(opts.composer.tools[0].label, 'Plan my day');
  assert.deepEqual(opts.api, { url: '/chatkit', domainKey: 'domain_pk_test', fetch });
  assert.equal(opts.initialThread, 'thr_1');
  assert.deepEqual(opts.theme, { colorScheme: 'light' });
  assert.equal(opts.entities.showComposerMenu, true);
});
