// Browser tests of TaskPilot's web pages, driven by Playwright (playwright-core)
// with Debian's Chromium. .ci/browser/run.sh starts a real `taskpilot serve`
// and runs this file; see there for the environment it sets.
//
// Environment:
//   BASE_URL         the chat server, e.g. http://127.0.0.1:18080
//   AUTH_MODE        the server's page auth: dev (sign in by name) or token
//   TOKEN_ALICE, TOKEN_BOB  bearer tokens, needed when AUTH_MODE=token
//   DOMAIN_KEY       the ChatKit domain key the server was given
//   CHROMIUM         the browser binary (default /usr/bin/chromium)
//   PLAYWRIGHT_CORE  path of playwright-core's index.mjs (axe-core is
//                    looked for next to it)
//   ARTIFACTS        where screenshots go (default artifacts/screenshots)
//   ACCOUNTS_URL     a second server in accounts mode (serve --auth accounts
//                    --signup invite), where alice exists with ALICE_PASSWORD
//                    and INVITE_SECRET is an unused invite; its tests are
//                    skipped (and say so) when it is not set
//   MODEL_URL        a server whose model is fakemodel.mjs (optional; its
//                    widget tests are skipped without it)
//   SETUP_LINK       the setup link logged by a server in accounts mode with
//                    no account yet and --signup open (optional)
//   INSPECTOR_URL... the MCP Inspector and a server for it (see inspector.mjs;
//                    optional)
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const { chromium } = await import(pathToFileURL(process.env.PLAYWRIGHT_CORE).href);
const axeSource = readFileSync(join(dirname(dirname(process.env.PLAYWRIGHT_CORE)), 'axe-core', 'axe.min.js'), 'utf8');

const BASE = process.env.BASE_URL;
const AUTH = process.env.AUTH_MODE || 'dev';
const ARTIFACTS = process.env.ARTIFACTS || 'artifacts/screenshots';
const CDN = 'https://cdn.platform.openai.com/deployments/chatkit/chatkit.js';
const TIMEOUT = 15000;

let passed = 0;
let failed = 0;
const log = (...a) => console.log(...a);

// check runs one named test and counts it.
async function check(name, fn) {
  const start = Date.now();
  try {
    await fn();
    passed++;
    log(`ok   ${name} (${Date.now() - start} ms)`);
  } catch (err) {
    failed++;
    log(`FAIL ${name}: ${err && err.stack ? err.stack.split('\n').slice(0, 4).join('\n     ') : err}`);
  }
}

function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

// Playwright starts Chromium with a fresh temporary profile of its own
// (--user-data-dir is its to set), removed when the browser closes.
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});

// newPage opens a fresh context (its own sessionStorage: its own user) and
// records console errors, page errors and CSP violations.
async function newPage(opts = {}) {
  const context = await browser.newContext({ viewport: { width: 1200, height: 800 }, ...opts });
  context.setDefaultTimeout(TIMEOUT);
  const page = await context.newPage();
  page.problems = [];
  page.on('pageerror', (e) => page.problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') page.problems.push(`console: ${m.text()}`);
  });
  return { context, page };
}

// signIn signs the lite page in as user: dev login by name, or a token.
async function signIn(page, user) {
  if (AUTH === 'dev') {
    await page.getByLabel('Your name').fill(user);
    await page.getByRole('button', { name: 'Sign in' }).click();
  } else if (AUTH === 'token') {
    const token = process.env[`TOKEN_${user.toUpperCase()}`];
    assert(token, `no TOKEN_${user.toUpperCase()} for token auth`);
    await page.getByLabel('Access token').fill(token);
    await page.getByRole('button', { name: 'Continue' }).click();
  }
  await page.getByLabel('Message', { exact: true }).waitFor();
}

async function sendMessage(page, text) {
  const box = page.getByLabel('Message', { exact: true });
  await box.fill(text);
  await box.press('Enter');
}

// lastAnswer waits for an assistant message containing text.
async function waitForAnswer(page, text) {
  await page.locator('.msg.assistant', { hasText: text }).last().waitFor();
}

// ---- the lite client, as alice ---------------------------------------------

const alice = await newPage();
let threadID = '';

await check('lite: served with its own CSP and no third-party requests', async () => {
  const foreign = [];
  alice.page.on('request', (r) => {
    if (!r.url().startsWith(BASE)) foreign.push(r.url());
  });
  const res = await alice.page.goto(`${BASE}/lite`);
  assert(res.status() === 200, `status ${res.status()}`);
  const csp = res.headers()['content-security-policy'] || '';
  assert(csp.includes("script-src 'self'") && !csp.includes('cdn.platform.openai.com'), `CSP ${csp}`);
  await alice.page.waitForLoadState('networkidle');
  assert(foreign.length === 0, `foreign requests: ${foreign.join(', ')}`);
});

await check('lite: sign in', async () => {
  await signIn(alice.page, 'alice');
  if (AUTH === 'dev') await alice.page.getByText('Signed in as alice').waitFor();
});

await check('lite: start screen offers task prompts', async () => {
  for (const p of ['Show my tasks', 'Add a task: buy milk tomorrow', 'What is overdue?']) {
    await alice.page.getByRole('button', { name: p }).waitFor();
  }
  const ph = await alice.page.getByLabel('Message', { exact: true }).getAttribute('placeholder');
  assert(ph === 'Ask TaskPilot to add, list or complete tasks…', `placeholder ${ph}`);
});

await check('lite: "/add Buy milk" is confirmed', async () => {
  await sendMessage(alice.page, '/add Buy milk');
  await alice.page.locator('.msg.user', { hasText: '/add Buy milk' }).waitFor();
  await waitForAnswer(alice.page, 'Buy milk');
  const text = await alice.page.locator('.msg.assistant').last().innerText();
  assert(/added/i.test(text), `answer: ${text}`);
  threadID = decodeURIComponent(new URL(alice.page.url()).hash.slice(1));
  assert(threadID.startsWith('thr_'), `thread id in URL: ${alice.page.url()}`);
  // The composer is ready for the next message.
  const focused = await alice.page.evaluate(() => document.activeElement && document.activeElement.id);
  assert(focused === 'composer-input', `focus on ${focused}`);
});

await check('lite: a second task, with a priority', async () => {
  await sendMessage(alice.page, '/add Call the plumber !high');
  await waitForAnswer(alice.page, 'Call the plumber');
});

// confirmation waits for the workflow step confirming a tool call, as a
// disclosure whose summary names what was done, and opens it by keyboard.
async function confirmation(page, title) {
  const summary = page.locator('.msg.workflow summary', { hasText: title }).last();
  await summary.waitFor();
  const details = summary.locator('xpath=..');
  if (!(await details.evaluate((d) => d.open))) {
    await summary.focus();
    await page.keyboard.press('Enter');
  }
  assert(await details.evaluate((d) => d.open), `the step "${title}" does not open`);
  const step = details.locator('.task', { hasText: title });
  await step.waitFor();
  const said = await step.innerText();
  assert(/Done:/.test(await step.locator('.sr-only').innerText()), `step state not in words: ${said}`);
}

await check('lite: a slash command shows a confirmation step that survives a reload', async () => {
  await confirmation(alice.page, 'Added task 1: Buy milk');
  await alice.page.reload();
  await alice.page.locator('.msg.user', { hasText: '/add Buy milk' }).waitFor();
  await confirmation(alice.page, 'Added task 1: Buy milk');
  await confirmation(alice.page, 'Added task 2: Call the plumber');
});

await check('lite: a model tool call shows a confirmation step that survives a reload', async () => {
  await sendMessage(alice.page, 'please add Water the plants');
  await waitForAnswer(alice.page, 'Done! I ran add_task.');
  await confirmation(alice.page, 'Added task 3: Water the plants');
  const text = await alice.page.locator('.msg.assistant').last().innerText();
  assert(text.includes('Done! I ran add_task.'), `the model's own text changed: ${text}`);
  await alice.page.reload();
  await waitForAnswer(alice.page, 'Done! I ran add_task.');
  await confirmation(alice.page, 'Added task 3: Water the plants');
});

await check('lite: the thread id in the URL reopens the thread', async () => {
  await alice.page.getByRole('button', { name: 'New chat' }).click();
  await alice.page.getByRole('button', { name: 'Show my tasks' }).waitFor();
  assert(new URL(alice.page.url()).hash === '', `a new chat keeps a thread in the URL: ${alice.page.url()}`);
  await alice.page.goto(`${BASE}/lite#${encodeURIComponent(threadID)}`);
  await confirmation(alice.page, 'Added task 3: Water the plants');
  await alice.page.locator('.msg.user', { hasText: '/add Buy milk' }).waitFor();
  assert(decodeURIComponent(new URL(alice.page.url()).hash.slice(1)) === threadID, `URL ${alice.page.url()}`);
});

await check('lite: the thread gets a title in the list', async () => {
  await alice.page.locator('#threads .thread[aria-current="page"]').waitFor();
  const title = await alice.page.locator('#threads .thread[aria-current="page"]').innerText();
  assert(title && title !== 'New conversation', `title ${title}`);
});

await check('lite: "/list" shows the task widget', async () => {
  await sendMessage(alice.page, '/list');
  const row = alice.page.locator('.msg.widget .w-li', { hasText: 'Buy milk' });
  await row.waitFor();
  await alice.page.getByRole('checkbox', { name: 'Buy milk', exact: true, checked: false }).waitFor();
});

await check('lite: ticking a task updates the widget in place', async () => {
  const widgets = await alice.page.locator('.msg.widget').count();
  await alice.page.getByRole('checkbox', { name: 'Buy milk', exact: true }).check();
  // The browser ticks the box at once; the widget re-rendered from the server strikes the title.
  await alice.page.locator('.msg.widget .w-text.strike', { hasText: 'Buy milk' }).waitFor();
  await alice.page.getByRole('checkbox', { name: 'Buy milk', exact: true, checked: true }).waitFor();
  const after = await alice.page.locator('.msg.widget').count();
  assert(after === widgets, `widgets ${widgets} -> ${after}: not replaced in place`);
  // Focus stays on the checkbox, which now reopens.
  const name = await alice.page.evaluate(() => document.activeElement && document.activeElement.getAttribute('aria-label'));
  assert(name === 'Buy milk', `focus on ${name}`);
});

await check('lite: screenshot', async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  await alice.page.screenshot({ path: join(ARTIFACTS, 'lite.png') });
});

await check('lite: task text is never HTML', async () => {
  await sendMessage(alice.page, '/add <img src=x onerror="window.__xss=1"> **bold**');
  await waitForAnswer(alice.page, '<img src=x');
  const xss = await alice.page.evaluate(() => window.__xss);
  assert(xss === undefined, 'markup in a task title ran');
  const imgs = await alice.page.locator('.log img').count();
  assert(imgs === 0, `${imgs} <img> in the log`);
});

await check('lite: an error event offers retry, and retry answers again', async () => {
  let intercepted = 0;
  await alice.page.route(`${BASE}/chatkit`, async (route) => {
    const body = route.request().postDataJSON();
    if (body.type !== 'threads.add_user_message' || intercepted++ > 0) return route.continue();
    // The message reaches the server, but the client sees the answer fail.
    const res = await route.fetch();
    const text = await res.text();
    const events = text.split('\n\n').filter((e) => e.includes('"user_message"') || e.includes('stream_options'));
    events.push('data: {"type":"error","code":"custom","message":"The model is unavailable (test).","allow_retry":true}');
    await route.fulfill({ status: 200, headers: { 'content-type': 'text/event-stream' }, body: events.join('\n\n') + '\n\n' });
  });
  await sendMessage(alice.page, '/help');
  const alert = alice.page.getByRole('alert').filter({ hasText: 'The model is unavailable (test).' });
  await alert.waitFor();
  await alert.getByRole('button', { name: 'Retry' }).click();
  await alert.waitFor({ state: 'detached' });
  await waitForAnswer(alice.page, '/list');
  await alice.page.unroute(`${BASE}/chatkit`);
});

await check('lite: Stop (or Escape) closes the stream and the page stays usable', async () => {
  let release;
  const held = new Promise((r) => (release = r));
  let seen = 0;
  await alice.page.route(`${BASE}/chatkit`, async (route) => {
    if (route.request().postDataJSON().type !== 'threads.add_user_message') return route.continue();
    seen++;
    await held; // the answer never comes
    await route.abort().catch(() => {});
  });
  await sendMessage(alice.page, '/list');
  const stopBtn = alice.page.getByRole('button', { name: 'Stop' });
  await stopBtn.waitFor();
  assert(await alice.page.getByRole('button', { name: 'Send' }).isHidden(), 'Send shown while streaming');
  await alice.page.keyboard.press('Escape');
  await stopBtn.waitFor({ state: 'hidden' });
  await alice.page.getByRole('button', { name: 'Send' }).waitFor();
  release();
  await alice.page.unroute(`${BASE}/chatkit`);
  assert(seen === 1, `requests held: ${seen}`);
  const alerts = await alice.page.getByRole('alert').count();
  assert(alerts === 0, 'stopping showed an error');
  await sendMessage(alice.page, '/help');
  await alice.page.locator('.msg.user', { hasText: '/help' }).nth(1).waitFor();
});

await check('lite: rename the thread', async () => {
  await alice.page.getByRole('button', { name: 'Rename' }).click();
  const input = alice.page.getByLabel('Title');
  await input.fill('Groceries');
  await input.press('Enter');
  await alice.page.locator('#threads .thread[aria-current="page"]', { hasText: 'Groceries' }).waitFor();
  await alice.page.getByRole('heading', { name: 'Groceries', level: 1 }).waitFor();
});

await check('lite: after a reload the thread is in the history and reopens', async () => {
  await alice.page.reload();
  await alice.page.locator('#threads .thread', { hasText: 'Groceries' }).waitFor();
  await alice.page.getByRole('checkbox', { name: 'Buy milk', exact: true, checked: true }).waitFor();
  // A new chat, then back through the history list.
  await alice.page.getByRole('button', { name: 'New chat' }).click();
  await alice.page.getByRole('button', { name: 'Show my tasks' }).waitFor();
  await alice.page.locator('#threads .thread', { hasText: 'Groceries' }).click();
  await waitForAnswer(alice.page, 'Buy milk');
});

await check('lite: no console errors or CSP violations', async () => {
  const problems = alice.page.problems.filter((p) => !/status of 4\d\d/.test(p));
  assert(problems.length === 0, problems.join('; '));
});

// ---- another user ---------------------------------------------------------------

await check('lite: another user sees neither the thread nor the task', async () => {
  const bob = await newPage();
  try {
    await bob.page.goto(`${BASE}/lite`);
    await signIn(bob.page, 'bob');
    await bob.page.locator('#threads .empty').waitFor();
    const titles = await bob.page.locator('#threads .thread').allInnerTexts();
    assert(titles.length === 0, `bob sees threads: ${titles}`);
    await bob.page.goto(`${BASE}/lite#${encodeURIComponent(threadID)}`);
    await bob.page.getByText('That conversation does not exist any more.').waitFor();
    assert(!(await bob.page.locator('.log').innerText()).includes('Buy milk'), "alice's thread shown to bob");
    await sendMessage(bob.page, '/list');
    await bob.page.locator('.msg.widget').waitFor();
    const widget = await bob.page.locator('.msg.widget').innerText();
    assert(!widget.includes('Buy milk'), `bob's list: ${widget}`);
  } finally {
    await bob.context.close();
  }
});

await check('lite: phone width, dark, keyboard drawer', async () => {
  const phone = await newPage({ viewport: { width: 390, height: 844 }, colorScheme: 'dark', hasTouch: true, isMobile: true });
  try {
    // Same tab storage is per context: sign in again as alice.
    await phone.page.goto(`${BASE}/lite#${encodeURIComponent(threadID)}`);
    await signIn(phone.page, 'alice');
    await phone.page.getByRole('checkbox', { name: 'Buy milk', exact: true, checked: true }).waitFor();
    assert(await phone.page.locator('.msg.user', { hasText: '/list' }).first().isVisible(), 'user messages are hidden at phone width');
    const sidebarVisible = await phone.page.locator('#sidebar').isVisible();
    assert(!sidebarVisible, 'the thread list is not collapsed at phone width');
    const menu = phone.page.getByRole('button', { name: 'Conversations' });
    await menu.click();
    assert((await menu.getAttribute('aria-expanded')) === 'true', 'aria-expanded not set');
    await phone.page.locator('#sidebar').waitFor({ state: 'visible' });
    const inDrawer = await phone.page.evaluate(() => document.getElementById('sidebar').contains(document.activeElement));
    assert(inDrawer, 'focus did not move into the drawer');
    await phone.page.keyboard.press('Escape');
    await phone.page.locator('#sidebar').waitFor({ state: 'hidden' });
    const back = await phone.page.evaluate(() => document.activeElement && document.activeElement.id);
    assert(back === 'menu-btn', `focus returned to ${back}`);
    const bg = await phone.page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert(bg !== 'rgb(255, 255, 255)', `dark scheme background ${bg}`);
    const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert(overflow <= 0, `page is ${overflow}px wider than the screen`);
    await phone.page.screenshot({ path: join(ARTIFACTS, 'lite-phone-dark.png') });
  } finally {
    await phone.context.close();
  }
});

// axeViolations runs axe-core on the page and returns its serious and
// critical violations (the page's context must bypass CSP to inject it).
async function axeViolations(page) {
  await page.addScriptTag({ content: axeSource });
  const all = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  for (const v of all) if (v.impact !== 'serious' && v.impact !== 'critical') log(`     note: axe ${v.impact} ${v.id}: ${v.help} (${v.targets})`);
  return all.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

for (const scheme of ['light', 'dark']) {
  await check(`lite: no serious accessibility violations (axe, ${scheme})`, async () => {
    const { page, context } = await newPage({ bypassCSP: true, colorScheme: scheme });
    try {
      await page.goto(`${BASE}/lite#${encodeURIComponent(threadID)}`);
      if (AUTH !== 'none') {
        const login = await axeViolations(page);
        assert(login.length === 0, `sign-in form: ${JSON.stringify(login)}`);
        await signIn(page, 'alice');
      }
      await page.getByRole('checkbox', { name: 'Buy milk', exact: true, checked: true }).waitFor();
      const found = await axeViolations(page);
      assert(found.length === 0, JSON.stringify(found));
      await page.getByRole('button', { name: 'Rename' }).click();
      const dialog = await axeViolations(page);
      assert(dialog.length === 0, `rename dialog: ${JSON.stringify(dialog)}`);
    } finally {
      await context.close();
    }
  });
}

// ---- the live task pane ---------------------------------------------------------

const MCP = process.env.MCP_URL;

// tokenFor returns a bearer token for user: dev login, or TOKEN_<USER>.
async function tokenFor(user) {
  if (AUTH === 'token') return process.env[`TOKEN_${user.toUpperCase()}`];
  const res = await fetch(`${BASE}/auth/dev-login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ user }) });
  assert(res.ok, `dev login: ${res.status}`);
  return (await res.json()).token;
}

// mcpCall calls a tool on the MCP server as user, as another client
// (Claude Desktop on the same account) would: not through the chat.
async function mcpCall(user, tool, args) {
  assert(MCP, 'MCP_URL is not set: the task pane tests call the MCP server directly');
  const headers = { Authorization: `Bearer ${await tokenFor(user)}`, 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' };
  const post = async (body) => {
    const res = await fetch(MCP, { method: 'POST', headers, body: JSON.stringify(body) });
    return { res, text: await res.text() };
  };
  const init = await post({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'another-client', version: '1' } } });
  assert(init.res.ok, `initialize: ${init.res.status} ${init.text.slice(0, 200)}`);
  const sid = init.res.headers.get('mcp-session-id');
  if (sid) headers['Mcp-Session-Id'] = sid;
  headers['MCP-Protocol-Version'] = '2025-11-25';
  await post({ jsonrpc: '2.0', method: 'notifications/initialized' });
  const call = await post({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: tool, arguments: args } });
  assert(call.res.ok && call.text.includes('"result"') && !call.text.includes('"isError":true'), `tools/call ${tool}: ${call.res.status} ${call.text.slice(0, 300)}`);
}

function localDate() {
  const d = new Date();
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

await check('pane: beside the chat, it lists the tasks and updates live when another MCP client adds one', async () => {
  const pane = alice.page.locator('#pane');
  await pane.waitFor({ state: 'visible' });
  await pane.getByRole('button', { name: 'All', exact: true }).click();
  await pane.locator('.pane-task', { hasText: 'Call the plumber' }).waitFor();
  await pane.locator('.pane-live.on').waitFor();
  await mcpCall('alice', 'add_task', { title: 'Water the plants', due: localDate() });
  await pane.locator('.pane-task', { hasText: 'Water the plants' }).waitFor(); // no reload
  await pane.getByRole('button', { name: 'Today', exact: true }).click();
  await pane.locator('.pane-task', { hasText: 'Water the plants' }).waitFor();
  // The list re-renders after the click: wait for the undated task to go (it must).
  await pane.locator('.pane-task', { hasText: 'Call the plumber' }).waitFor({ state: 'detached', timeout: 10000 })
    .catch(() => { throw new Error('an undated task is in Today'); });
});

await check('pane: a slash command in the chat and a change by another client show in it', async () => {
  const pane = alice.page.locator('#pane');
  await sendMessage(alice.page, `/add Pay the rent due:${localDate()}`);
  await pane.locator('.pane-task', { hasText: 'Pay the rent' }).waitFor();
  await mcpCall('alice', 'complete_task', { task_id: 2, completed: true }); // Call the plumber
  await pane.getByRole('button', { name: 'Completed', exact: true }).click();
  await pane.locator('.pane-task.done', { hasText: 'Call the plumber' }).waitFor();
  await pane.getByRole('button', { name: 'Today', exact: true }).click();
  await pane.locator('.pane-task', { hasText: 'Pay the rent' }).waitFor();
});

await check('pane: quick complete by keyboard, delete and undo', async () => {
  const pane = alice.page.locator('#pane');
  const box = pane.getByRole('checkbox', { name: 'Water the plants' });
  await box.focus();
  await alice.page.keyboard.press('Space');
  await pane.locator('.pane-task', { hasText: 'Water the plants' }).waitFor({ state: 'detached' }); // done: not in Today
  await pane.getByRole('button', { name: 'Completed', exact: true }).click();
  await pane.locator('.pane-task.done', { hasText: 'Water the plants' }).waitFor().catch(async (err) => {
    throw new Error(`${err.message.split('\n')[0]}; the pane shows: ${(await pane.innerText()).replace(/\s+/g, ' ')}`);
  });
  await pane.getByRole('button', { name: 'Delete Water the plants' }).click();
  await pane.getByText('Moved to the trash: Water the plants.').waitFor();
  await pane.locator('.pane-task', { hasText: 'Water the plants' }).waitFor({ state: 'detached' });
  await pane.getByRole('button', { name: 'Undo', exact: true }).click();
  await pane.locator('.pane-task.done', { hasText: 'Water the plants' }).waitFor();
});

await check('pane: another user sees none of it', async () => {
  const bob = await newPage();
  try {
    await bob.page.goto(`${BASE}/lite`);
    await signIn(bob.page, 'bob');
    const pane = bob.page.locator('#pane');
    await pane.getByRole('button', { name: 'All', exact: true }).click();
    await pane.locator('.pane-live.on').waitFor();
    await mcpCall('alice', 'add_task', { title: 'Alice only' });
    await mcpCall('bob', 'add_task', { title: 'Bob only' });
    await pane.locator('.pane-task', { hasText: 'Bob only' }).waitFor();
    const text = await pane.innerText();
    assert(!/Alice only|Buy milk|Water the plants/.test(text), `bob's pane: ${text}`);
  } finally {
    await bob.context.close();
  }
});

await check('pane: phone width, dark: a drawer by keyboard, live, screenshot', async () => {
  const phone = await newPage({ viewport: { width: 390, height: 844 }, colorScheme: 'dark', hasTouch: true, isMobile: true });
  try {
    await phone.page.goto(`${BASE}/lite`);
    await signIn(phone.page, 'alice');
    const pane = phone.page.locator('#pane');
    assert(!(await pane.isVisible()), 'the pane is not a closed drawer at phone width');
    const toggle = phone.page.getByRole('button', { name: 'Tasks', exact: true });
    await toggle.focus();
    await phone.page.keyboard.press('Enter');
    await pane.waitFor({ state: 'visible' });
    assert((await toggle.getAttribute('aria-expanded')) === 'true', 'aria-expanded not set');
    const inside = await phone.page.evaluate(() => document.getElementById('pane').contains(document.activeElement));
    assert(inside, 'focus did not move into the pane');
    await pane.getByRole('button', { name: 'All', exact: true }).click();
    await pane.locator('.pane-live.on').waitFor();
    await mcpCall('alice', 'add_task', { title: 'Added from the phone test', priority: 'high', tags: ['home'] });
    await pane.locator('.pane-task', { hasText: 'Added from the phone test' }).waitFor();
    const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert(overflow <= 0, `page is ${overflow}px wider than the screen`);
    await phone.page.waitForTimeout(300); // the drawer's slide
    await phone.page.screenshot({ path: join(ARTIFACTS, 'lite-pane-phone-dark.png') });
    await phone.page.keyboard.press('Escape');
    await pane.waitFor({ state: 'hidden' });
    const back = await phone.page.evaluate(() => document.activeElement && document.activeElement.id);
    assert(back === 'pane-btn', `focus returned to ${back}`);
  } finally {
    await phone.context.close();
  }
});

for (const scheme of ['light', 'dark']) {
  await check(`pane: no serious accessibility violations (axe, ${scheme}, desktop and open drawer)`, async () => {
    for (const width of [1200, 900]) {
      const { page, context } = await newPage({ bypassCSP: true, colorScheme: scheme, viewport: { width, height: 800 } });
      try {
        await page.goto(`${BASE}/lite`);
        await signIn(page, 'alice');
        if (width < 1100) await page.getByRole('button', { name: 'Tasks', exact: true }).click();
        await page.locator('#pane .pane-task').first().waitFor();
        await page.waitForTimeout(300);
        const found = await axeViolations(page);
        assert(found.length === 0, `width ${width}: ${JSON.stringify(found)}`);
      } finally {
        await context.close();
      }
    }
  });
}

await check('pane: desktop screenshot', async () => {
  await alice.page.locator('#pane').getByRole('button', { name: 'All', exact: true }).click();
  await alice.page.locator('#pane .pane-task', { hasText: 'Added from the phone test' }).waitFor();
  await alice.page.screenshot({ path: join(ARTIFACTS, 'lite-pane.png') });
});

await check('lite: every widget component renders, hostile props are inert', async () => {
  const { page, context } = await newPage();
  try {
    await page.goto(`${BASE}/lite/no-such-file`); // a blank page of the same origin
    await page.evaluate(() => document.body.replaceChildren());
    const result = await page.evaluate(async () => {
      const { renderWidget } = await import('/lite/widgets.js');
      const fired = [];
      const widget = {
        type: 'Card',
        asForm: true,
        status: { text: 'Status', icon: 'check' },
        confirm: { label: 'Save', action: { type: 'form.save', payload: { id: 7 } } },
        cancel: { label: 'Cancel', action: { type: 'form.cancel' } },
        children: [
          { type: 'Title', value: '<b>Title</b>', size: 'lg' },
          { type: 'Caption', value: 'Caption' },
          { type: 'Text', value: 'Text', color: 'javascript:alert(1)', lineThrough: true },
          { type: 'Badge', label: 'high', color: 'danger' },
          { type: 'Row', gap: 2, align: 'center', children: [{ type: 'Icon', name: 'calendar' }, { type: 'Spacer' }, { type: 'Icon', name: 'no-such-icon' }] },
          { type: 'Col', padding: { x: 2, y: 1 }, children: [{ type: 'Box', background: 'url(https://evil.example/x)', children: [] }] },
          { type: 'Divider' },
          { type: 'Label', value: 'Task title', fieldName: 'todo.title' },
          { type: 'Input', name: 'todo.title', defaultValue: 'Buy milk', required: true },
          { type: 'Select', name: 'priority', defaultValue: 'high', options: [{ value: 'low', label: 'Low' }, { value: 'high', label: 'High' }] },
          { type: 'DatePicker', name: 'due', defaultValue: '2026-05-01T00:00:00Z' },
          { type: 'Checkbox', name: 'done', label: 'Done', defaultChecked: true },
          { type: 'Button', label: 'Click', onClickAction: { type: 'btn.click', payload: { n: 1 }, streaming: false } },
          { type: 'Form', onSubmitAction: { type: 'inner.submit' }, children: [{ type: 'Input', name: 'q', placeholder: 'Search' }, { type: 'Button', label: 'Go', submit: true }] },
          { type: 'ListView', children: [{ type: 'ListViewItem', onClickAction: { type: 'row.open' }, children: [{ type: 'Text', value: 'Row' }] }] },
          { type: 'Image', src: 'javascript:alert(1)' },
          { type: 'Markdown', value: '**md** <script>window.__xss=1</script>' },
          { type: 'FancyUnknown', children: [{ type: 'Text', value: 'inside unknown' }] },
          { type: 'AlsoUnknown' },
          null,
          'junk',
          { type: 'Text' },
        ],
      };
      const el = renderWidget(widget, { idPrefix: 'test', onAction: (a, o) => fired.push([a, o.streaming]) });
      document.body.append(el);
      el.querySelector('.w-button').click();
      el.querySelector('.w-card-actions .btn.primary').click();
      el.querySelector('.w-li').click();
      const label = el.querySelector('label[for="test-todo_title"]');
      return {
        types: ['h3', '.w-caption', '.w-text.strike', '.w-badge', 'svg', 'hr', 'input[type=date]', 'select', 'input[type=checkbox]', '.w-li', '.md strong'].map((s) => [s, el.querySelectorAll(s).length]),
        unknownChild: el.textContent.includes('inside unknown'),
        titleText: el.querySelector('h3').textContent,
        labelTarget: label && document.getElementById(label.htmlFor) && document.getElementById(label.htmlFor).value,
        images: el.querySelectorAll('img').length,
        scripts: el.querySelectorAll('script').length,
        xss: window.__xss,
        textColor: el.querySelector('.w-text').className,
        fired,
      };
    });
    for (const [sel, n] of result.types) assert(n >= 1, `no ${sel} rendered`);
    assert(result.unknownChild, 'children of an unknown component are missing');
    assert(result.titleText === '<b>Title</b>', `title ${result.titleText}`);
    assert(result.labelTarget === 'Buy milk', 'Label is not tied to its Input');
    assert(result.images === 0 && result.scripts === 0 && result.xss === undefined, 'hostile widget content got through');
    assert(!result.textColor.includes('javascript'), `class ${result.textColor}`);
    const [btn, save, row] = result.fired;
    assert(btn && btn[0].type === 'btn.click' && btn[1] === false, `button action ${JSON.stringify(btn)}`);
    assert(save && save[0].type === 'form.save' && save[0].payload.id === 7 && save[0].payload.todo.title === 'Buy milk' && save[0].payload.priority === 'high' && save[0].payload.done === true, `form payload ${JSON.stringify(save)}`);
    assert(row && row[0].type === 'row.open', `row action ${JSON.stringify(row)}`);
  } finally {
    await context.close();
  }
});

// ---- widgets you can work in, with a model (a fourth server) -------------------

if (process.env.MODEL_URL) {
  const M = process.env.MODEL_URL;
  const carol = await newPage();
  const cp = carol.page;
  // listWidget is the newest task list in the log.
  const listWidget = () => cp.locator('.msg.widget', { has: cp.locator('form') }).last();
  let carolThread = '';

  await check('widgets: sign in on the server with a model, two tasks and the list', async () => {
    await cp.goto(`${M}/lite`);
    await signIn(cp, 'carol');
    await sendMessage(cp, '/add Buy milk');
    // The task card after an add, with its quick actions.
    const card = cp.locator('.msg.widget', { hasText: 'Added task 1' });
    await card.waitFor();
    await card.getByRole('button', { name: 'Due tomorrow' }).waitFor();
    await card.getByRole('checkbox', { name: 'Done' }).waitFor();
    await waitForAnswer(cp, 'Buy milk');
    await sendMessage(cp, '/add Buy oat milk');
    await waitForAnswer(cp, 'Buy oat milk');
    await sendMessage(cp, '/list');
    await listWidget().getByRole('checkbox', { name: 'Buy oat milk', exact: true }).waitFor();
    carolThread = decodeURIComponent(new URL(cp.url()).hash.slice(1));
    assert(carolThread.startsWith('thr_'), `thread id in URL: ${cp.url()}`);
  });

  await check('widgets: tick a checkbox while an answer streams', async () => {
    await sendMessage(cp, 'answer slowly please');
    const stop = cp.getByRole('button', { name: 'Stop' });
    await stop.waitFor();
    await cp.locator('.msg.assistant', { hasText: 'word2' }).waitFor();
    const box = listWidget().getByRole('checkbox', { name: 'Buy milk', exact: true });
    await box.check();
    await listWidget().getByRole('checkbox', { name: 'Buy milk', exact: true, checked: true }).waitFor();
    await listWidget().locator('.w-text.strike', { hasText: 'Buy milk' }).waitFor();
    assert(await stop.isVisible(), 'the answer stopped streaming before the tick was done');
    const alerts = await cp.getByRole('alert').count();
    assert(alerts === 0, 'ticking while streaming showed an error');
    await waitForAnswer(cp, 'word20');
  });

  await check('widgets: add a task through the inline form (keyboard)', async () => {
    const w = listWidget();
    await w.getByLabel('Add a task').fill('Pay rent');
    await w.getByLabel('priority').selectOption('high');
    await w.getByLabel('Due date').fill('2026-12-10');
    await w.getByLabel('Add a task').press('Enter');
    const row = listWidget().locator('.w-li', { hasText: 'Pay rent' });
    await row.waitFor();
    const text = await row.innerText();
    assert(/due 2026-12-10/.test(text) && /high/.test(text), `row: ${text}`);
  });

  await check('widgets: delete offers Undo, and Undo brings the task back', async () => {
    await listWidget().getByRole('button', { name: 'Delete: Pay rent' }).click();
    const undo = listWidget().getByRole('button', { name: /^Undo/ });
    await undo.waitFor();
    assert((await listWidget().getByRole('checkbox', { name: 'Pay rent', exact: true }).count()) === 0, 'the deleted task is still listed');
    await undo.click();
    await listWidget().getByRole('checkbox', { name: 'Pay rent', exact: true }).waitFor();
    assert((await listWidget().getByRole('button', { name: /^Undo/ }).count()) === 0, 'Undo is still offered');
  });

  await check('widgets: pick one of several matching tasks from the buttons', async () => {
    await sendMessage(cp, 'oat milk is done');
    const question = cp.getByRole('group', { name: 'Which task do you mean by “milk”?' }).last();
    await question.waitFor();
    const choice = question.getByRole('button', { name: '#2 Buy oat milk' });
    await choice.focus();
    await cp.keyboard.press('Enter');
    await waitForAnswer(cp, 'Done.');
    await cp.locator('.questions.answered', { hasText: '#2 Buy oat milk' }).waitFor();
    await sendMessage(cp, '/list');
    await cp.locator('.msg.widget').last().getByRole('checkbox', { name: 'Buy oat milk', exact: true, checked: true }).waitFor();
  });

  await check('widgets: phone width, dark: the form and the question fit', async () => {
    const phone = await newPage({ viewport: { width: 390, height: 844 }, colorScheme: 'dark', hasTouch: true, isMobile: true });
    try {
      await phone.page.goto(`${M}/lite#${encodeURIComponent(carolThread)}`);
      await signIn(phone.page, 'carol');
      await phone.page.getByLabel('Add a task').last().waitFor();
      await sendMessage(phone.page, 'milk is done');
      await phone.page.getByRole('group', { name: 'Which task do you mean by “milk”?' }).last().waitFor();
      const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert(overflow <= 0, `page is ${overflow}px wider than the screen`);
      mkdirSync(ARTIFACTS, { recursive: true });
      await phone.page.screenshot({ path: join(ARTIFACTS, 'widgets-phone-dark.png') });
    } finally {
      await phone.context.close();
    }
  });

  for (const scheme of ['light', 'dark']) {
    for (const [label, viewport] of [['desktop', { width: 1200, height: 800 }], ['phone', { width: 390, height: 844 }]]) {
      await check(`widgets: no serious accessibility violations (axe, ${scheme}, ${label})`, async () => {
        const { page, context } = await newPage({ bypassCSP: true, colorScheme: scheme, viewport });
        try {
          await page.goto(`${M}/lite#${encodeURIComponent(carolThread)}`);
          await signIn(page, 'carol');
          // The list with its form and checkboxes, a task card, and a pending question.
          await page.getByLabel('Add a task').last().waitFor();
          const question = page.getByRole('group', { name: 'Which task do you mean by “milk”?' });
          if ((await question.count()) === 0) await sendMessage(page, 'milk is done');
          await question.last().waitFor();
          const found = await axeViolations(page);
          assert(found.length === 0, JSON.stringify(found));
          if (scheme === 'light' && label === 'desktop') {
            mkdirSync(ARTIFACTS, { recursive: true });
            await page.screenshot({ path: join(ARTIFACTS, 'widgets.png'), fullPage: false });
          }
        } finally {
          await context.close();
        }
      });
    }
  }

  await check('widgets: no console errors or CSP violations', async () => {
    const problems = cp.problems.filter((p) => !/status of 4\d\d/.test(p));
    assert(problems.length === 0, problems.join('; '));
  });
  await carol.context.close();
} else {
  log('skip widgets with a model: MODEL_URL is not set');
}

// ---- the composer: commands, tags, Plan my day (dave, on the main server) -----

// composerBox returns the message box of page.
const composerBox = (page) => page.getByLabel('Message', { exact: true });

// activeOption returns the text of the option the box points at (aria-activedescendant), checking it is the selected one.
async function activeOption(page) {
  return page.evaluate(() => {
    const box = document.getElementById('composer-input');
    const id = box.getAttribute('aria-activedescendant');
    const el = id && document.getElementById(id);
    if (!el) return null;
    if (el.getAttribute('role') !== 'option' || el.getAttribute('aria-selected') !== 'true') return `not a selected option: ${el.outerHTML}`;
    return el.querySelector('.menu-label').textContent;
  });
}

const dave = await newPage();

await check('composer: "/" opens the command menu, filtered as you type, picked by keyboard', async () => {
  const { page } = dave;
  await page.goto(`${BASE}/lite`);
  await signIn(page, 'dave');
  await page.getByRole('button', { name: 'Plan my day' }).first().waitFor();
  const box = composerBox(page);
  await box.focus();
  await page.keyboard.type('/');
  const menu = page.getByRole('listbox', { name: 'Commands' });
  await menu.waitFor();
  const all = await menu.getByRole('option').allInnerTexts();
  for (const c of ['/add', '/list', '/done', '/undo', '/delete', '/trash', '/help']) assert(all.some((t) => t.startsWith(c)), `menu lacks ${c}: ${all}`);
  assert((await activeOption(page)) === '/add', `first active option: ${await activeOption(page)}`);
  await page.keyboard.press('ArrowDown');
  assert((await activeOption(page)) === '/list', `after ArrowDown: ${await activeOption(page)}`);
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('ArrowUp'); // wraps to the last
  assert((await activeOption(page)) === '/help', `after ArrowUp twice: ${await activeOption(page)}`);
  // Escape closes the menu and leaves the text.
  await page.keyboard.press('Escape');
  await menu.waitFor({ state: 'hidden' });
  assert((await box.inputValue()) === '/', `after Escape: ${await box.inputValue()}`);
  // Filtered as you type; Tab picks and waits for the arguments.
  await page.keyboard.type('ad');
  await menu.waitFor();
  const filtered = await menu.getByRole('option').allInnerTexts();
  assert(filtered.length === 1 && filtered[0].startsWith('/add'), `"/ad" lists ${filtered}`);
  await page.keyboard.press('Tab');
  await menu.waitFor({ state: 'hidden' });
  assert((await box.inputValue()) === '/add ', `after Tab: ${await box.inputValue()}`);
  assert((await page.evaluate(() => document.activeElement.id)) === 'composer-input', 'the box lost the focus');
  await page.keyboard.type('Buy oat milk');
  await page.keyboard.press('Enter');
  await waitForAnswer(page, 'Buy oat milk');
  // A command without arguments is sent when picked with Enter.
  await page.keyboard.type('/li');
  await menu.waitFor();
  await page.keyboard.press('Enter');
  await page.locator('.msg.user', { hasText: '/list' }).waitFor();
  await page.getByRole('checkbox', { name: 'Buy oat milk', exact: true }).waitFor();
});

await check('composer: "@" searches your tasks, picking makes a tag, the assistant gets the task number', async () => {
  const { page } = dave;
  await mcpCall('dave', 'add_task', { title: 'Call the bank', priority: 'high' });
  const box = composerBox(page);
  await box.focus();
  await page.keyboard.type('what about @bank');
  const menu = page.getByRole('listbox', { name: 'Tasks' });
  await menu.getByRole('option', { name: /Call the bank/ }).waitFor();
  const options = await menu.getByRole('option').allInnerTexts();
  assert(options.length === 1 && options[0].includes('#2'), `"@bank" lists ${options}`);
  assert((await activeOption(page)) === 'Call the bank', `active option ${await activeOption(page)}`);
  await page.keyboard.press('Enter');
  await menu.waitFor({ state: 'hidden' });
  assert((await box.inputValue()) === 'what about @Call the bank ', `after picking: ${await box.inputValue()}`);
  await page.getByRole('list', { name: 'Tagged tasks' }).getByText('#2 Call the bank').waitFor();
  // Nothing matches: the menu says so, and Enter still sends.
  await page.keyboard.type('and @zzz');
  await page.locator('#composer-menu-empty', { hasText: 'No task matches' }).waitFor();
  await page.keyboard.press('Escape');
  await box.fill('what about @Call the bank');
  await page.keyboard.press('Enter');
  await page.locator('.msg.user', { hasText: 'what about @Call the bank' }).waitFor();
  await waitForAnswer(page, 'You tagged task 2: Call the bank.');
  assert(await page.getByRole('list', { name: 'Tagged tasks' }).isHidden(), 'the tag chips stay after sending');
});

await check('composer: "Plan my day", as a starter and as a composer tool', async () => {
  const { page } = dave;
  await page.getByRole('button', { name: 'New chat' }).click();
  await page.locator('#prompts').getByRole('button', { name: 'Plan my day' }).click();
  await page.locator('.msg.user', { hasText: 'Plan my day' }).waitFor();
  await waitForAnswer(page, 'Here is your plan for today.');
  await confirmation(page, 'No tasks found'); // the model's list_tasks call (nothing is overdue)
  const tool = page.locator('#composer').getByRole('button', { name: 'Plan my day' });
  await tool.click();
  assert((await tool.getAttribute('aria-pressed')) === 'true', 'the tool is not pressed');
  await composerBox(page).fill('I have the dentist at 3');
  await composerBox(page).press('Enter');
  await page.locator('.msg.user', { hasText: 'I have the dentist at 3' }).waitFor();
  await page.locator('.msg.assistant', { hasText: 'Here is your plan for today.' }).nth(1).waitFor();
  assert((await tool.getAttribute('aria-pressed')) === 'false', 'the tool stays on after sending');
  // Without the tool the model answers as usual.
  await sendMessage(page, 'thanks');
  await waitForAnswer(page, 'You said: thanks');
});

for (const scheme of ['light', 'dark']) {
  await check(`composer: no serious accessibility violations with the menus open (axe, ${scheme})`, async () => {
    const { page, context } = await newPage({ bypassCSP: true, colorScheme: scheme });
    try {
      await page.goto(`${BASE}/lite`);
      await signIn(page, 'dave');
      await composerBox(page).focus();
      await page.keyboard.type('/');
      await page.getByRole('listbox', { name: 'Commands' }).waitFor();
      const commands = await axeViolations(page);
      assert(commands.length === 0, `command menu: ${JSON.stringify(commands)}`);
      await composerBox(page).fill('');
      await page.keyboard.type('@oat');
      await page.getByRole('listbox', { name: 'Tasks' }).getByRole('option', { name: /Buy oat milk/ }).waitFor();
      const tags = await axeViolations(page);
      assert(tags.length === 0, `tag menu: ${JSON.stringify(tags)}`);
      await page.keyboard.press('Enter');
      await page.locator('#composer').getByRole('button', { name: 'Plan my day' }).click();
      const chips = await axeViolations(page);
      assert(chips.length === 0, `tag chip and tool: ${JSON.stringify(chips)}`);
    } finally {
      await context.close();
    }
  });
}

await check('composer: screenshot with the command menu open', async () => {
  const { page } = dave;
  await composerBox(page).fill('');
  await composerBox(page).focus();
  await page.keyboard.type('/');
  await page.getByRole('listbox', { name: 'Commands' }).waitFor();
  await page.screenshot({ path: join(ARTIFACTS, 'lite-commands.png') });
  await page.keyboard.press('Escape');
});

await check('composer: phone width, dark: both menus by keyboard, nothing overflows', async () => {
  const phone = await newPage({ viewport: { width: 390, height: 844 }, colorScheme: 'dark', hasTouch: true, isMobile: true });
  try {
    const { page } = phone;
    await page.goto(`${BASE}/lite`);
    await signIn(page, 'dave');
    const box = composerBox(page);
    await box.focus();
    await page.keyboard.type('/d');
    const menu = page.getByRole('listbox', { name: 'Commands' });
    await menu.waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert(overflow <= 0, `the page scrolls sideways by ${overflow}px with the menu open`);
    const box2 = await page.locator('#composer-menu').boundingBox();
    assert(box2 && box2.x >= 0 && box2.x + box2.width <= 390 && box2.y >= 0, `menu off screen: ${JSON.stringify(box2)}`);
    await page.screenshot({ path: join(ARTIFACTS, 'lite-commands-phone-dark.png') });
    await page.keyboard.press('Escape');
    await box.fill('');
    await page.keyboard.type('@oat');
    await page.getByRole('listbox', { name: 'Tasks' }).getByRole('option', { name: /Buy oat milk/ }).waitFor();
    await page.keyboard.press('Tab');
    await page.getByRole('list', { name: 'Tagged tasks' }).getByText('#1 Buy oat milk').waitFor();
    await page.keyboard.type('is it done?');
    await page.keyboard.press('Enter');
    await waitForAnswer(page, 'You tagged task 1: Buy oat milk.');
    const overflow2 = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert(overflow2 <= 0, `the page scrolls sideways by ${overflow2}px`);
  } finally {
    await phone.context.close();
  }
});

await check('composer: no console errors or CSP violations', async () => {
  assert(dave.page.problems.length === 0, dave.page.problems.join('\n'));
});
await dave.context.close();

// ---- the ChatKit page ---------------------------------------------------------

await check('/: served with the ChatKit configuration', async () => {
  const res = await fetch(`${BASE}/`);
  assert(res.status === 200, `status ${res.status}`);
  const csp = res.headers.get('content-security-policy') || '';
  assert(csp.includes('https://cdn.platform.openai.com'), `CSP ${csp}`);
  assert(res.headers.get('x-content-type-options') === 'nosniff', 'no nosniff');
  const html = await res.text();
  const m = /<script type="application\/json" id="taskpilot-config">([^<]*)<\/script>/.exec(html);
  assert(m, 'no config block');
  const cfg = JSON.parse(m[1]);
  assert(cfg.chatkitPath === '/chatkit', `chatkitPath ${cfg.chatkitPath}`);
  assert(cfg.chatkitScript === CDN, `script ${cfg.chatkitScript}`);
  assert(cfg.auth === AUTH, `auth ${cfg.auth}`);
  if (process.env.DOMAIN_KEY) assert(cfg.domainKey === process.env.DOMAIN_KEY, `domainKey ${cfg.domainKey}`);
  assert(html.includes('href="/lite"'), 'no link to the lite version');
});

await check('/: with the CDN unreachable it falls back to /lite', async () => {
  const { page, context } = await newPage();
  try {
    await context.route('https://cdn.platform.openai.com/**', (route) => route.abort('internetdisconnected'));
    await page.goto(`${BASE}/`);
    await page.waitForURL(`${BASE}/lite`, { timeout: 10000 });
    await page.locator('#composer, #login').first().waitFor();
  } finally {
    await context.close();
  }
});

await check('/: the thread id in the URL is ChatKit\'s initial thread, and follows it; requests carry the time zone', async () => {
  const { page, context } = await newPage({ timezoneId: 'Pacific/Kiritimati' });
  try {
    await context.route('https://cdn.platform.openai.com/**', (route) =>
      route.fulfill({
        status: 200,
        contentType: 'text/javascript',
        body: `customElements.define('openai-chatkit', class extends HTMLElement { setOptions(o) { window.__chatkitOptions = o; } });`,
      }),
    );
    await page.goto(`${BASE}/#${encodeURIComponent(threadID)}`);
    if (AUTH === 'dev') {
      await page.getByLabel('Your name').fill('alice');
      await page.getByRole('button', { name: 'Sign in' }).click();
    }
    await page.waitForFunction(() => window.__chatkitOptions);
    const initial = await page.evaluate(() => window.__chatkitOptions.initialThread);
    assert(initial === threadID, `initialThread ${initial}, want ${threadID}`);
    await page.evaluate(() => document.querySelector('openai-chatkit').dispatchEvent(new CustomEvent('chatkit.thread.change', { detail: { threadId: 'thr_other' } })));
    assert(new URL(page.url()).hash === '#thr_other', `URL after a thread change: ${page.url()}`);
    await page.evaluate(() => document.querySelector('openai-chatkit').dispatchEvent(new CustomEvent('chatkit.thread.change', { detail: { threadId: null } })));
    assert(new URL(page.url()).hash === '', `URL after a new chat: ${page.url()}`);
    const seen = page.waitForRequest((r) => r.url() === `${BASE}/chatkit`);
    await page.evaluate(() => window.__chatkitOptions.api.fetch('/chatkit', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ type: 'threads.list', params: {} }) }));
    const zone = (await seen).headers()['x-taskpilot-timezone'];
    assert(zone === 'Pacific/Kiritimati', `time zone header ${zone}`);
  } finally {
    await context.close();
  }
});

await check('/: a script that never defines the element falls back after a timeout', async () => {
  const { page, context } = await newPage();
  try {
    await context.route('https://cdn.platform.openai.com/**', (route) => route.fulfill({ status: 200, contentType: 'text/javascript', body: '/* nothing */' }));
    await page.goto(`${BASE}/`);
    await page.waitForURL(`${BASE}/lite`, { timeout: 12000 });
  } finally {
    await context.close();
  }
});

await check('/: mounts <openai-chatkit> with our options (stub element)', async () => {
  const { page, context } = await newPage();
  try {
    // A stand-in for the CDN's element that keeps the options it is given.
    await context.route('https://cdn.platform.openai.com/**', (route) =>
      route.fulfill({
        status: 200,
        contentType: 'text/javascript',
        body: `customElements.define('openai-chatkit', class extends HTMLElement { setOptions(o) { window.__chatkitOptions = o; } });`,
      }),
    );
    await page.goto(`${BASE}/`);
    if (AUTH === 'dev') {
      await page.getByLabel('Your name').fill('alice');
      await page.getByRole('button', { name: 'Sign in' }).click();
    } else if (AUTH === 'token') {
      await page.getByLabel('Access token').fill(process.env.TOKEN_ALICE);
      await page.getByRole('button', { name: 'Continue' }).click();
    }
    await page.waitForFunction(() => window.__chatkitOptions);
    const o = await page.evaluate(() => {
      const x = window.__chatkitOptions;
      return { url: x.api.url, domainKey: x.api.domainKey, hasFetch: typeof x.api.fetch === 'function', history: x.history, actions: x.threadItemActions, prompts: x.startScreen.prompts.map((p) => p.prompt), placeholder: x.composer.placeholder };
    });
    assert(o.url === '/chatkit' && o.hasFetch, `api ${JSON.stringify(o)}`);
    if (process.env.DOMAIN_KEY) assert(o.domainKey === process.env.DOMAIN_KEY, `domainKey ${o.domainKey}`);
    assert(o.history.enabled && o.history.showRename && o.history.showDelete, `history ${JSON.stringify(o.history)}`);
    assert(o.actions.retry && o.actions.feedback, `item actions ${JSON.stringify(o.actions)}`);
    assert(o.prompts.includes('Show my tasks') && o.prompts.includes('What is overdue?'), `prompts ${o.prompts}`);
    assert(o.placeholder === 'Ask TaskPilot to add, list or complete tasks…', `placeholder ${o.placeholder}`);
    // The custom fetch carries the user's token: alice's thread is listed.
    const titles = await page.evaluate(async () => {
      const res = await window.__chatkitOptions.api.fetch('/chatkit', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ type: 'threads.list', params: { limit: 20, order: 'desc' } }) });
      if (!res.ok) return `HTTP ${res.status}`;
      return (await res.json()).data.map((t) => t.title);
    });
    assert(Array.isArray(titles) && titles.includes('Groceries'), `threads via the custom fetch: ${titles}`);
    // ChatKit 1.9's composer: the slash commands, "@" tags of alice's tasks
    // (searched through the task API with her token), the Plan my day tool.
    const ck = await page.evaluate(async () => {
      const x = window.__chatkitOptions;
      const commands = (await x.commands.onSearch('')).map((c) => c.label);
      const entities = await x.entities.onTagSearch('milk');
      const preview = entities.length ? await x.entities.onRequestPreview(entities[0]) : null;
      return { enabled: x.commands.enabled, commands, entities, preview, tools: x.composer.tools.map((t) => t.id), first: x.startScreen.prompts[0].prompt };
    });
    assert(ck.enabled && ck.commands.includes('/add') && ck.commands.includes('/list'), `commands ${JSON.stringify(ck.commands)}`);
    const milk = ck.entities.find((e) => e.title === 'Buy milk');
    assert(milk && milk.id === 'task_1' && milk.data.number === '1', `tag search for alice: ${JSON.stringify(ck.entities)}`);
    assert(ck.preview && ck.preview.preview.type === 'Basic' && JSON.stringify(ck.preview).includes('Buy milk'), `preview ${JSON.stringify(ck.preview)}`);
    assert(ck.tools.includes('plan_day') && ck.first === 'Plan my day', `tools ${ck.tools}, first prompt ${ck.first}`);
    assert(page.url() === `${BASE}/`, `moved to ${page.url()}`);
  } finally {
    await context.close();
  }
});

// ---- accounts: the sign-in page and the session (a second server) -------------

const ACC = process.env.ACCOUNTS_URL;
const PASSWORD = process.env.ALICE_PASSWORD;
// CALLBACK is the test MCP client's redirect URI (loopback, RFC 8252);
// the browser never reaches it: the test answers it.
const CALLBACK = 'http://127.0.0.1:9/callback';

// stubChatKit makes the CDN serve a stand-in <openai-chatkit> that keeps
// its options (and a composer value) in window globals.
async function stubChatKit(context) {
  await context.route('https://cdn.platform.openai.com/**', (route) =>
    route.fulfill({
      status: 200,
      contentType: 'text/javascript',
      body: `customElements.define('openai-chatkit', class extends HTMLElement {
        setOptions(o) { window.__chatkitOptions = o; setTimeout(() => this.dispatchEvent(new CustomEvent('chatkit.ready'))); }
        setComposerValue(v) { window.__composer = v; }
      });`,
    }),
  );
}

// field is the input labelled label in the form the sign-in page shows
// (the other form, hidden, has fields of the same names).
function field(page, label) {
  return page.locator('form.login:not([hidden])').getByLabel(label, { exact: true });
}

// signInAccount fills the sign-in form and submits it.
async function signInAccount(page, name, password) {
  await field(page, 'Name').fill(name);
  await field(page, 'Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

if (!ACC) {
  log('skip accounts tests: ACCOUNTS_URL is not set');
} else {
  const acct = await newPage();
  const ap = acct.page;
  let accThread = '';

  await check('accounts: /lite sends a signed-out visitor to /signin, served with a strict CSP', async () => {
    const signinRes = ap.waitForResponse((r) => r.url().startsWith(`${ACC}/signin`) && r.request().resourceType() === 'document');
    await ap.goto(`${ACC}/lite`);
    await ap.waitForURL(`${ACC}/signin?next=%2Flite`);
    const res = await signinRes;
    const csp = res.headers()['content-security-policy'] || '';
    assert(csp.includes("script-src 'self';") && csp.includes("style-src 'self';") && !csp.includes('unsafe-inline'), `CSP ${csp}`);
    await ap.getByRole('heading', { name: 'Sign in', level: 2 }).waitFor();
    const focused = await ap.evaluate(() => document.activeElement && document.activeElement.id);
    assert(focused === 'signin-name', `focus on ${focused}`);
    assert(await ap.getByText('No account yet? Ask whoever runs this TaskPilot').isVisible(), 'invite-only: no hint about getting an account');
    assert(await ap.getByRole('button', { name: 'Create an account' }).isHidden(), 'sign-up offered although it is by invite');
  });

  await check('accounts: sign-in page screenshot', async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await ap.screenshot({ path: join(ARTIFACTS, 'signin.png') });
  });

  await check('accounts: a wrong password says so, and stays', async () => {
    await signInAccount(ap, 'alice', 'not the password');
    const alert = ap.getByRole('alert').filter({ hasText: 'Wrong name or password.' });
    await alert.waitFor();
    assert((await field(ap, 'Password').getAttribute('aria-invalid')) === 'true', 'the password is not marked invalid');
    const focused = await ap.evaluate(() => document.activeElement && document.activeElement.id);
    assert(focused === 'signin-password', `focus on ${focused}`);
    assert(new URL(ap.url()).pathname === '/signin', `moved to ${ap.url()}`);
    // An unknown name gets the very same answer.
    await signInAccount(ap, 'nobody-here', 'not the password');
    await alert.waitFor();
  });

  await check('accounts: sign in (keyboard only), back on /lite, "/add Buy milk"', async () => {
    await field(ap, 'Name').fill('Alice');
    await field(ap, 'Password').fill(PASSWORD);
    await field(ap, 'Password').press('Enter');
    await ap.waitForURL(`${ACC}/lite`);
    await ap.getByText('Signed in as alice').waitFor();
    await ap.getByRole('button', { name: 'Sign out' }).waitFor();
    await sendMessage(ap, '/add Buy milk');
    await waitForAnswer(ap, 'Buy milk');
    accThread = decodeURIComponent(new URL(ap.url()).hash.slice(1));
    assert(accThread.startsWith('thr_'), `thread id in URL: ${ap.url()}`);
  });

  await check('accounts: the token lives in memory only, the cookie is HttpOnly and SameSite=Strict', async () => {
    const stored = await ap.evaluate(() => ({ token: sessionStorage.getItem('taskpilot.token'), local: localStorage.length, cookie: document.cookie }));
    assert(stored.token === null && stored.local === 0, `stored: ${JSON.stringify(stored)}`);
    assert(!stored.cookie.includes('taskpilot_session'), `the session cookie is readable by scripts: ${stored.cookie}`);
    const cookies = await acct.context.cookies(ACC);
    const c = cookies.find((x) => x.name === 'taskpilot_session');
    assert(c && c.httpOnly && c.sameSite === 'Strict', `cookie ${JSON.stringify(c)}`);
  });

  await check('accounts: a reload keeps the session', async () => {
    await ap.reload();
    await ap.getByText('Signed in as alice').waitFor();
    await waitForAnswer(ap, 'Buy milk');
    assert(new URL(ap.url()).pathname === '/lite', `moved to ${ap.url()}`);
  });

  await check('accounts: a message sent after the session ended survives signing in again', async () => {
    // Sign out in another tab (the same browser, the same cookie) ...
    const other = await acct.context.newPage();
    await other.goto(`${ACC}/lite#${encodeURIComponent(accThread)}`);
    await other.getByRole('button', { name: 'Sign out' }).click();
    await other.waitForURL(`${ACC}/signin`);
    await other.close();
    // ... and let this tab's token expire: the server refuses it.
    await ap.evaluate(async () => {
      const { auth } = await import('/lite/state.js');
      auth.mem = 'expired.token.here';
      auth.expiresAt = Date.now() + 3600e3;
    });
    await sendMessage(ap, '/add Call the plumber');
    await ap.waitForURL(`${ACC}/signin?next=${encodeURIComponent(`/lite#${accThread}`)}`);
    await ap.getByRole('heading', { name: 'Sign in', level: 2 }).waitFor();
    await signInAccount(ap, 'alice', PASSWORD);
    await ap.waitForURL(`${ACC}/lite#${encodeURIComponent(accThread)}`);
    await waitForAnswer(ap, 'Buy milk');
    const box = ap.getByLabel('Message', { exact: true });
    await ap.waitForFunction(() => document.getElementById('composer-input').value === '/add Call the plumber');
    assert((await box.inputValue()) === '/add Call the plumber', 'the draft was lost');
    // The message was never sent: it is not in the conversation.
    assert((await ap.locator('.msg.user', { hasText: 'Call the plumber' }).count()) === 0, 'the refused message was shown as sent');
    await box.press('Enter');
    await waitForAnswer(ap, 'Call the plumber');
  });

  await check('accounts: the account page lists an MCP client alice allowed, and revoking it disconnects it', async () => {
    // An MCP client registers (RFC 7591) and sends alice to the consent page.
    const reg = await fetch(`${ACC}/oauth/register`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ client_name: 'Browser test connector', redirect_uris: [CALLBACK], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none' }),
    });
    const regBody = await reg.text();
    assert(reg.status === 201, `register: HTTP ${reg.status} ${regBody}`);
    const { client_id: clientID } = JSON.parse(regBody);
    const verifier = randomBytes(32).toString('base64url');
    const q = new URLSearchParams({
      response_type: 'code', client_id: clientID, redirect_uri: CALLBACK, scope: 'read write', state: 'browser-state',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256',
    });
    const page = await acct.context.newPage();
    const problems = [];
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
    try {
      await page.route(`${CALLBACK}**`, (route) => route.fulfill({ status: 200, contentType: 'text/plain', body: 'the client got its answer' }));
      await page.goto(`${ACC}/oauth/authorize?${q}`);
      await page.getByRole('heading', { name: /Allow Browser test connector/ }).waitFor();
      const consented = page.waitForRequest((r) => r.url().startsWith(`${ACC}/oauth/authorize`) && r.method() === 'POST');
      await page.getByRole('button', { name: 'Allow' }).click();
      await consented;
      // The grant is stored when the answer is posted; whether the browser
      // then follows the redirect to the client is the consent page's
      // business (see the note below), not the account page's.
      const reachedClient = await page.waitForURL(`${CALLBACK}**`, { timeout: 5000 }).then(() => true, () => false);
      if (!reachedClient) log(`     note: the consent answer did not reach the client's redirect URI (${page.url()})`);

      // The lite page links to the account page, which lists the grant.
      await page.goto(`${ACC}/lite`);
      await page.getByRole('link', { name: 'Account' }).click();
      await page.waitForURL(`${ACC}/account`);
      await page.getByText('Signed in as alice').waitFor();
      const item = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: 'Browser test connector', level: 3 }) });
      await item.waitFor();
      const text = await item.innerText();
      assert(text.includes('Read and change your tasks') && text.includes(clientID), `grant: ${text}`);

      // axe, light and dark, on the list and on the confirmation dialog,
      // in a context that bypasses CSP to inject it (the same session).
      for (const scheme of ['light', 'dark']) {
        const ax = await newPage({ bypassCSP: true, colorScheme: scheme });
        try {
          await ax.context.addCookies(await acct.context.cookies(ACC));
          await ax.page.goto(`${ACC}/account`);
          await ax.page.getByRole('heading', { name: 'Browser test connector', level: 3 }).waitFor();
          const found = await axeViolations(ax.page);
          assert(found.length === 0, `${scheme}: ${JSON.stringify(found)}`);
          await ax.page.getByRole('button', { name: 'Revoke' }).first().click();
          await ax.page.getByRole('dialog', { name: 'Disconnect this application?' }).waitFor();
          const dialog = await axeViolations(ax.page);
          assert(dialog.length === 0, `${scheme}, dialog: ${JSON.stringify(dialog)}`);
          await ax.page.getByRole('button', { name: 'Cancel' }).click();
          if (scheme === 'dark') {
            const bg = await ax.page.evaluate(() => getComputedStyle(document.body).backgroundColor);
            assert(bg !== 'rgb(255, 255, 255)', `dark scheme background ${bg}`);
          }
        } finally {
          await ax.context.close();
        }
      }

      // Revoke (the keyboard: Enter on the button, then on the dialog's
      // "Revoke access"); the grant disappears, here and after a reload.
      await item.getByRole('button', { name: 'Revoke' }).focus();
      await page.keyboard.press('Enter');
      const dialog = page.getByRole('dialog', { name: 'Disconnect this application?' });
      await dialog.waitFor();
      assert((await dialog.innerText()).includes('Browser test connector will no longer be able'), `dialog: ${await dialog.innerText()}`);
      await dialog.getByRole('button', { name: 'Revoke access' }).click();
      await page.getByRole('status').filter({ hasText: 'Browser test connector is disconnected.' }).waitFor();
      await item.waitFor({ state: 'detached' });
      await page.getByText('No application is connected to your tasks.').waitFor();
      await page.reload();
      await page.getByText('No application is connected to your tasks.').waitFor();
      assert((await page.getByRole('heading', { name: 'Browser test connector' }).count()) === 0, 'the revoked grant is still listed');
      // Known, and the consent page's (chatserver/oauthserver): its CSP
      // form-action 'self' makes Chromium refuse the redirect to the
      // client after the answer. Reported, not this page's problem.
      const formAction = problems.filter((p) => /form-action/.test(p));
      for (const p of formAction) log(`     note: ${p}`);
      const others = problems.filter((p) => !/form-action/.test(p));
      assert(others.length === 0, `console errors or CSP violations: ${others.join('; ')}`);
    } finally {
      await page.close();
    }
  });

  await check('accounts: sign out goes back to /signin, and the pages then ask again', async () => {
    await ap.getByRole('button', { name: 'Sign out' }).click();
    await ap.waitForURL(`${ACC}/signin`);
    const res = await ap.evaluate(async () => (await fetch('/auth/token', { method: 'POST' })).status);
    assert(res === 401, `POST /auth/token after sign-out: ${res}`);
    await ap.goto(`${ACC}/lite`);
    await ap.waitForURL(`${ACC}/signin?next=%2Flite`);
  });

  await check('accounts: no console errors or CSP violations', async () => {
    const problems = ap.problems.filter((p) => !/status of 4\d\d/.test(p));
    assert(problems.length === 0, problems.join('; '));
  });

  await check('accounts: the ChatKit page signs in too, and next never leaves the site', async () => {
    const { page, context } = await newPage();
    try {
      await stubChatKit(context);
      await page.goto(`${ACC}/`);
      await page.waitForURL(`${ACC}/signin`);
      await page.goto(`${ACC}/signin?next=${encodeURIComponent('//evil.example/x')}`);
      await signInAccount(page, 'alice', PASSWORD);
      await page.waitForURL(`${ACC}/`);
      await page.waitForFunction(() => window.__chatkitOptions);
      await page.getByText('Signed in as alice').waitFor();
      const titles = await page.evaluate(async () => {
        const res = await window.__chatkitOptions.api.fetch('/chatkit', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ type: 'threads.list', params: { limit: 20, order: 'desc' } }) });
        if (!res.ok) return `HTTP ${res.status}`;
        return (await res.json()).data.length;
      });
      assert(titles === 1, `alice's threads via the ChatKit fetch: ${titles}`);
      // The session ends (its cookie is gone) and the server refuses the
      // page's token, as it does an expired one: the message ChatKit was
      // sending comes back into its composer after signing in again.
      await context.clearCookies();
      let refused = 0;
      await page.route(`${ACC}/chatkit`, (route) => (refused++ ? route.continue() : route.fulfill({ status: 401, contentType: 'application/json', body: '{"error":{"code":"unauthorized","message":"token expired"}}' })));
      await page.evaluate(() => {
        const body = JSON.stringify({ type: 'threads.create', params: { input: { content: [{ type: 'input_text', text: 'Remember the bins' }], attachments: [], inference_options: {} } } });
        window.__chatkitOptions.api.fetch('/chatkit', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
      });
      await page.waitForURL(`${ACC}/signin`);
      assert(refused === 1, `chatkit requests: ${refused}`);
      await page.unroute(`${ACC}/chatkit`);
      await signInAccount(page, 'alice', PASSWORD);
      await page.waitForURL(`${ACC}/`);
      await page.waitForFunction(() => window.__composer);
      const v = await page.evaluate(() => window.__composer);
      assert(v && v.text === 'Remember the bins', `composer ${JSON.stringify(v)}`);
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL(`${ACC}/signin`);
    } finally {
      await context.close();
    }
  });

  await check('accounts: an invite link creates an account, once', async () => {
    const link = `${ACC}/signin#invite=${process.env.INVITE_SECRET}`;
    const { page, context } = await newPage();
    try {
      await stubChatKit(context);
      await page.goto(link);
      await page.getByRole('heading', { name: 'Create your account', level: 2 }).waitFor();
      await field(page, 'Name').fill('carol');
      await field(page, 'Password').fill('short');
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.getByRole('alert').filter({ hasText: 'at least 8 characters' }).waitFor();
      await field(page, 'Password').fill('a long enough password');
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.waitForURL(`${ACC}/`);
      await page.getByText('Signed in as carol').waitFor();
    } finally {
      await context.close();
    }
    const again = await newPage();
    try {
      await again.page.goto(link);
      await field(again.page, 'Name').fill('dave');
      await field(again.page, 'Password').fill('a long enough password');
      await again.page.getByRole('button', { name: 'Create account' }).click();
      await again.page.getByRole('alert').filter({ hasText: 'This invite link is not valid' }).waitFor();
    } finally {
      await again.context.close();
    }
  });

  await check('accounts: too many attempts are throttled, and the page says how long to wait', async () => {
    const { page, context } = await newPage();
    try {
      await page.goto(`${ACC}/signin`);
      for (let i = 0; i < 5; i++) {
        await signInAccount(page, 'mallory', `guess ${i}`);
        await page.getByRole('alert').filter({ hasText: 'Wrong name or password.' }).waitFor();
        await page.getByRole('button', { name: 'Sign in', exact: true }).and(page.locator(':enabled')).waitFor();
        await page.evaluate(() => (document.getElementById('signin-error').textContent = ''));
      }
      await signInAccount(page, 'mallory', 'guess 6');
      await page.getByRole('alert').filter({ hasText: /Too many attempts\. Wait \d+ seconds? and try again\./ }).waitFor();
      assert(await page.getByRole('button', { name: 'Sign in', exact: true }).isDisabled(), 'the button is not held while throttled');
    } finally {
      await context.close();
    }
  });

  await check('accounts: the sign-in page at phone width, dark', async () => {
    const phone = await newPage({ viewport: { width: 390, height: 844 }, colorScheme: 'dark', hasTouch: true, isMobile: true });
    try {
      await phone.page.goto(`${ACC}/signin`);
      await field(phone.page, 'Name').waitFor();
      const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert(overflow <= 0, `page is ${overflow}px wider than the screen`);
      const bg = await phone.page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      assert(bg !== 'rgb(255, 255, 255)', `dark scheme background ${bg}`);
      const h = await phone.page.getByRole('button', { name: 'Sign in', exact: true }).boundingBox();
      assert(h && h.height >= 44, `the button is ${h && h.height}px high: too small to tap`);
    } finally {
      await phone.context.close();
    }
  });

  for (const scheme of ['light', 'dark']) {
    await check(`accounts: no serious accessibility violations on /signin (axe, ${scheme})`, async () => {
      const { page, context } = await newPage({ bypassCSP: true, colorScheme: scheme });
      try {
        await page.goto(`${ACC}/signin`);
        await field(page, 'Name').waitFor();
        const found = await axeViolations(page);
        assert(found.length === 0, JSON.stringify(found));
        await signInAccount(page, `axe-${scheme}`, 'wrong password');
        await page.getByRole('alert').filter({ hasText: 'Wrong name or password.' }).waitFor();
        const withError = await axeViolations(page);
        assert(withError.length === 0, `with an error: ${JSON.stringify(withError)}`);
      } finally {
        await context.close();
      }
    });
  }

  await acct.context.close();
}

const SETUP = process.env.SETUP_LINK;
if (!SETUP) {
  log('skip setup-link tests: SETUP_LINK is not set');
} else {
  const origin = new URL(SETUP).origin;

  await check('setup: the logged link creates the first account, once', async () => {
    const { page, context } = await newPage();
    try {
      await stubChatKit(context);
      await page.goto(SETUP);
      await page.getByRole('heading', { name: 'Create the first account', level: 2 }).waitFor();
      assert(await page.getByRole('button', { name: 'Sign in', exact: true }).isHidden(), 'the sign-in form is shown with the setup form');
      await field(page, 'Name').fill('root');
      await field(page, 'Password').fill('the first password');
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.waitForURL(`${origin}/`);
      await page.getByText('Signed in as root').waitFor();
    } finally {
      await context.close();
    }
    const again = await newPage();
    try {
      await again.page.goto(SETUP);
      await again.page.getByText('This setup link has been used: the first account exists already.').waitFor();
      await again.page.getByRole('heading', { name: 'Sign in', level: 2 }).waitFor();
    } finally {
      await again.context.close();
    }
  });

  await check('open sign-up: "Create an account" on /signin, taken names refused', async () => {
    const { page, context } = await newPage();
    try {
      await page.goto(`${origin}/lite`);
      await page.waitForURL(`${origin}/signin?next=%2Flite`);
      await page.getByRole('button', { name: 'Create an account' }).waitFor();
      await page.getByText('No account yet? Ask whoever runs').waitFor({ state: 'hidden', timeout: 10000 })
        .catch(() => { throw new Error('closed-sign-up hint shown with open sign-up'); });
      await page.getByRole('button', { name: 'Create an account' }).click();
      await page.getByRole('heading', { name: 'Create an account', level: 2 }).waitFor();
      await field(page, 'Name').fill('ROOT');
      await field(page, 'Password').fill('another password');
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.getByRole('alert').filter({ hasText: 'That name is taken; choose another.' }).waitFor();
      const focused = await page.evaluate(() => document.activeElement && document.activeElement.id);
      assert(focused === 'signup-name', `focus on ${focused}`);
      await field(page, 'Name').fill('erin');
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.waitForURL(`${origin}/lite`);
      await page.getByText('Signed in as erin').waitFor();
    } finally {
      await context.close();
    }
  });
}

// ---- the MCP Inspector's OAuth flow (a fifth server; see inspector.mjs) -------

const { inspectorTests } = await import('./inspector.mjs');
await inspectorTests({ check, assert, newPage, log, artifacts: ARTIFACTS });

await alice.context.close();
await browser.close();
log(`browser: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
