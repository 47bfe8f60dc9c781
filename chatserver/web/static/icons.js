// Inline SVG icons for widget and UI icons (a subset of ChatKit's icon
// names, drawn after Lucide, ISC license). Unknown names get a dot, so a
// widget never breaks on an icon.

const SVG = 'http://www.w3.org/2000/svg';

const circle = (r = 10) => ['circle', { cx: 12, cy: 12, r }];
const path = (d, cls) => ['path', cls ? { d, class: cls } : { d }];

const SHAPES = {
  check: [path('M20 6 9 17l-5-5')],
  'check-circle': [circle(), path('m9 12 2 2 4-4')],
  'check-circle-filled': [['circle', { cx: 12, cy: 12, r: 10, class: 'fill' }], path('m8.5 12 2.5 2.5 4.5-4.5', 'knock')],
  'empty-circle': [circle()],
  dot: [['circle', { cx: 12, cy: 12, r: 3, class: 'fill' }]],
  plus: [path('M5 12h14'), path('M12 5v14')],
  calendar: [['rect', { x: 3, y: 4, width: 18, height: 18, rx: 2 }], path('M16 2v4'), path('M8 2v4'), path('M3 10h18')],
  clock: [circle(), path('M12 6v6l4 2')],
  search: [['circle', { cx: 11, cy: 11, r: 8 }], path('m21 21-4.3-4.3')],
  info: [circle(), path('M12 16v-4'), path('M12 8h.01')],
  'circle-question': [circle(), path('M9.1 9a3 3 0 0 1 5.8 1c0 2-3 3-3 3'), path('M12 17h.01')],
  star: [path('M12 2l3.1 6.3 6.9 1-5 4.9 1.2 6.9-6.2-3.3-6.2 3.3 1.2-6.9-5-4.9 6.9-1z')],
  'star-filled': [path('M12 2l3.1 6.3 6.9 1-5 4.9 1.2 6.9-6.2-3.3-6.2 3.3 1.2-6.9-5-4.9 6.9-1z', 'fill')],
  reload: [path('M21 12a9 9 0 1 1-9-9c2.5 0 4.9 1 6.7 2.7L21 8'), path('M21 3v5h-5')],
  'chevron-left': [path('m15 18-6-6 6-6')],
  'chevron-right': [path('m9 18 6-6-6-6')],
  write: [path('M17 3a2.8 2.8 0 1 1 4 4L7.5 20.5 2 22l1.5-5.5Z')],
  bolt: [path('M13 2 3 14h9l-1 8 10-12h-9l1-8z')],
  user: [path('M19 21v-2a4 4 0 0 0-4-4H9a4 4 0 0 0-4 4v2'), ['circle', { cx: 12, cy: 7, r: 4 }]],
  sparkle: [path('M12 3l1.9 5.8L20 10.5l-6.1 1.9L12 19l-1.9-6.6L4 10.5l6.1-1.7z')],
  mail: [['rect', { x: 2, y: 4, width: 20, height: 16, rx: 2 }], path('m22 7-10 6L2 7')],
  globe: [circle(), path('M2 12h20'), path('M12 2a15 15 0 0 1 0 20 15 15 0 0 1 0-20z')],
  'external-link': [path('M15 3h6v6'), path('M10 14 21 3'), path('M18 13v6a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V8a2 2 0 0 1 2-2h6')],
  'dots-horizontal': [['circle', { cx: 5, cy: 12, r: 1, class: 'fill' }], ['circle', { cx: 12, cy: 12, r: 1, class: 'fill' }], ['circle', { cx: 19, cy: 12, r: 1, class: 'fill' }]],
  lightbulb: [path('M9 18h6'), path('M10 22h4'), path('M12 2a7 7 0 0 0-4 12.7c.6.5 1 1.3 1 2.3h6c0-1 .4-1.8 1-2.3A7 7 0 0 0 12 2z')],
  document: [path('M14 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V8z'), path('M14 2v6h6')],
  // UI icons of the lite client itself.
  menu: [path('M4 6h16'), path('M4 12h16'), path('M4 18h16')],
  close: [path('M18 6 6 18'), path('M6 6l12 12')],
  trash: [path('M3 6h18'), path('M19 6v14a2 2 0 0 1-2 2H7a2 2 0 0 1-2-2V6'), path('M8 6V4a2 2 0 0 1 2-2h4a2 2 0 0 1 2 2v2')],
  warning: [path('M10.3 3.9 1.8 18a2 2 0 0 0 1.7 3h17a2 2 0 0 0 1.7-3L13.7 3.9a2 2 0 0 0-3.4 0z'), path('M12 9v4'), path('M12 17h.01')],
};

const ALIASES = {
  'write-alt': 'write',
  'write-alt2': 'write',
  'notebook-pencil': 'write',
  'sparkle-double': 'sparkle',
  profile: 'user',
  'profile-card': 'user',
  'dots-vertical': 'dots-horizontal',
  'book-open': 'document',
  'book-closed': 'document',
  notebook: 'document',
  'page-blank': 'document',
  'lucide:trash': 'trash',
  'lucide:trash-2': 'trash',
  'lucide:check': 'check',
  'lucide:plus': 'plus',
  'lucide:calendar': 'calendar',
  'lucide:circle-alert': 'warning',
};

/** iconNames lists the names drawn with their own shape. */
export const iconNames = Object.keys(SHAPES);

/** icon returns an <svg> for the named icon, hidden from assistive technology. */
export function icon(name, size) {
  const key = String(name ?? '');
  const shapes = SHAPES[key] || SHAPES[ALIASES[key]] || SHAPES.dot;
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  svg.setAttribute('class', `icon${size ? ` icon-${sizeClass(size)}` : ''}`);
  for (const [tag, attrs] of shapes) {
    const el = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
    svg.append(el);
  }
  return svg;
}

// sizeClass keeps only known size tokens.
function sizeClass(size) {
  return /^(xs|sm|md|lg|xl|2xl|3xl)$/.test(size) ? size : 'md';
}
