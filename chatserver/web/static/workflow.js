// How the lite client shows workflow and task items (the server's
// confirmations of tool calls), without the DOM: the summary line, each
// step's state and its content lines. transcript.js renders the result;
// the node tests cover it (jstest/workflow.test.js).

/** FAILED_ICON is the icon of a step that failed (the server's choice). */
export const FAILED_ICON = 'lucide:circle-alert';

/**
 * stepState returns how a step reads: state is 'loading', 'done',
 * 'failed' or 'none' (a CSS class suffix), label the words a screen
 * reader says before its title ('' for none).
 */
export function stepState(task) {
  const t = task || {};
  if (t.icon === FAILED_ICON) return { state: 'failed', label: 'Failed:' };
  if (t.status_indicator === 'loading') return { state: 'loading', label: 'In progress:' };
  if (t.status_indicator === 'complete') return { state: 'done', label: 'Done:' };
  return { state: 'none', label: '' };
}

/** stepTitle returns a step's title, or a word for its type. */
export function stepTitle(task) {
  const t = task || {};
  return t.title || (t.type === 'thought' ? 'Thought' : 'Step');
}

/** stepLines returns the lines of a step's content (none when empty). */
export function stepLines(task) {
  const c = task && typeof task.content === 'string' ? task.content : '';
  return c.split('\n').map((s) => s.trim()).filter(Boolean);
}

/**
 * workflowView returns what a workflow's summary line shows: its text,
 * icon (or ''), whether it is still running (no summary yet) and whether
 * it opens by itself (expanded, running, or a step failed).
 */
export function workflowView(wf) {
  const w = wf || {};
  const tasks = (w.tasks || []).filter(Boolean);
  const s = w.summary || null;
  const running = !s;
  const failed = tasks.some((t) => stepState(t).state === 'failed');
  let text = 'Working…';
  if (s && s.title) text = s.title;
  else if (s && typeof s.duration === 'number') text = `Worked for ${s.duration}s`;
  else if (!running) text = `${tasks.length} step${tasks.length === 1 ? '' : 's'}`;
  return { text, icon: (s && s.icon) || '', running, failed, open: !!w.expanded || running || failed, tasks };
}
