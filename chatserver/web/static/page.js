// The ChatKit page: loads OpenAI's <openai-chatkit> element from its CDN
// and points it at our ChatKit endpoint. If the script cannot be loaded
// (offline, air-gapped, blocked) or the element is not defined within a
// few seconds, it moves to the self-hosted lite client instead.
import { Auth, readConfig, showLogin, takeDraft } from './auth.js';
import { chatkitOptions } from './chatkitoptions.js';
import { $ } from './dom.js';
import { hashFor, threadFromHash } from './pagestate.js';

/** FALLBACK_MS is how long the page waits for the element before using the lite client. */
const FALLBACK_MS = 6000;

const cfg = readConfig();
const auth = new Auth(cfg);
let settled = false;

// fallback moves to the lite client (once), keeping this tab's token.
function fallback(reason) {
  if (settled) return;
  settled = true;
  console.warn(`ChatKit is unavailable (${reason}); using the lite client.`);
  location.replace(cfg.litePath || '/lite');
}

function loadChatKit() {
  if (customElements.get('openai-chatkit')) return;
  const s = document.createElement('script');
  s.src = cfg.chatkitScript;
  s.async = true;
  s.addEventListener('error', () => fallback('the script did not load'));
  document.head.append(s);
  setTimeout(() => {
    if (!customElements.get('openai-chatkit')) fallback(`no element after ${FALLBACK_MS / 1000}s`);
  }, FALLBACK_MS);
}

const dark = window.matchMedia('(prefers-color-scheme: dark)');

// openThreadID is the open thread: the URL's at first, then ChatKit's.
let openThreadID = threadFromHash(location.hash);

// options are the ChatKit options (chatkitoptions.js), whole each time:
// setOptions replaces them all.
function options(el) {
  const fetch = async (input, init) => {
    const res = await auth.fetch(input, init);
    // In accounts mode auth.fetch has gone to the sign-in page itself.
    if (res.status === 401 && auth.needed && !auth.accounts) signIn('Your sign-in was refused or has expired. Sign in again.');
    return res;
  };
  return chatkitOptions({ cfg, fetch, dark: dark.matches, thread: openThreadID, element: el });
}

let signingIn = null;

// signIn shows the sign-in form (once at a time) until a token is stored.
function signIn(reason) {
  if (signingIn) return signingIn;
  auth.clear();
  $('chat').hidden = true;
  signingIn = showLogin($('login'), auth, reason).then(() => {
    signingIn = null;
    $('chat').hidden = false;
    showUser();
  });
  return signingIn;
}

function showUser() {
  const user = auth.user();
  $('user').hidden = !user;
  $('user').textContent = user ? `Signed in as ${user}` : '';
  $('signout').hidden = !auth.needed || !auth.token();
}

async function main() {
  loadChatKit();
  $('signout').addEventListener('click', () => {
    if (auth.accounts) {
      auth.signOut().catch((err) => {
        $('status').hidden = false;
        $('status').textContent = err.message;
      });
      return;
    }
    auth.clear();
    location.reload();
  });
  if (auth.accounts) {
    // Signed in on /signin with an account: the session cookie gets the token.
    if (!(await auth.refresh())) return auth.sessionGone();
  } else if (auth.needed && !auth.token()) {
    await signIn();
  }
  showUser();
  await customElements.whenDefined('openai-chatkit');
  if (settled) return;
  settled = true;
  const el = document.createElement('openai-chatkit');
  el.addEventListener('chatkit.error', (e) => console.error('chatkit', e.detail));
  // The open thread goes into the URL, so that a reload reopens it.
  el.addEventListener('chatkit.thread.change', (e) => {
    openThreadID = (e.detail && e.detail.threadId) || null;
    const hash = hashFor(openThreadID);
    if (location.hash !== hash) history.replaceState(null, '', location.pathname + location.search + hash);
  });
  // The message being written when the last session ended goes back into
  // ChatKit's composer (its frame is not ours to read, so what is kept is
  // the message whose sending was refused).
  const draft = takeDraft();
  el.addEventListener('chatkit.ready', () => {
    $('status').hidden = true;
    if (draft && typeof el.setComposerValue === 'function') {
      Promise.resolve(el.setComposerValue({ text: draft })).catch((err) => console.warn('chatkit: could not restore the draft', err));
    }
  });
  $('chat').append(el);
  el.setOptions(options(el));
  dark.addEventListener('change', () => el.setOptions(options(el)));
  $('status').textContent = 'Chat loaded. If it stays blank, the domain key may be wrong; the lite version always works.';
}

main().catch((err) => {
  console.error(err);
  fallback('the page failed to start');
});
