// A tiny stand-in for the browser's document, enough for the lite client's
// rendering code (markdown.js, widgets.js, icons.js, dom.js) to run under
// node --test: elements with attributes, children, classes, style, dataset,
// events that bubble, forms and their controls, and simple selectors (tag,
// .class, [attr], [attr="v"], descendant, comma lists). It is not a test
// file itself; tests import it.

const FORM_CONTROLS = new Set(['INPUT', 'SELECT', 'TEXTAREA', 'BUTTON']);
const VOID = new Set(['br', 'hr', 'img', 'input']);

class Node {
  constructor(doc) {
    this.ownerDocument = doc;
    this.parentNode = null;
    this.childNodes = [];
  }

  get children() {
    return this.childNodes.filter((n) => n.nodeType === 1);
  }

  get textContent() {
    return this.childNodes.map((n) => n.textContent).join('');
  }

  set textContent(v) {
    this.replaceChildren(String(v));
  }

  append(...nodes) {
    for (let n of nodes) {
      if (typeof n === 'string') n = this.ownerDocument.createTextNode(n);
      if (n.parentNode) n.remove();
      n.parentNode = this;
      this.childNodes.push(n);
    }
  }

  replaceChildren(...nodes) {
    for (const n of this.childNodes) n.parentNode = null;
    this.childNodes = [];
    this.append(...nodes);
  }

  remove() {
    if (!this.parentNode) return;
    const siblings = this.parentNode.childNodes;
    siblings.splice(siblings.indexOf(this), 1);
    this.parentNode = null;
  }

  contains(n) {
    for (; n; n = n.parentNode) if (n === this) return true;
    return false;
  }
}

class Text extends Node {
  constructor(doc, data) {
    super(doc);
    this.nodeType = 3;
    this.data = String(data);
  }

  get textContent() {
    return this.data;
  }
}

class Element extends Node {
  constructor(doc, tag, ns) {
    super(doc);
    this.nodeType = 1;
    this.namespaceURI = ns;
    this.localName = tag;
    this.tagName = ns ? tag : tag.toUpperCase();
    this.attrs = new Map();
    this.style = {};
    this.dataset = {};
    this.listeners = {};
    this.hidden = false;
    this.disabled = false;
    if (FORM_CONTROLS.has(this.tagName) || this.tagName === 'OPTION') {
      if (this.tagName !== 'SELECT') this.value = '';
      this.type = this.tagName === 'BUTTON' ? 'submit' : this.tagName === 'INPUT' ? 'text' : this.tagName.toLowerCase();
      this.name = '';
      if (this.tagName === 'INPUT') this.checked = false;
    }
  }

  setAttribute(k, v) {
    this.attrs.set(k, String(v));
  }

  getAttribute(k) {
    return this.attrs.has(k) ? this.attrs.get(k) : null;
  }

  hasAttribute(k) {
    return this.attrs.has(k);
  }

  removeAttribute(k) {
    this.attrs.delete(k);
  }

  get className() {
    return this.getAttribute('class') || '';
  }

  set className(v) {
    this.setAttribute('class', v);
  }

  get id() {
    return this.getAttribute('id') || '';
  }

  set id(v) {
    this.setAttribute('id', v);
  }

  get classList() {
    const list = () => this.className.split(/\s+/).filter(Boolean);
    return {
      add: (...cs) => (this.className = [...new Set([...list(), ...cs])].join(' ')),
      remove: (...cs) => (this.className = list().filter((c) => !cs.includes(c)).join(' ')),
      contains: (c) => list().includes(c),
    };
  }

  // value of a <select>: its last selected option, else its first enabled one.
  get value() {
    if (this.tagName !== 'SELECT') return this._value;
    const opts = this.querySelectorAll('option');
    const o = opts.findLast((x) => x.selected) || opts.find((x) => !x.disabled);
    return o ? o.value : '';
  }

  set value(v) {
    this._value = String(v);
  }

  get form() {
    return this.parentNode && this.parentNode.closest ? this.parentNode.closest('form') : null;
  }

  get elements() {
    return this.querySelectorAll('*').filter((e) => FORM_CONTROLS.has(e.tagName));
  }

  reportValidity() {
    return this.elements.every((e) => !e.required || e.disabled || (e.type === 'checkbox' ? e.checked : e.value !== ''));
  }

  addEventListener(type, fn) {
    (this.listeners[type] ||= []).push(fn);
  }

  // dispatchEvent calls the listeners of the target, then of its ancestors.
  dispatchEvent(ev) {
    ev.target = this;
    ev.defaultPrevented = false;
    ev.preventDefault = () => (ev.defaultPrevented = true);
    for (let n = this; n; n = n.parentNode) for (const fn of (n.listeners && n.listeners[ev.type]) || []) fn(ev);
    return !ev.defaultPrevented;
  }

  click() {
    if (this.disabled) return;
    if (this.tagName === 'INPUT' && this.type === 'checkbox') this.checked = !this.checked;
    const ok = this.dispatchEvent({ type: 'click' });
    if (ok && this.tagName === 'BUTTON' && this.type === 'submit' && this.form) this.form.dispatchEvent({ type: 'submit' });
  }

  focus() {
    this.ownerDocument.activeElement = this;
  }

  matches(selector) {
    return selector.split(',').some((sel) => {
      const parts = sel.trim().split(/\s+/);
      if (!matchOne(this, parts.pop())) return false;
      let n = this.parentNode;
      for (const p of parts.reverse()) {
        while (n && !(n.nodeType === 1 && matchOne(n, p))) n = n.parentNode;
        if (!n) return false;
        n = n.parentNode;
      }
      return true;
    });
  }

  closest(selector) {
    for (let n = this; n && n.nodeType === 1; n = n.parentNode) if (n.matches(selector)) return n;
    return null;
  }

  querySelectorAll(selector) {
    const out = [];
    const walk = (n) => {
      for (const c of n.children) {
        if (selector === '*' || c.matches(selector)) out.push(c);
        walk(c);
      }
    };
    walk(this);
    return out;
  }

  querySelector(selector) {
    return this.querySelectorAll(selector)[0] || null;
  }
}

// matchOne matches one compound selector: tag, .class, [attr] or [attr="v"].
function matchOne(el, sel) {
  const re = /^([\w-]+|\*)?((?:\.[\w-]+|\[[\w-]+(?:="[^"]*")?\])*)$/;
  const m = re.exec(sel);
  if (!m) throw new Error(`fakedom: unsupported selector ${sel}`);
  if (m[1] && m[1] !== '*' && m[1].toLowerCase() !== el.localName.toLowerCase()) return false;
  for (const [, cls, attr, val] of m[2].matchAll(/\.([\w-]+)|\[([\w-]+)(?:="([^"]*)")?\]/g)) {
    if (cls && !el.classList.contains(cls)) return false;
    if (attr && (!el.hasAttribute(attr) || (val !== undefined && el.getAttribute(attr) !== val))) return false;
  }
  return true;
}

/** install puts a fresh fake document (and a window) on globalThis and returns it. */
export function install({ dark = false } = {}) {
  const doc = {
    activeElement: null,
    createElement: (tag) => new Element(doc, tag.toLowerCase(), null),
    createElementNS: (ns, tag) => new Element(doc, tag, ns),
    createTextNode: (text) => new Text(doc, text),
  };
  doc.body = doc.createElement('body');
  globalThis.document = doc;
  globalThis.window = { matchMedia: () => ({ matches: dark }) };
  return doc;
}

const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escape = (s) => String(s).replace(/[&<>"']/g, (c) => ESCAPES[c]);

/** html serializes nodes (attributes in the order they were set) for comparisons. */
export function html(...nodes) {
  return nodes
    .flat()
    .map((n) => {
      if (n.nodeType === 3) return escape(n.data);
      const attrs = [...n.attrs].map(([k, v]) => ` ${k}="${escape(v)}"`).join('');
      if (VOID.has(n.localName)) return `<${n.localName}${attrs}>`;
      return `<${n.localName}${attrs}>${html(n.childNodes)}</${n.localName}>`;
    })
    .join('');
}
