// A fake OpenAI-compatible Chat Completions endpoint for the browser
// tests (run.sh starts it and points taskpilot serve at it), streaming
// real chat.completion.chunk SSE with no latency:
//
//   a "Plan my day" turn (the agent's   -> list_tasks {"status":"pending","overdue":true},
//   plan instruction, a system message)    then "Here is your plan for today."
//   the last message is a tool result  -> "Done! I ran <tool>."
//   the last message is the note of    -> "You tagged task <n>: <title>." per task
//   tagged tasks
//   "please add <title>"               -> add_task {"title": <title>}
//   anything else                      -> "You said: <text>"
//
// Usage: node fakemodel.mjs PORT
import { createServer } from 'node:http';

const port = Number(process.argv[2]);

const textOf = (m) => (typeof m.content === 'string' ? m.content : (m.content || []).map((p) => p.text || '').join(''));

function reply(messages) {
  const last = messages[messages.length - 1] || {};
  const planning = messages.some((m) => m.role === 'system' && textOf(m).includes('plan their day'));
  if (planning) {
    if (last.role === 'tool') return { text: 'Here is your plan for today.' };
    return { tool: 'list_tasks', args: JSON.stringify({ status: 'pending', overdue: true }) };
  }
  if (last.role === 'user' && textOf(last).includes('The user tagged these tasks')) {
    const tasks = [...textOf(last).matchAll(/^task (\d+): (.+)$/gm)].map((m) => `task ${m[1]}: ${m[2]}`);
    return { text: tasks.map((t) => `You tagged ${t}.`).join(' ') };
  }
  if (last.role === 'tool') {
    let name = 'a tool';
    for (const m of messages) for (const c of m.tool_calls || []) if (c.id === last.tool_call_id) name = c.function.name;
    return { text: `Done! I ran ${name}.` };
  }
  const text = textOf(last);
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
