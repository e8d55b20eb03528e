/** Cases 1–3: the same SDK-client load against the upstream directly, through switchboard, and through peers. */
import type { LoadResult } from '../load.js';
import { runJsonChild } from '../processes.js';
import { startTarget, type TargetName } from '../targets.js';

/** One measured (target, concurrency) point (medians over rounds), or a note saying why it was skipped. */
export interface ThroughputRow extends Partial<LoadResult> {
  target: TargetName;
  concurrency: number;
  /** calls/s of each round, in order. */
  rounds?: number[];
  note?: string;
}

/** How long and how hard each point runs. */
export interface ThroughputOptions {
  warmupS: number;
  durationS: number;
  maxCalls: number;
  /** Targets to skip, with the reason (e.g. a peer that did not install). */
  skip: Map<TargetName, string>;
  /** supergateway runs one child per session; above this concurrency it is skipped (memory). */
  supergatewayMaxC: number;
  /** Rounds per concurrency; each round runs every target once, in a rotated order. */
  rounds: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** Combines the rounds of one point: medians of rates, latencies and CPU; sums of calls and errors; peak RSS. */
export function combine(rows: ThroughputRow[]): ThroughputRow {
  const ok = rows.filter((r) => r.calls);
  if (ok.length === 0) return rows[0]!;
  const m = (f: (r: ThroughputRow) => number) => Number(median(ok.map(f)).toFixed(3));
  const first = ok[0]!;
  return {
    ...first,
    calls: ok.reduce((a, r) => a + r.calls!, 0),
    errors: ok.reduce((a, r) => a + r.errors!, 0),
    firstError: ok.find((r) => r.firstError)?.firstError,
    sessions: Math.min(...ok.map((r) => r.sessions!)),
    seconds: m((r) => r.seconds!),
    callsPerSec: m((r) => r.callsPerSec!),
    latency: {
      p50: m((r) => r.latency!.p50),
      p90: m((r) => r.latency!.p90),
      p99: m((r) => r.latency!.p99),
      max: Math.max(...ok.map((r) => r.latency!.max)),
    },
    peakRssBytes: Math.max(...ok.map((r) => r.peakRssBytes!)),
    mainPeakRssBytes: Math.max(...ok.map((r) => r.mainPeakRssBytes ?? 0)),
    serverCpuMsPerCall: m((r) => r.serverCpuMsPerCall!),
    mainCpuMsPerCall: m((r) => r.mainCpuMsPerCall!),
    clientCpuMsPerCall: m((r) => r.clientCpuMsPerCall!),
    rounds: rows.map((r) => r.callsPerSec ?? 0),
    note:
      rows.length > ok.length
        ? `${rows.length - ok.length} round(s) failed: ${rows.find((r) => !r.calls)?.note}`
        : undefined,
  };
}

/** Measures one target at one concurrency: a fresh server, one load run in a separate process, stop. */
export async function measure(target: TargetName, c: number, o: ThroughputOptions): Promise<ThroughputRow> {
  const skip = o.skip.get(target);
  if (skip) return { target, concurrency: c, note: skip };
  if (target === 'supergateway' && c > o.supergatewayMaxC) {
    return {
      target,
      concurrency: c,
      note: `skipped: stateful supergateway runs one upstream child per session (~70 MB each; ${c} sessions would need ~${Math.round((c * 70) / 1024)} GB)`,
    };
  }
  let server;
  try {
    server = await startTarget(target);
  } catch (err) {
    return { target, concurrency: c, note: `failed to start: ${String(err).slice(0, 300)}` };
  }
  try {
    const args = ['--url', server.url, '-c', String(c), '--warmup', String(o.warmupS)];
    args.push('--duration', String(o.durationS), '--calls', String(o.maxCalls), '--json');
    for (const pid of server.pids) args.push('--pid', String(pid));
    const result = await runJsonChild<LoadResult>('load', args, (o.warmupS + o.durationS) * 1000 + 180_000);
    return { ...result, target };
  } catch (err) {
    return { target, concurrency: c, note: `load failed: ${String(err).slice(0, 300)}` };
  } finally {
    await server.stop();
  }
}

/**
 * Runs every target at each concurrency, interleaved (per concurrency, `rounds` rounds of every target in a
 * rotated order) so each ratio compares neighbours in time on a noisy machine.
 */
export async function throughput(
  targets: TargetName[],
  concurrencies: number[],
  o: ThroughputOptions,
  onRow: (row: ThroughputRow) => void = () => {},
): Promise<ThroughputRow[]> {
  const rows: ThroughputRow[] = [];
  for (const c of concurrencies) {
    const byTarget = new Map<TargetName, ThroughputRow[]>(targets.map((t) => [t, []]));
    for (let round = 0; round < o.rounds; round++) {
      const order = [...targets.slice(round % targets.length), ...targets.slice(0, round % targets.length)];
      for (const t of order) {
        const row = await measure(t, c, o);
        byTarget.get(t)!.push(row);
        onRow(row);
      }
    }
    for (const t of targets) rows.push(combine(byTarget.get(t)!));
  }
  return rows;
}
