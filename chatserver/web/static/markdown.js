// A tiny, safe Markdown renderer for assistant messages, notices and
// Markdown widgets.
//
// parseMarkdown turns the source into a tree of plain values (a string is
// text, {tag, attrs, children} an element); renderMarkdown builds DOM
// nodes from it with createElement and text nodes. Nothing is ever parsed
// as HTML, so markup in the source stays text. The only elements are p,
// br, strong, em, del, code, pre, ul, ol, li, blockquote, h3-h6, hr, table
// parts, a div around tables and a; the only attributes are a link's href
// (always an http: or https: URL), target and rel, a list's start and a
// class. It supports what chat answers use: paragraphs (single newlines
// become <br>), headings, bullet, numbered and task lists (nested by
// indentation), fenced code blocks, block quotes, simple tables, rules,
// **bold**, *italic*, ~~strike~~, `code`, [links](https://…) and bare
// https:// links.
import { h } from './dom.js';

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([\w+#.-]*)/;
const HEADING = /^ {0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$/;
const RULE = /^ {0,3}([-*_])(?:\s*\1){2,}\s*$/;
const QUOTE = /^ {0,3}>\s?/;
const BULLET = /^(\s*)([-*+])\s+(.*)$/;
const NUMBERED = /^(\s*)(\d{1,9})[.)]\s+(.*)$/;
const TABLE_SEP = /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;

/** renderMarkdown returns the DOM nodes for the Markdown source src. */
export function renderMarkdown(src) {
  return parseMarkdown(src).map(toDOM);
}

// toDOM builds the DOM node of a tree node.
function toDOM(n) {
  if (typeof n === 'string') return document.createTextNode(n);
  const e = h(n.tag, {}, n.children.map(toDOM));
  for (const [k, v] of Object.entries(n.attrs)) e.setAttribute(k, v);
  return e;
}

/**
 * parseMarkdown returns the tree of the Markdown source src: an array of
 * nodes, each a string (text) or {tag, attrs, children}. Blocks are
 * separated by "\n" text, as in the source.
 */
export function parseMarkdown(src) {
  const text = String(src ?? '').replace(/\r\n?/g, '\n').replace(/\u0000/g, '');
  return blocks(text.split('\n'));
}

// el returns an element node; adjacent strings among children are joined
// and empty ones dropped.
function el(tag, attrs = {}, children = []) {
  const kids = [];
  for (const c of children) {
    if (c === '') continue;
    if (typeof c === 'string' && typeof kids[kids.length - 1] === 'string') kids[kids.length - 1] += c;
    else kids.push(c);
  }
  return { tag, attrs, children: kids };
}

// blocks parses lines as a sequence of blocks.
function blocks(lines) {
  const out = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (line.trim() === '') {
      i++;
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence) {
      const body = [];
      for (i++; i < lines.length && !lines[i].trimStart().startsWith(fence[1]); i++) {
        body.push(lines[i]);
      }
      i++; // the closing fence, if any
      out.push(el('pre', {}, [el('code', fence[2] ? { class: `language-${fence[2]}` } : {}, [body.join('\n')])]));
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      out.push(el(`h${Math.min(heading[1].length + 2, 6)}`, {}, inline(heading[2])));
      i++;
      continue;
    }
    if (RULE.test(line)) {
      out.push(el('hr'));
      i++;
      continue;
    }
    if (QUOTE.test(line)) {
      const body = [];
      for (; i < lines.length && QUOTE.test(lines[i]); i++) body.push(lines[i].replace(QUOTE, ''));
      out.push(el('blockquote', {}, blocks(body)));
      continue;
    }
    if (BULLET.test(line) || NUMBERED.test(line)) {
      i = list(lines, i, out);
      continue;
    }
    if (line.includes('|') && i + 1 < lines.length && TABLE_SEP.test(lines[i + 1]) && lines[i + 1].includes('-')) {
      i = table(lines, i, out);
      continue;
    }
    const para = [];
    for (; i < lines.length && lines[i].trim() !== '' && (para.length === 0 || !startsBlock(lines, i)); i++) {
      if (para.length) para.push(el('br'));
      para.push(...inline(lines[i].trim()));
    }
    out.push(el('p', {}, para));
  }
  return out.flatMap((b, j) => (j ? ['\n', b] : [b]));
}

// startsBlock reports whether lines[i] begins a block other than a paragraph.
function startsBlock(lines, i) {
  const l = lines[i];
  return FENCE.test(l) || HEADING.test(l) || RULE.test(l) || QUOTE.test(l) || BULLET.test(l) || NUMBERED.test(l);
}

// list parses the list starting at lines[start] into out and returns the
// index of the first line after it. Lines indented deeper than an item
// belong to it (nested lists, continued text).
function list(lines, start, out) {
  const first = BULLET.exec(lines[start]) || NUMBERED.exec(lines[start]);
  const ordered = !BULLET.test(lines[start]);
  const indent = first[1].length;
  const items = [];
  let i = start;
  while (i < lines.length) {
    const m = ordered ? NUMBERED.exec(lines[i]) : BULLET.exec(lines[i]);
    if (!m || m[1].length !== indent) break;
    const item = { text: m[3], sub: [] };
    for (i++; i < lines.length; i++) {
      const l = lines[i];
      const lead = l.length - l.trimStart().length;
      if (l.trim() === '') {
        // A blank line ends the list unless the next line is indented or another item.
        const next = lines[i + 1];
        if (next === undefined) break;
        const nextLead = next.length - next.trimStart().length;
        const sameList = (ordered ? NUMBERED : BULLET).exec(next);
        if (nextLead > indent || (sameList && sameList[1].length === indent)) continue;
        break;
      }
      if (lead <= indent) break;
      item.sub.push(l.slice(Math.min(lead, indent + 2)));
    }
    items.push(item);
    if (i < lines.length && lines[i].trim() === '') i++;
  }
  const n = ordered ? parseInt(first[2], 10) : 1;
  const lis = items.map((it) => {
    let text = it.text;
    let box = '';
    const task = /^\[([ xX])\]\s+(.*)$/.exec(text);
    if (task) {
      box = task[1] === ' ' ? '☐ ' : '☑ ';
      text = task[2];
    }
    return el('li', {}, [box, ...inline(text), ...(it.sub.length ? blocks(it.sub) : [])]);
  });
  out.push(el(ordered ? 'ol' : 'ul', ordered && n !== 1 ? { start: String(n) } : {}, lis));
  return i;
}

// table parses the GFM table starting at lines[start] (a header, a
// separator, then rows) into out and returns the index after it.
function table(lines, start, out) {
  const cells = (l) => l.trim().replace(/^\|/, '').replace(/\|$/, '').split('|').map((c) => c.trim());
  const head = cells(lines[start]);
  let i = start + 2;
  const rows = [];
  for (; i < lines.length && lines[i].includes('|') && lines[i].trim() !== ''; i++) rows.push(cells(lines[i]));
  const thead = el('thead', {}, [el('tr', {}, head.map((c) => el('th', {}, inline(c))))]);
  const tbody = el('tbody', {}, rows.map((r) => el('tr', {}, head.map((_, j) => el('td', {}, inline(r[j] ?? ''))))));
  out.push(el('div', { class: 'table-wrap' }, [el('table', {}, [thead, tbody])]));
  return i;
}

/** safeHref returns url if it is an http(s) URL for an href, or '' if not. */
export function safeHref(url) {
  return /^https?:\/\/[^\s]+$/i.test(url) ? url : '';
}

// link returns the attributes of a link to href (opened in a new tab).
function link(href) {
  return { href, target: '_blank', rel: 'noopener noreferrer' };
}

// inline parses the inline Markdown of one line of text into nodes. Code
// spans and links are cut out first (their content is literal), then the
// emphasis markers are matched on what is left; the pieces are held as
// tokens behind \u0000n\u0000 placeholders (the source has no \u0000) and
// assembled into a tree at the end.
function inline(text) {
  const tokens = [];
  const keep = (t) => `\u0000${tokens.push(t) - 1}\u0000`;
  const wrap = (tag, inner) => keep({ open: tag }) + inner + keep({ close: tag });
  let s = text.replace(/(`+)([^`]|[^`][\s\S]*?[^`])\1(?!`)/g, (_, __, code) => keep({ node: el('code', {}, [code.trim()]) }));
  // [label](url "title"): the label stays text for the emphasis below.
  s = s.replace(/\[([^\]]+)\]\(\s*([^\s)]+)(?:\s+"[^)]*?")?\s*\)/g, (m, label, url) => {
    const href = safeHref(url);
    if (!href) return label;
    return keep({ open: 'a', attrs: link(href) }) + label + keep({ close: 'a' });
  });
  // Bare links (a quote, apostrophe, < or > ends them, as does trailing punctuation).
  s = s.replace(/(^|[^\w/=\u0000])(https?:\/\/[^\s\u0000"'<>]+)/gi, (m, pre, url) => {
    const tail = /[.,;:!?)\]&]*$/.exec(url)[0];
    const href = url.slice(0, url.length - tail.length);
    return `${pre}${keep({ node: el('a', link(href), [href]) })}${tail}`;
  });
  s = s.replace(/\*\*(?=\S)([\s\S]*?\S)\*\*/g, (_, x) => wrap('strong', x));
  s = s.replace(/(^|[^\w])__(?=\S)([\s\S]*?\S)__(?!\w)/g, (_, pre, x) => pre + wrap('strong', x));
  s = s.replace(/~~(?=\S)([\s\S]*?\S)~~/g, (_, x) => wrap('del', x));
  s = s.replace(/\*(?=[^\s*])([^*]*?[^\s*])\*/g, (_, x) => wrap('em', x));
  s = s.replace(/(^|[^\w])_(?=[^\s_])([^_]*?[^\s_]|[^\s_])_(?!\w)/g, (_, pre, x) => pre + wrap('em', x));
  return assemble(s, tokens);
}

// assemble turns text with token placeholders into nodes. Emphasis
// matched across another's boundary ("**a *b** c*") closes the inner
// element early and opens it again for the content that follows, as an
// HTML parser would; links never nest.
function assemble(s, tokens) {
  const root = el('');
  const stack = [root];
  let reopen = []; // elements closed early, to open again before the next content
  const add = (node) => {
    if (node.tag === 'a' && stack.some((e) => e.tag === 'a')) {
      node.children.forEach(add); // a bare URL inside a link's label is only text
      return;
    }
    for (const e of reopen) {
      const copy = el(e.tag, e.attrs);
      stack[stack.length - 1].children.push(copy);
      stack.push(copy);
    }
    reopen = [];
    const kids = stack[stack.length - 1].children;
    if (typeof node === 'string' && typeof kids[kids.length - 1] === 'string') kids[kids.length - 1] += node;
    else kids.push(node);
  };
  s.split(/\u0000(\d+)\u0000/).forEach((part, i) => {
    if (i % 2 === 0) {
      if (part) add(part);
      return;
    }
    const t = tokens[Number(part)];
    if (t.node) {
      add(t.node);
    } else if (t.open) {
      const e = el(t.open, t.attrs);
      add(e);
      stack.push(e);
    } else {
      const j = stack.findLastIndex((e, k) => k > 0 && e.tag === t.close);
      if (j > 0) {
        reopen = [...stack.splice(j).slice(1), ...reopen];
        return;
      }
      const r = reopen.findLastIndex((e) => e.tag === t.close);
      if (r >= 0) reopen.splice(r, 1);
    }
  });
  return root.children;
}
