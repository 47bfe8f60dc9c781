// The two DOM helpers every page module uses. Text always goes in as text
// (textContent, text nodes), never as markup.

/** $ returns the element with the given id, or null. */
export const $ = (id) => document.getElementById(id);

/**
 * h creates an element. props: "class" sets the class, "text" the text,
 * aria-*, data-*, role and for are set as attributes, anything else as a
 * DOM property; undefined, null, false and '' leave a prop unset. children
 * (nested arrays are flattened) are nodes or strings, which become text
 * nodes; null, undefined, false and '' are skipped.
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false || v === '') continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('aria-') || k.startsWith('data-') || k === 'role' || k === 'for') el.setAttribute(k, v === true ? 'true' : String(v));
    else el[k] = v;
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false || c === '') continue;
    el.append(typeof c === 'string' ? document.createTextNode(c) : c);
  }
  return el;
}
