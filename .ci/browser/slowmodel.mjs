// slowmodel.mjs is a tiny OpenAI-compatible Chat Completions server for
// the browser tests (run.sh starts it; no TaskPilot code): it streams
// scripted replies, slowly when asked, so that the pages can be tested
// while an answer streams, and calls tools the way a model would.
//
//   node slowmodel.mjs PORT
//
// Scripts, by the newest user message:
//   "... slowly ..."      a text answer in 20 pieces, 300 ms apart
//   "... milk is done"    find_task_by_name {"name":"milk"}; once the user
//                         picked "#N ..." from the buttons, complete_task N
//   anything else         "OK."
// After a tool result it answers "Done.". Titles (non-streaming) are
// "Test thread".
import { createServer } from 'node:http';

const port = Number(process.argv[2]);
if (!port) {
  console.error('usage: node slowmodel.mjs PORT');
  process.exit(2);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// reply returns {text: [pieces], delay, call: {name, args}} for messages.
function reply(messages) {
  const last = messages[messages.length - 1] || {};
  if (last.role === 'tool') return { text: ['Done.'] };
  const user = [...messages].reverse().find((m) => m.role === 'user');
  const text = typeof (user && user.content) === 'string' ? user.content : '';
  const picked = /following questions \(status: answered\):[\s\S]*: #(\d+) /.exec(text);
  if (picked) return { call: { name: 'complete_task', args: { task_id: Number(picked[1]), completed: true } } };
  if (/milk is done/i.test(text)) return { call: { name: 'find_task_by_name', args: { name: 'milk' } } };
  if (/slowly/i.test(text)) return { text: Array.from({ length: 20 }, (_, i) => `word${i + 1} `), delay: 300 };
  return { text: ['OK.'] };
}

createServer(async (req, res) => {
  if (req.method !== 'POST' || !req.url.endsWith('/chat/completions')) {
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"not found"}}');
    return;
  }
  let body = '';
  for await (const chunk of req) body += chunk;
  let request;
  try {
    request = JSON.parse(body);
  } catch {
    res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":{"message":"bad json"}}');
    return;
  }
  const model = request.model || 'fake';
  if (!request.stream) {
    const answer = { id: 'chatcmpl-t', object: 'chat.completion', created: 1, model, choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'Test thread' } }] };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    return;
  }
  const r = reply(request.messages || []);
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  let gone = false;
  res.on('close', () => (gone = true));
  const send = (delta, finish = null) => {
    if (!gone) res.write(`data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`);
  };
  send({ role: 'assistant', content: '' });
  for (const piece of r.text || []) {
    if (r.delay) await sleep(r.delay);
    if (gone) return;
    send({ content: piece });
  }
  if (r.call) {
    send({ tool_calls: [{ index: 0, id: `call_${Date.now()}`, type: 'function', function: { name: r.call.name, arguments: JSON.stringify(r.call.args) } }] });
  }
  send({}, r.call ? 'tool_calls' : 'stop');
  if (!gone) res.end('data: [DONE]\n\n');
}).listen(port, '127.0.0.1', () => console.log(`fake model on http://127.0.0.1:${port}/v1`));
