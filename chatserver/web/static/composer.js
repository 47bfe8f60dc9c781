// The composer: the message box with its Send and Stop buttons, its menus
// and its tool. Typing "/" at the start opens the command menu, "@" after
// a space (or at the start) the search of the user's tasks; both are a
// listbox the box points into with aria-activedescendant: Up and Down
// move, Enter or Tab picks, Escape closes. A picked task becomes a tag
// chip and an input_tag part of the message. The "Plan my day" toggle
// sends the next message with that composer tool. The rules live in
// composermodel.js.
import { commandText, filterCommands, keptTags, menuTrigger, moveActive, PLAN_DAY, replaceTrigger, searchURL, taskTag } from './composermodel.js';
import { $, h } from './dom.js';
import { auth, ui } from './state.js';

/** MAX_RESULTS is how many tasks the tag menu lists. */
const MAX_RESULTS = 8;
/** SEARCH_DELAY_MS folds fast typing into one search. */
const SEARCH_DELAY_MS = 120;

const el = {
  menu: $('composer-menu'),
  label: $('composer-menu-label'),
  list: $('composer-options'),
  empty: $('composer-menu-empty'),
  status: $('composer-menu-status'),
  chips: $('tag-chips'),
  tool: $('plan-tool'),
};

const menu = { open: false, trigger: null, options: [], active: -1, seq: 0, timer: null };
const composer = { tags: [], tool: null, placeholder: '' };

/**
 * wireComposer makes Enter (without Shift) and Send call onSend with the
 * box's text and {tags, toolChoice}, and Stop call onStop.
 */
export function wireComposer({ onSend, onStop }) {
  const submit = () => onSend(ui.input.value, { tags: keptTags(ui.input.value, composer.tags), toolChoice: composer.tool });
  ui.composer.addEventListener('submit', (e) => {
    e.preventDefault();
    submit();
  });
  ui.input.addEventListener('keydown', (e) => {
    if (e.isComposing) return;
    if (menu.open && menuKey(e)) return;
    if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      submit();
    }
  });
  ui.input.addEventListener('input', () => {
    autoGrow();
    refreshMenu();
    pruneTags();
  });
  ui.input.addEventListener('click', refreshMenu);
  ui.input.addEventListener('blur', () => setTimeout(() => document.activeElement !== ui.input && closeMenu(), 0));
  // A click on an option picks it; the box keeps the focus.
  el.list.addEventListener('mousedown', (e) => e.preventDefault());
  el.list.addEventListener('click', (e) => {
    const li = e.target.closest('[role="option"]');
    if (li) pick(Number(li.dataset.index));
  });
  composer.placeholder = ui.input.placeholder;
  el.tool.addEventListener('click', () => setTool(composer.tool ? null : PLAN_DAY.id));
  window.addEventListener('resize', autoGrow);
  autoGrow();
  ui.stop.addEventListener('click', onStop);
}

// menuKey handles a key while the menu is open; it reports whether it did.
function menuKey(e) {
  switch (e.key) {
    case 'ArrowDown':
    case 'ArrowUp':
      e.preventDefault();
      setActive(moveActive(menu.active, e.key, menu.options.length));
      return true;
    case 'Enter':
    case 'Tab':
      if (menu.active < 0 || e.shiftKey) return false;
      e.preventDefault();
      pick(menu.active);
      return true;
    case 'Escape':
      e.preventDefault();
      e.stopPropagation(); // not the page's Escape (stop the answer)
      closeMenu();
      return true;
    default:
      return false;
  }
}

// refreshMenu opens, updates or closes the menu for the text before the caret.
function refreshMenu() {
  const caret = ui.input.selectionStart === ui.input.selectionEnd ? ui.input.selectionStart : -1;
  const trigger = caret < 0 ? null : menuTrigger(ui.input.value, caret);
  if (!trigger) return closeMenu();
  const same = menu.trigger && menu.trigger.kind === trigger.kind && menu.trigger.query === trigger.query && menu.open;
  menu.trigger = trigger;
  if (same) return;
  if (trigger.kind === 'command') {
    show('Commands', filterCommands(trigger.query).map((c) => ({ cmd: c, label: `/${c.name}`, hint: c.description })), 'No command matches.');
    return;
  }
  clearTimeout(menu.timer);
  const seq = ++menu.seq;
  if (!menu.open) show('Tasks', [], 'Searching your tasks…');
  menu.timer = setTimeout(() => search(trigger.query, seq), SEARCH_DELAY_MS);
}

// search lists the user's tasks matching query in the tag menu.
async function search(query, seq) {
  let tasks = [];
  let failed = false;
  try {
    const res = await auth.fetch(searchURL(query), { headers: { Accept: 'application/json' }, cache: 'no-store' });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    tasks = ((await res.json()).tasks || []).slice(0, MAX_RESULTS);
  } catch {
    failed = true;
  }
  if (seq !== menu.seq || !menu.trigger || menu.trigger.kind !== 'tag') return;
  const options = tasks.map((t) => ({ task: t, label: t.title, hint: `#${t.task_id}${t.completed ? ' · done' : ''}${t.due ? ` · due ${t.due.slice(0, 10)}` : ''}` }));
  show('Tasks', options, failed ? 'Could not search your tasks.' : query ? `No task matches “${query}”.` : 'You have no tasks yet.');
}

// show opens the menu with options (or the empty text).
function show(label, options, emptyText) {
  menu.open = true;
  menu.options = options;
  el.label.textContent = label;
  el.list.replaceChildren(
    ...options.map((o, i) =>
      h(
        'li',
        { role: 'option', id: `composer-option-${i}`, class: 'menu-option', 'aria-selected': 'false', 'data-index': String(i) },
        h('span', { class: 'menu-label', text: o.label }),
        h('span', { class: 'menu-hint', text: o.hint }),
      ),
    ),
  );
  el.list.hidden = options.length === 0;
  el.empty.hidden = options.length > 0;
  el.empty.textContent = emptyText;
  el.menu.hidden = false;
  setActive(options.length ? 0 : -1);
  el.status.textContent = options.length ? `${options.length} ${label.toLowerCase()}: Up and Down to choose, Enter to pick, Escape to close.` : emptyText;
}

function setActive(i) {
  menu.active = i;
  el.list.querySelectorAll('[role="option"]').forEach((li, j) => li.setAttribute('aria-selected', j === i ? 'true' : 'false'));
  if (i >= 0) {
    ui.input.setAttribute('aria-activedescendant', `composer-option-${i}`);
    const li = $(`composer-option-${i}`);
    if (li && li.scrollIntoView) li.scrollIntoView({ block: 'nearest' });
  } else {
    ui.input.removeAttribute('aria-activedescendant');
  }
}

function closeMenu() {
  clearTimeout(menu.timer);
  menu.seq++;
  menu.open = false;
  menu.trigger = null;
  menu.options = [];
  menu.active = -1;
  el.menu.hidden = true;
  el.list.replaceChildren();
  el.status.textContent = '';
  ui.input.removeAttribute('aria-activedescendant');
}

// pick applies option i: a command goes into the box (and one without
// arguments is sent), a task becomes "@Title " and a tag chip.
function pick(i) {
  const o = menu.options[i];
  const trigger = menu.trigger;
  if (!o || !trigger) return;
  const caret = ui.input.selectionStart;
  closeMenu();
  if (o.cmd) {
    setText(commandText(o.cmd), commandText(o.cmd).length);
    if (!o.cmd.args) ui.composer.requestSubmit();
    return;
  }
  const tag = taskTag(o.task);
  const next = replaceTrigger(ui.input.value, caret, trigger, `@${tag.title} `);
  setText(next.text, next.caret);
  if (!composer.tags.some((t) => t.number === tag.number)) composer.tags.push(tag);
  renderChips();
}

function setText(text, caret) {
  ui.input.value = text;
  ui.input.setSelectionRange(caret, caret);
  ui.input.focus();
  autoGrow();
}

// pruneTags drops the chips of tags whose "@Title" was deleted from the box.
function pruneTags() {
  const kept = keptTags(ui.input.value, composer.tags);
  if (kept.length === composer.tags.length) return;
  composer.tags = kept;
  renderChips();
}

function renderChips() {
  el.chips.replaceChildren(
    ...composer.tags.map((t) => {
      const remove = h('button', { type: 'button', class: 'tag-remove', 'aria-label': `Remove the tag of task ${t.number}, ${t.title}`, text: '×' });
      remove.addEventListener('click', () => {
        composer.tags = composer.tags.filter((x) => x !== t);
        ui.input.value = ui.input.value.replace(`@${t.title}`, t.title);
        renderChips();
        ui.input.focus();
      });
      return h('li', { class: 'tag-chip' }, h('span', { text: `#${t.number} ${t.title}` }), remove);
    }),
  );
  el.chips.hidden = composer.tags.length === 0;
}

// setTool selects the composer tool id (or none).
function setTool(id) {
  composer.tool = id;
  el.tool.setAttribute('aria-pressed', id ? 'true' : 'false');
  ui.input.placeholder = id ? 'Plan my day: anything to keep in mind? (or just press Send)' : composer.placeholder;
}

/** clearInput empties the message box, its tags and its tool. */
export function clearInput() {
  ui.input.value = '';
  composer.tags = [];
  renderChips();
  setTool(null);
  closeMenu();
  autoGrow();
}

/** restoreInput puts text back into the message box if it is empty. */
export function restoreInput(text) {
  if (!text || ui.input.value) return;
  ui.input.value = text;
  autoGrow();
}

/** setStreaming shows Stop instead of Send (and marks the box and log busy) while on. */
export function setStreaming(on) {
  ui.send.hidden = on;
  ui.stop.hidden = !on;
  ui.input.setAttribute('aria-busy', on ? 'true' : 'false');
  ui.log.setAttribute('aria-busy', on ? 'true' : 'false');
}

/** showStop shows or hides the Stop button (the server may not allow cancelling). */
export function showStop(on) {
  ui.stop.hidden = !on;
}

/** focusInput moves the focus to the message box. */
export function focusInput() {
  ui.input.focus();
}

/** hasFocus reports whether the message box has the focus. */
export function hasFocus() {
  return document.activeElement === ui.input;
}

// autoGrow fits the box to its text (or its placeholder), up to 200px.
function autoGrow() {
  ui.input.style.height = 'auto';
  ui.input.style.height = `${Math.min(ui.input.scrollHeight + 2, 200)}px`;
}
