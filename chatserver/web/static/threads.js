// The threads: the conversation list in the sidebar (a drawer at phone
// width), the open thread's title and its rename and delete, and opening
// a thread or a new chat.
import { APIError, errorText, isUnauthorized } from './api.js';
import { focusInput } from './composer.js';
import { h } from './dom.js';
import { addThreadPage, rememberThread as remember, threadTitle } from './model.js';
import { flash } from './notify.js';
import { api, cfg, state, stopStream, ui } from './state.js';
import { clearLog, refreshRetry, scrollToEnd, upsertItem } from './transcript.js';

/** wireThreads connects the sidebar, drawer and title-bar controls. */
export function wireThreads() {
  ui.newChat.addEventListener('click', () => newChat(true));
  ui.moreThreads.addEventListener('click', () => loadThreads(true));
  ui.rename.addEventListener('click', renameThread);
  ui.del.addEventListener('click', deleteThread);
  ui.menu.addEventListener('click', () => (isDrawerOpen() ? closeDrawer(true) : openDrawer()));
  ui.backdrop.addEventListener('click', () => closeDrawer(true));
  ui.renameCancel.addEventListener('click', () => ui.renameDialog.close('cancel'));
}

/** loadThreads loads the first page of the thread list, or the next one if more. */
export async function loadThreads(more = false) {
  try {
    const page = await api.request('threads.list', { limit: 30, order: 'desc', after: more ? state.threadsAfter : null });
    state.threads = addThreadPage(state.threads, page, more);
    state.threadsAfter = page.has_more ? page.after : null;
    renderThreads();
  } catch (err) {
    if (!isUnauthorized(err)) flash(errorText(err, 'Could not load your conversations.'), 'danger');
  }
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

/** rememberThread puts t first in the list (or updates it there, moving it first if toTop). */
export function rememberThread(t, toTop) {
  state.threads = remember(state.threads, t, toTop);
  renderThreads();
}

/** setThread makes t (null for none) the open thread: title, URL and list. */
export function setThread(t) {
  state.thread = t;
  ui.title.textContent = t ? threadTitle(t) : cfg.title || 'TaskPilot';
  document.title = t ? `${threadTitle(t)} · ${cfg.title || 'TaskPilot'}` : cfg.title || 'TaskPilot';
  ui.rename.hidden = ui.del.hidden = !t;
  const hash = t ? `#${encodeURIComponent(t.id)}` : '';
  if (location.hash !== hash) history.replaceState(null, '', location.pathname + hash);
  renderThreads();
}

/** openThread loads thread id with all its items and shows it. */
export async function openThread(id, focusComposer = false) {
  stopStream();
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
    if (focusComposer) focusInput();
  } catch (err) {
    if (isUnauthorized(err)) return;
    newChat(false);
    flash(err instanceof APIError && err.status === 404 ? 'That conversation does not exist any more.' : errorText(err, 'Could not open the conversation.'), 'danger');
  }
}

/** newChat shows the start screen for a new conversation. */
export function newChat(focus) {
  stopStream();
  clearLog();
  setThread(null);
  ui.start.hidden = false;
  closeDrawer(false);
  if (focus) focusInput();
}

async function renameThread() {
  const t = state.thread;
  if (!t) return;
  const dialog = ui.renameDialog;
  const input = ui.renameInput;
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
  const dialog = ui.deleteDialog;
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

/** isDrawerOpen reports whether the thread list is open as a drawer (phone width). */
export function isDrawerOpen() {
  return ui.app.classList.contains('drawer-open');
}

function openDrawer() {
  ui.app.classList.add('drawer-open');
  ui.menu.setAttribute('aria-expanded', 'true');
  ui.backdrop.hidden = false;
  (ui.sidebar.querySelector('[aria-current="page"]') || ui.newChat).focus();
}

/** closeDrawer closes the drawer, returning the focus to its button if returnFocus. */
export function closeDrawer(returnFocus) {
  if (!isDrawerOpen()) return;
  ui.app.classList.remove('drawer-open');
  ui.menu.setAttribute('aria-expanded', 'false');
  ui.backdrop.hidden = true;
  if (returnFocus) ui.menu.focus();
}
