/**
 * The Connections panel: the signed-in principal's connections to backends acting as each user
 * (GET /v1/me/connections), with Revoke for a connected one and Connect for the others.
 */
import { act, api, ApiError, getKey } from './api.js';
import { h, replace } from './dom.js';

/** A row of GET /v1/me/connections (never a token or secret). */
interface Connection {
  backend: string;
  mode: string;
  connected: boolean;
  obtainedAt?: string;
  expiresAt?: string;
  scope?: string;
}

const when = (iso: string) => new Date(iso).toLocaleString();

/** Only an http(s) URL is opened: an authorization URL is never run as a `javascript:` link. */
function webUrl(text: unknown): string | undefined {
  if (typeof text !== 'string') return undefined;
  try {
    const u = new URL(text);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : undefined;
  } catch {
    return undefined;
  }
}

/** The panel; `load` fetches the caller's connections again (each time the panel opens, and after an action). */
export class ConnectionsPanel {
  readonly el: HTMLElement;
  private readonly who = h('p', { class: 'muted' });
  private readonly body = h('div');
  private readonly status = h('div', { 'aria-live': 'polite', id: 'connections-status' });

  constructor() {
    this.el = h(
      'section',
      { class: 'panel', id: 'connections', 'aria-labelledby': 'connections-title' },
      h('h2', { id: 'connections-title' }, 'Connections'),
      this.who,
      this.status,
      this.body,
    );
  }

  async load(): Promise<void> {
    let list: { principal: string; connections: Connection[] };
    try {
      list = await api('/me/connections');
    } catch (err) {
      // Without client authentication there is no user to connect: say so instead of asking for a key.
      if (err instanceof ApiError && err.status === 401 && getKey() === null) {
        replace(this.body, h('p', { class: 'notice' }, err.detail || err.title));
        return;
      }
      if (err instanceof ApiError && err.status === 401) throw err;
      replace(this.body, h('p', { class: 'error', role: 'alert' }, (err as Error).message));
      return;
    }
    replace(this.who, 'Signed in as ', h('code', { 'data-principal': list.principal }, list.principal));
    if (!list.connections.length) {
      replace(this.body, h('p', { class: 'muted' }, 'No backend here acts as each user.'));
      return;
    }
    const th = (t: string) => h('th', { scope: 'col' }, t);
    replace(
      this.body,
      h(
        'div',
        { class: 'scroll' },
        h(
          'table',
          { class: 'backends connections' },
          h('thead', {}, h('tr', {}, th('Backend'), th('Mode'), th('Connection'), th('Scope'), th(''))),
          h(
            'tbody',
            {},
            list.connections.map((c) => this.row(c)),
          ),
        ),
      ),
    );
  }

  private row(c: Connection): HTMLElement {
    const state = c.connected
      ? [
          h('span', { class: 'state state-ready', 'data-connected': 'true' }, 'connected'),
          c.obtainedAt ? ` since ${when(c.obtainedAt)}` : '',
          c.expiresAt ? `, expires ${when(c.expiresAt)}` : '',
        ]
      : [h('span', { class: 'state state-stopped', 'data-connected': 'false' }, 'not connected')];
    const button = c.connected
      ? h(
          'button',
          { type: 'button', 'data-action': 'revoke', onclick: () => void this.revoke(c.backend) },
          'Revoke',
        )
      : h(
          'button',
          {
            type: 'button',
            class: 'primary',
            'data-action': 'connect',
            onclick: () => void this.connect(c.backend),
          },
          'Connect',
        );
    return h(
      'tr',
      { 'data-connection': c.backend },
      h('th', { scope: 'row' }, c.backend),
      h('td', {}, h('code', {}, c.mode)),
      h('td', {}, state),
      h('td', {}, c.scope ?? '—'),
      h('td', {}, button),
    );
  }

  private say(kind: 'ok' | 'error', ...text: (string | Node)[]): void {
    replace(
      this.status,
      h('p', kind === 'error' ? { class: 'error', role: 'alert' } : { class: 'notice' }, ...text),
    );
  }

  private async revoke(backend: string): Promise<void> {
    try {
      const r = await act<{ revoked: boolean }>('DELETE', `/me/connections/${encodeURIComponent(backend)}`);
      this.say(
        'ok',
        r.revoked ? `Revoked your connection to ${backend}.` : `You had no connection to ${backend}.`,
      );
    } catch (err) {
      this.say('error', `Revoking ${backend} failed: ${(err as Error).message}`);
    }
    await this.load();
  }

  private async connect(backend: string): Promise<void> {
    try {
      const r = await act<{ authorization_url?: string }>(
        'POST',
        `/me/connections/${encodeURIComponent(backend)}`,
      );
      const target = webUrl(r.authorization_url);
      if (!target) throw new Error('the gateway answered without an authorization_url');
      window.open(target, '_blank', 'noopener');
      const link = h('a', { href: target, target: '_blank', rel: 'noopener noreferrer' }, 'open it here');
      this.say('ok', `The authorization page of ${backend} opened in a new tab (if not, `, link, ').');
    } catch (err) {
      this.say('error', `Connecting ${backend} failed: ${(err as Error).message}`);
    }
  }
}
