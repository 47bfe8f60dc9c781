// The live task pane: the user's tasks beside the chat (a drawer below
// 1100px), with filters, quick complete and delete (with Undo). It lists
// through GET /api/v1/tasks, which the chat server answers with the MCP
// server's list_tasks as the user, and listens to GET /api/v1/tasks/events
// (fetch streaming with the bearer token, as the chat stream does): every
// change of the user's tasks, whoever made it (the assistant, a widget, a
// slash command, another MCP client, another replica), refreshes the list.
import { $, h } from './dom.js';
import { icon } from './icons.js';
import { announce, flash } from './notify.js';
import { Backoff, EVENTS_PATH, FILTERS, Refresher, browserZone, changeURL, details, emptyText, listURL, parseEvent } from './panemodel.js';
import { readEvents } from './sse.js';
import { api, auth } from './state.js';

const el = {
  app: $('app'),
  pane: $('pane'),
  list: $('pane-list'),
  filters: $('pane-filters'),
  more: $('pane-more'),
  live: $('pane-live'),
  undo: $('pane-undo'),
  toggle: $('pane-btn'),
  close: $('pane-close'),
  backdrop: $('pane-backdrop'),
};

const pane = {
  filter: 'today',
  tasks: [],
  cursor: '',
  counts: null,
  stream: null, // AbortController of the event stream
  started: false,
  undoTimer: null,
};

const refresher = new Refresher(() => load(false));
const backoff = new Backoff();
const zone = browserZone();

/** startPane shows the pane and starts listening (again after a sign-in); it is idempotent. */
export function startPane() {
  if (!el.pane) return;
  if (!pane.started) wire();
  pane.started = true;
  el.pane.hidden = false;
  el.app.classList.add('has-pane');
  refresher.now();
  if (!pane.stream) listen();
}

/** stopPane stops listening (signed out). */
export function stopPane() {
  if (pane.stream) pane.stream.abort();
  pane.stream = null;
}

function wire() {
  for (const f of FILTERS) {
    const b = h('button', { type: 'button', class: 'chip', 'data-filter': f.id, 'aria-pressed': f.id === pane.filter ? 'true' : 'false', text: f.label });
    b.addEventListener('click', () => setFilter(f.id));
    el.filters.append(b);
  }
  el.more.addEventListener('click', () => load(true));
  el.toggle.append(icon('check'));
  el.close.append(icon('close'));
  el.toggle.addEventListener('click', () => (isOpen() ? closePane(true) : openPane()));
  el.close.addEventListener('click', () => closePane(true));
  el.backdrop.addEventListener('click', () => closePane(true));
  document.addEventListener(
    'keydown',
    (e) => {
      if (e.key === 'Escape' && isOpen() && !document.querySelector('dialog[open]')) {
        e.stopPropagation();
        closePane(true);
      }
    },
    true,
  );
  // Without a live feed (or after sleeping), coming back reads afresh.
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && pane.started) refresher.request();
  });
}

function setFilter(id) {
  if (id === pane.filter) return;
  pane.filter = id;
  for (const b of el.filters.querySelectorAll('button')) b.setAttribute('aria-pressed', b.dataset.filter === id ? 'true' : 'false');
  pane.tasks = [];
  refresher.now();
}

// isOpen reports whether the pane is open as a drawer.
function isOpen() {
  return el.app.classList.contains('pane-open');
}

function openPane() {
  el.app.classList.add('pane-open');
  el.toggle.setAttribute('aria-expanded', 'true');
  el.backdrop.hidden = false;
  const first = el.filters.querySelector('[aria-pressed="true"]');
  if (first) first.focus();
}

function closePane(returnFocus) {
  if (!isOpen()) return;
  el.app.classList.remove('pane-open');
  el.toggle.setAttribute('aria-expanded', 'false');
  el.backdrop.hidden = true;
  if (returnFocus) el.toggle.focus();
}

// request sends a pane request with the page's token and returns the
// decoded answer, or throws an Error whose message is for the user.
async function request(url, init = {}) {
  let res;
  try {
    res = await auth.fetch(url, { ...init, headers: { Accept: 'application/json' }, cache: 'no-store' });
  } catch {
    throw new Error('Cannot reach the server. Check your connection.');
  }
  let body = null;
  try {
    body = await res.json();
  } catch {
    // not JSON
  }
  if (res.ok) return body;
  if (res.status === 401) {
    stopPane();
    api.onUnauthorized();
    throw new Error('Your sign-in is missing or has expired.');
  }
  if (res.status === 429) throw new Error('Too many requests; wait a moment.');
  throw new Error((body && body.error && body.error.message) || `The server answered HTTP ${res.status}.`);
}

// load reads the first page of the filter (more: the next page).
async function load(more) {
  const filter = pane.filter;
  el.list.setAttribute('aria-busy', 'true');
  try {
    const page = await request(listURL(filter, more ? pane.cursor : '', zone));
    if (filter !== pane.filter) return; // switched meanwhile; that load follows
    pane.tasks = more ? [...pane.tasks, ...page.tasks] : page.tasks;
    pane.cursor = page.next_cursor || '';
    pane.counts = page.counts;
    render();
  } catch (err) {
    if (!pane.tasks.length) renderMessage(err.message, true);
    else flash(err.message, 'warning');
  } finally {
    el.list.setAttribute('aria-busy', 'false');
  }
}

function today() {
  const d = new Date();
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

// render shows pane.tasks, keeping the focus on the row it was in.
function render() {
  const focused = document.activeElement && el.list.contains(document.activeElement) ? document.activeElement.dataset.focus : null;
  const day = today();
  el.list.replaceChildren();
  if (pane.tasks.length === 0) renderMessage(emptyText(pane.filter, pane.counts), false);
  for (const t of pane.tasks) el.list.append(row(t, day));
  el.more.hidden = !pane.cursor;
  if (focused) {
    const again = el.list.querySelector(`[data-focus="${CSS.escape(focused)}"]`);
    if (again) again.focus();
    else if (el.list.querySelector('input')) el.list.querySelector('input').focus();
  }
}

function renderMessage(text, failed) {
  el.list.replaceChildren(h('li', { class: 'pane-empty' + (failed ? ' failed' : ''), text }));
  el.more.hidden = true;
}

// row is one task: a checkbox labelled by the title, its details, Delete.
function row(t, day) {
  const id = `pane-task-${t.task_id}`;
  const box = h('input', { type: 'checkbox', id, checked: t.completed, 'data-focus': `check-${t.task_id}`, 'aria-describedby': `${id}-meta` });
  box.addEventListener('change', () => change(t, t.completed ? 'reopen' : 'complete', box));
  const meta = details(t, day);
  const del = h('button', { type: 'button', class: 'icon-btn small pane-del', 'aria-label': `Delete ${t.title}`, title: 'Delete', 'data-focus': `del-${t.task_id}` }, icon('trash'));
  del.addEventListener('click', () => change(t, 'delete', del));
  return h(
    'li',
    { class: 'pane-task' + (t.completed ? ' done' : '') + (t.overdue ? ' overdue' : '') },
    box,
    h(
      'div',
      { class: 'pane-body' },
      h('label', { for: id, class: 'pane-title', text: t.title }),
      h('span', { class: 'pane-meta', id: `${id}-meta` }, meta.map((m) => h('span', { class: `m-${m.kind}`, text: m.text }))),
    ),
    del,
  );
}

// change applies a quick action through the server (and so through MCP);
// the event stream then refreshes the list, and so does this, in case the
// stream is down.
async function change(t, what, control) {
  control.disabled = true;
  try {
    const done = await request(changeURL(t.task_id, what), { method: 'POST' });
    if (what === 'delete') offerUndo(t, done.message);
    else announce(done.message);
  } catch (err) {
    flash(err.message, 'danger');
    if (control.type === 'checkbox') control.checked = t.completed;
  } finally {
    control.disabled = false;
  }
  refresher.request();
}

// offerUndo shows "Moved to the trash: X. Undo" for 10 seconds.
function offerUndo(t, message) {
  clearTimeout(pane.undoTimer);
  const undo = h('button', { type: 'button', class: 'btn ghost small', text: 'Undo' });
  undo.addEventListener('click', async () => {
    el.undo.replaceChildren();
    try {
      const done = await request(changeURL(t.task_id, 'restore'), { method: 'POST' });
      announce(done.message);
    } catch (err) {
      flash(err.message, 'danger');
    }
    refresher.request();
  });
  el.undo.replaceChildren(h('span', { text: message }), undo);
  pane.undoTimer = setTimeout(() => el.undo.replaceChildren(), 10000);
}

function setLive(on) {
  el.live.textContent = on ? 'Live' : 'Reconnecting…';
  el.live.classList.toggle('on', on);
}

// listen keeps the event stream open, reconnecting with backoff.
async function listen() {
  const ctl = new AbortController();
  pane.stream = ctl;
  while (!ctl.signal.aborted) {
    let res;
    try {
      res = await auth.fetch(EVENTS_PATH, { headers: { Accept: 'text/event-stream' }, cache: 'no-store', signal: ctl.signal });
    } catch {
      res = null;
    }
    if (ctl.signal.aborted) break;
    if (res && res.status === 401) {
      stopPane();
      api.onUnauthorized();
      break;
    }
    if (res && res.status === 404) {
      el.live.textContent = ''; // no live feed on this server
      break;
    }
    if (res && res.ok) {
      try {
        for await (const data of readEvents(res.body)) {
          const ev = parseEvent(data);
          if (!ev) continue;
          if (ev.type === 'ready') {
            backoff.reset();
            setLive(true);
            refresher.request(); // changes while disconnected
          } else {
            refresher.request();
          }
        }
      } catch {
        // the stream broke or was aborted
      }
    }
    if (ctl.signal.aborted) break;
    setLive(false);
    await new Promise((r) => setTimeout(r, backoff.next()));
  }
  if (pane.stream === ctl) pane.stream = null;
}
