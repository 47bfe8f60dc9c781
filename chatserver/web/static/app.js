// The lite client: a self-hosted UI for the ChatKit protocol with no
// third-party code. It keeps one conversation on screen, streams answers,
// renders widgets and sends their actions. This module starts the page
// and signs the user in; the jobs live in their own modules around one
// state module (state.js) and one DOM module (dom.js):
//
//   threads.js     the conversation list, opening, renaming, deleting
//   transcript.js  the open conversation's items in the log
//   stream.js      sending and applying a streamed answer's events
//   composer.js    the message box, its command and tag menus, its tool
//   pane.js        the live task pane beside the chat
//   model.js       the DOM-free rules the others use (node-tested), with
//                  composermodel.js for the composer's
import { showLogin, takeDraft } from './auth.js';
import { PLAN_DAY } from './composermodel.js';
import { focusInput, restoreInput, wireComposer } from './composer.js';
import { h } from './dom.js';
import { icon } from './icons.js';
import { flash } from './notify.js';
import { threadFromHash } from './pagestate.js';
import { startPane, stopPane } from './pane.js';
import { api, auth, state, stopStream, ui } from './state.js';
import { answerInput, retryAfter, send, widgetAction } from './stream.js';
import { closeDrawer, isDrawerOpen, loadThreads, newChat, openThread, wireThreads } from './threads.js';
import { setActions } from './transcript.js';

const PROMPTS = ['Show my tasks', 'Add a task: buy milk tomorrow', 'What is overdue?'];

async function main() {
  wire();
  if (auth.accounts) {
    // Signed in on /signin with an account: the session cookie gets the token.
    if (!(await auth.refresh())) return auth.sessionGone();
  } else if (auth.needed && !auth.token()) {
    await signIn();
  }
  showUser();
  startPane();
  await loadThreads();
  const id = threadFromHash(location.hash);
  if (id) await openThread(id);
  else newChat(false);
  // The message being written when the last session ended, if any.
  const draft = takeDraft();
  if (draft) {
    restoreInput(draft);
    focusInput();
  }
}

function wire() {
  api.onUnauthorized = () => signedOut('Your sign-in was refused or has expired. Sign in again.');
  setActions({ retry: retryAfter, widgetAction, answer: answerInput });
  ui.menu.append(icon('menu'));
  const plan = h('button', { type: 'button', class: 'prompt', text: PLAN_DAY.label });
  plan.addEventListener('click', () => send(PLAN_DAY.prompt, { toolChoice: PLAN_DAY.id }));
  ui.prompts.append(plan);
  for (const p of PROMPTS) {
    const b = h('button', { type: 'button', class: 'prompt', text: p });
    b.addEventListener('click', () => send(p));
    ui.prompts.append(b);
  }
  wireComposer({ onSend: send, onStop: stopStream });
  document.addEventListener('keydown', (e) => {
    if (e.key !== 'Escape') return;
    if (isDrawerOpen()) {
      closeDrawer(true);
    } else if (state.stream && !document.querySelector('dialog[open]')) {
      stopStream();
    }
  });
  wireThreads();
  auth.draft = () => ui.input.value;
  ui.signout.addEventListener('click', () => {
    if (auth.accounts) {
      auth.signOut().catch((err) => flash(err.message, 'danger'));
      return;
    }
    auth.clear();
    location.replace(location.pathname);
  });
  window.addEventListener('hashchange', () => {
    const id = threadFromHash(location.hash);
    if (id && (!state.thread || state.thread.id !== id)) openThread(id);
  });
}

// signIn shows the sign-in form until a token is stored.
async function signIn(reason) {
  state.loginShown = true;
  ui.app.classList.add('signed-out');
  await showLogin(ui.login, auth, reason);
  ui.app.classList.remove('signed-out');
  state.loginShown = false;
  showUser();
}

// signedOut is called when the server refuses the token.
function signedOut(reason) {
  if (auth.accounts) {
    // auth.fetch has gone to the sign-in page, unless the server could not
    // say whether the session still holds.
    if (!auth.leaving) flash('Could not check your sign-in; try again in a moment.', 'warning');
    return;
  }
  auth.clear();
  if (state.loginShown) return;
  stopStream();
  stopPane();
  signIn(reason).then(async () => {
    startPane();
    await loadThreads();
    if (state.thread) await openThread(state.thread.id);
    focusInput();
  });
}

function showUser() {
  const user = auth.user();
  ui.user.hidden = !user;
  ui.user.textContent = user ? `Signed in as ${user}` : '';
  ui.signout.hidden = !auth.needed || !auth.token();
}

main().catch((err) => {
  console.error(err);
  flash('The page failed to start; reload to try again.', 'danger');
});
