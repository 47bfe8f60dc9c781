// The lite client: a self-hosted UI for the ChatKit protocol with no
// third-party code. It keeps one conversation on screen, streams answers,
// renders widgets and sends their actions.
import { Auth, readConfig, showLogin } from './auth.js';
import { APIError, Client } from './api.js';
import { $, h } from './dom.js';
import { icon } from './icons.js';
import { renderMarkdown } from './markdown.js';
import { renderWidget } from './widgets.js';

const PROMPTS = ['Show my tasks', 'Add a task: buy milk tomorrow', 'What is overdue?'];
const HIDDEN_TYPES = new Set(['hidden_context_item', 'sdk_hidden_context', 'client_tool_call', 'end_of_turn']);

const cfg = readConfig();
const auth = new Auth(cfg);
const api = new Client(cfg.chatkitPath || '/chatkit', auth, () => signedOut('Your sign-in was refused or has expired. Sign in again.'));

const ui = {
  app: $('app'),
  log: $('log'),
  main: $('main'),
  start: $('start'),
  prompts: $('prompts'),
  progress: $('progress'),
  composer: $('composer'),
  input: $('composer-input'),
  send: $('send-btn'),
  stop: $('stop-btn'),
  threads: $('threads'),
  moreThreads: $('more-threads'),
  title: $('thread-title'),
  rename: $('rename-btn'),
  del: $('delete-btn'),
  newChat: $('new-btn'),
  menu: $('menu-btn'),
  sidebar: $('sidebar'),
  backdrop: $('backdrop'),
  user: $('user'),
  signout: $('signout-btn'),
  login: $('login'),
};

const state = {
  threads: [], // thread metadata, newest first
  threadsAfter: null, // cursor of the next page of threads
  thread: null, // the open thread
  items: [], // its visible items, oldest first
  nodes: new Map(), // item id -> element
  stream: null, // {controller, stopped} while a response streams
  dirty: new Set(), // item ids to re-render on the next frame
  loginShown: false,
};

// ---- start-up -------------------------------------------------------------

async function main() {
  wire();
  if (auth.needed && !auth.token()) await signIn();
  showUser();
  await loadThreads();
  const id = decodeURIComponent(location.hash.slice(1));
  if (id) await openThread(id);
  else newChat(false);
}

function wire() {
  ui.menu.append(icon('menu'));
  for (const p of PROMPTS) {
    const b = h('button', { type: 'button', class: 'prompt', text: p });
    b.addEventListener('click', () => send(p));
    ui.prompts.append(b);
  }
  ui.composer.addEventListener('submit', (e) => {
    e.preventDefault();
    send(ui.input.value);
  });
  ui.input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      send(ui.input.value);
    }
  });
  ui.input.addEventListener('input', autoGrow);
  window.addEventListener('resize', autoGrow);
  autoGrow();
  ui.stop.addEventListener('click', stop);
  document.addEventListener('keydown', (e) => {
    if (e.key !== 'Escape') return;
    if (ui.app.classList.contains('drawer-open')) {
      closeDrawer(true);
    } else if (state.stream && !document.querySelector('dialog[open]')) {
      stop();
    }
  });
  ui.newChat.addEventListener('click', () => newChat(true));
  ui.moreThreads.addEventListener('click', () => loadThreads(true));
  ui.rename.addEventListener('click', renameThread);
  ui.del.addEventListener('click', deleteThread);
  ui.menu.addEventListener('click', () => (ui.app.classList.contains('drawer-open') ? closeDrawer(true) : openDrawer()));
  ui.backdrop.addEventListener('click', () => closeDrawer(true));
  ui.signout.addEventListener('click', () => {
    auth.clear();
    location.replace(location.pathname);
  });
  $('rename-cancel').addEventListener('click', () => $('rename-dialog').close('cancel'));
  window.addEventListener('hashchange', () => {
    const id = decodeURIComponent(location.hash.slice(1));
    if (id && (!state.thread || state.thread.id !== id)) openThread(id);
  });
}

// signIn shows the sign-in form until a token is stored.
async function signIn(reason) {
  state.loginShown = true;
  ui.app.classList.add('signed-out');
  await showLogin(ui.login, auth, reason);
  ui.app.classList.remove('signed-out');
  state.loginShown = false;
  showUser();
}

// signedOut is called when the server refuses the token.
function signedOut(reason) {
  auth.clear();
  if (state.loginShown) return;
  stop();
  signIn(reason).then(async () => {
    await loadThreads();
    if (state.thread) await openThread(state.thread.id);
    ui.input.focus();
  });
}

function showUser() {
  const user = auth.user();
  ui.user.hidden = !user;
  ui.user.textContent = user ? `Signed in as ${user}` : '';
  ui.signout.hidden = !auth.needed || !auth.token();
}

// ---- threads --------------------------------------------------------------

async function loadThreads(more = false) {
  try {
    const page = await api.request('threads.list', { limit: 30, order: 'desc', after: more ? state.threadsAfter : null });
    if (!more) state.threads = [];
    for (const t of page.data || []) if (!state.threads.some((x) => x.id === t.id)) state.threads.push(t);
    state.threadsAfter = page.has_more ? page.after : null;
    renderThreads();
  } catch (err) {
    if (!isUnauthorized(err)) flash(errorText(err, 'Could not load your conversations.'), 'danger');
  }
}

function threadTitle(t) {
  return (t && t.title) || 'New conversation';
}

function renderThreads() {
  ui.threads.replaceChildren(
    ...state.threads.map((t) => {
      const current = state.thread && state.thread.id === t.id;
      const b = h('button', { type: 'button', class: 'thread', 'aria-current': current ? 'page' : null, text: threadTitle(t) });
      b.dataset.id = t.id;
      b.addEventListener('click', () => {
        closeDrawer(false);
        openThread(t.id, true);
      });
      return h('li', {}, b);
    }),
  );
  if (!state.threads.length) ui.threads.append(h('li', { class: 'muted small empty', text: 'No conversations yet.' }));
  ui.moreThreads.hidden = !state.threadsAfter;
}

// rememberThread puts t first in the list (or updates it there).
function rememberThread(t, toTop) {
  const i = state.threads.findIndex((x) => x.id === t.id);
  if (i >= 0) {
    state.threads[i] = { ...state.threads[i], ...t };
    if (toTop) state.threads.unshift(...state.threads.splice(i, 1));
  } else {
    state.threads.unshift(t);
  }
  renderThreads();
}

function setThread(t) {
  state.thread = t;
  ui.title.textContent = t ? threadTitle(t) : cfg.title || 'TaskPilot';
  document.title = t ? `${threadTitle(t)} · ${cfg.title || 'TaskPilot'}` : cfg.title || 'TaskPilot';
  ui.rename.hidden = ui.del.hidden = !t;
  const hash = t ? `#${encodeURIComponent(t.id)}` : '';
  if (location.hash !== hash) history.replaceState(null, '', location.pathname + hash);
  renderThreads();
}

async function openThread(id, focusComposer = false) {
  stop();
  try {
    const thread = await api.request('threads.get_by_id', { thread_id: id });
    let items = thread.items.data || [];
    let page = thread.items;
    for (let n = 0; page.has_more && page.after && n < 50; n++) {
      page = await api.request('items.list', { thread_id: id, after: page.after, order: 'asc', limit: 100 });
      items = items.concat(page.data || []);
    }
    clearLog();
    setThread(thread);
    ui.start.hidden = true;
    for (const item of items) upsertItem(item);
    refreshRetry();
    scrollToEnd(true);
    if (focusComposer) ui.input.focus();
  } catch (err) {
    if (isUnauthorized(err)) return;
    newChat(false);
    flash(err instanceof APIError && err.status === 404 ? 'That conversation does not exist any more.' : errorText(err, 'Could not open the conversation.'), 'danger');
  }
}

function newChat(focus) {
  stop();
  clearLog();
  setThread(null);
  ui.start.hidden = false;
  closeDrawer(false);
  if (focus) ui.input.focus();
}

async function renameThread() {
  const t = state.thread;
  if (!t) return;
  const dialog = $('rename-dialog');
  const input = $('rename-input');
  input.value = t.title || '';
  dialog.returnValue = '';
  dialog.showModal();
  input.select();
  await new Promise((r) => dialog.addEventListener('close', r, { once: true }));
  ui.rename.focus();
  const title = input.value.trim();
  if (dialog.returnValue !== 'ok' || !title || title === t.title) return;
  try {
    const updated = await api.request('threads.update', { thread_id: t.id, title });
    const meta = { ...t, title: updated.title ?? title };
    if (state.thread && state.thread.id === t.id) setThread(meta);
    rememberThread(meta, false);
    flash('Renamed.', 'info');
  } catch (err) {
    if (!isUnauthorized(err)) flash(errorText(err, 'Could not rename the conversation.'), 'danger');
  }
}

async function deleteThread() {
  const t = state.thread;
  if (!t) return;
  const dialog = $('delete-dialog');
  dialog.returnValue = '';
  dialog.showModal();
  await new Promise((r) => dialog.addEventListener('close', r, { once: true }));
  if (dialog.returnValue !== 'ok') {
    ui.del.focus();
    return;
  }
  try {
    await api.request('threads.delete', { thread_id: t.id });
    state.threads = state.threads.filter((x) => x.id !== t.id);
    newChat(true);
    flash('Conversation deleted.', 'info');
  } catch (err) {
    if (!isUnauthorized(err)) flash(errorText(err, 'Could not delete the conversation.'), 'danger');
  }
}

// ---- drawer (phone width) ---------------------------------------------------

function openDrawer() {
  ui.app.classList.add('drawer-open');
  ui.menu.setAttribute('aria-expanded', 'true');
  ui.backdrop.hidden = false;
  (ui.sidebar.querySelector('[aria-current="page"]') || ui.newChat).focus();
}

function closeDrawer(returnFocus) {
  if (!ui.app.classList.contains('drawer-open')) return;
  ui.app.classList.remove('drawer-open');
  ui.menu.setAttribute('aria-expanded', 'false');
  ui.backdrop.hidden = true;
  if (returnFocus) ui.menu.focus();
}

// ---- items ----------------------------------------------------------------

function clearLog() {
  state.items = [];
  state.nodes.clear();
  state.dirty.clear();
  ui.log.replaceChildren();
  ui.progress.replaceChildren();
}

function findItem(id) {
  return state.items.find((x) => x.id === id);
}

// upsertItem adds item or replaces the item with its id, keeping focus
// on the same control if it was inside the old element.
function upsertItem(item) {
  if (!item || typeof item.id !== 'string' || HIDDEN_TYPES.has(item.type)) return;
  const i = state.items.findIndex((x) => x.id === item.id);
  if (i >= 0) state.items[i] = item;
  else state.items.push(item);
  const node = renderItem(item);
  const old = state.nodes.get(item.id);
  state.nodes.set(item.id, node);
  if (!old) {
    ui.log.append(node);
    return;
  }
  const active = document.activeElement;
  const focusKey = old.contains(active) ? (active.dataset && active.dataset.fk) || '' : null;
  old.replaceWith(node);
  if (focusKey !== null) {
    const target = focusKey ? node.querySelector(`[data-fk="${CSS.escape(focusKey)}"]`) : null;
    (target || node).focus();
  }
}

function removeItem(id) {
  state.items = state.items.filter((x) => x.id !== id);
  const node = state.nodes.get(id);
  if (node) {
    if (node.contains(document.activeElement)) ui.input.focus();
    node.remove();
  }
  state.nodes.delete(id);
}

function renderItem(item) {
  switch (item.type) {
    case 'user_message':
      return article(item, 'user', 'You', h('div', { class: 'bubble', text: userText(item) }));
    case 'assistant_message': {
      const el = article(item, 'assistant', 'TaskPilot', h('div', { class: 'md' }, renderMarkdown(assistantText(item))));
      if (isPending(item)) el.setAttribute('aria-busy', 'true');
      else el.append(messageActions(item));
      return el;
    }
    case 'widget': {
      const w = renderWidget(item.widget, { idPrefix: `w-${item.id}`, onAction: (action, opts) => widgetAction(item, action, opts) });
      return article(item, 'widget', 'TaskPilot', w);
    }
    case 'workflow':
      return article(item, 'workflow', 'TaskPilot', renderWorkflow(item.workflow || {}));
    case 'task':
      return article(item, 'workflow', 'TaskPilot', renderTasks([item.task]));
    case 'generated_image': {
      const url = item.image && item.image.url;
      const ok = typeof url === 'string' && /^(https?:\/\/|\/(?!\/)|data:image\/)/i.test(url);
      return article(item, 'assistant', 'TaskPilot', ok ? h('img', { class: 'w-image', src: url, alt: 'Generated image' }) : h('p', { class: 'muted', text: 'Generating an image…' }));
    }
    case 'structured_input': {
      const qs = (item.inputs || []).map((q) => h('li', { text: `${q.question || ''}${q.answer && q.answer.values && q.answer.values.length ? ` — ${q.answer.values.join(', ')}` : ''}` }));
      return article(item, 'assistant', 'TaskPilot', h('ul', { class: 'questions' }, ...qs));
    }
    default:
      return h('div', { hidden: true });
  }
}

function article(item, kind, who, ...body) {
  const el = h('article', { class: `msg ${kind}`, tabIndex: -1 }, h('h2', { class: 'sr-only', text: `${who}:` }), ...body);
  el.dataset.id = item.id;
  return el;
}

function userText(item) {
  return (item.content || [])
    .map((p) => (p.type === 'input_tag' ? `@${p.text || ''}` : p.text || ''))
    .join('');
}

function assistantText(item) {
  return (item.content || []).map((p) => (p && p.text) || '').join('\n\n');
}

function isPending(item) {
  return !!(state.stream && state.stream.pending.has(item.id));
}

function messageActions(item) {
  const text = assistantText(item);
  const small = (label, title, onClick) => {
    const b = h('button', { type: 'button', class: 'btn ghost small', text: label, title });
    b.addEventListener('click', () => onClick(b));
    return b;
  };
  const feedback = (kind) => async (b) => {
    try {
      await api.request('items.feedback', { thread_id: state.thread.id, item_ids: [item.id], kind });
      b.parentElement.querySelectorAll('[aria-pressed]').forEach((x) => x.setAttribute('aria-pressed', 'false'));
      b.setAttribute('aria-pressed', 'true');
      flash('Thanks for the feedback.', 'info');
    } catch (err) {
      if (!isUnauthorized(err)) flash(errorText(err, 'Could not send the feedback.'), 'danger');
    }
  };
  const good = small('Helpful', 'This answer was helpful', feedback('positive'));
  const bad = small('Not helpful', 'This answer was not helpful', feedback('negative'));
  good.setAttribute('aria-pressed', 'false');
  bad.setAttribute('aria-pressed', 'false');
  const copy = small('Copy', 'Copy the answer', async () => {
    try {
      await navigator.clipboard.writeText(text);
      flash('Copied.', 'info');
    } catch {
      flash('Copying is not allowed here.', 'warning');
    }
  });
  const retry = small('Retry', 'Answer this message again', () => retryFrom(item.id));
  retry.classList.add('retry');
  return h('div', { class: 'msg-actions', role: 'group', 'aria-label': 'Answer actions' }, good, bad, copy, retry);
}

// refreshRetry shows the retry button on the last answer only.
function refreshRetry() {
  const buttons = ui.log.querySelectorAll('.msg.assistant .retry');
  buttons.forEach((b, i) => (b.hidden = i !== buttons.length - 1));
}

function renderWorkflow(wf) {
  const s = wf.summary || {};
  const summary = s.title || (typeof s.duration === 'number' ? `Worked for ${s.duration}s` : 'Working…');
  return h('details', { class: 'workflow', open: !!wf.expanded }, h('summary', { text: summary }), renderTasks(wf.tasks || []));
}

function renderTasks(tasks) {
  return h(
    'ul',
    { class: 'tasks' },
    ...tasks.filter(Boolean).map((t) => {
      const li = h('li', { class: `task s-${t.status_indicator || 'none'}` });
      if (t.icon) li.append(icon(t.icon, 'sm'));
      li.append(h('span', { class: 'task-title', text: t.title || (t.type === 'thought' ? 'Thought' : 'Step') }));
      if (t.content) li.append(h('span', { class: 'muted', text: ` ${t.content}` }));
      return li;
    }),
  );
}

// applyUpdate applies a thread.item.updated event to the item's copy.
function applyUpdate(id, u) {
  const item = findItem(id);
  if (!item || !u) return;
  const part = (i) => {
    item.content = item.content || [];
    while (item.content.length <= i) item.content.push({ type: 'output_text', text: '', annotations: [] });
    return item.content[i];
  };
  switch (u.type) {
    case 'assistant_message.content_part.added':
    case 'assistant_message.content_part.done':
      part(u.content_index);
      item.content[u.content_index] = { ...u.content };
      break;
    case 'assistant_message.content_part.text_delta':
      part(u.content_index).text += u.delta || '';
      break;
    case 'widget.root.updated':
      item.widget = u.widget;
      break;
    case 'widget.streaming_text.value_delta':
    case 'widget.component.updated': {
      const c = findComponent(item.widget, u.component_id);
      if (c && u.type === 'widget.streaming_text.value_delta') c.value = (c.value || '') + (u.delta || '');
      else if (c) Object.assign(c, u.component);
      break;
    }
    case 'workflow.task.added':
    case 'workflow.task.updated': {
      item.workflow = item.workflow || { type: 'custom', tasks: [] };
      item.workflow.tasks = item.workflow.tasks || [];
      if (u.type === 'workflow.task.added') item.workflow.tasks.splice(u.task_index, 0, u.task);
      else item.workflow.tasks[u.task_index] = u.task;
      break;
    }
    case 'generated_image.updated':
      item.image = u.image;
      break;
    default:
      return;
  }
  markDirty(item.id);
}

function findComponent(node, id) {
  if (!node || typeof node !== 'object') return null;
  if (node.id === id) return node;
  for (const k of Array.isArray(node.children) ? node.children : []) {
    const f = findComponent(k, id);
    if (f) return f;
  }
  return null;
}

// markDirty re-renders the item on the next animation frame, so a burst
// of deltas costs one render.
function markDirty(id) {
  if (state.dirty.size === 0) requestAnimationFrame(flushDirty);
  state.dirty.add(id);
}

function flushDirty() {
  const stick = nearEnd();
  for (const id of state.dirty) {
    const item = findItem(id);
    const node = state.nodes.get(id);
    if (!item || !node) continue;
    const md = item.type === 'assistant_message' && node.querySelector('.md');
    if (md) md.replaceChildren(...renderMarkdown(assistantText(item)));
    else upsertItem(item);
  }
  state.dirty.clear();
  if (stick) scrollToEnd();
}

// ---- sending and streaming -----------------------------------------------

function send(raw) {
  const text = String(raw || '').trim();
  if (!text || state.stream) return;
  ui.input.value = '';
  autoGrow();
  const input = { content: [{ type: 'input_text', text }], attachments: [], inference_options: {} };
  ui.start.hidden = true;
  if (state.thread) return runStream('threads.add_user_message', { thread_id: state.thread.id, input }, text);
  return runStream('threads.create', { input }, text);
}

function retryFrom(assistantId) {
  const idx = state.items.findIndex((x) => x.id === assistantId);
  for (let i = idx - 1; i >= 0; i--) {
    if (state.items[i].type === 'user_message') return retryAfter(state.items[i].id);
  }
}

// retryAfter answers the user message id again: the server drops the items
// after it, and so do we.
function retryAfter(userItemId) {
  if (!state.thread || state.stream) return;
  const idx = state.items.findIndex((x) => x.id === userItemId);
  if (idx < 0) return;
  for (const it of state.items.slice(idx + 1)) removeItem(it.id);
  return runStream('threads.retry_after_item', { thread_id: state.thread.id, item_id: userItemId });
}

function stop() {
  if (!state.stream) return;
  state.stream.stopped = true;
  state.stream.controller.abort();
}

function setStreaming(on) {
  ui.send.hidden = on;
  ui.stop.hidden = !on;
  ui.input.setAttribute('aria-busy', on ? 'true' : 'false');
  ui.log.setAttribute('aria-busy', on ? 'true' : 'false');
}

// runStream sends a streaming request and applies its events. restore is
// the composer text to put back if the server refused the request;
// focusComposer moves the focus back to the composer at the end if it was
// there (widget actions keep it on the widget).
async function runStream(type, params, restore = '', focusComposer = true) {
  clearTransient();
  const controller = new AbortController();
  const stream = { controller, stopped: false, pending: new Set(), started: false };
  state.stream = stream;
  setStreaming(true);
  showProgress('Thinking…', 'sparkle');
  const hadFocus = document.activeElement === ui.input;
  try {
    for await (const ev of api.stream(type, params, controller.signal)) {
      stream.started = true;
      handleEvent(ev, stream);
    }
  } catch (err) {
    if (stream.stopped) {
      announce('Stopped.');
    } else if (!isUnauthorized(err)) {
      if (!stream.started && restore && !ui.input.value) {
        ui.input.value = restore;
        autoGrow();
      }
      showError({ message: errorText(err, 'The answer was interrupted.'), allow_retry: stream.started });
    }
  } finally {
    if (state.stream === stream) {
      state.stream = null;
      setStreaming(false);
      ui.progress.replaceChildren();
    }
    if (state.dirty.size) flushDirty();
    for (const id of stream.pending) {
      const item = findItem(id);
      if (item) upsertItem(item);
    }
    const last = [...stream.pending].pop();
    if (stream.stopped && last && state.nodes.has(last)) {
      state.nodes.get(last).append(h('p', { class: 'muted small', text: 'Stopped.' }));
    }
    refreshRetry();
    if (focusComposer && (hadFocus || document.activeElement === document.body)) ui.input.focus();
  }
}

function handleEvent(ev, stream) {
  switch (ev.type) {
    case 'thread.created':
      setThread(ev.thread);
      rememberThread(ev.thread, true);
      break;
    case 'thread.updated':
      if (state.thread && ev.thread && ev.thread.id === state.thread.id) setThread({ ...state.thread, ...ev.thread });
      if (ev.thread) rememberThread(ev.thread, false);
      break;
    case 'thread.item.added':
      ui.progress.replaceChildren();
      stream.pending.add(ev.item.id);
      upsertItem(ev.item);
      scrollToEnd();
      break;
    case 'thread.item.updated':
      applyUpdate(ev.item_id, ev.update);
      break;
    case 'thread.item.done':
      ui.progress.replaceChildren();
      stream.pending.delete(ev.item.id);
      state.dirty.delete(ev.item.id);
      upsertItem(ev.item);
      if (ev.item.type === 'assistant_message') announce(assistantText(ev.item));
      scrollToEnd();
      break;
    case 'thread.item.replaced':
      stream.pending.delete(ev.item.id);
      upsertItem(ev.item);
      break;
    case 'thread.item.removed':
      stream.pending.delete(ev.item_id);
      removeItem(ev.item_id);
      break;
    case 'stream_options':
      ui.stop.hidden = !(ev.stream_options && ev.stream_options.allow_cancel !== false);
      break;
    case 'progress_update':
      showProgress(ev.text || '', ev.icon);
      break;
    case 'notice':
      showNotice(ev);
      break;
    case 'error':
      showError(ev);
      break;
    default:
      // client_effect and future events: nothing to show
      break;
  }
}

// widgetAction sends a widget's action: streamed (threads.custom_action),
// or answered at once with the updated item (threads.sync_custom_action).
async function widgetAction(item, action, opts) {
  if (opts.handler === 'client' || !state.thread) return;
  const params = { thread_id: state.thread.id, item_id: item.id, action };
  const el = opts.el;
  // A busy control is marked, not disabled: disabling it would drop the
  // keyboard focus, which must stay on it (or on its replacement).
  if (el && el.getAttribute('aria-busy') === 'true') return;
  const busy = (on) => {
    if (opts.loadingBehavior === 'none' || !el) return;
    el.setAttribute('aria-busy', on ? 'true' : 'false');
  };
  if (!opts.streaming) {
    busy(true);
    try {
      const res = await api.request('threads.sync_custom_action', params);
      if (res && res.updated_item) upsertItem(res.updated_item);
    } catch (err) {
      if (!isUnauthorized(err)) showError({ message: errorText(err, 'That action failed.'), allow_retry: false });
    } finally {
      busy(false);
    }
    return;
  }
  if (state.stream) {
    flash('Wait for the answer to finish, or press Stop.', 'warning');
    return;
  }
  busy(true);
  await runStream('threads.custom_action', params, '', false);
  busy(false);
}

// ---- status, errors, notices ------------------------------------------------

function showProgress(text, iconName) {
  ui.progress.replaceChildren(h('span', { class: 'spinner', 'aria-hidden': 'true' }), iconName ? icon(iconName, 'sm') : '', h('span', { text }));
}

// announce reads text to screen readers through the polite status region.
function announce(text) {
  const live = $('announce') || document.body.appendChild(h('div', { id: 'announce', class: 'sr-only', role: 'status', 'aria-live': 'polite' }));
  live.textContent = '';
  setTimeout(() => (live.textContent = text.slice(0, 600)), 50);
}

function showError(ev) {
  const msg = ev.message || 'Something went wrong while answering.';
  const box = h('div', { class: 'alert danger transient', role: 'alert' }, icon('warning', 'sm'), h('span', { text: msg }));
  const lastUser = [...state.items].reverse().find((x) => x.type === 'user_message');
  if (ev.allow_retry && lastUser && state.thread) {
    const b = h('button', { type: 'button', class: 'btn small', text: 'Retry' });
    b.addEventListener('click', () => retryAfter(lastUser.id));
    box.append(b);
    setTimeout(() => b.focus(), 0);
  }
  ui.log.append(box);
  scrollToEnd();
}

function showNotice(ev) {
  const level = ['info', 'warning', 'danger'].includes(ev.level) ? ev.level : 'info';
  const md = h('div', { class: 'md' }, renderMarkdown(ev.message || ''));
  ui.log.append(h('div', { class: `alert ${level} transient`, role: level === 'danger' ? 'alert' : 'status' }, ev.title ? h('strong', { text: ev.title }) : '', md));
  scrollToEnd();
}

// flash shows a short message at the bottom of the page.
function flash(text, level = 'info') {
  const el = h('div', { class: `toast ${level}`, role: level === 'danger' ? 'alert' : 'status', text });
  document.body.append(el);
  setTimeout(() => el.remove(), 4000);
}

function clearTransient() {
  ui.log.querySelectorAll('.transient').forEach((el) => el.remove());
}

function isUnauthorized(err) {
  return err instanceof APIError && err.status === 401;
}

function errorText(err, fallback) {
  if (err instanceof APIError) return err.message;
  return fallback;
}

// ---- layout helpers ------------------------------------------------------------

function nearEnd() {
  const el = ui.log;
  return el.scrollHeight - el.scrollTop - el.clientHeight < 80;
}

function scrollToEnd(force) {
  if (force || nearEnd() || state.stream) ui.log.scrollTop = ui.log.scrollHeight;
}

// autoGrow fits the composer to its text (or its placeholder), up to 200px.
function autoGrow() {
  ui.input.style.height = 'auto';
  ui.input.style.height = `${Math.min(ui.input.scrollHeight + 2, 200)}px`;
}

main().catch((err) => {
  console.error(err);
  flash('The page failed to start; reload to try again.', 'danger');
});
