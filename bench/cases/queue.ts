/**
 * Case 6 (hook for the single-session issue): added latency of the queue vs an unqueued call to the same upstream.
 * In-process: the src/queue library in front of one SDK client (memory queue; Redis too when REDIS_URL is set).
 * End to end: the gateway with `single_session: true` vs without, same load. Skipped while src/queue is absent.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CallToolResultSchema } from '@modelcontextprotocol/core';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { Client } from '@modelcontextprotocol/client';
import type { LoadResult } from '../load.js';
import { ROOT, runJsonChild, stopProcess } from '../processes.js';
import { round, summarise, type Latency } from '../stats.js';
import { queueModes } from '../queue.js';
import { benchBackendYaml, gatewayCli, startGateway, upstreamCommand } from '../targets.js';

/** One queue measurement: a mode (direct, memory, redis) at a concurrency. */
export interface QueueRow {
  mode: string;
  concurrency: number;
  calls: number;
  errors: number;
  callsPerSec: number;
  latency: Latency;
}

/** What the queue case measured, or why it was skipped. */
export interface QueueResult {
  library: QueueRow[];
  gateway: (Partial<LoadResult> & { mode: string; note?: string })[];
  note?: string;
}

type Submit = (req: { method: string; params: Record<string, unknown> }) => Promise<unknown>;
interface QueueLike {
  submit: Submit;
  close(): Promise<void>;
}
type CreateQueue = (
  opts: Record<string, unknown>,
  executor: (req: unknown, ctx: unknown) => Promise<unknown>,
) => QueueLike;

async function drive(mode: string, call: Submit, c: number, seconds: number): Promise<QueueRow> {
  const latencies: number[] = [];
  let errors = 0;
  const end = performance.now() + seconds * 1000;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: c }, async (_, w) => {
      for (let i = 0; i < 1_000_000 && performance.now() < end; i++) {
        const t = performance.now();
        try {
          await call({ method: 'tools/call', params: { name: 'echo', arguments: { text: `${w}-${i}` } } });
          latencies.push(performance.now() - t);
        } catch {
          errors++;
        }
      }
    }),
  );
  const s = (performance.now() - start) / 1000;
  return {
    mode,
    concurrency: c,
    calls: latencies.length,
    errors,
    callsPerSec: round(latencies.length / s, 1),
    latency: summarise(latencies),
  };
}

async function library(createQueue: CreateQueue, seconds: number): Promise<QueueRow[]> {
  const [command, ...args] = upstreamCommand('stdio');
  const client = new Client({ name: 'bench-queue', version: '1.0.0' });
  await client.connect(new StdioClientTransport({ command: command!, args }));
  const direct: Submit = (req) => client.request(req as never, CallToolResultSchema);
  const executor = (req: unknown, ctx: unknown) =>
    client.request(req as never, CallToolResultSchema, { signal: (ctx as { signal?: AbortSignal }).signal });
  const modes: [string, QueueLike][] = [['memory', createQueue({ backend: 'bench' }, executor)]];
  if (process.env.REDIS_URL) {
    const prefix = `switchboard-bench-${process.pid}`;
    modes.push([
      'redis',
      createQueue({ backend: 'bench', redis: { url: process.env.REDIS_URL, prefix } }, executor),
    ]);
  }
  const rows: QueueRow[] = [];
  try {
    for (const c of [1, 16]) {
      rows.push(await drive('direct', direct, c, seconds));
      for (const [mode, q] of modes) rows.push(await drive(mode, (r) => q.submit(r), c, seconds));
    }
  } finally {
    for (const [, q] of modes) await q.close().catch(() => {});
    await client.close();
  }
  return rows;
}

async function gateway(warmupS: number, durationS: number): Promise<QueueResult['gateway']> {
  const out: QueueResult['gateway'] = [];
  for (const c of [1, 16]) {
    for (const [mode, extra] of [
      ['sb-stdio', ''],
      ['sb-stdio-single', '    single_session: true\n'],
    ] as const) {
      try {
        const gw = await startGateway(benchBackendYaml('stdio', '', extra));
        try {
          const args = [
            '--url',
            gw.url,
            '-c',
            String(c),
            '--warmup',
            String(warmupS),
            '--duration',
            String(durationS),
          ];
          args.push('--json', '--pid', String(gw.pid));
          out.push({
            mode,
            ...(await runJsonChild<LoadResult>('load', args, (warmupS + durationS) * 1000 + 120_000)),
          });
        } finally {
          await stopProcess(gw.child);
        }
      } catch (err) {
        out.push({ mode, concurrency: c, note: String(err).slice(0, 300) });
      }
    }
  }
  return out;
}

/** Runs the queue case, or returns a note when src/queue/index.ts is not there yet. */
export async function queue(warmupS: number, durationS: number): Promise<QueueResult> {
  const entry = join(ROOT, 'src/queue/index.ts');
  if (!existsSync(entry))
    return { library: [], gateway: [], note: 'skipped: src/queue/index.ts does not exist yet' };
  const mod = (await import(pathToFileURL(entry).href)) as { createQueue?: unknown };
  if (typeof mod.createQueue !== 'function') {
    return {
      library: [],
      gateway: [],
      note: 'skipped: src/queue/index.ts exports no createQueue(opts, executor)',
    };
  }
  const lib = await library(mod.createQueue as CreateQueue, durationS);
  const note = process.env.REDIS_URL ? undefined : 'Redis queue not measured: set REDIS_URL to include it';
  const modes = await queueModes({
    cli: [gatewayCli.main],
    warmupS,
    seconds: durationS,
    concurrency: [1, 16],
  }).catch((err: unknown) => [{ mode: 'http upstream modes', note: String(err).slice(0, 300) }]);
  const rows = modes.map((r) =>
    'replicas' in r ? { ...r, mode: `${r.mode}${r.replicas > 1 ? ` x${r.replicas}` : ''} (http)` } : r,
  );
  return { library: lib, gateway: [...(await gateway(warmupS, durationS)), ...rows], note };
}
