/**
 * The Activity panel (operators): per-backend calls/s, error rate and p50/p95 latency over 15 minutes as
 * small uPlot charts, sessions by era and front, queue depths, and the recent audit events with filters.
 */
import uPlot from 'uplot';
import { api } from './api.js';
import type { BackendRow } from './backends.js';
import { h, replace } from './dom.js';

interface Series {
  calls: number[];
  errorRate: (number | null)[];
  p50: (number | null)[];
  p95: (number | null)[];
}

/** The `activity` event of /v1/events (src/audit/activity.ts). */
export interface ActivityView {
  bucketMs: number;
  times: number[];
  backends: Record<string, Series>;
  sessions: Record<string, number>;
  latest?: string;
}

interface AuditEvent {
  id: string;
  time: string;
  kind: string;
  principal: { kind: string; id?: string };
  front?: string;
  era?: string;
  target?: string;
  backend?: string;
  outcome: string;
  error?: string;
  duration_ms?: number;
}

const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777'];

/** The four charts: what each plots of a backend's series, and how its values read. */
const CHARTS: {
  id: string;
  title: string;
  pick: (s: Series) => (number | null)[];
  unit: (v: number) => string;
}[] = [
  { id: 'calls', title: 'Calls per second', pick: (s) => s.calls, unit: (v) => v.toFixed(2) },
  { id: 'errors', title: 'Error rate', pick: (s) => s.errorRate, unit: (v) => `${Math.round(v * 100)}%` },
  { id: 'p50', title: 'Latency p50 (ms)', pick: (s) => s.p50, unit: (v) => v.toFixed(1) },
  { id: 'p95', title: 'Latency p95 (ms)', pick: (s) => s.p95, unit: (v) => v.toFixed(1) },
];

const principal = (p: AuditEvent['principal']) =>
  p.kind === 'anonymous' ? 'anonymous' : `${p.kind}:${p.id}`;

/** The panel; `update` takes each `activity` event, `queues` the backends' rows. */
export class ActivityPanel {
  readonly el: HTMLElement;
  private readonly charts = h('div', { class: 'charts' });
  private readonly sessions = h('div', { class: 'sessions' });
  private readonly queues = h('div', { class: 'queues' });
  private readonly events = h('tbody', {});
  private readonly status = h('p', { class: 'muted', 'aria-live': 'polite' });
  private readonly filters = h('form', { class: 'filters', id: 'audit-filters' });
  private plots = new Map<string, uPlot>();
  private backends?: string;
  private latest?: string;
  private loading?: Promise<void>;
  private again = false;

  constructor() {
    const field = (name: string, label: string, options?: string[]) =>
      h(
        'label',
        {},
        label,
        options
          ? h(
              'select',
              { name },
              h('option', { value: '' }, 'any'),
              options.map((o) => h('option', { value: o }, o)),
            )
          : h('input', { name, type: 'text', autocomplete: 'off', spellcheck: 'false' }),
      );
    replace(
      this.filters,
      field('principal', 'Principal'),
      field('tool', 'Tool'),
      field('backend', 'Backend'),
      field('outcome', 'Outcome', ['ok', 'tool_error', 'refused', 'error']),
      h('button', { type: 'submit' }, 'Filter'),
    );
    this.filters.addEventListener('submit', (ev) => {
      ev.preventDefault();
      void this.loadEvents();
    });
    this.el = h(
      'section',
      { class: 'panel', id: 'activity', 'aria-labelledby': 'activity-title' },
      h('h2', { id: 'activity-title' }, 'Activity'),
      h('p', { class: 'muted' }, 'This replica, last 15 minutes.'),
      this.charts,
      h('div', { class: 'side' }, h('h3', {}, 'Sessions'), this.sessions, h('h3', {}, 'Queues'), this.queues),
      h('h3', {}, 'Recent events'),
      this.filters,
      this.status,
      h(
        'table',
        { class: 'events' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Time', 'Kind', 'Principal', 'Target', 'Backend', 'Outcome', 'ms'].map((t) => h('th', {}, t)),
          ),
        ),
        this.events,
      ),
    );
  }

  /** Draws the figures of one `activity` event; reloads the events list when a new event was recorded. */
  update(view: ActivityView): void {
    const names = Object.keys(view.backends).sort();
    if (names.join('\n') !== this.backends) this.rebuild(names);
    const xs = view.times.map((t) => t / 1000);
    for (const c of CHARTS) {
      const data = [xs, ...names.map((n) => c.pick(view.backends[n]!))] as uPlot.AlignedData;
      this.plots.get(c.id)?.setData(data);
      const last = names.map((n) => [...c.pick(view.backends[n]!)].reverse().find((v) => v !== null) ?? null);
      this.charts.querySelector(`[data-chart="${c.id}"]`)?.setAttribute('data-last', JSON.stringify(last));
    }
    // Calls in the whole window per backend, for a glance (and tests) that do not depend on bucket edges.
    const seconds = view.bucketMs / 1000;
    const totals = names.map((n) => Math.round(view.backends[n]!.calls.reduce((x, y) => x + y, 0) * seconds));
    this.charts.setAttribute('data-calls', JSON.stringify(totals));
    const sessions = Object.entries(view.sessions).sort();
    replace(
      this.sessions,
      sessions.length
        ? h(
            'table',
            {},
            sessions.map(([k, n]) => {
              const [era, front] = k.split('/');
              return h(
                'tr',
                { 'data-sessions': k },
                h('td', {}, front),
                h('td', {}, era),
                h('td', { class: 'num' }, n),
              );
            }),
          )
        : h('p', { class: 'muted' }, 'No open sessions.'),
    );
    if (view.latest !== this.latest) {
      this.latest = view.latest;
      void this.loadEvents();
    }
  }

  /** Shows each queued backend's depth and running calls. */
  updateQueues(rows: BackendRow[]): void {
    const queued = rows.filter((r) => r.queue);
    replace(
      this.queues,
      queued.length
        ? h(
            'table',
            {},
            queued.map((r) =>
              h(
                'tr',
                { 'data-queue': r.name },
                h('td', {}, r.name),
                h('td', { class: 'num' }, `${r.queue!.depth} waiting`),
                h('td', { class: 'num' }, `${r.queue!.running} running`),
              ),
            ),
          )
        : h('p', { class: 'muted' }, 'No single-session queues.'),
    );
  }

  private rebuild(names: string[]): void {
    this.backends = names.join('\n');
    for (const p of this.plots.values()) p.destroy();
    this.plots.clear();
    replace(this.charts);
    if (!names.length) return void replace(this.charts, h('p', { class: 'muted' }, 'No calls yet.'));
    for (const c of CHARTS) {
      const box = h('figure', { class: 'chart', 'data-chart': c.id }, h('figcaption', {}, c.title));
      this.charts.append(box);
      const opts: uPlot.Options = {
        width: Math.max(320, box.clientWidth - 24),
        height: 140,
        legend: { show: true },
        cursor: { show: true },
        // A bucket's point sits at its start: the scale runs one bucket further, so the newest one shows.
        scales: { x: { time: true, range: (_u, min, max) => [min, max + 15] } },
        axes: [{}, { values: (_u, vals) => vals.map((v) => c.unit(v)), size: 50 }],
        series: [
          {},
          ...names.map((n, i) => ({
            label: n,
            stroke: COLORS[i % COLORS.length],
            width: 1.5,
            spanGaps: false,
            // Error rate and latency have no value in a bucket without calls: a lone bucket must still show.
            points: { show: c.id !== 'calls', size: 5, fill: COLORS[i % COLORS.length] },
          })),
        ],
      };
      const empty = [[], ...names.map(() => [])] as uPlot.AlignedData;
      this.plots.set(c.id, new uPlot(opts, empty, box));
    }
  }

  /** Reads GET /v1/audit with the filters given. */
  loadEvents(): Promise<void> {
    // Asked again while a read runs: one more read after it, so the newest events are never missed.
    if (this.loading) {
      this.again = true;
      return this.loading;
    }
    this.loading = (async () => {
      try {
        const q = new URLSearchParams({ limit: '50' });
        for (const [k, v] of new FormData(this.filters)) if (typeof v === 'string' && v) q.set(k, v);
        const { events } = await api<{ events: AuditEvent[] }>(`/audit?${q.toString()}`);
        this.status.textContent = events.length ? '' : 'No events match.';
        replace(
          this.events,
          events.map((e) =>
            h(
              'tr',
              { 'data-outcome': e.outcome, 'data-kind': e.kind },
              h('td', {}, new Date(e.time).toLocaleTimeString()),
              h('td', {}, e.kind),
              h('td', {}, principal(e.principal)),
              h('td', {}, e.target ?? e.front ?? ''),
              h('td', {}, e.backend ?? ''),
              h(
                'td',
                { class: `outcome outcome-${e.outcome}` },
                e.error ? `${e.outcome} (${e.error})` : e.outcome,
              ),
              h('td', { class: 'num' }, e.duration_ms === undefined ? '' : e.duration_ms.toFixed(1)),
            ),
          ),
        );
      } catch (err) {
        this.status.textContent = `The audit events cannot be read: ${(err as Error).message}`;
      } finally {
        this.loading = undefined;
        if (this.again) {
          this.again = false;
          void this.loadEvents();
        }
      }
    })();
    return this.loading;
  }
}
