/** Renders benchmark results as Markdown tables and checks them against the targets. */
import type { CatalogResult } from './cases/catalog.js';
import type { QueueResult } from './cases/queue.js';
import type { ScaleResult } from './cases/scale.js';
import type { ThroughputRow } from './cases/throughput.js';
import { mb, round } from './stats.js';
import type { ReplicasResult } from './cases/replicas.js';

/** Everything one run produced. */
export interface Results {
  throughput: ThroughputRow[];
  scale?: ScaleResult;
  catalog?: CatalogResult & { note?: string };
  queue?: QueueResult;
  replicas?: ReplicasResult;
}

function table(head: string[], rows: (string | number)[][]): string {
  const cells = [head, ...rows.map((r) => head.map((_, i) => String(r[i] ?? '')))];
  const width = head.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(width[i]!)).join(' | ')} |`;
  return [line(head), `|${width.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.slice(1).map(line)].join(
    '\n',
  );
}

const ratio = (a?: number, b?: number) => (a && b ? round(a / b, 2).toFixed(2) : '–');

/** The throughput table: one row per target and concurrency, ratios against direct and each peer. */
export function throughputTable(rows: ThroughputRow[]): string {
  const find = (t: string, c: number) => rows.find((r) => r.target === t && r.concurrency === c && r.calls);
  const body = rows.map((r) => {
    if (!r.calls) return [r.target, r.concurrency, r.note?.startsWith('skipped') ? 'skipped¹' : 'failed¹'];
    const d = find('direct', r.concurrency);
    return [
      r.target,
      r.concurrency,
      r.callsPerSec!,
      ratio(r.callsPerSec, d?.callsPerSec),
      ratio(r.callsPerSec, find('supergateway', r.concurrency)?.callsPerSec),
      ratio(r.callsPerSec, find('mcp-proxy', r.concurrency)?.callsPerSec),
      r.latency!.p50,
      ratio(r.latency!.p50, d?.latency?.p50),
      r.latency!.p90,
      r.latency!.p99,
      r.latency!.max,
      r.errors!,
      mb(r.peakRssBytes!),
      r.serverCpuMsPerCall!,
    ];
  });
  const head = ['target', 'C', 'calls/s', '×direct', '×supergw', '×mcp-proxy', 'p50 ms', 'p50 ×direct'];
  const out = table(
    [...head, 'p90 ms', 'p99 ms', 'max ms', 'errors', 'server RSS MB', 'server CPU ms/call'],
    body,
  );
  const notes = rows.filter((r) => r.note).map((r) => `¹ ${r.target} C=${r.concurrency}: ${r.note}`);
  return notes.length ? `${out}\n\n${notes.join('\n')}` : out;
}

/** The other cases as short tables. */
export function otherTables(r: Results): string {
  const out: string[] = [];
  const s = r.scale;
  if (s) {
    out.push(
      s.opened === undefined
        ? `Idle sessions: ${s.note}`
        : table(
            [
              'idle sessions',
              'open errors',
              'open s',
              'RSS before MB',
              'RSS held MB',
              'KB/session',
              'streams open after hold',
              'burst calls/s',
              'burst errors',
              'burst p50/p99 ms',
            ],
            [
              [
                s.opened,
                s.openErrors!,
                s.openSeconds!,
                mb(s.rssBeforeBytes!),
                mb(s.rssHeldBytes!),
                round(s.rssPerSessionBytes! / 1024, 1),
                s.streamsOpenAfterHold!,
                s.burst!.callsPerSec,
                s.burst!.errors,
                `${s.burst!.latency.p50} / ${s.burst!.latency.p99}`,
              ],
            ],
          ) + (s.note ? `\n${s.note}` : ''),
    );
  }
  const c = r.catalog;
  if (c) {
    out.push(
      c.note
        ? `Catalog: ${c.note}`
        : table(
            [
              'backends × tools',
              'merge ms (median/max)',
              'ready ms',
              'tools/list p50 ms',
              'p99 ms',
              'max ms',
              'body KB',
              'tools listed',
            ],
            [
              [
                `${c.backends} × ${c.toolsPerBackend}`,
                `${c.mergeMs.median} / ${c.mergeMs.max}`,
                c.readyMs,
                c.toolsList.p50,
                c.toolsList.p99,
                c.toolsList.max,
                round(c.toolsList.bytes / 1024, 0),
                c.toolsList.listed,
              ],
            ],
          ),
    );
  }
  const rep = r.replicas;
  if (rep) {
    out.push(
      table(
        [
          'replicas (stdio upstream each)',
          'C',
          'calls/s',
          'p50 ms',
          'p99 ms',
          'errors',
          'server CPU ms/call',
        ],
        rep.rows.map((x) => [
          x.setup,
          x.concurrency ?? '',
          x.callsPerSec ?? x.note ?? '',
          x.latency?.p50 ?? '',
          x.latency?.p99 ?? '',
          x.errors ?? '',
          x.serverCpuMsPerCall ?? '',
        ]),
      ) + (rep.note ? `\n${rep.note}` : ''),
    );
  }
  const q = r.queue;
  if (q) {
    if (q.library.length) {
      out.push(
        table(
          ['queue (in-process library)', 'C', 'calls/s', 'p50 ms', 'p99 ms', 'errors'],
          q.library.map((x) => [
            x.mode,
            x.concurrency,
            x.callsPerSec,
            x.latency.p50,
            x.latency.p99,
            x.errors,
          ]),
        ),
      );
    }
    if (q.gateway.length) {
      out.push(
        table(
          ['queue (gateway)', 'C', 'calls/s', 'p50 ms', 'p99 ms', 'errors'],
          q.gateway.map((x) => [
            x.mode,
            x.concurrency!,
            x.callsPerSec ?? x.note ?? '',
            x.latency?.p50 ?? '',
            x.latency?.p99 ?? '',
            x.errors ?? '',
          ]),
        ),
      );
    }
    if (q.note) out.push(`Queue: ${q.note}`);
  }
  return out.join('\n\n');
}

/** One of the targets, checked. */
export interface TargetCheck {
  target: string;
  measured: string;
  met: boolean | null;
}

/** Checks the targets against the results (null: not measured in this run). */
export function checkTargets(r: Results): TargetCheck[] {
  const row = (t: string, c: number) =>
    r.throughput.find((x) => x.target === t && x.concurrency === c && x.calls);
  const out: TargetCheck[] = [];
  for (const c of [16, 64]) {
    const s = row('sb-stdio', c);
    const d = row('direct', c);
    const v = s && d ? s.callsPerSec! / d.callsPerSec! : undefined;
    out.push({
      target: `stdio calls/s ≥ 0.95× direct at C=${c}`,
      measured: v ? `${v.toFixed(2)}×` : 'n/a',
      met: v ? v >= 0.95 : null,
    });
  }
  const s1 = row('sb-stdio', 1);
  const d1 = row('direct', 1);
  const p = s1 && d1 ? s1.latency!.p50 / d1.latency!.p50 : undefined;
  out.push({
    target: 'stdio p50 ≤ 1.15× direct at C=1',
    measured: p ? `${p.toFixed(2)}× (${s1!.latency!.p50} vs ${d1!.latency!.p50} ms)` : 'n/a',
    met: p ? p <= 1.15 : null,
  });
  const s256 = r.throughput.find((x) => x.target === 'sb-stdio' && x.concurrency === 256);
  out.push({
    target: 'stdio zero errors at C=256',
    measured: s256?.calls ? `${s256.errors} errors / ${s256.calls} calls` : 'n/a',
    met: s256?.calls ? s256.errors === 0 && s256.sessions === 256 : null,
  });
  const s64 = row('sb-stdio', 64);
  out.push({
    target: 'gateway tree RSS ≤ 200 MB at C=64',
    measured: s64 ? `${mb(s64.peakRssBytes!)} MB` : 'n/a',
    met: s64 ? s64.peakRssBytes! <= 200 * 1024 * 1024 : null,
  });
  const sc = r.scale;
  const ok = sc?.opened !== undefined;
  out.push({
    target: '10,000 idle sessions ≤ 50 KB RSS each, no errors, burst served',
    measured: ok
      ? `${sc.opened} sessions, ${round(sc.rssPerSessionBytes! / 1024, 1)} KB each, ${sc.openErrors! + sc.burst!.errors} errors`
      : 'n/a',
    met: ok
      ? sc.opened! >= 10_000 &&
        sc.rssPerSessionBytes! <= 50 * 1024 &&
        sc.openErrors === 0 &&
        sc.burst!.errors === 0 &&
        sc.burst!.calls === sc.opened
      : null,
  });
  const c = r.catalog;
  out.push({
    target: 'tools/list over 10,000 tools < 20 ms p99',
    measured: c && !c.note ? `${c.toolsList.p99} ms p99 over ${c.tools} tools` : 'n/a',
    met: c && !c.note ? c.tools >= 10_000 && c.toolsList.p99 < 20 : null,
  });
  return out;
}

/** The targets as a Markdown table. */
export function targetsTable(checks: TargetCheck[]): string {
  return table(
    ['target', 'measured', 'met'],
    checks.map((c) => [c.target, c.measured, c.met === null ? 'not run' : c.met ? 'yes' : 'NO']),
  );
}
