/** The Config panel: the running config with secrets redacted, its hash, and the last reload. */
import { api, ApiError } from './api.js';
import { h, json, replace } from './dom.js';

interface ReloadStatus {
  last: 'ok' | 'failed';
  at: string;
  error?: string;
  problems?: string[];
  count: number;
}

interface ConfigBody {
  file: string;
  hash: string;
  reload?: ReloadStatus;
  disabled: string[];
  config: unknown;
}

function reload(r: ReloadStatus | undefined): HTMLElement {
  if (!r) return h('p', {}, 'No reload since the gateway started.');
  return h(
    'div',
    { class: `reload reload-${r.last}`, 'data-reload': r.last },
    h(
      'p',
      {},
      `Last reload ${r.last === 'ok' ? 'applied' : 'refused'} at ${new Date(r.at).toLocaleString()} (${r.count} since start).`,
    ),
    r.error ? h('p', { class: 'error' }, r.error) : null,
    r.problems?.length
      ? h(
          'ul',
          { class: 'problems' },
          r.problems.map((p) => h('li', {}, h('code', {}, p))),
        )
      : null,
  );
}

/** The panel; `load` fetches /v1/config again (on open, and when the gateway reports a config change). */
export class ConfigPanel {
  readonly el: HTMLElement;
  private readonly body = h('div', { 'aria-live': 'polite' });

  constructor() {
    this.el = h(
      'section',
      { class: 'panel', id: 'config', 'aria-labelledby': 'config-title' },
      h('h2', { id: 'config-title' }, 'Config'),
      this.body,
    );
  }

  async load(): Promise<void> {
    try {
      const c = await api<ConfigBody>('/config');
      replace(
        this.body,
        h(
          'dl',
          { class: 'facts' },
          h('dt', {}, 'File'),
          h('dd', {}, h('code', {}, c.file)),
          h('dt', {}, 'Hash'),
          h('dd', {}, h('code', { 'data-hash': c.hash }, c.hash)),
          h('dt', {}, 'Disabled backends'),
          h('dd', {}, c.disabled.length ? c.disabled.join(', ') : 'none'),
        ),
        reload(c.reload),
        h('h3', {}, 'Running configuration (secrets redacted)'),
        json(c.config, 'Running configuration'),
      );
    } catch (err) {
      const e = err as ApiError;
      if (e instanceof ApiError && e.status === 403) {
        replace(
          this.body,
          h(
            'p',
            { class: 'notice' },
            'Only operators can see the configuration: use a key with the operator role.',
          ),
        );
      } else if (e instanceof ApiError && e.status === 401) throw e;
      else replace(this.body, h('p', { class: 'error', role: 'alert' }, e.message));
    }
  }
}
