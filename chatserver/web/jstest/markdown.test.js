// Tests of the lite client's Markdown renderer: run with `node --test jstest/`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderMarkdown, escapeHTML } from '../static/markdown.js';

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

test('renderMarkdown', async (t) => {
  for (const [name, src, want] of cases) {
    await t.test(name, () => assert.equal(renderMarkdown(src), want));
  }
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

test('renderMarkdown never lets markup through', async (t) => {
  for (const [name, src] of hostile) {
    await t.test(name, () => {
      const html = renderMarkdown(src);
      for (const m of html.matchAll(/<\/?([a-zA-Z0-9]+)([^>]*)>/g)) {
        assert.ok(allowedTags.has(m[1].toLowerCase()), `tag <${m[1]}> in ${html}`);
        const attrs = m[2].trim();
        if (attrs === '') continue;
        const ok =
          /^href="https?:\/\/[^"<>]*" target="_blank" rel="noopener noreferrer"$/.test(attrs) ||
          /^class="(table-wrap|language-[\w+#.-]+)"$/.test(attrs) ||
          /^start="\d+"$/.test(attrs);
        assert.ok(ok, `attributes ${attrs} in ${html}`);
      }
      assert.doesNotMatch(html, /javascript:|vbscript:|data:text/i);
    });
  }
});

test('escapeHTML escapes the five special characters', () => {
  assert.equal(escapeHTML(`<a href="x" title='y'>&</a>`), '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
});
