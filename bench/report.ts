/** Renders benchmark results as Markdown tables and checks them against the targets. */
import type { CatalogResult } from './cases/catalog.js';
import type { ListSizeRow } from './cases/listsize.js';
import type { QueueResult } from './cases/queue.js';
import type { ScaleResult } from './cases/scale.js';
import type { ThroughputRow } from './cases/throughput.js';
import { mb, round } from './stats.js';
import { BASELINE, FLOOR } from './targets.js';
import type { ReplicasResult } from './cases/replicas.js';

/** Everything one run produced. */
export interface Results {
  throughput: ThroughputRow[];
  scale?: ScaleResult;
  catalog?: CatalogResult & { note?: string };
  queue?: QueueResult;
  replicas?: ReplicasResult;
  listSize?: ListSizeRow[];
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

const isGateway = (t: string) => t.startsWith('sb-') || t.startsWith('floor-');

/** The throughput table: one row per target and concurrency, ratios against its direct upstream and each peer. */
export function throughputTable(rows: ThroughputRow[]): string {
  const find = (t: string, c: number) => rows.find((r) => r.target === t && r.concurrency === c && r.calls);
  const body = rows.map((r) => {
    if (!r.calls) return [r.target, r.concurrency, r.note?.startsWith('skipped') ? 'skipped¹' : 'failed¹'];
    const d = find(BASELINE[r.target] ?? 'direct', r.concurrency);
    const added = d && BASELINE[r.target] ? round(r.serverCpuMsPerCall! - d.serverCpuMsPerCall!, 3) : '–';
    return [
      r.target,
      r.concurrency,
      r.callsPerSec!,
      ratio(r.callsPerSec, d?.callsPerSec),
      ratio(r.callsPerSec, find('supergateway', r.concurrency)?.callsPerSec),
      ratio(r.callsPerSec, find('mcp-proxy', r.concurrency)?.callsPerSec),
      ratio(r.callsPerSec, find(FLOOR[r.target] ?? '', r.concurrency)?.callsPerSec),
      r.latency!.p50,
      ratio(r.latency!.p50, d?.latency?.p50),
      r.latency!.p90,
      r.latency!.p99,
      r.latency!.max,
      r.errors!,
      mb(r.peakRssBytes!),
      isGateway(r.target) && r.mainPeakRssBytes ? mb(r.mainPeakRssBytes) : '–',
      r.serverCpuMsPerCall!,
      isGateway(r.target) ? r.mainCpuMsPerCall! : '–',
      added,
    ];
  });
  const head = [
    'target',
    'C',
    'calls/s',
    '×direct',
    '×supergw',
    '×mcp-proxy',
    '×floor',
    'p50 ms',
    'p50 ×direct',
  ];
  const out = table(
    [
      ...head,
      'p90 ms',
      'p99 ms',
      'max ms',
      'errors',
      'server RSS MB',
      'gateway RSS MB',
      'server CPU ms/call',
      'gateway process CPU ms/call',
      'gateway-added CPU ms/call',
    ],
    body,
  );
  const notes = rows.filter((r) => r.note).map((r) => `¹ ${r.target} C=${r.concurrency}: ${r.note}`);
  const legend =
    '×direct and gateway-added CPU compare each target with its upstream alone measured in the same run ' +
    '(direct: Streamable HTTP answering SSE; direct-json: answering JSON); server CPU and RSS cover the gateway ' +
    'and its upstream, gateway RSS and gateway process CPU the gateway process alone. ×floor: against ' +
    'bench/floor.ts in front of the same upstream kind (one bare process hop: bytes piped, or ids rewritten).';
  return [out, legend, ...(notes.length ? [notes.join('\n')] : [])].join('\n\n');
}

/** What tracing costs: each traced target against the same target untraced, at each concurrency, same run. */
export function tracingTable(rows: ThroughputRow[]): string {
  const find = (t: string, c: number) => rows.find((r) => r.target === t && r.concurrency === c && r.calls);
  const body = rows
    .filter((r) => r.target.endsWith('-traced') && r.calls)
    .flatMap((on) => {
      const off = find(on.target.replace(/-traced$/, ''), on.concurrency);
      if (!off) return [];
      return [
        [
          off.target,
          on.concurrency,
          `${off.callsPerSec} → ${on.callsPerSec}`,
          ratio(on.callsPerSec, off.callsPerSec),
          `${off.serverCpuMsPerCall} → ${on.serverCpuMsPerCall}`,
          ratio(on.serverCpuMsPerCall, off.serverCpuMsPerCall),
          `${off.latency!.p50} → ${on.latency!.p50}`,
          `${mb(off.peakRssBytes!)} → ${mb(on.peakRssBytes!)}`,
        ],
      ];
    });
  if (!body.length) return '';
  const head = ['target', 'C', 'calls/s off → on', '×', 'CPU ms/call off → on', '×', 'p50 ms', 'RSS MB'];
  return `## Tracing off → on (OTLP/HTTP to a local sink, BatchSpanProcessor)\n\n${table(head, body)}`;
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
  const vsBase = (t: string, c: number) => {
    const s = row(t, c);
    const d = row(BASELINE[t as keyof typeof BASELINE] ?? 'direct', c);
    return s && d ? { s, d } : undefined;
  };
  for (const [t, min] of [
    ['sb-stdio', 0.9],
    ['sb-http', 0.8],
    ['sb-http-json', 0.8],
    ['sb-sse', 0.8],
  ] as const) {
    for (const c of [16, 64]) {
      const p = vsBase(t, c);
      const v = p && p.s.callsPerSec! / p.d.callsPerSec!;
      out.push({
        target: `${t} calls/s ≥ ${min}× direct at C=${c}`,
        measured: v ? `${v.toFixed(2)}×` : 'n/a',
        met: v ? v >= min : null,
      });
    }
  }
  // mcp-proxy fronts the stdio upstream, so it is held against switchboard in front of the same stdio upstream.
  for (const t of ['sb-stdio']) {
    for (const c of [1, 16, 64]) {
      const s = row(t, c);
      const m = row('mcp-proxy', c);
      const v = s && m && s.callsPerSec! / m.callsPerSec!;
      out.push({
        target: `${t} calls/s ≥ 1.2× mcp-proxy at C=${c}`,
        measured: v ? `${v.toFixed(2)}×` : 'n/a',
        met: v ? v >= 1.2 : null,
      });
    }
  }
  const p1 = vsBase('sb-stdio', 1);
  const p = p1 && p1.s.latency!.p50 / p1.d.latency!.p50;
  out.push({
    target: 'stdio p50 ≤ 1.15× direct at C=1',
    measured: p ? `${p.toFixed(2)}× (${p1.s.latency!.p50} vs ${p1.d.latency!.p50} ms)` : 'n/a',
    met: p ? p <= 1.15 : null,
  });
  for (const t of ['sb-stdio', 'sb-http', 'sb-http-json', 'sb-sse']) {
    const added = [1, 16, 64]
      .map((c) => vsBase(t, c))
      .filter((x) => x !== undefined)
      .map((x) => x.s.serverCpuMsPerCall! - x.d.serverCpuMsPerCall!);
    const worst = added.length ? Math.max(...added) : undefined;
    out.push({
      target: `${t} gateway-added CPU ≤ 0.15 ms/call (worst of C=1,16,64 measured)`,
      measured: worst === undefined ? 'n/a' : `${worst.toFixed(3)} ms`,
      met: worst === undefined ? null : worst <= 0.15,
    });
  }
  const s256 = r.throughput.find((x) => x.target === 'sb-stdio' && x.concurrency === 256);
  out.push({
    target: 'stdio zero errors at C=256',
    measured: s256?.calls ? `${s256.errors} errors / ${s256.calls} calls` : 'n/a',
    met: s256?.calls ? s256.errors === 0 && s256.sessions === 256 : null,
  });
  const rss64 = ['sb-stdio', 'sb-http', 'sb-http-json', 'sb-sse']
    .map((t) => row(t, 64))
    .filter((x) => x?.mainPeakRssBytes);
  const worstRss = rss64.length ? Math.max(...rss64.map((x) => x!.mainPeakRssBytes!)) : undefined;
  out.push({
    target: 'gateway process RSS ≤ 150 MB at C=64 (worst upstream kind measured)',
    measured: worstRss ? `${mb(worstRss)} MB` : 'n/a',
    met: worstRss ? worstRss <= 150 * 1024 * 1024 : null,
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
