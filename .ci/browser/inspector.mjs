// The end-to-end OAuth test with an MCP client no one on the team wrote: the
// MCP Inspector (npm @modelcontextprotocol/inspector, its web UI and proxy,
// started by run.sh), driven in the same headless Chromium as the rest of the
// suite. It connects to TaskPilot's /mcp, is sent to TaskPilot's sign-in,
// signs in, consents, comes back to the Inspector's /oauth/callback, lists the
// tools and adds a task; the same user then sees the task on /lite.
//
// Both of the Inspector's connection types are driven:
//   - Direct: the Inspector's page (http://localhost:PORT) calls TaskPilot's
//     /mcp, metadata, registration and token endpoints itself, cross-origin,
//     so this exercises TaskPilot's CORS (the MCP server lists the Inspector's
//     origin in TASKPILOT_MCP_ALLOWED_ORIGINS; the OAuth endpoints allow any);
//   - Via Proxy (the Inspector's default): its Node proxy makes the MCP and
//     OAuth requests, the browser only the sign-in and consent.
//
// Environment (run.sh sets it; the tests are skipped, and say so, without):
//   INSPECTOR_URL       the Inspector's UI with its proxy address and session
//                       token in the query (MCP_PROXY_FULL_ADDRESS,
//                       MCP_PROXY_AUTH_TOKEN)
//   INSPECTOR_TP_URL    the TaskPilot chat server (the authorization server)
//   INSPECTOR_MCP_URL   its MCP endpoint, http://127.0.0.1:PORT/mcp
//   INSPECTOR_USER, INSPECTOR_PASSWORD  an account created by
//                       `taskpilot user add --password-stdin`
import { join } from 'node:path';

// The six tools by the titles the Inspector lists them with, and their names.
const TOOLS = {
  add_task: 'Add task',
  list_tasks: 'List tasks',
  update_task: 'Update task',
  complete_task: 'Complete task',
  delete_task: 'Delete task',
  find_task_by_name: 'Find task by name',
};

// inspectorTests runs the Inspector tests with the suite's helpers.
export async function inspectorTests({ check, assert, newPage, log, artifacts }) {
  const UI = process.env.INSPECTOR_URL;
  const TP = process.env.INSPECTOR_TP_URL;
  const MCP = process.env.INSPECTOR_MCP_URL;
  const USER = process.env.INSPECTOR_USER;
  const PASSWORD = process.env.INSPECTOR_PASSWORD;
  if (!UI || !TP || !MCP || !USER || !PASSWORD) {
    log('skip MCP Inspector tests: INSPECTOR_URL (and the rest) is not set');
    return;
  }
  const uiOrigin = new URL(UI).origin;
  const mcpOrigin = new URL(MCP).origin;

  // connect fills the Inspector's sidebar and presses Connect; the Inspector
  // finds it needs OAuth and sends the browser to TaskPilot.
  async function connect(page, connectionType) {
    await page.goto(UI);
    await page.locator('#transport-type-select').click();
    await page.getByRole('option', { name: 'Streamable HTTP', exact: true }).click();
    await page.locator('#sse-url-input').fill(MCP);
    await page.locator('#connection-type-select').click();
    await page.getByRole('option', { name: connectionType, exact: true }).click();
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
  }

  // authorize signs in on TaskPilot's /signin, where the Inspector's
  // authorization request sent the browser, and allows on the consent page.
  async function authorize(page) {
    await page.waitForURL((u) => u.origin === TP && u.pathname === '/signin');
    const next = new URL(page.url()).searchParams.get('next') || '';
    assert(next.startsWith('/oauth/authorize?'), `sign-in's next is ${next}`);
    const form = page.locator('form.login:not([hidden])');
    await form.getByLabel('Name', { exact: true }).fill(USER);
    await form.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL((u) => u.origin === TP && u.pathname === '/oauth/authorize');
    await page.getByRole('heading', { name: 'Allow MCP Inspector to use your TaskPilot?' }).waitFor();
    await page.getByText(`You are signed in as ${USER}`).waitFor();
    await page.getByText(`${uiOrigin}/oauth/callback`).first().waitFor();
    await page.getByRole('button', { name: 'Allow', exact: true }).click();
    // Back at the Inspector, which trades the code for tokens and connects.
    await page.waitForURL((u) => u.origin === uiOrigin && u.pathname === '/oauth/callback');
    const connected = page.getByText('Connected', { exact: true });
    const failed = page.getByText('OAuth Authorization Error').first();
    await connected.or(failed).waitFor({ timeout: 30000 });
    if (await failed.isVisible()) {
      const said = (await page.locator('li[role=status], [data-state=open]').allInnerTexts()).join(' ');
      // Now and then the Inspector loses track of the connection it was
      // authorizing (its own sessionStorage snapshot) after it has the
      // tokens, and asks to connect again: as a person would, press
      // Connect, which uses the tokens it got (no second sign-in).
      if (!said.includes('Connect again from the sidebar')) throw new Error(`the Inspector says: ${said}`);
      log(`     the Inspector said "${said.replace(/\s+/g, ' ')}": pressing Connect again`);
      await page.getByRole('button', { name: 'Connect', exact: true }).click();
      await connected.waitFor();
      assert(new URL(page.url()).origin === uiOrigin, `connecting again left for ${page.url()}`);
    }
  }

  // listTools lists the tools in the Inspector and checks all six are there.
  async function listTools(page) {
    await page.getByRole('tab', { name: 'Tools' }).click();
    await page.getByRole('button', { name: 'List Tools', exact: true }).click();
    for (const title of Object.values(TOOLS)) {
      await page.getByText(title, { exact: true }).first().waitFor();
    }
  }

  await check('MCP Inspector (Direct): connect, sign in on TaskPilot, consent, back, connected', async () => {
    const { page, context } = await newPage({ viewport: { width: 1400, height: 900 } });
    // What the Inspector's page itself sent to TaskPilot, and got back.
    const toolNames = [];
    const seen = [];
    try {
      page.on('response', async (r) => {
        const url = r.url();
        if (!url.startsWith(TP) && !url.startsWith(mcpOrigin)) return;
        const body = r.request().method() === 'POST' ? r.request().postData() || '' : '';
        seen.push(`${r.request().method()} ${url.split('?')[0]} ${r.status()}`);
        if (url === `${TP}/oauth/register`) {
          // The Inspector's own RFC 7591 request (the answer's body is
          // gone once the page has moved on to the sign-in).
          const asked = JSON.parse(body || '{}');
          seen.push(`registered ${asked.client_name}: ${asked.redirect_uris}`);
        }
        if (url === MCP && body.includes('"tools/list"')) {
          const text = await r.text().catch(() => '');
          for (const name of Object.keys(TOOLS)) if (text.includes(`"name":"${name}"`)) toolNames.push(name);
        }
      });
      await connect(page, 'Direct');
      await authorize(page);
      for (const want of [
        `POST ${MCP} 401`, // no token yet: the challenge names the metadata
        `GET ${mcpOrigin}/.well-known/oauth-protected-resource/mcp 200`,
        `GET ${TP}/.well-known/oauth-authorization-server 200`,
        `POST ${TP}/oauth/register 201`,
        `registered MCP Inspector: ${uiOrigin}/oauth/callback`,
        `POST ${TP}/oauth/token 200`,
        `POST ${MCP} 200`,
      ]) {
        assert(seen.some((s) => s.startsWith(want)), `the Inspector's page did not see "${want}": ${seen.join(' | ')}`);
      }

      await listTools(page);
      assert(toolNames.length === 6, `tools/list named ${toolNames.join(', ')}`);

      await page.getByText(TOOLS.add_task, { exact: true }).first().click();
      await page.locator('#title').fill('Renew the passport via the Inspector');
      // The Inspector's form sends its optional object fields too: repeat's
      // "every" must then be a real choice (an empty one is refused).
      await page.locator('select').filter({ has: page.locator('option', { hasText: 'year' }) }).first().selectOption('year');
      const call = page.waitForResponse((r) => r.url() === MCP && (r.request().postData() || '').includes('"tools/call"'));
      await page.getByRole('button', { name: 'Run Tool', exact: true }).click();
      const res = await call;
      const answer = await res.text();
      assert(res.status() === 200 && !answer.includes('"isError":true'),
        `tools/call ${res.request().postData()} answered ${res.status()} ${answer}`);
      await page.getByText('Tool Result: Success').waitFor();
      await page.getByText('Renew the passport via the Inspector').last().waitFor();
      await page.screenshot({ path: join(artifacts, 'inspector.png') });
      const cors = page.problems.filter((p) => /CORS|Content Security Policy/.test(p));
      assert(cors.length === 0, `blocked in the browser: ${cors.join('; ')}`);
    } catch (err) {
      await page.screenshot({ path: join(artifacts, 'inspector-failed.png') }).catch(() => {});
      log(`     the Inspector's page saw: ${seen.join(' | ')}`);
      throw err;
    } finally {
      await context.close();
    }
  });

  await check('MCP Inspector: the same user sees the task on /lite', async () => {
    const { page, context } = await newPage();
    try {
      await page.goto(`${TP}/lite`);
      await page.waitForURL(`${TP}/signin?next=%2Flite`);
      const form = page.locator('form.login:not([hidden])');
      await form.getByLabel('Name', { exact: true }).fill(USER);
      await form.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.waitForURL(`${TP}/lite`);
      await page.getByText(`Signed in as ${USER}`).waitFor();
      const pane = page.locator('#pane');
      await pane.waitFor({ state: 'visible' });
      await pane.getByRole('button', { name: 'All', exact: true }).click();
      await pane.locator('.pane-task', { hasText: 'Renew the passport via the Inspector' }).waitFor();
    } finally {
      await context.close();
    }
  });

  await check('MCP Inspector (Via Proxy): OAuth through its proxy, then the tools as the same user', async () => {
    const { page, context } = await newPage({ viewport: { width: 1400, height: 900 } });
    try {
      await connect(page, 'Via Proxy');
      await authorize(page);
      await listTools(page);
      await page.getByText(TOOLS.list_tasks, { exact: true }).first().click();
      await page.getByRole('button', { name: 'Run Tool', exact: true }).click();
      await page.getByText('Tool Result: Success').waitFor();
      await page.getByText('Renew the passport via the Inspector').last().waitFor();
    } finally {
      await context.close();
    }
  });
}
