// A tiny, safe Markdown renderer for assistant messages.
//
// Safety rule: the source is HTML-escaped before any markup is added, so
// the only tags in the output are the ones made here (p, br, strong, em,
// del, code, pre, ul, ol, li, blockquote, h3-h6, hr, table parts and a),
// and a link's href is always an http: or https: URL. It supports what
// chat answers use: paragraphs (single newlines become <br>), headings,
// bullet, numbered and task lists (nested by indentation), fenced code
// blocks, block quotes, simple tables, rules, **bold**, *italic*,
// ~~strike~~, `code`, [links](https://…) and bare https:// links.

const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** escapeHTML returns s with &, <, >, " and ' escaped. */
export function escapeHTML(s) {
  return String(s).replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([\w+#.-]*)/;
const HEADING = /^ {0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$/;
const RULE = /^ {0,3}([-*_])(?:\s*\1){2,}\s*$/;
const QUOTE = /^ {0,3}>\s?/;
const BULLET = /^(\s*)([-*+])\s+(.*)$/;
const NUMBERED = /^(\s*)(\d{1,9})[.)]\s+(.*)$/;
const TABLE_SEP = /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;

/** renderMarkdown returns safe HTML for the Markdown source src. */
export function renderMarkdown(src) {
  const text = String(src ?? '').replace(/\r\n?/g, '\n').replace(/\u0000/g, '');
  return renderBlocks(text.split('\n'));
}

// renderBlocks renders lines as a sequence of blocks.
function renderBlocks(lines) {
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
      const lang = fence[2] ? ` class="language-${escapeHTML(fence[2])}"` : '';
      out.push(`<pre><code${lang}>${escapeHTML(body.join('\n'))}</code></pre>`);
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      const level = Math.min(heading[1].length + 2, 6);
      out.push(`<h${level}>${inline(heading[2])}</h${level}>`);
      i++;
      continue;
    }
    if (RULE.test(line)) {
      out.push('<hr>');
      i++;
      continue;
    }
    if (QUOTE.test(line)) {
      const body = [];
      for (; i < lines.length && QUOTE.test(lines[i]); i++) body.push(lines[i].replace(QUOTE, ''));
      out.push(`<blockquote>${renderBlocks(body)}</blockquote>`);
      continue;
    }
    if (BULLET.test(line) || NUMBERED.test(line)) {
      i = renderList(lines, i, out);
      continue;
    }
    if (line.includes('|') && i + 1 < lines.length && TABLE_SEP.test(lines[i + 1]) && lines[i + 1].includes('-')) {
      i = renderTable(lines, i, out);
      continue;
    }
    const para = [];
    for (; i < lines.length && lines[i].trim() !== '' && (para.length === 0 || !startsBlock(lines, i)); i++) {
      para.push(lines[i].trim());
    }
    out.push(`<p>${para.map(inline).join('<br>')}</p>`);
  }
  return out.join('\n');
}

// startsBlock reports whether lines[i] begins a block other than a paragraph.
function startsBlock(lines, i) {
  const l = lines[i];
  return FENCE.test(l) || HEADING.test(l) || RULE.test(l) || QUOTE.test(l) || BULLET.test(l) || NUMBERED.test(l);
}

// renderList renders the list starting at lines[start] into out and
// returns the index of the first line after it. Lines indented deeper
// than an item belong to it (nested lists, continued text).
function renderList(lines, start, out) {
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
  const tag = ordered ? 'ol' : 'ul';
  const n = ordered ? parseInt(first[2], 10) : 1;
  const startAttr = ordered && n !== 1 ? ` start="${n}"` : '';
  const lis = items.map((it) => {
    let text = it.text;
    let box = '';
    const task = /^\[([ xX])\]\s+(.*)$/.exec(text);
    if (task) {
      box = task[1] === ' ' ? '☐ ' : '☑ ';
      text = task[2];
    }
    const sub = it.sub.length ? renderBlocks(it.sub) : '';
    return `<li>${box}${inline(text)}${sub}</li>`;
  });
  out.push(`<${tag}${startAttr}>${lis.join('')}</${tag}>`);
  return i;
}

// renderTable renders the GFM table starting at lines[start] (a header,
// a separator, then rows) and returns the index after it.
function renderTable(lines, start, out) {
  const cells = (l) => l.trim().replace(/^\|/, '').replace(/\|$/, '').split('|').map((c) => c.trim());
  const head = cells(lines[start]);
  let i = start + 2;
  const rows = [];
  for (; i < lines.length && lines[i].includes('|') && lines[i].trim() !== ''; i++) rows.push(cells(lines[i]));
  const th = head.map((c) => `<th>${inline(c)}</th>`).join('');
  const trs = rows.map((r) => `<tr>${head.map((_, j) => `<td>${inline(r[j] ?? '')}</td>`).join('')}</tr>`).join('');
  out.push(`<div class="table-wrap"><table><thead><tr>${th}</tr></thead><tbody>${trs}</tbody></table></div>`);
  return i;
}

/** safeHref returns an escaped http(s) URL for an href, or '' if url is not one. */
export function safeHref(url) {
  return /^https?:\/\/[^\s]+$/i.test(url) ? url : '';
}

// inline renders the inline Markdown of one line of raw text.
function inline(text) {
  const slots = [];
  const keep = (html) => `\u0000${slots.push(html) - 1}\u0000`;
  // Code spans first: their content is literal.
  let s = text.replace(/(`+)([^`]|[^`][\s\S]*?[^`])\1(?!`)/g, (_, __, code) => keep(`<code>${escapeHTML(code.trim())}</code>`));
  s = escapeHTML(s);
  // [label](url): the URL is already escaped, so it cannot leave the attribute.
  s = s.replace(/\[([^\]]+)\]\(\s*([^\s)]+)(?:\s+&quot;[^)]*?&quot;)?\s*\)/g, (m, label, url) => {
    const href = safeHref(url);
    if (!href) return label;
    return keep(`<a href="${href}" target="_blank" rel="noopener noreferrer">`) + label + keep('</a>');
  });
  // Bare links (an entity such as &quot; or &lt; ends them, as does trailing punctuation).
  s = s.replace(/(^|[^\w/"=\u0000])(https?:\/\/(?:(?!&(?:quot|#39|lt|gt);)[^\s\u0000])+)/gi, (m, pre, url) => {
    const trail = /(?:[.,;:!?)\]]|&amp;)+$/.exec(url);
    const tail = trail ? trail[0] : '';
    const href = url.slice(0, url.length - tail.length);
    return `${pre}${keep(`<a href="${href}" target="_blank" rel="noopener noreferrer">${href}</a>`)}${tail}`;
  });
  s = s.replace(/\*\*(?=\S)([\s\S]*?\S)\*\*/g, '<strong>$1</strong>');
  s = s.replace(/(^|[^\w])__(?=\S)([\s\S]*?\S)__(?!\w)/g, '$1<strong>$2</strong>');
  s = s.replace(/~~(?=\S)([\s\S]*?\S)~~/g, '<del>$1</del>');
  s = s.replace(/\*(?=[^\s*])([^*]*?[^\s*])\*/g, '<em>$1</em>');
  s = s.replace(/(^|[^\w])_(?=[^\s_])([^_]*?[^\s_]|[^\s_])_(?!\w)/g, '$1<em>$2</em>');
  return s.replace(/\u0000(\d+)\u0000/g, (_, n) => slots[Number(n)]);
}
