/**
 * Single-session queue through the gateway: `npx tsx bench/queue.ts [--seconds S] [-c C] [--dist]`.
 * One HTTP bench upstream; the gateway in front of it unqueued, with the in-process queue, and with the Redis
 * queue on 1 and on 3 replicas (clients spread across them). Prints the latency one sequential caller sees
 * (and what the queue adds to an unqueued call) and the throughput of C concurrent callers. The Redis rows
 * need Redis at REDIS_URL (default redis://127.0.0.1:6379); without it they are skipped, loudly.
 */
import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Redis } from 'ioredis';
import { ROOT, startProcess, stopProcess, transpileBench, waitFor, type Started } from './processes.js';
import { round, summarise, type Latency } from './stats.js';
import { startUpstream, writeGatewayConfig } from './targets.js';

/** One measured configuration at one concurrency. */
export interface QueueModeRow {
  mode: string;
  replicas: number;
  concurrency: number;
  calls: number;
  errors: number;
  callsPerSec: number;
  latency: Latency;
  /** p50 minus the unqueued gateway's p50 at the same concurrency, ms. */
  addedP50Ms?: number;
}

/** How to run the gateway and for how long to measure. */
export interface QueueModeOptions {
  /** The gateway's command line before `serve` (node arguments and entry point). */
  cli: string[];
  warmupS: number;
  seconds: number;
  concurrency: number[];
  redisUrl?: string;
}

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

async function redisReachable(url: string): Promise<boolean> {
  const r = new Redis(url, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0 });
  r.on('error', () => undefined);
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

async function deletePrefix(url: string, prefix: string): Promise<void> {
  const r = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await r.del(...keys);
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
}

async function startReplicas(cli: string[], yaml: string, n: number): Promise<(Started & { url: string })[]> {
  const file = writeGatewayConfig(yaml);
  const started = await Promise.all(
    Array.from({ length: n }, () =>
      startProcess(
        process.execPath,
        [...cli, 'serve', '--config', file, '--port', '0', '--no-watch'],
        /switchboard listening on (\S+)/,
        { env: { SWITCHBOARD_LOG_LEVEL: 'warn' } },
      ),
    ),
  );
  const replicas = started.map((s) => ({ ...s, url: s.match[1]! }));
  await waitFor(
    async () => {
      for (const r of replicas) {
        const body = (await (await fetch(r.url.replace(/\/mcp$/, '/readyz'))).json()) as {
          backends: Record<string, { state: string }>;
        };
        if (body.backends.bench?.state !== 'ready') return false;
      }
      return true;
    },
    60_000,
    'every replica lists the bench backend',
  );
  return replicas;
}

/** C clients (round-robin over `urls`), each making sequential `echo` calls; warm-up, then a measured window. */
async function drive(urls: string[], c: number, warmupS: number, seconds: number) {
  // The SDK's HTTP client adds an abort listener per request to one long-lived signal.
  setMaxListeners(0);
  const clients = await Promise.all(
    Array.from({ length: c }, async (_, i) => {
      const client = new Client({ name: 'bench-queue', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(urls[i % urls.length]!)));
      return client;
    }),
  );
  const latencies: number[] = [];
  let errors = 0;
  const t0 = performance.now() + warmupS * 1000;
  const end = t0 + seconds * 1000;
  await Promise.all(
    clients.map(async (client, w) => {
      for (let i = 0; performance.now() < end; i++) {
        const start = performance.now();
        try {
          const r = await client.callTool({ name: 'echo', arguments: { text: `${w}-${i}` } });
          if (r.isError) throw new Error(JSON.stringify(r.content));
          if (start >= t0) latencies.push(performance.now() - start);
        } catch {
          if (start >= t0) errors++;
        }
      }
    }),
  );
  await Promise.all(clients.map((x) => x.close().catch(() => undefined)));
  return {
    calls: latencies.length,
    errors,
    callsPerSec: round(latencies.length / seconds, 1),
    latency: summarise(latencies),
  };
}

/** Measures every mode at every concurrency; the unqueued gateway is the baseline for `addedP50Ms`. */
export async function queueModes(o: QueueModeOptions): Promise<QueueModeRow[]> {
  const redisUrl = o.redisUrl ?? REDIS_URL;
  const withRedis = await redisReachable(redisUrl);
  if (!withRedis) console.error(`\n*** REDIS NOT REACHABLE at ${redisUrl}: Redis rows skipped ***\n`);
  const upstream = await startUpstream('http');
  const prefix = `sbbench:${randomBytes(4).toString('hex')}`;
  const backend = (extra: string) =>
    `httpServices:\n  bench:\n    prefix: false\n    base_url: ${upstream.base}/mcp\n${extra}`;
  const redisYaml = `gateway:\n  redis:\n    url: ${redisUrl}\n    prefix: "${prefix}"\n`;
  const modes: { mode: string; replicas: number; yaml: string }[] = [
    { mode: 'gateway, unqueued', replicas: 1, yaml: backend('') },
    { mode: 'memory queue', replicas: 1, yaml: backend('    single_session: true\n') },
    ...(withRedis
      ? [1, 3].map((n) => ({
          mode: `redis queue`,
          replicas: n,
          yaml: redisYaml + backend('    single_session: true\n'),
        }))
      : []),
  ];
  const rows: QueueModeRow[] = [];
  try {
    for (const c of o.concurrency) {
      rows.push({
        mode: 'upstream direct',
        replicas: 0,
        concurrency: c,
        ...(await drive([`${upstream.base}/mcp`], c, o.warmupS, o.seconds)),
      });
    }
    for (const m of modes) {
      const replicas = await startReplicas(o.cli, m.yaml, m.replicas);
      try {
        for (const c of o.concurrency) {
          const measured = await drive(
            replicas.map((r) => r.url),
            c,
            o.warmupS,
            o.seconds,
          );
          rows.push({ mode: m.mode, replicas: m.replicas, concurrency: c, ...measured });
        }
      } finally {
        await Promise.all(replicas.map((r) => stopProcess(r.child)));
      }
    }
  } finally {
    await stopProcess(upstream.child);
    if (withRedis) await deletePrefix(redisUrl, prefix).catch(() => undefined);
  }
  for (const r of rows) {
    const base = rows.find((b) => b.mode === 'gateway, unqueued' && b.concurrency === r.concurrency);
    if (base && r.replicas > 0) r.addedP50Ms = round(r.latency.p50 - base.latency.p50, 2);
  }
  return rows;
}

/** The rows as a plain-text table. */
export function queueModesTable(rows: QueueModeRow[]): string {
  const head = ['mode', 'replicas', 'C', 'calls/s', 'p50 ms', 'p99 ms', 'added p50 ms', 'errors'];
  const body = rows.map((r) => [
    r.mode,
    r.replicas || '-',
    r.concurrency,
    r.callsPerSec,
    r.latency.p50,
    r.latency.p99,
    r.addedP50Ms ?? '',
    r.errors,
  ]);
  const cells = [head, ...body].map((row) => row.map(String));
  const widths = head.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)));
  return cells.map((row) => row.map((v, i) => v.padEnd(widths[i]!)).join('  ')).join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '4' },
      warmup: { type: 'string', default: '1' },
      concurrency: { type: 'string', short: 'c', default: '1,16' },
      dist: { type: 'boolean', default: false },
    },
  });
  transpileBench();
  const cli = values.dist ? [join(ROOT, 'dist/cli.js')] : ['--import', 'tsx', join(ROOT, 'src/cli.ts')];
  const rows = await queueModes({
    cli,
    warmupS: Number(values.warmup),
    seconds: Number(values.seconds),
    concurrency: values.concurrency.split(',').map(Number),
  });
  process.stdout.write(`${queueModesTable(rows)}\n`);
}
