// Tests of the lite client's SSE parser: run with `node --test jstest/`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SSEParser, readEvents } from '../static/sse.js';

test('SSEParser', async (t) => {
  const cases = [
    ['one event', ['data: {"a":1}\n\n'], ['{"a":1}']],
    ['two events in one chunk', ['data: 1\n\ndata: 2\n\n'], ['1', '2']],
    ['event split across chunks', ['da', 'ta: {"a"', ':1}\n', '\n'], ['{"a":1}']],
    ['CRLF line ends', ['data: x\r\n\r\n'], ['x']],
    ['CRLF split between chunks', ['data: x\r', '\n\r', '\n'], ['x']],
    ['CR line ends', ['data: x\r\r'], ['x']],
    ['multi-line data joined by newline', ['data: a\ndata: b\n\n'], ['a\nb']],
    ['no space after colon', ['data:x\n\n'], ['x']],
    ['only one leading space is removed', ['data:  x\n\n'], [' x']],
    ['comments and other fields ignored', [': ping\nevent: message\nid: 7\nretry: 10\ndata: x\n\n'], ['x']],
    ['blank lines without data make no event', ['\n\n\n'], []],
    ['unfinished event is not emitted', ['data: x\n'], []],
    ['leading byte order mark dropped', ['\ufeffdata: x\n\n'], ['x']],
  ];
  for (const [name, chunks, want] of cases) {
    await t.test(name, () => {
      const p = new SSEParser();
      const got = [...chunks.flatMap((c) => p.push(c)), ...p.end()];
      assert.deepEqual(got, want);
    });
  }
});

// stream returns a ReadableStream of the given byte chunks.
function stream(chunks) {
  return new ReadableStream({
    start(c) {
      for (const ch of chunks) c.enqueue(ch);
      c.close();
    },
  });
}

test('readEvents decodes UTF-8 split across chunks', async () => {
  const bytes = new TextEncoder().encode('data: {"text":"Milch kaufen – über 🥛"}\n\ndata: {"n":2}\n\ndata: {"cut":');
  const chunks = [];
  for (let i = 0; i < bytes.length; i += 3) chunks.push(bytes.slice(i, i + 3));
  const got = [];
  for await (const d of readEvents(stream(chunks))) got.push(JSON.parse(d));
  assert.deepEqual(got, [{ text: 'Milch kaufen – über 🥛' }, { n: 2 }]);
});

test('readEvents throws when the stream fails', async () => {
  let pulls = 0;
  const body = new ReadableStream({
    pull(c) {
      if (pulls++ === 0) c.enqueue(new TextEncoder().encode('data: 1\n\n'));
      else c.error(new Error('aborted'));
    },
  });
  const got = [];
  await assert.rejects(async () => {
    for await (const d of readEvents(body)) got.push(d);
  }, /aborted/);
  assert.deepEqual(got, ['1']);
});
