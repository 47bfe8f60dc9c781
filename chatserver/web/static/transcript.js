// The transcript: the open thread's items in the log, kept in step with
// state.items, plus the progress line and the error and notice boxes.
// What its controls start (a retry, a widget's action) is given by
// setActions, so that this module does not depend on stream.js, which
// renders through it.
import { errorText, isUnauthorized } from './api.js';
import { renderStructuredInput } from './choices.js';
import { focusInput } from './composer.js';
import { h } from './dom.js';
import { icon } from './icons.js';
import { renderMarkdown } from './markdown.js';
import { assistantText, isShown, lastUserMessage, safeImageURL, userMessageBefore, userText } from './model.js';
import { flash } from './notify.js';
import { api, state, ui } from './state.js';
import { renderWidget } from './widgets.js';
import { stepLines, stepState, stepTitle, workflowView } from './workflow.js';

// actions are what the transcript's controls do: retry(userItemId)
// answers that user message again, widgetAction(item, action, opts) sends
// a widget's action (see renderWidget), answer(item, submission) answers
// a structured input.
const actions = { retry() {}, widgetAction() {}, answer() {} };

/** setActions sets what the retry buttons and widget controls do. */
export function setActions(a) {
  Object.assign(actions, a);
}

/** clearLog empties the transcript. */
export function clearLog() {
  state.items = [];
  state.nodes.clear();
  state.dirty.clear();
  ui.log.replaceChildren();
  ui.progress.replaceChildren();
}

/** findItem returns the shown item with id, or undefined. */
export function findItem(id) {
  return state.items.find((x) => x.id === id);
}

/**
 * upsertItem adds item or replaces the item with its id, keeping focus
 * on the same control if it was inside the old element.
 */
export function upsertItem(item) {
  if (!isShown(item)) return;
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

/** removeItem removes the item with id. */
export function removeItem(id) {
  state.items = state.items.filter((x) => x.id !== id);
  const node = state.nodes.get(id);
  if (node) {
    if (node.contains(document.activeElement)) focusInput();
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
      const w = renderWidget(item.widget, { idPrefix: `w-${item.id}`, onAction: (action, opts) => actions.widgetAction(item, action, opts) });
      return article(item, 'widget', 'TaskPilot', w);
    }
    case 'workflow':
      return article(item, 'workflow', 'TaskPilot', renderWorkflow(item.workflow || {}));
    case 'task':
      return article(item, 'workflow', 'TaskPilot', renderTasks([item.task]));
    case 'generated_image': {
      const url = safeImageURL(item.image && item.image.url);
      return article(item, 'assistant', 'TaskPilot', url ? h('img', { class: 'w-image', src: url, alt: 'Generated image' }) : h('p', { class: 'muted', text: 'Generating an image…' }));
    }
    case 'structured_input':
      return article(item, 'assistant', 'TaskPilot', renderStructuredInput(item, (submission) => actions.answer(item, submission)));
    default:
      return h('div', { hidden: true });
  }
}

function article(item, kind, who, ...body) {
  const el = h('article', { class: `msg ${kind}`, tabIndex: -1 }, h('h2', { class: 'sr-only', text: `${who}:` }), ...body);
  el.dataset.id = item.id;
  return el;
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
  const retry = small('Retry', 'Answer this message again', () => {
    const user = userMessageBefore(state.items, item.id);
    if (user) actions.retry(user);
  });
  retry.classList.add('retry');
  return h('div', { class: 'msg-actions', role: 'group', 'aria-label': 'Answer actions' }, good, bad, copy, retry);
}

/** refreshRetry shows the retry button on the last answer only. */
export function refreshRetry() {
  const buttons = ui.log.querySelectorAll('.msg.assistant .retry');
  buttons.forEach((b, i) => (b.hidden = i !== buttons.length - 1));
}

// renderWorkflow shows a workflow (the server's confirmation of the tool
// calls of a turn) as a disclosure: the summary line, a keyboard-operable
// <summary>, opens the list of steps; it is open while the workflow runs
// or when a step failed.
function renderWorkflow(wf) {
  const v = workflowView(wf);
  const summary = h('summary', {}, v.icon ? icon(v.icon, 'sm') : '', h('span', { text: v.text }));
  const el = h('details', { class: `workflow${v.failed ? ' failed' : ''}`, open: v.open }, summary, renderTasks(v.tasks));
  if (v.running) el.setAttribute('aria-busy', 'true');
  return el;
}

// renderTasks shows steps: an icon, the state in words for screen readers
// (the icon and colour say it to the eye), the title and the content's
// lines.
function renderTasks(tasks) {
  return h(
    'ul',
    { class: 'tasks' },
    ...tasks.filter(Boolean).map((t) => {
      const st = stepState(t);
      const li = h('li', { class: `task s-${st.state}` });
      if (t.icon) li.append(icon(t.icon, 'sm'));
      const body = h('div', { class: 'task-body' });
      if (st.label) body.append(h('span', { class: 'sr-only', text: `${st.label} ` }));
      body.append(h('span', { class: 'task-title', text: stepTitle(t) }));
      for (const line of stepLines(t)) body.append(h('span', { class: 'task-line', text: line }));
      li.append(body);
      return li;
    }),
  );
}

/**
 * markDirty re-renders the item on the next animation frame, so a burst
 * of deltas costs one render.
 */
export function markDirty(id) {
  if (state.dirty.size === 0) requestAnimationFrame(flushDirty);
  state.dirty.add(id);
}

/** flushDirty re-renders the items marked dirty now. */
export function flushDirty() {
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

/** showProgress shows what the assistant is doing (or clears it for ''). */
export function showProgress(text, iconName) {
  ui.progress.replaceChildren(h('span', { class: 'spinner', 'aria-hidden': 'true' }), iconName ? icon(iconName, 'sm') : '', h('span', { text }));
}

/** clearProgress removes the progress line. */
export function clearProgress() {
  ui.progress.replaceChildren();
}

/** showError shows an error event (or a failed request), with a retry button if it allows one. */
export function showError(ev) {
  const msg = ev.message || 'Something went wrong while answering.';
  const box = h('div', { class: 'alert danger transient', role: 'alert' }, icon('warning', 'sm'), h('span', { text: msg }));
  const lastUser = lastUserMessage(state.items);
  if (ev.allow_retry && lastUser && state.thread) {
    const b = h('button', { type: 'button', class: 'btn small', text: 'Retry' });
    b.addEventListener('click', () => actions.retry(lastUser.id));
    box.append(b);
    setTimeout(() => b.focus(), 0);
  }
  ui.log.append(box);
  scrollToEnd();
}

/** showNotice shows a notice event. */
export function showNotice(ev) {
  const level = ['info', 'warning', 'danger'].includes(ev.level) ? ev.level : 'info';
  const md = h('div', { class: 'md' }, renderMarkdown(ev.message || ''));
  ui.log.append(h('div', { class: `alert ${level} transient`, role: level === 'danger' ? 'alert' : 'status' }, ev.title ? h('strong', { text: ev.title }) : '', md));
  scrollToEnd();
}

/** clearTransient removes the error and notice boxes. */
export function clearTransient() {
  ui.log.querySelectorAll('.transient').forEach((el) => el.remove());
}

function nearEnd() {
  const el = ui.log;
  return el.scrollHeight - el.scrollTop - el.clientHeight < 80;
}

/** scrollToEnd scrolls the log to its end if forced, if it was near it, or while streaming. */
export function scrollToEnd(force) {
  if (force || nearEnd() || state.stream) ui.log.scrollTop = ui.log.scrollHeight;
}
