// The stream: sending a message, a retry or a widget's action, and
// applying the events of the streamed answer to the threads and the
// transcript.
import { errorText, isUnauthorized } from './api.js';
import { messageContent, PLAN_DAY } from './composermodel.js';
import { clearInput, focusInput, hasFocus, restoreInput, setStreaming, showStop } from './composer.js';
import { h } from './dom.js';
import { applyUpdate, assistantText, itemsAfter } from './model.js';
import { announce, flash } from './notify.js';
import { api, state, ui } from './state.js';
import { rememberThread, setThread } from './threads.js';
import { clearProgress, clearTransient, findItem, flushDirty, markDirty, refreshRetry, removeItem, scrollToEnd, showError, showNotice, showProgress, upsertItem } from './transcript.js';

/**
 * send sends raw (trimmed) as a message: to the open thread, or as a new
 * one. opts.tags are the tasks tagged in it ({number, title}: each
 * "@Title" becomes an input_tag part); opts.toolChoice the composer tool
 * picked for it (the "Plan my day" tool needs no text).
 */
export function send(raw, opts = {}) {
  let text = String(raw || '').trim();
  if (!text && opts.toolChoice === PLAN_DAY.id) text = PLAN_DAY.prompt;
  if (!text || state.stream) return;
  clearInput();
  const inference = opts.toolChoice ? { tool_choice: { id: opts.toolChoice } } : {};
  const input = { content: messageContent(text, opts.tags || []), attachments: [], inference_options: inference };
  ui.start.hidden = true;
  if (state.thread) return runStream('threads.add_user_message', { thread_id: state.thread.id, input }, text);
  return runStream('threads.create', { input }, text);
}

/**
 * retryAfter answers the user message userItemId again: the server drops
 * the items after it, and so do we.
 */
export function retryAfter(userItemId) {
  if (!state.thread || state.stream) return;
  if (!state.items.some((x) => x.id === userItemId)) return;
  for (const it of itemsAfter(state.items, userItemId)) removeItem(it.id);
  return runStream('threads.retry_after_item', { thread_id: state.thread.id, item_id: userItemId });
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
  const hadFocus = hasFocus();
  try {
    for await (const ev of api.stream(type, params, controller.signal)) {
      stream.started = true;
      handleEvent(ev, stream);
    }
  } catch (err) {
    if (stream.stopped) {
      announce('Stopped.');
    } else {
      // A refused message goes back into the box, also when the sign-in
      // was refused (the sign-in form or page says so itself).
      if (!stream.started) restoreInput(restore);
      if (!isUnauthorized(err)) showError({ message: errorText(err, 'The answer was interrupted.'), allow_retry: stream.started });
    }
  } finally {
    if (state.stream === stream) {
      state.stream = null;
      setStreaming(false);
      clearProgress();
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
    if (focusComposer && (hadFocus || document.activeElement === document.body)) focusInput();
  }
}

// handleEvent applies one event of the stream.
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
      clearProgress();
      stream.pending.add(ev.item.id);
      upsertItem(ev.item);
      scrollToEnd();
      break;
    case 'thread.item.updated':
      if (applyUpdate(findItem(ev.item_id), ev.update)) markDirty(ev.item_id);
      break;
    case 'thread.item.done':
      clearProgress();
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
      showStop(!!(ev.stream_options && ev.stream_options.allow_cancel !== false));
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

/**
 * widgetAction sends a widget's action: streamed (threads.custom_action),
 * or answered at once with the updated item (threads.sync_custom_action).
 */
export async function widgetAction(item, action, opts) {
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

/**
 * answerInput sends the user's answer to a structured input item
 * (threads.add_structured_input); the answer streams in like any other.
 */
export async function answerInput(item, submission) {
  if (!state.thread || state.stream) {
    if (state.stream) flash('Wait for the answer to finish, or press Stop.', 'warning');
    return;
  }
  await runStream('threads.add_structured_input', { thread_id: state.thread.id, item_id: item.id, input: submission });
}
