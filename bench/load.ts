/**
 * The load generator: C concurrent SDK-client sessions over Streamable HTTP, each making sequential `echo`
 * tool calls; a warm-up, then a measured window bounded by time and by call count.
 * `tsx bench/load.ts --url http://127.0.0.1:PORT/mcp -c 16 --duration 10 --pid <server pid> [--json]`
 */
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { cpuDelta, TreeSampler, type CpuSnapshot } from './proc.js';
import { mapLimit, round, summarise, type Latency } from './stats.js';

/** What one load run does. */
export interface LoadOptions {
  url: string;
  concurrency: number;
  /** Warm-up seconds (calls made but not measured). */
  warmupS: number;
  /** Measured seconds. */
  durationS: number;
  /** Upper bound on measured calls across all sessions. */
  maxCalls: number;
  /** Server-side process ids whose trees are sampled for RSS and CPU. */
  pids: number[];
  /** Per-call timeout in ms. */
  timeoutMs?: number;
}

/** What one load run measured. */
export interface LoadResult {
  concurrency: number;
  sessions: number;
  calls: number;
  errors: number;
  firstError?: string;
  seconds: number;
  callsPerSec: number;
  latency: Latency;
  peakRssBytes: number;
  /** Peak RSS of the first pid alone (the gateway process without its children or upstream). */
  mainPeakRssBytes: number;
  serverCpuMsPerCall: number;
  /** CPU of the first pid alone (the gateway process without its children), per call. */
  mainCpuMsPerCall: number;
  clientCpuMsPerCall: number;
}

interface Session {
  client: Client;
  transport: StreamableHTTPClientTransport;
}

async function connect(url: string, timeoutMs: number): Promise<Session> {
  // BENCH_CLIENT_NEGOTIATION=auto: the client probes for 2026-07-28 (per-request) and uses it where offered.
  const negotiation = process.env.BENCH_CLIENT_NEGOTIATION === 'auto' ? { mode: 'auto' as const } : undefined;
  const client = new Client(
    { name: 'switchboard-bench', version: '1.0.0' },
    { capabilities: {}, ...(negotiation && { versionNegotiation: negotiation }) },
  );
  const transport = new StreamableHTTPClientTransport(new URL(url));
  await client.connect(transport, { timeout: timeoutMs });
  return { client, transport };
}

async function disconnect(s: Session): Promise<void> {
  await s.transport.terminateSession().catch(() => {});
  await s.client.close().catch(() => {});
}

/** Runs one load: connect C sessions, warm up, measure, disconnect. */
export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const timeoutMs = o.timeoutMs ?? 30_000;
  const sampler = new TreeSampler(o.pids).start();
  let errors = 0;
  let firstError: string | undefined;
  const fail = (err: unknown) => {
    errors++;
    firstError ??= err instanceof Error ? err.message : String(err);
  };
  const connected = await mapLimit(
    Array.from({ length: o.concurrency }, (_, i) => i),
    Math.min(o.concurrency, 16),
    async () => connect(o.url, timeoutMs).catch((err: unknown) => void fail(err)),
  );
  const sessions = connected.filter((s): s is Session => s !== undefined);

  const latencies: number[] = [];
  const t0 = performance.now() + o.warmupS * 1000;
  const end = t0 + o.durationS * 1000;
  let lastDone = t0;
  let cpuBefore: CpuSnapshot = new Map();
  let clientBefore = process.cpuUsage();
  const mark = setTimeout(
    () => {
      cpuBefore = sampler.cpu();
      clientBefore = process.cpuUsage();
    },
    Math.max(0, t0 - performance.now()),
  );

  const worker = async (s: Session, id: number) => {
    for (let n = 0; latencies.length < o.maxCalls; n++) {
      const start = performance.now();
      if (start >= end) break;
      const text = `s${id}-${n}`;
      try {
        const r = await s.client.callTool(
          { name: 'echo', arguments: { text } },
          {
            timeout: timeoutMs,
          },
        );
        const got = (r.content as { text?: string }[] | undefined)?.[0]?.text;
        if (r.isError || got !== text) throw new Error(`wrong reply: ${JSON.stringify(r).slice(0, 200)}`);
        const done = performance.now();
        if (start >= t0) {
          latencies.push(done - start);
          lastDone = Math.max(lastDone, done);
        }
      } catch (err) {
        if (start >= t0) fail(err);
      }
    }
  };
  await Promise.all(sessions.map((s, i) => worker(s, i)));
  clearTimeout(mark);
  const cpuAfter = sampler.cpu();
  const client = process.cpuUsage(clientBefore);
  sampler.stop();
  await Promise.race([mapLimit(sessions, 32, disconnect), new Promise((r) => setTimeout(r, 10_000))]);

  const calls = latencies.length;
  const seconds = Math.max(0.001, (lastDone - t0) / 1000);
  return {
    concurrency: o.concurrency,
    sessions: sessions.length,
    calls,
    errors,
    firstError,
    seconds: round(seconds),
    callsPerSec: round(calls / seconds, 1),
    latency: summarise(latencies),
    peakRssBytes: sampler.peak,
    mainPeakRssBytes: sampler.mainPeak,
    serverCpuMsPerCall: round(cpuDelta(cpuBefore, cpuAfter) / Math.max(1, calls)),
    mainCpuMsPerCall: round(
      ((cpuAfter.get(o.pids[0]!) ?? 0) - (cpuBefore.get(o.pids[0]!) ?? 0)) / Math.max(1, calls),
    ),
    clientCpuMsPerCall: round((client.user + client.system) / 1000 / Math.max(1, calls)),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      url: { type: 'string' },
      concurrency: { type: 'string', short: 'c', default: '1' },
      warmup: { type: 'string', default: '2' },
      duration: { type: 'string', default: '10' },
      calls: { type: 'string', default: '1000000' },
      pid: { type: 'string', multiple: true, default: [] },
      json: { type: 'boolean', default: false },
    },
  });
  if (!values.url) throw new Error('--url is required');
  const result = await runLoad({
    url: values.url,
    concurrency: Number(values.concurrency),
    warmupS: Number(values.warmup),
    durationS: Math.min(600, Number(values.duration)),
    maxCalls: Number(values.calls),
    pids: values.pid.map(Number),
  });
  process.stdout.write(values.json ? `${JSON.stringify(result)}\n` : `${JSON.stringify(result, null, 2)}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`load: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
