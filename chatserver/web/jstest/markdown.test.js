// Tests of the lite client's Markdown renderer: run with `node --test jstest/`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMarkdown, renderMarkdown } from '../static/markdown.js';
import { html, install } from './fakedom.js';

const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escape = (s) => String(s).replace(/[&<>"']/g, (c) => ESCAPES[c]);
const VOID = new Set(['br', 'hr']);

// toHTML writes a parseMarkdown tree as HTML, to compare it with a string.
function toHTML(nodes) {
  return nodes
    .map((n) => {
      if (typeof n === 'string') return escape(n);
      const attrs = Object.entries(n.attrs)
        .map(([k, v]) => ` ${k}="${escape(v)}"`)
        .join('');
      return VOID.has(n.tag) ? `<${n.tag}${attrs}>` : `<${n.tag}${attrs}>${toHTML(n.children)}</${n.tag}>`;
    })
    .join('');
}

const cases = [
  ['plain text is a paragraph', 'Hello', '<p>Hello</p>'],
  ['single newlines are line breaks', 'a\nb', '<p>a<br>b</p>'],
  ['blank lines split paragraphs', 'a\n\nb', '<p>a</p>\n<p>b</p>'],
  ['bold and italic', '**Added** task *3*: _soon_', '<p><strong>Added</strong> task <em>3</em>: <em>soon</em></p>'],
  ['underscores inside words stay', 'snake_case_name', '<p>snake_case_name</p>'],
  ['strike', '~~old~~', '<p><del>old</del></p>'],
  ['inline code is literal', 'run `a *b* <c>`', '<p>run <code>a *b* &lt;c&gt;</code></p>'],
  ['bullet list', '- one\n- **two**', '<ul><li>one</li><li><strong>two</strong></li></ul>'],
  ['numbered list keeps its start', '3. c\n4. d', '<ol start="3"><li>c</li><li>d</li></ol>'],
  ['nested list', '- a\n  - b\n- c', '<ul><li>a<ul><li>b</li></ul></li><li>c</li></ul>'],
  ['task list', '- [ ] todo\n- [x] done', '<ul><li>☐ todo</li><li>☑ done</li></ul>'],
  ['paragraph then list', 'Your tasks:\n- milk', '<p>Your tasks:</p>\n<ul><li>milk</li></ul>'],
  ['heading', '## Today', '<h4>Today</h4>'],
  ['code block is escaped', '```js\nif (a < b) { x = "<b>" }\n```', '<pre><code class="language-js">if (a &lt; b) { x = &quot;&lt;b&gt;&quot; }</code></pre>'],
  ['unclosed code block runs to the end', '```\ncode', '<pre><code>code</code></pre>'],
  ['quote', '> said\n> twice', '<blockquote><p>said<br>twice</p></blockquote>'],
  ['rule', 'a\n\n---\n\nb', '<p>a</p>\n<hr>\n<p>b</p>'],
  ['table', '| a | b |\n|---|:-:|\n| 1 | **2** |', '<div class="table-wrap"><table><thead><tr><th>a</th><th>b</th></tr></thead><tbody><tr><td>1</td><td><strong>2</strong></td></tr></tbody></table></div>'],
  ['https link', '[docs](https://example.com/a?b=1&c=2)', '<p><a href="https://example.com/a?b=1&amp;c=2" target="_blank" rel="noopener noreferrer">docs</a></p>'],
  ['bare link without trailing dot', 'see https://example.com/x.', '<p>see <a href="https://example.com/x" target="_blank" rel="noopener noreferrer">https://example.com/x</a>.</p>'],
  ['empty input', '', ''],
  ['null input', null, ''],
];

test('parseMarkdown', async (t) => {
  for (const [name, src, want] of cases) {
    await t.test(name, () => assert.equal(toHTML(parseMarkdown(src)), want));
  }
});

test('renderMarkdown builds the same tree as DOM nodes', async (t) => {
  install();
  for (const [name, src, want] of cases) {
    await t.test(name, () => assert.equal(html(renderMarkdown(src)), want));
  }
});

test('renderMarkdown keeps markup as text', () => {
  install();
  const nodes = renderMarkdown('**<img src=x onerror=alert(1)>** & <b>');
  assert.equal(nodes.length, 1);
  const p = nodes[0];
  assert.equal(p.localName, 'p');
  assert.equal(p.children.length, 1, 'only <strong> is an element');
  assert.equal(p.children[0].localName, 'strong');
  assert.equal(p.textContent, '<img src=x onerror=alert(1)> & <b>');
});

// Emphasis matched across another's boundary ends up properly nested, as
// an HTML parser would have made it of the old renderer's string.
test('parseMarkdown nests emphasis that crosses', () => {
  assert.equal(toHTML(parseMarkdown('**a *b** c*')), '<p><strong>a <em>b</em></strong><em> c</em></p>');
  assert.equal(toHTML(parseMarkdown('*x [y*](https://z.example)')), '<p><em>x <a href="https://z.example" target="_blank" rel="noopener noreferrer">y</a></em></p>');
});

test('parseMarkdown never nests links', () => {
  assert.equal(toHTML(parseMarkdown('[see https://x.example](https://y.example)')), '<p><a href="https://y.example" target="_blank" rel="noopener noreferrer">see https://x.example</a></p>');
});

// Hostile input must never produce a tag, attribute or URL scheme of its own.
const hostile = [
  ['script tag', '<script>alert(1)</script>'],
  ['img onerror', '<img src=x onerror=alert(1)>'],
  ['javascript link', '[x](javascript:alert(1))'],
  ['data link', '[x](data:text/html,<script>alert(1)</script>)'],
  ['vbscript link', '[x](vbscript:msgbox)'],
  ['quote breaks out of href', '[x](https://a.example/"onmouseover="alert(1))'],
  ['quote in bare link', 'https://a.example/"><script>alert(1)</script>'],
  ['html in code block', '```\n</code></pre><script>alert(1)</script>\n```'],
  ['html in bold', '**<iframe src=https://evil.example>**'],
  ['html in heading', '# <svg onload=alert(1)>'],
  ['html in table', '| <b onclick=x> |\n|---|\n| <i> |'],
  ['placeholder forgery', 'a \u00000\u0000 b [l](https://x.example)'],
  ['language class injection', '```js" onclick="alert(1)\nx\n```'],
];

const allowedTags = new Set(['p', 'br', 'strong', 'em', 'del', 'code', 'pre', 'ul', 'ol', 'li', 'blockquote', 'h3', 'h4', 'h5', 'h6', 'hr', 'div', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'a']);

// elements returns every element node of a tree.
const elements = (nodes) => nodes.filter((n) => typeof n !== 'string').flatMap((n) => [n, ...elements(n.children)]);

test('parseMarkdown never lets markup through', async (t) => {
  for (const [name, src] of hostile) {
    await t.test(name, () => {
      const tree = parseMarkdown(src);
      for (const n of elements(tree)) {
        assert.ok(allowedTags.has(n.tag), `tag <${n.tag}> in ${toHTML(tree)}`);
        const attrs = Object.entries(n.attrs);
        if (attrs.length === 0) continue;
        const ok =
          (n.tag === 'a' && attrs.length === 3 && /^https?:\/\/\S*$/.test(n.attrs.href) && n.attrs.target === '_blank' && n.attrs.rel === 'noopener noreferrer') ||
          (attrs.length === 1 && /^(table-wrap|language-[\w+#.-]+)$/.test(n.attrs.class ?? '')) ||
          (n.tag === 'ol' && attrs.length === 1 && /^\d+$/.test(n.attrs.start ?? ''));
        assert.ok(ok, `attributes ${JSON.stringify(n.attrs)} in ${toHTML(tree)}`);
      }
      assert.doesNotMatch(JSON.stringify(elements(tree).map((n) => n.attrs)), /javascript:|vbscript:|data:text/i);
    });
  }
});
