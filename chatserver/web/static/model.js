// The lite client's data rules, without the DOM: which thread items are
// shown and their text, how a thread.item.updated event changes an item
// (widget updates included), the order of the thread list, and which
// message a retry answers again. The node tests cover them
// (jstest/model.test.js); the page modules only render the results.

// HIDDEN_TYPES are the item types that are never shown.
const HIDDEN_TYPES = new Set(['hidden_context_item', 'sdk_hidden_context', 'client_tool_call', 'end_of_turn']);

/** isShown reports whether item is a thread item the transcript shows. */
export function isShown(item) {
  return !!item && typeof item.id === 'string' && !HIDDEN_TYPES.has(item.type);
}

/** threadTitle returns a thread's title for display. */
export function threadTitle(t) {
  return (t && t.title) || 'New conversation';
}

/** userText returns a user message's text (tags as @name). */
export function userText(item) {
  return (item.content || []).map((p) => (p.type === 'input_tag' ? `@${p.text || ''}` : p.text || '')).join('');
}

/** assistantText returns an assistant message's text, its parts separated by blank lines. */
export function assistantText(item) {
  return (item.content || []).map((p) => (p && p.text) || '').join('\n\n');
}

/** safeImageURL returns url if an <img> may load it (http(s), this origin or a data: image), or ''. */
export function safeImageURL(url) {
  return typeof url === 'string' && /^(https?:\/\/|\/(?!\/)|data:image\/)/i.test(url) ? url : '';
}

/**
 * applyUpdate applies the update of a thread.item.updated event to item
 * in place and reports whether it changed anything to show.
 */
export function applyUpdate(item, u) {
  if (!item || !u) return false;
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
      return true;
    case 'assistant_message.content_part.text_delta':
      part(u.content_index).text += u.delta || '';
      return true;
    case 'widget.root.updated':
      item.widget = u.widget;
      return true;
    case 'widget.streaming_text.value_delta': {
      const c = findComponent(item.widget, u.component_id);
      if (c) c.value = (c.value || '') + (u.delta || '');
      return true;
    }
    case 'widget.component.updated': {
      const c = findComponent(item.widget, u.component_id);
      if (c) Object.assign(c, u.component);
      return true;
    }
    case 'workflow.task.added':
    case 'workflow.task.updated':
      item.workflow = item.workflow || { type: 'custom', tasks: [] };
      item.workflow.tasks = item.workflow.tasks || [];
      if (u.type === 'workflow.task.added') item.workflow.tasks.splice(u.task_index, 0, u.task);
      else item.workflow.tasks[u.task_index] = u.task;
      return true;
    case 'generated_image.updated':
      item.image = u.image;
      return true;
    default:
      return false;
  }
}

/** findComponent returns the widget component with the given id under node, or null. */
export function findComponent(node, id) {
  if (!node || typeof node !== 'object') return null;
  if (node.id === id) return node;
  for (const k of Array.isArray(node.children) ? node.children : []) {
    const f = findComponent(k, id);
    if (f) return f;
  }
  return null;
}

/**
 * addThreadPage returns the thread list with a page of threads.list added:
 * after the threads already listed if more, instead of them if not. A
 * thread already in the list is not added twice.
 */
export function addThreadPage(threads, page, more) {
  const out = more ? [...threads] : [];
  for (const t of (page && page.data) || []) if (!out.some((x) => x.id === t.id)) out.push(t);
  return out;
}

/**
 * rememberThread returns the thread list with t's metadata merged into its
 * entry (moved first if toTop), or with t first if it is new.
 */
export function rememberThread(threads, t, toTop) {
  const i = threads.findIndex((x) => x.id === t.id);
  if (i < 0) return [t, ...threads];
  const out = [...threads];
  out[i] = { ...out[i], ...t };
  if (toTop) out.unshift(...out.splice(i, 1));
  return out;
}

/** userMessageBefore returns the id of the last user message before item id, or null. */
export function userMessageBefore(items, id) {
  const idx = items.findIndex((x) => x.id === id);
  for (let i = idx - 1; i >= 0; i--) if (items[i].type === 'user_message') return items[i].id;
  return null;
}

/** lastUserMessage returns the last user message, or undefined. */
export function lastUserMessage(items) {
  return items.findLast((x) => x.type === 'user_message');
}

/** itemsAfter returns the items after item id (none if it is not there). */
export function itemsAfter(items, id) {
  const idx = items.findIndex((x) => x.id === id);
  return idx < 0 ? [] : items.slice(idx + 1);
}
