/** The Backends panel: one row per upstream, updated live from /v1/events. */
import { duration, h, replace } from './dom.js';

/** A row of GET /v1/backends. */
export interface BackendRow {
  name: string;
  description?: string;
  transport: string;
  protocol?: { era?: string; version?: string };
  state: string;
  lastError?: string;
  uptimeMs?: number;
  readySince?: string;
  tools: number;
  /** Operators only: the upstream's own count, before filters and policies. */
  upstreamTools?: number;
  queue?: { mode: string; depth: number; running: number; owner: boolean };
  reconnects: number;
}

/** How each protocol era is shown: 2025-11-25 is the current session-based revision, not a legacy one. */
const ERA_LABEL: Record<string, string> = { legacy: 'session-based', modern: 'per request' };

/** The tools the caller may use, and for an operator the upstream's own count when some are hidden. */
function tools(row: BackendRow): HTMLElement {
  const hidden = row.upstreamTools !== undefined && row.upstreamTools !== row.tools;
  return h(
    'td',
    {
      class: 'num',
      title: hidden
        ? `${row.tools} exposed of the ${row.upstreamTools} the upstream lists (tools filters or policies hide the rest)`
        : undefined,
    },
    hidden ? `${row.tools} of ${row.upstreamTools}` : String(row.tools),
  );
}

function uptime(row: BackendRow): string {
  return row.readySince ? duration(Date.now() - Date.parse(row.readySince)) : '—';
}

/** The panel; `update` replaces its rows, and uptimes tick every second. */
export class BackendsPanel {
  readonly el: HTMLElement;
  private readonly body = h('tbody');
  private readonly summary = h('p', { class: 'muted', 'aria-live': 'polite' });
  private rows: BackendRow[] = [];

  constructor() {
    const th = (t: string, title?: string) => h('th', { scope: 'col', title }, t);
    this.el = h(
      'section',
      { class: 'panel', id: 'backends', 'aria-labelledby': 'backends-title' },
      h('h2', { id: 'backends-title' }, 'Backends'),
      this.summary,
      h(
        'div',
        { class: 'scroll' },
        h(
          'table',
          { class: 'backends' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              th('Backend'),
              th('State'),
              th('Transport'),
              th('Protocol', 'Protocol era and version negotiated'),
              th('Uptime'),
              th('Tools', 'Tools you may use (operators: of the upstream’s own count)'),
              th('Queue', 'Single-session backends: waiting / running'),
              th('Reconnects'),
              th('Last error'),
            ),
          ),
          this.body,
        ),
      ),
    );
    setInterval(() => {
      for (const row of this.rows) {
        const cell = this.body.querySelector(`tr[data-backend="${CSS.escape(row.name)}"] .uptime`);
        if (cell) cell.textContent = uptime(row);
      }
    }, 1000);
  }

  update(rows: BackendRow[]): void {
    this.rows = rows;
    const ready = rows.filter((r) => r.state === 'ready').length;
    this.summary.textContent = rows.length
      ? `${ready} of ${rows.length} backend${rows.length === 1 ? '' : 's'} ready.`
      : 'No backends you may see.';
    replace(
      this.body,
      rows.map((r) =>
        h(
          'tr',
          { 'data-backend': r.name },
          h(
            'th',
            { scope: 'row' },
            r.name,
            r.description ? h('div', { class: 'muted' }, r.description) : null,
          ),
          h('td', {}, h('span', { class: `state state-${r.state}`, 'data-state': r.state }, r.state)),
          h('td', {}, r.transport),
          h(
            'td',
            {},
            r.protocol
              ? [
                  r.protocol.version ?? '',
                  r.protocol.era ? ` (${ERA_LABEL[r.protocol.era] ?? r.protocol.era})` : '',
                ].join('')
              : '—',
          ),
          h('td', { class: 'uptime' }, uptime(r)),
          tools(r),
          h(
            'td',
            { class: 'num' },
            r.queue ? `${r.queue.depth} / ${r.queue.running}${r.queue.owner ? '' : ' (other replica)'}` : '—',
          ),
          h('td', { class: 'num' }, r.reconnects),
          h('td', { class: 'error' }, r.lastError ?? ''),
        ),
      ),
    );
  }
}
