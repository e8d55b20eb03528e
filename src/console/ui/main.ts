/**
 * The switchboard web console: a key prompt when auth is on, then Backends, Tools, Activity, Connections and
 * Config panels.
 */
import { ActivityPanel, type ActivityView } from './activity.js';
import { api, ApiError, clearKey, getKey, openStream, readEvents, setKey, setScope } from './api.js';
import { BackendsPanel, type BackendRow } from './backends.js';
import { ConfigPanel } from './config.js';
import { ConnectionsPanel } from './connections.js';
import { h, replace } from './dom.js';
import { beginSignIn, finishSignIn, forgetSignIn, signedIn, signInServer } from './signin.js';
import { ToolsPanel } from './tools.js';

const root = document.getElementById('app')!;
type Tab = 'backends' | 'tools' | 'activity' | 'connections' | 'config';

/**
 * Asks for a key; the page shows nothing else until /v1 accepts one. With the gateway's sign-in (found from the
 * 401's `challenge`), it offers "Sign in" too.
 */
function keyPrompt(message?: string, challenge?: string): void {
  const input = h('input', {
    type: 'password',
    id: 'key',
    autocomplete: 'off',
    required: true,
    spellcheck: 'false',
  });
  const form = h(
    'form',
    { class: 'key-prompt', id: 'key-form' },
    h('h2', {}, 'This gateway requires a key'),
    h(
      'p',
      {},
      'Enter an API key or bearer token. It is kept in this tab only (sessionStorage) and sent with each request.',
    ),
    message ? h('p', { class: 'error', role: 'alert' }, message) : null,
    h('label', { for: 'key' }, 'Key'),
    input,
    h('button', { type: 'submit', class: 'primary' }, 'Open console'),
  );
  void signInServer(challenge).then((as) => {
    if (!as || !form.isConnected) return;
    const button = h(
      'button',
      { type: 'button', id: 'sign-in', class: 'primary', onclick: () => void beginSignIn(as) },
      'Sign in',
    );
    form.insertBefore(
      h('p', { class: 'sign-in' }, button, ' with your identity provider, as your MCP client does — or:'),
      form.querySelector('label'),
    );
  });
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (!input.value.trim()) return;
    setKey(input.value.trim());
    forgetSignIn();
    void start();
  });
  replace(root, form);
  input.focus();
}

/** Whether an error means "no or wrong key": then the console is replaced by the prompt (with `notice`, if any). */
function refused(err: unknown, notice?: string): boolean {
  if (err instanceof ApiError && err.status === 401) {
    const had = getKey() !== null;
    const what = signedIn() ? 'Your sign-in is no longer accepted (sign in again)' : 'The key was refused';
    signOut();
    keyPrompt(notice ?? (had ? `${what}: ${err.detail || err.title}` : undefined), err.challenge);
    return true;
  }
  return false;
}

/** Forgets the key or sign-in token and stops the live updates. */
function signOut(): void {
  clearKey();
  forgetSignIn();
  stopEvents();
}

let events: AbortController | undefined;
function stopEvents(): void {
  events?.abort();
  events = undefined;
}

/** The console proper, after /v1/backends answered. */
function shell(first: BackendRow[]): void {
  const backends = new BackendsPanel();
  let tools = new ToolsPanel();
  const config = new ConfigPanel();
  const activity = new ActivityPanel();
  const connections = new ConnectionsPanel();
  backends.update(first);
  activity.updateQueues(first);
  const live = h('span', { class: 'live', 'data-live': 'connecting', 'aria-live': 'polite' }, 'connecting…');
  const tab = (id: Tab, label: string, key: string) =>
    h('a', { href: `#/${id}`, 'data-tab': id, 'aria-keyshortcuts': key, title: `${label} (${key})` }, label);
  const nav = h(
    'nav',
    { 'aria-label': 'Sections' },
    tab('backends', 'Backends', 'b'),
    tab('tools', 'Tools', 't'),
    tab('activity', 'Activity', 'a'),
    tab('connections', 'Connections', 'n'),
    tab('config', 'Config', 'c'),
  );
  const forget = getKey()
    ? h(
        'button',
        { type: 'button', class: 'link', id: 'sign-out', onclick: () => (signOut(), void start()) },
        signedIn() ? 'Sign out' : 'Forget key',
      )
    : null;
  const main = h('main', { id: 'main' });
  const picker = h('select', { id: 'toolset', 'aria-label': 'Tool set', hidden: true });
  replace(
    root,
    h('header', {}, h('h1', {}, 'switchboard'), nav, h('div', { class: 'right' }, picker, live, forget)),
    main,
  );
  let toolsLoaded = false;
  // The tool sets this key may use: the Tools panel shows the chosen one's tools, names and discovery.
  void api<{ toolsets: { name: string; discoveryOnly: boolean }[] }>('/toolsets').then(
    ({ toolsets }) => {
      if (!toolsets.length) return;
      const option = (value: string, label: string) => h('option', { value }, label);
      replace(picker, option('', 'whole catalog'), ...toolsets.map((t) => option(t.name, `set: ${t.name}`)));
      picker.hidden = false;
      picker.addEventListener('change', () => {
        setScope(picker.value);
        tools = new ToolsPanel();
        toolsLoaded = false;
        if (location.hash.startsWith('#/tools')) location.hash = '#/tools';
        route();
      });
    },
    () => {},
  );
  let configLoaded = false;

  const route = () => {
    const [, section = 'backends', ...rest] = location.hash.replace(/^#/, '').split('/');
    const tabs = ['backends', 'tools', 'activity', 'connections', 'config'];
    const current = (tabs.includes(section) ? section : 'backends') as Tab;
    for (const a of nav.querySelectorAll('a'))
      a.setAttribute('aria-current', String(a.dataset.tab === current));
    const panel = {
      backends: backends.el,
      tools: tools.el,
      activity: activity.el,
      connections: connections.el,
      config: config.el,
    }[current];
    if (main.firstChild !== panel) replace(main, panel);
    if (current === 'tools') {
      if (!toolsLoaded) {
        toolsLoaded = true;
        tools.load().then(
          () => tools.select(rest.length ? decodeURIComponent(rest.join('/')) : undefined),
          (err) =>
            refused(err) ||
            replace(tools.el, h('p', { class: 'error', role: 'alert' }, (err as Error).message)),
        );
      } else tools.select(rest.length ? decodeURIComponent(rest.join('/')) : undefined);
    }
    // Read each time the panel opens: connections change without an event (another tab, a client's grant).
    if (current === 'connections') connections.load().catch(refused);
    if (current === 'config' && !configLoaded) {
      configLoaded = true;
      config.load().catch(refused);
    }
  };
  window.onhashchange = route;
  route();

  // Live updates: backends states, the catalog (tools list) and config reloads.
  stopEvents();
  const ctrl = (events = new AbortController());
  const connect = async (attempt: number): Promise<void> => {
    try {
      const res = await openStream('/events', undefined, ctrl.signal);
      live.dataset.live = 'live';
      live.textContent = 'live';
      attempt = 0;
      await readEvents(res, (e) => {
        const data = JSON.parse(e.data) as Record<string, unknown>;
        if (e.event === 'backends') {
          backends.update(data.backends as BackendRow[]);
          activity.updateQueues(data.backends as BackendRow[]);
        } else if (e.event === 'activity') activity.update(data as unknown as ActivityView);
        else if (e.event === 'tools' && toolsLoaded) tools.load().catch(refused);
        else if (e.event === 'config' && configLoaded) config.load().catch(refused);
      });
    } catch (err) {
      if (ctrl.signal.aborted || refused(err)) return;
    }
    if (ctrl.signal.aborted) return;
    live.dataset.live = 'offline';
    live.textContent = 'reconnecting…';
    const wait = Math.min(10_000, 500 * 2 ** attempt);
    setTimeout(() => {
      if (!ctrl.signal.aborted) void connect(attempt + 1);
    }, wait);
  };
  void connect(0);
}

document.addEventListener('keydown', (ev) => {
  const target = ev.target as HTMLElement;
  if (ev.ctrlKey || ev.metaKey || ev.altKey || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) return;
  if (!document.querySelector('header nav')) return;
  const go: Record<string, string> = {
    b: '#/backends',
    t: '#/tools',
    a: '#/activity',
    n: '#/connections',
    c: '#/config',
  };
  if (ev.key === '/') {
    ev.preventDefault();
    if (!location.hash.startsWith('#/tools')) location.hash = '#/tools';
    setTimeout(() => document.getElementById('tool-search')?.focus(), 0);
  } else if (go[ev.key]) {
    location.hash = go[ev.key]!;
  }
});

async function start(): Promise<void> {
  replace(root, h('p', { class: 'muted' }, 'Loading…'));
  // Back from the authorization server: the code becomes the key before anything asks /v1.
  const failed = location.search ? await finishSignIn() : undefined;
  try {
    const { backends } = await api<{ backends: BackendRow[] }>('/backends');
    shell(backends);
  } catch (err) {
    if (refused(err, failed)) return;
    replace(
      root,
      h(
        'p',
        { class: 'error', role: 'alert' },
        `The console cannot reach the gateway: ${(err as Error).message}`,
      ),
    );
  }
}

void start();
