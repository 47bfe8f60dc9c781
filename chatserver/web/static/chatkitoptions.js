// The options the ChatKit page (page.js) gives the <openai-chatkit>
// element, DOM-free so that a node test can check them (ChatKit.js 1.9's
// types, @openai/chatkit): the slash commands in the composer's command
// menu (commands), "@" tags of the user's tasks with a preview card
// (entities), the "Plan my day" starter and composer tool. setOptions
// replaces every option, so they are always built whole.
import { COMMANDS, PLAN_DAY, commandText, entityNumber, filterCommands, previewWidget, searchEntities } from './composermodel.js';

/** PROMPTS are the start screen's starters, "Plan my day" first. */
export const PROMPTS = [
  { label: PLAN_DAY.label, prompt: PLAN_DAY.prompt, icon: PLAN_DAY.icon },
  { label: 'Show my tasks', prompt: 'Show my tasks', icon: 'check-circle' },
  { label: 'Add a task: buy milk tomorrow', prompt: 'Add a task: buy milk tomorrow', icon: 'plus' },
  { label: 'What is overdue?', prompt: 'What is overdue?', icon: 'calendar' },
];

/**
 * chatkitOptions returns the element's options.
 *   cfg      the page's settings (chatkitPath, domainKey, title)
 *   fetch    the authenticated fetch (ChatKit requests and the task search)
 *   dark     whether the page is in dark mode
 *   thread   the thread to open, or null
 *   element  the ChatKit element (commands and tag clicks fill its composer), looked up when used
 */
export function chatkitOptions({ cfg, fetch, dark, thread, element }) {
  const el = () => (typeof element === 'function' ? element() : element);
  const fetchJSON = async (url) => {
    const res = await fetch(url, { headers: { Accept: 'application/json' }, cache: 'no-store' });
    if (!res.ok) throw new Error(`task search: HTTP ${res.status}`);
    return res.json();
  };
  return {
    api: { url: cfg.chatkitPath, domainKey: cfg.domainKey, fetch },
    theme: { colorScheme: dark ? 'dark' : 'light' },
    // The thread in the URL (#thr_…) opens on load, and stays open when the options change.
    initialThread: thread,
    frameTitle: cfg.title,
    history: { enabled: true, showDelete: true, showRename: true },
    threadItemActions: { feedback: true, retry: true },
    startScreen: { greeting: 'What should we get done?', prompts: PROMPTS },
    composer: {
      placeholder: 'Ask TaskPilot to add, list or complete tasks…',
      tools: [{ id: PLAN_DAY.id, label: PLAN_DAY.label, shortLabel: 'Plan', icon: PLAN_DAY.icon, placeholderOverride: 'Anything to keep in mind today? (or just send)', pinned: true }],
    },
    // The agent's slash commands in the "/" menu: one with arguments goes
    // into the composer to be completed, one without is sent.
    commands: {
      enabled: true,
      onSearch: async (query) => filterCommands(query).map((c) => ({ id: c.name, label: `/${c.name}`, description: c.description, icon: c.icon, group: 'Commands' })),
      onSelect: async (command) => {
        const cmd = COMMANDS.find((c) => c.name === command.id);
        if (!cmd || !el()) return;
        if (cmd.args) await el().setComposerValue({ text: commandText(cmd) });
        else await el().sendUserMessage({ text: commandText(cmd) });
      },
    },
    // "@" searches the user's tasks (GET /api/v1/tasks?q=); a tag is sent
    // as an input_tag whose id and data carry the task's number.
    entities: {
      showComposerMenu: true,
      onTagSearch: (query) => searchEntities(query, fetchJSON),
      onRequestPreview: async (entity) => ({ preview: entityNumber(entity) ? previewWidget(entity) : null }),
      // A tag in a message starts a new message about that task.
      onClick: (entity) => {
        if (!entityNumber(entity) || !el()) return;
        const tag = { type: 'input_tag', id: entity.id, text: entity.title, data: entity.data || {}, interactive: true };
        el().setComposerValue({ content: [tag, { type: 'input_text', text: ' ' }] });
      },
    },
  };
}
