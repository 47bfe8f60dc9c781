// The DOM-free rules of the composer's menus, node-tested and shared by
// both pages (the lite client's composer.js and the ChatKit page's
// chatkitoptions.js): the slash commands and their filtering, when "/" or
// "@" opens a menu, the task search, tasks as ChatKit entities and their
// preview card, and the content parts of a message with task tags.

/**
 * COMMANDS are the agent's slash commands (chatserver/agent/commands.go).
 * A command with args is inserted for the user to complete ("/add ");
 * one without is sent when picked.
 */
export const COMMANDS = [
  { name: 'add', args: true, usage: '/add Buy milk !high due:tomorrow #home', description: 'Add a task', icon: 'plus' },
  { name: 'list', args: false, usage: '/list', description: 'Show your tasks', icon: 'check-circle' },
  { name: 'done', args: true, usage: '/done 3', description: 'Mark tasks as done', icon: 'check' },
  { name: 'undo', args: false, usage: '/undo', description: 'Restore what you deleted last (/undo 3 reopens task 3)', icon: 'reload' },
  { name: 'delete', args: true, usage: '/delete 3', description: 'Move tasks to the trash', icon: 'empty-circle' },
  { name: 'trash', args: false, usage: '/trash', description: 'Show the trash', icon: 'document' },
  { name: 'help', args: false, usage: '/help', description: 'Show what the commands do', icon: 'circle-question' },
];

/** PLAN_DAY is the "Plan my day" composer tool and starter. */
export const PLAN_DAY = { id: 'plan_day', label: 'Plan my day', prompt: 'Plan my day', icon: 'calendar' };

/** TASK_TAG_PREFIX starts the id of a task tag: "task_3". */
export const TASK_TAG_PREFIX = 'task_';

/**
 * filterCommands returns the commands matching query (what follows "/"):
 * names starting with it first, then names or descriptions containing it.
 */
export function filterCommands(query, commands = COMMANDS) {
  const q = String(query || '').trim().toLowerCase().replace(/^\//, '');
  if (!q) return commands.slice();
  const starts = commands.filter((c) => c.name.startsWith(q));
  const contains = commands.filter((c) => !starts.includes(c) && (c.name.includes(q) || c.description.toLowerCase().includes(q)));
  return [...starts, ...contains];
}

/** commandText is what picking cmd puts in the composer: "/add " or "/list". */
export function commandText(cmd) {
  return cmd.args ? `/${cmd.name} ` : `/${cmd.name}`;
}

/**
 * menuTrigger tells which menu the text before the caret opens: the
 * command menu while the composer holds only "/word" ({kind: 'command',
 * query, start: 0}), the tag search after an "@" that starts a word
 * ({kind: 'tag', query, start}: start is the index of the "@"), or null.
 */
export function menuTrigger(text, caret = text.length) {
  const before = String(text || '').slice(0, caret);
  const cmd = /^\/(\S*)$/.exec(before);
  if (cmd) return { kind: 'command', query: cmd[1], start: 0 };
  const tag = /(^|\s)@([^\s@]{0,40})$/.exec(before);
  if (tag) return { kind: 'tag', query: tag[2], start: before.length - tag[2].length - 1 };
  return null;
}

/** replaceTrigger replaces the trigger (from its start to the caret) with insert; it returns the new text and caret. */
export function replaceTrigger(text, caret, trigger, insert) {
  const next = text.slice(0, trigger.start) + insert + text.slice(caret);
  return { text: next, caret: trigger.start + insert.length };
}

/** searchURL is the task search of the tag menu: the user's tasks whose title or description contains query. */
export function searchURL(query) {
  const q = new URLSearchParams({ filter: 'all', q: String(query || '').trim() });
  return `/api/v1/tasks?${q}`;
}

/** taskTag is the tag of a task ({task_id, title}) as the lite client keeps it. */
export function taskTag(task) {
  return { number: Number(task.task_id), title: String(task.title || '') };
}

/**
 * taskEntity is a task (a GET /api/v1/tasks task) as a ChatKit entity:
 * its data (strings, as ChatKit.js entity data are) carry what the
 * preview card shows, and the number the agent reads.
 */
export function taskEntity(task) {
  const data = { kind: 'task', number: String(task.task_id), priority: task.priority || '' };
  if (task.due) data.due = task.due;
  if (task.tags && task.tags.length) data.tags = task.tags.join(', ');
  if (task.completed) data.completed = 'true';
  return { id: `${TASK_TAG_PREFIX}${task.task_id}`, title: task.title, group: 'Tasks', icon: 'check-circle', interactive: true, data };
}

/** searchEntities asks fetchJSON(url) for the tasks matching query and returns them as entities. */
export async function searchEntities(query, fetchJSON) {
  const page = await fetchJSON(searchURL(query));
  return ((page && page.tasks) || []).map(taskEntity);
}

/** entityNumber returns the task number of a task entity, or 0. */
export function entityNumber(entity) {
  const id = String((entity && entity.id) || '');
  if (!id.startsWith(TASK_TAG_PREFIX)) return 0;
  const n = Number(id.slice(TASK_TAG_PREFIX.length));
  return Number.isSafeInteger(n) && n > 0 ? n : 0;
}

/** previewWidget is the preview card of a task entity: a Basic widget root with its title, number, due date, priority and tags. */
export function previewWidget(entity) {
  const d = (entity && entity.data) || {};
  const badges = [];
  if (d.priority) badges.push({ type: 'Badge', label: d.priority, color: { high: 'danger', medium: 'warning', low: 'secondary' }[d.priority] || 'secondary', variant: 'soft' });
  if (d.completed === 'true') badges.push({ type: 'Badge', label: 'done', color: 'success', variant: 'soft' });
  for (const t of (d.tags || '').split(',').map((s) => s.trim()).filter(Boolean)) badges.push({ type: 'Badge', label: `#${t}`, color: 'info', variant: 'outline' });
  const children = [
    { type: 'Caption', value: `Task ${entityNumber(entity)}` },
    { type: 'Title', value: entity.title, size: 'sm' },
    { type: 'Text', value: d.due ? `Due ${d.due.slice(0, 10)}` : 'No due date', size: 'sm', color: 'secondary' },
  ];
  if (badges.length) children.push({ type: 'Row', gap: 2, wrap: 'wrap', children: badges });
  return { type: 'Basic', direction: 'col', gap: 2, padding: 3, children };
}

/**
 * messageContent returns the content parts of a message: its text, where
 * each "@Title" of a picked tag ({number, title}) becomes an input_tag
 * part. A tag whose "@Title" is no longer in the text is dropped.
 */
export function messageContent(text, tags = []) {
  const parts = [];
  let rest = String(text || '');
  const live = tags.filter((t) => t && t.number > 0 && t.title);
  while (rest) {
    let hit = null;
    for (const t of live) {
      const i = rest.indexOf(`@${t.title}`);
      if (i >= 0 && (!hit || i < hit.i || (i === hit.i && t.title.length > hit.t.title.length))) hit = { i, t };
    }
    if (!hit) {
      parts.push({ type: 'input_text', text: rest });
      break;
    }
    if (hit.i > 0) parts.push({ type: 'input_text', text: rest.slice(0, hit.i) });
    const { number, title } = hit.t;
    parts.push({ type: 'input_tag', id: `${TASK_TAG_PREFIX}${number}`, text: title, data: { kind: 'task', number }, interactive: true });
    rest = rest.slice(hit.i + title.length + 1);
  }
  return parts;
}

/** keptTags returns the tags whose "@Title" is still in text (the chips to keep). */
export function keptTags(text, tags) {
  return tags.filter((t) => String(text || '').includes(`@${t.title}`));
}

/** moveActive returns the active index after key (ArrowDown, ArrowUp, Home, End) in a list of n options, wrapping. */
export function moveActive(index, key, n) {
  if (n <= 0) return -1;
  switch (key) {
    case 'ArrowDown':
      return index < 0 ? 0 : (index + 1) % n;
    case 'ArrowUp':
      return index <= 0 ? n - 1 : index - 1;
    case 'Home':
      return 0;
    case 'End':
      return n - 1;
    default:
      return index;
  }
}
