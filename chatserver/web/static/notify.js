// Messages outside the conversation: short toasts and what screen readers
// are told.
import { $, h } from './dom.js';

/** flash shows a short message at the bottom of the page. */
export function flash(text, level = 'info') {
  const el = h('div', { class: `toast ${level}`, role: level === 'danger' ? 'alert' : 'status', text });
  document.body.append(el);
  setTimeout(() => el.remove(), 4000);
}

/** announce reads text to screen readers through the polite status region. */
export function announce(text) {
  const live = $('announce') || document.body.appendChild(h('div', { id: 'announce', class: 'sr-only', role: 'status', 'aria-live': 'polite' }));
  live.textContent = '';
  setTimeout(() => (live.textContent = text.slice(0, 600)), 50);
}
