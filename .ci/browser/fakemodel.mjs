// A fake OpenAI-compatible Chat Completions endpoint for the browser
// tests (run.sh starts it and points taskpilot serve at it), streaming
// real chat.completion.chunk SSE with no latency:
//
//   the last message is a tool result  -> "Done! I ran <tool>."
//   "please add <title>"               -> add_task {"title": <title>}
//   anything else                      -> "You said: <text>"
//
// Usage: node fakemodel.mjs PORT
import { createServer } from 'node:http';

const port = Number(process.argv[2]);

function reply(messages) {
  const last = messages[messages.length - 1] || {};
  if (last.role === 'tool') {
    let name = 'a tool';
    for (const m of messages) for (const c of m.tool_calls || []) if (c.id === last.tool_call_id) name = c.function.name;
    return { text: `Done! I ran ${name}.` };
  }
  const text = typeof last.content === 'string' ? last.content : (last.content || []).map((p) => p.text || '').join('');
  const m = /^please add (.+)$/i.exec(text.trim());
  if (m) return { tool: 'add_task', args: JSON.stringify({ title: m[1] }) };
  return { text: `You said: ${text}` };
}

let n = 0;
createServer((req, res) => {
  if (req.method !== 'POST' || !req.url.endsWith('/chat/completions')) {
    res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"error":{"message":"not found"}}');
    return;
  }
  let body = '';
  req.on('data', (d) => (body += d));
  req.on('end', () => {
    const id = `chatcmpl-${++n}`;
    const r = reply(JSON.parse(body).messages || []);
    res.writeHead(200, { 'Content-Type': 'text/event-stream' });
    const chunk = (delta, finish = null) =>
      res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 1767225600, model: 'fake-model', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`);
    chunk({ role: 'assistant', content: '' });
    if (r.tool) {
      chunk({ tool_calls: [{ index: 0, id: `call_${n}`, type: 'function', function: { name: r.tool, arguments: r.args } }] });
      chunk({}, 'tool_calls');
    } else {
      chunk({ content: r.text });
      chunk({}, 'stop');
    }
    res.end('data: [DONE]\n\n');
  });
}).listen(port, '127.0.0.1');
