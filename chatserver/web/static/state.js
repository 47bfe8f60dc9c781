// The lite client's state, in one module: the page's settings, its token
// and API client, the elements of lite.html it works with (ui) and what it
// shows (state). The job modules (threads, transcript, stream, composer)
// read and change it; the page's data lives nowhere else.
import { Auth, readConfig } from './auth.js';
import { Client } from './api.js';
import { $ } from './dom.js';

/** cfg is the settings the server rendered into the page. */
export const cfg = readConfig();

/** auth holds the page's token. */
export const auth = new Auth(cfg);

/** api sends ChatKit requests; app.js sets its onUnauthorized. */
export const api = new Client(cfg.chatkitPath || '/chatkit', auth);

/** ui holds the elements of lite.html. */
export const ui = {
  app: $('app'),
  log: $('log'),
  main: $('main'),
  start: $('start'),
  prompts: $('prompts'),
  progress: $('progress'),
  composer: $('composer'),
  input: $('composer-input'),
  send: $('send-btn'),
  stop: $('stop-btn'),
  threads: $('threads'),
  moreThreads: $('more-threads'),
  title: $('thread-title'),
  rename: $('rename-btn'),
  del: $('delete-btn'),
  newChat: $('new-btn'),
  menu: $('menu-btn'),
  sidebar: $('sidebar'),
  backdrop: $('backdrop'),
  user: $('user'),
  signout: $('signout-btn'),
  login: $('login'),
  renameDialog: $('rename-dialog'),
  renameInput: $('rename-input'),
  renameCancel: $('rename-cancel'),
  deleteDialog: $('delete-dialog'),
};

/** state is what the page shows. */
export const state = {
  threads: [], // thread metadata, newest first
  threadsAfter: null, // cursor of the next page of threads
  thread: null, // the open thread
  items: [], // its visible items, oldest first
  nodes: new Map(), // item id -> element
  stream: null, // {controller, stopped, pending, started} while a response streams
  dirty: new Set(), // item ids to re-render on the next frame
  loginShown: false,
};

/** stopStream stops the response that is streaming, if any (runStream then finishes up). */
export function stopStream() {
  if (!state.stream) return;
  state.stream.stopped = true;
  state.stream.controller.abort();
}
