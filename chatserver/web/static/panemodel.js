// The DOM-free rules of the live task pane (pane.js), node-tested: the
// list URL, what a task's details line says, which events mean "read
// afresh", the refresh scheduler that folds a burst of changes into one
// request, and the reconnect backoff.

/** FILTERS are the pane's filters, in the order the page shows them. */
export const FILTERS = [
  { id: 'today', label: 'Today' },
  { id: 'overdue', label: 'Overdue' },
  { id: 'all', label: 'All' },
  { id: 'completed', label: 'Completed' },
];

/** EVENTS_PATH is the task event stream. */
export const EVENTS_PATH = '/api/v1/tasks/events';

/** listURL is the URL of a page of tasks for filter, in time zone tz. */
export function listURL(filter, cursor, tz) {
  const q = new URLSearchParams({ filter });
  if (tz) q.set('tz', tz);
  if (cursor) q.set('cursor', cursor);
  return `/api/v1/tasks?${q}`;
}

/** changeURL is the URL that applies change (complete, reopen, delete, restore) to task id. */
export function changeURL(id, change) {
  return `/api/v1/tasks/${encodeURIComponent(String(id))}/${change}`;
}

/** browserZone returns the browser's IANA time zone, or '' if it cannot tell. */
export function browserZone(intl = globalThis.Intl) {
  try {
    return intl.DateTimeFormat().resolvedOptions().timeZone || '';
  } catch {
    return '';
  }
}

/**
 * parseEvent reads one event of the stream: {type} for a known event, or
 * null for anything else (skipped, never fatal).
 */
export function parseEvent(data) {
  let ev;
  try {
    ev = JSON.parse(data);
  } catch {
    return null;
  }
  if (!ev || typeof ev.type !== 'string') return null;
  if (!['ready', 'task.changed', 'tasks.resync'].includes(ev.type)) return null;
  return ev;
}

/** dueText says when a task is due: "today", "tomorrow", "yesterday", "Mon 12 Jan"; today is YYYY-MM-DD. */
export function dueText(due, today) {
  if (!due) return '';
  const date = due.slice(0, 10);
  const days = Math.round((Date.parse(date + 'T00:00:00Z') - Date.parse(today + 'T00:00:00Z')) / 86400000);
  let text;
  if (Number.isNaN(days)) return due;
  if (days === 0) text = 'today';
  else if (days === 1) text = 'tomorrow';
  else if (days === -1) text = 'yesterday';
  else {
    const d = new Date(date + 'T00:00:00Z');
    text = d.toLocaleDateString('en-GB', { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC' });
    if (d.getUTCFullYear() !== new Date(today + 'T00:00:00Z').getUTCFullYear()) text += ' ' + d.getUTCFullYear();
  }
  if (due.length > 10) {
    const t = new Date(due);
    if (!Number.isNaN(t.getTime())) text += ' ' + t.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' });
  }
  return text;
}

/**
 * details returns the parts of a task's details line: [{text, kind}],
 * kind "overdue", "due", "priority", "tag" or "repeat".
 */
export function details(task, today) {
  const out = [];
  if (task.due) out.push({ text: (task.overdue ? 'overdue · ' : 'due ') + dueText(task.due, today), kind: task.overdue ? 'overdue' : 'due' });
  if (task.priority === 'high') out.push({ text: 'high priority', kind: 'priority' });
  if (task.repeat_text) out.push({ text: task.repeat_text, kind: 'repeat' });
  for (const tag of task.tags || []) out.push({ text: '#' + tag, kind: 'tag' });
  return out;
}

/** emptyText is what the pane says when filter shows no task. */
export function emptyText(filter, counts) {
  if (counts && counts.total === 0) return 'No tasks yet. Add one in the chat.';
  return {
    today: 'Nothing due today.',
    overdue: 'Nothing overdue.',
    completed: 'No completed tasks.',
  }[filter] || 'No tasks match.';
}

/**
 * Refresher runs refresh at most once at a time: requests made while one
 * runs, or within delay ms of each other, fold into one more run.
 */
export class Refresher {
  constructor(refresh, delay = 150, timers = globalThis) {
    this.refresh = refresh;
    this.delay = delay;
    this.timers = timers;
    this.timer = null;
    this.running = false;
    this.again = false;
  }

  /** request asks for a refresh soon. */
  request() {
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer !== null) return;
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      this.run();
    }, this.delay);
  }

  /** now refreshes at once (or right after the run under way). */
  now() {
    if (this.timer !== null) {
      this.timers.clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.running) {
      this.again = true;
      return Promise.resolve();
    }
    return this.run();
  }

  async run() {
    this.running = true;
    try {
      await this.refresh();
    } catch {
      // refresh reports its own failures
    } finally {
      this.running = false;
    }
    if (this.again) {
      this.again = false;
      this.request();
    }
  }
}

/** Backoff is the reconnect delay: 1s, doubling to 30s, back to 1s once connected. */
export class Backoff {
  constructor(first = 1000, max = 30000) {
    this.first = first;
    this.max = max;
    this.ms = first;
  }

  /** next returns the delay before the next attempt. */
  next() {
    const ms = this.ms;
    this.ms = Math.min(this.ms * 2, this.max);
    return ms;
  }

  /** reset starts again from the first delay. */
  reset() {
    this.ms = this.first;
  }
}
