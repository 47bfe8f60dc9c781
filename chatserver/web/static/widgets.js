// ChatKit widgets rendered with plain DOM calls. Widget JSON comes from
// the server and is treated as untrusted: text goes through textContent,
// styles through a few whitelisted classes and CSSOM values, URLs are
// checked, and unknown components render their children (or nothing).
// Nothing here throws on odd input.
import { h } from './dom.js';
import { icon } from './icons.js';
import { renderMarkdown } from './markdown.js';

const COLORS = new Set(['primary', 'secondary', 'tertiary', 'emphasis', 'success', 'danger', 'warning', 'caution', 'info', 'discovery']);
const ALIGN = { start: 'flex-start', end: 'flex-end', center: 'center', baseline: 'baseline', stretch: 'stretch' };
const JUSTIFY = { start: 'flex-start', end: 'flex-end', center: 'center', between: 'space-between', around: 'space-around', evenly: 'space-evenly', stretch: 'stretch' };

/**
 * renderWidget returns the element for a widget root (Card, ListView,
 * Basic, or anything else as a plain box).
 *
 * ctx.idPrefix   makes form control ids unique on the page;
 * ctx.onAction   is called as onAction({type, payload}, {streaming,
 *                handler, loadingBehavior, el}) when a control fires an
 *                action; payload already holds the form values.
 */
export function renderWidget(root, ctx) {
  const c = { idPrefix: ctx.idPrefix || 'w', onAction: ctx.onAction || (() => {}), labelled: new Set(), rowLabel: '' };
  collectLabels(root, c.labelled);
  try {
    const el = render(root, c, 'r') || document.createElement('div');
    el.classList.add('widget');
    if (root && (root.theme === 'dark' || root.theme === 'light')) el.classList.add(`theme-${root.theme}`);
    return el;
  } catch (err) {
    console.error('widget', err);
    return h('p', { class: 'w-caption', text: 'This widget could not be shown.' });
  }
}

// collectLabels records the field names that a Label component names.
function collectLabels(node, set) {
  if (!node || typeof node !== 'object') return;
  if (node.type === 'Label' && typeof node.fieldName === 'string') set.add(node.fieldName);
  for (const k of kids(node)) collectLabels(k, set);
}

function kids(node) {
  return node && Array.isArray(node.children) ? node.children : [];
}

function str(v) {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
}

// render renders one component; path identifies it within the widget (for focus restore).
function render(node, c, path) {
  if (!node || typeof node !== 'object' || typeof node.type !== 'string') return null;
  const fn = COMPONENTS[node.type];
  if (fn) return fn(node, c, path);
  // Unknown component: its children, if any.
  const children = renderChildren(node, c, path);
  return children.length ? h('div', { class: 'w-box' }, children) : null;
}

function renderChildren(node, c, path) {
  return kids(node)
    .map((k, i) => render(k, c, `${path}/${str(k && (k.key || k.id)) || i}`))
    .filter(Boolean);
}

// colorClass returns the class of a color token ({light, dark} picks by scheme).
function colorClass(color) {
  let v = color;
  if (v && typeof v === 'object') {
    const dark = window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)').matches;
    v = dark ? v.dark : v.light;
  }
  if (typeof v === 'string' && v.startsWith('text-')) v = v.slice(5);
  return typeof v === 'string' && COLORS.has(v) ? ` c-${v}` : '';
}

function token(prefix, v, allowed) {
  return typeof v === 'string' && allowed.test(v) ? ` ${prefix}-${v}` : '';
}

// cssLength turns a widget size into CSS: numbers are pixels, strings are
// kept if they look like a length.
function cssLength(v) {
  if (typeof v === 'number' && Number.isFinite(v)) return `${v}px`;
  if (typeof v === 'string' && /^(\d+(\.\d+)?(px|rem|em|%|vh|vw)?|auto)$/.test(v)) return /^\d+(\.\d+)?$/.test(v) ? `${v}px` : v;
  return '';
}

// spacing turns a spacing value (units of 4px, a length, or {top, x, …}) into CSS.
function spacing(v) {
  if (typeof v === 'number' && Number.isFinite(v)) return `${v * 4}px`;
  if (typeof v === 'string') return cssLength(v);
  if (v && typeof v === 'object') {
    const side = (k, axis) => spacing(v[k] ?? v[axis] ?? 0) || '0px';
    return `${side('top', 'y')} ${side('right', 'x')} ${side('bottom', 'y')} ${side('left', 'x')}`;
  }
  return '';
}

// layout applies the box props (gap, padding, align, …) through the CSSOM.
function layout(el, n) {
  const s = el.style;
  const set = (prop, v) => {
    if (v) s[prop] = v;
  };
  set('gap', spacing(n.gap));
  set('padding', spacing(n.padding));
  set('margin', spacing(n.margin));
  set('alignItems', ALIGN[n.align]);
  set('justifyContent', JUSTIFY[n.justify]);
  if (n.wrap === 'wrap' || n.wrap === 'wrap-reverse' || n.wrap === 'nowrap') s.flexWrap = n.wrap;
  if (typeof n.flex === 'number' && Number.isFinite(n.flex)) s.flex = `${n.flex} 1 0%`;
  else if (typeof n.flex === 'string' && /^[\d.]+( [\d.]+)?( \w+%?)?$|^auto$|^none$/.test(n.flex)) s.flex = n.flex;
  set('width', cssLength(n.width));
  set('height', cssLength(n.height));
  set('minWidth', cssLength(n.minWidth));
  set('maxWidth', cssLength(n.maxWidth));
  set('minHeight', cssLength(n.minHeight));
  set('maxHeight', cssLength(n.maxHeight));
  if (n.border) el.classList.add('w-border');
  if (typeof n.radius === 'string' && /^(2xs|xs|sm|md|lg|xl|2xl|3xl|4xl|full|100%|none)$/.test(n.radius)) el.classList.add(`r-${n.radius.replace('%', 'pct')}`);
  if (typeof n.background === 'string' && /^(surface|surface-secondary|surface-tertiary|secondary|primary)/.test(n.background)) el.classList.add('w-bg');
  return el;
}

function box(node, c, path, direction) {
  const el = h('div', { class: `w-box w-${direction}` }, renderChildren(node, c, path));
  return layout(el, node);
}

function status(st) {
  if (!st || typeof st !== 'object' || !str(st.text)) return null;
  return h('div', { class: 'w-status' }, [st.icon ? icon(st.icon, 'sm') : null, h('span', { text: str(st.text) })]);
}

// firstText returns the first Text or Title value under node: a row's label.
function firstText(node) {
  if (!node || typeof node !== 'object') return '';
  if ((node.type === 'Text' || node.type === 'Title') && str(node.value)) return str(node.value);
  for (const k of kids(node)) {
    const t = firstText(k);
    if (t) return t;
  }
  return '';
}

// actionName turns an action type into words: "task.complete" -> "Complete".
function actionName(action) {
  const t = action && typeof action.type === 'string' ? action.type : '';
  const last = t.split(/[./:]/).pop().replace(/[_-]+/g, ' ').trim();
  return last ? last[0].toUpperCase() + last.slice(1) : '';
}

// fire sends action, with the values of the enclosing form and extra merged into its payload.
function fire(action, el, c, extra) {
  if (!action || typeof action !== 'object' || typeof action.type !== 'string') return;
  let payload = action.payload === undefined || action.payload === null ? {} : action.payload;
  const form = el.closest('form');
  const values = { ...(form ? formValues(form) : {}), ...(extra || {}) };
  if (Object.keys(values).length && typeof payload === 'object' && !Array.isArray(payload)) {
    payload = structuredClone(payload);
    for (const [name, v] of Object.entries(values)) setPath(payload, name, v);
  }
  c.onAction(
    { type: action.type, payload },
    { streaming: action.streaming !== false && action.streaming !== 'false', handler: action.handler || 'server', loadingBehavior: action.loadingBehavior || 'auto', el },
  );
}

/** formValues returns a form's named control values (checkboxes as booleans). */
export function formValues(form) {
  const out = {};
  for (const el of form.elements) {
    if (!el.name || el.disabled) continue;
    if (el.type === 'checkbox') out[el.name] = el.checked;
    else if (el.type === 'radio') {
      if (el.checked) out[el.name] = el.value;
    } else if ('value' in el && el.tagName !== 'BUTTON') out[el.name] = el.value;
  }
  return out;
}

/** setPath sets obj[a][b] = v for the dotted name "a.b". */
export function setPath(obj, name, v) {
  const parts = name.split('.').filter((p) => p && p !== '__proto__' && p !== 'constructor' && p !== 'prototype');
  if (!parts.length) return;
  let o = obj;
  for (const p of parts.slice(0, -1)) {
    if (!o[p] || typeof o[p] !== 'object') o[p] = {};
    o = o[p];
  }
  o[parts[parts.length - 1]] = v;
}

function fieldId(c, name) {
  return `${c.idPrefix}-${String(name).replace(/[^\w-]/g, '_')}`;
}

// control sets what every form control shares: id, name, focus key, a label.
function control(el, node, c, path, fallbackLabel) {
  const name = str(node.name);
  if (name) {
    el.name = name;
    el.id = fieldId(c, name);
  }
  el.dataset.fk = path;
  el.disabled = !!node.disabled;
  if (node.required) el.required = true;
  if (!c.labelled.has(name)) {
    const label = fallbackLabel || str(node.placeholder) || str(node.ariaLabel) || name.replace(/[._-]+/g, ' ');
    if (label) el.setAttribute('aria-label', label);
  }
  return el;
}

const COMPONENTS = {
  Card(node, c, path) {
    const inner = renderChildren(node, c, path);
    const footer = [];
    for (const [key, primary] of [['cancel', false], ['confirm', true]]) {
      const a = node[key];
      if (!a || typeof a !== 'object') continue;
      const b = h('button', { type: primary && node.asForm ? 'submit' : 'button', class: `btn ${primary ? 'primary' : 'ghost'}`, text: str(a.label) || (primary ? 'Confirm' : 'Cancel') });
      b.dataset.fk = `${path}/${key}`;
      if (!(primary && node.asForm)) b.addEventListener('click', () => fire(a.action, b, c));
      footer.push(b);
    }
    const body = [status(node.status), ...inner, footer.length ? h('div', { class: 'w-card-actions' }, footer) : null];
    const sizeCls = token('size', node.size, /^(sm|md|lg|full)$/);
    if (node.asForm) {
      const form = h('form', { class: `w-card${sizeCls}` }, body);
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        if (node.confirm) fire(node.confirm.action, form, c);
      });
      return layout(form, { padding: node.padding });
    }
    return layout(h('section', { class: `w-card${sizeCls}` }, body), { padding: node.padding });
  },

  ListView(node, c, path) {
    const items = kids(node).map((k, i) => render(k, c, `${path}/${str(k && (k.key || k.id)) || i}`)).filter(Boolean);
    const list = h('ul', { class: 'w-list', role: 'list' }, items);
    const limit = typeof node.limit === 'number' && node.limit > 0 ? node.limit : 0;
    const parts = [status(node.status), list];
    if (limit && items.length > limit) {
      items.slice(limit).forEach((li) => (li.hidden = true));
      const more = h('button', { type: 'button', class: 'btn ghost small', text: `Show all ${items.length}` });
      more.addEventListener('click', () => {
        items.forEach((li) => (li.hidden = false));
        more.remove();
        items[limit].querySelector('button, input, select, [tabindex]')?.focus();
      });
      parts.push(more);
    }
    return h('section', { class: 'w-listview' }, parts);
  },

  ListViewItem(node, c, path) {
    const saved = c.rowLabel;
    c.rowLabel = firstText(node);
    const li = h('li', { class: 'w-li' }, renderChildren(node, c, path));
    c.rowLabel = saved;
    layout(li, { gap: node.gap ?? 2, align: node.align || 'center' });
    if (node.onClickAction) {
      li.classList.add('w-clickable');
      li.tabIndex = 0;
      li.dataset.fk = path;
      const act = (e) => {
        if (e.target !== li && e.target.closest('button, a, input, select, textarea, label')) return;
        fire(node.onClickAction, li, c);
      };
      li.addEventListener('click', act);
      li.addEventListener('keydown', (e) => {
        if (e.target === li && (e.key === 'Enter' || e.key === ' ')) {
          e.preventDefault();
          act(e);
        }
      });
    }
    return li;
  },

  Basic: (n, c, p) => box(n, c, p, n.direction === 'row' ? 'row' : 'col'),
  Box: (n, c, p) => box(n, c, p, n.direction === 'row' ? 'row' : 'col'),
  Row: (n, c, p) => box(n, c, p, 'row'),
  Col: (n, c, p) => box(n, c, p, 'col'),
  Transition: (n, c, p) => box(n, c, p, 'col'),

  Form(node, c, path) {
    const form = h('form', { class: `w-box w-${node.direction === 'row' ? 'row' : 'col'}` }, renderChildren(node, c, path));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      if (!form.reportValidity()) return;
      fire(node.onSubmitAction, form, c);
    });
    return layout(form, node);
  },

  Text(node, c, path) {
    const cls =
      'w-text' +
      colorClass(node.color) +
      token('size', node.size, /^(xs|sm|md|lg|xl)$/) +
      token('weight', node.weight, /^(normal|medium|semibold|bold)$/) +
      token('align', node.textAlign, /^(start|center|end)$/) +
      (node.italic ? ' italic' : '') +
      (node.lineThrough ? ' strike' : '') +
      (node.truncate ? ' truncate' : '');
    if (node.editable && typeof node.editable === 'object' && str(node.editable.name)) {
      const e = node.editable;
      const input = control(h('input', { class: 'input', value: str(node.value), placeholder: str(e.placeholder) }), { name: e.name, required: e.required }, c, path);
      if (e.pattern) input.pattern = str(e.pattern);
      return input;
    }
    const el = h('p', { class: cls, text: str(node.value) });
    if (node.lineThrough) el.dataset.done = 'true';
    return layout(el, { width: node.width });
  },

  Title(node) {
    const cls = 'w-title' + colorClass(node.color) + token('size', node.size, /^(sm|md|lg|xl|2xl|3xl|4xl|5xl)$/) + token('weight', node.weight, /^(normal|medium|semibold|bold)$/) + token('align', node.textAlign, /^(start|center|end)$/) + (node.truncate ? ' truncate' : '');
    return h('h3', { class: cls, text: str(node.value) });
  },

  Caption(node) {
    const cls = 'w-caption' + colorClass(node.color) + token('size', node.size, /^(sm|md|lg)$/) + token('weight', node.weight, /^(normal|medium|semibold|bold)$/) + token('align', node.textAlign, /^(start|center|end)$/) + (node.truncate ? ' truncate' : '');
    return h('p', { class: cls, text: str(node.value) });
  },

  Markdown(node) {
    return h('div', { class: 'md w-markdown' }, renderMarkdown(str(node.value)));
  },

  Label(node, c) {
    return h('label', { class: 'w-label' + colorClass(node.color), for: fieldId(c, str(node.fieldName)), text: str(node.value) });
  },

  Badge(node) {
    const color = typeof node.color === 'string' && COLORS.has(node.color) ? node.color : 'secondary';
    const variant = token('v', node.variant, /^(solid|soft|outline)$/) || ' v-soft';
    return h('span', { class: `w-badge c-${color}${variant}${node.pill ? ' pill' : ''}`, text: str(node.label) });
  },

  Button(node, c, path) {
    const label = str(node.label);
    const color = typeof node.color === 'string' && COLORS.has(node.color) ? node.color : node.style === 'primary' ? 'primary' : 'secondary';
    const variant = token('v', node.variant, /^(solid|soft|outline|ghost)$/) || (node.style === 'primary' ? ' v-solid' : ' v-soft');
    const cls = `w-button c-${color}${variant}${token('size', node.size, /^(3xs|2xs|xs|sm|md|lg|xl|2xl|3xl)$/)}${node.pill ? ' pill' : ''}${node.block ? ' block' : ''}${!label ? ' icon-only' : ''}`;
    const b = h('button', { type: node.submit ? 'submit' : 'button', class: cls });
    b.dataset.fk = path;
    if (node.iconStart) b.append(icon(node.iconStart, node.iconSize));
    if (label) b.append(h('span', { text: label }));
    if (node.iconEnd) b.append(icon(node.iconEnd, node.iconSize));
    const name = label || actionName(node.onClickAction) || str(node.iconStart || node.iconEnd).replace(/-/g, ' ') || 'Button';
    if (c.rowLabel) b.setAttribute('aria-label', `${name}: ${c.rowLabel}`);
    else if (!label) b.setAttribute('aria-label', name);
    if (!label) b.title = b.getAttribute('aria-label');
    b.disabled = !!node.disabled;
    if (node.onClickAction) {
      b.addEventListener('click', (e) => {
        e.preventDefault();
        if (node.submit && b.form && !b.form.reportValidity()) return;
        fire(node.onClickAction, b, c);
      });
    }
    return b;
  },

  Checkbox(node, c, path) {
    const label = str(node.label);
    const input = h('input', { type: 'checkbox', checked: !!node.defaultChecked });
    control(input, node, c, path, label || c.rowLabel);
    if (label) input.removeAttribute('aria-label'); // the wrapping <label> names it
    if (node.onChangeAction) {
      input.addEventListener('change', () => fire(node.onChangeAction, input, c, { [str(node.name)]: input.checked }));
    }
    return h('label', { class: 'w-check' }, [input, label ? h('span', { text: label }) : null]);
  },

  Input(node, c, path) {
    const type = /^(number|email|text|password|tel|url)$/.test(node.inputType) ? node.inputType : 'text';
    const input = h('input', { class: 'input', type, value: str(node.defaultValue), placeholder: str(node.placeholder) });
    if (node.pattern) input.pattern = str(node.pattern);
    if (node.autoFocus) input.autofocus = true;
    return control(input, node, c, path);
  },

  Textarea(node, c, path) {
    const ta = h('textarea', { class: 'input', value: str(node.defaultValue), placeholder: str(node.placeholder), rows: Number(node.rows) > 0 ? Number(node.rows) : 3 });
    return control(ta, node, c, path);
  },

  Select(node, c, path) {
    const sel = h('select', { class: 'input' });
    const def = str(node.defaultValue);
    if (!def || node.placeholder) {
      const ph = h('option', { value: '', text: str(node.placeholder) || 'Choose…' });
      if (!node.clearable) ph.disabled = true;
      ph.selected = !def;
      sel.append(ph);
    }
    for (const o of Array.isArray(node.options) ? node.options : []) {
      if (!o || typeof o !== 'object') continue;
      const opt = h('option', { value: str(o.value), text: str(o.label) || str(o.value) });
      opt.disabled = !!o.disabled;
      opt.selected = str(o.value) === def && def !== '';
      sel.append(opt);
    }
    control(sel, node, c, path);
    if (node.onChangeAction) sel.addEventListener('change', () => fire(node.onChangeAction, sel, c, { [str(node.name)]: sel.value }));
    return sel;
  },

  DatePicker(node, c, path) {
    const day = (v) => (/^\d{4}-\d{2}-\d{2}/.test(str(v)) ? str(v).slice(0, 10) : '');
    const input = h('input', { class: 'input', type: 'date', value: day(node.defaultValue), min: day(node.min), max: day(node.max) });
    control(input, node, c, path);
    if (node.onChangeAction) input.addEventListener('change', () => fire(node.onChangeAction, input, c, { [str(node.name)]: input.value }));
    return input;
  },

  RadioGroup(node, c, path) {
    const name = str(node.name);
    const group = h('div', { class: `w-box w-${node.direction === 'col' ? 'col' : 'row'}`, role: 'radiogroup', 'aria-label': str(node.ariaLabel) || name });
    (Array.isArray(node.options) ? node.options : []).forEach((o, i) => {
      if (!o || typeof o !== 'object') return;
      const r = h('input', { type: 'radio', name, value: str(o.value), checked: str(o.value) === str(node.defaultValue) });
      r.disabled = !!(o.disabled || node.disabled);
      r.dataset.fk = `${path}/${i}`;
      if (node.onChangeAction) r.addEventListener('change', () => fire(node.onChangeAction, r, c, { [name]: r.value }));
      group.append(h('label', { class: 'w-check' }, [r, h('span', { text: str(o.label) || str(o.value) })]));
    });
    return group;
  },

  Divider(node) {
    return layout(h('hr', { class: 'w-divider' }), { margin: node.spacing === undefined ? undefined : { y: node.spacing } });
  },

  Spacer(node) {
    const el = h('div', { class: 'w-spacer', 'aria-hidden': 'true' });
    const min = spacing(node.minSize);
    if (min) el.style.minWidth = el.style.minHeight = min;
    return el;
  },

  Icon(node) {
    const svg = icon(node.name, typeof node.size === 'string' ? node.size : 'md');
    const cls = colorClass(node.color);
    if (cls) svg.classList.add(cls.trim());
    return svg;
  },

  Image(node) {
    const src = str(node.src);
    if (!/^(https?:\/\/|\/(?!\/))/i.test(src)) return null;
    const img = h('img', { class: 'w-image', src, alt: str(node.alt), loading: 'lazy' });
    return layout(img, { width: node.width, height: node.height });
  },
};
