/**
 * Idle-session scale load: N sessions (initialize, then an open GET event stream) held for a while, then one
 * `echo` call per session as a burst. Uses the bare node:http client (bench/rawmcp.ts), one socket per open
 * stream plus a small keep-alive pool for POSTs, so the client side is not the bottleneck.
 * `node bench/.build/idle.js --url U --sessions 10000 --hold 30 --pid <gateway pid>` prints one JSON line.
 */
import http, { type IncomingMessage } from 'node:http';
import { parseArgs } from 'node:util';
import { TreeSampler } from './proc.js';
import { echo, initialize, openStream, ping } from './rawmcp.js';
import { mapLimit, round, sleep, summarise, type Latency } from './stats.js';

/** What the idle-session run measured. */
export interface IdleResult {
  sessions: number;
  opened: number;
  openErrors: number;
  openSeconds: number;
  rssBeforeBytes: number;
  rssHeldBytes: number;
  rssPeakBytes: number;
  rssPerSessionBytes: number;
  streamsOpenAfterHold: number;
  burst: { calls: number; errors: number; seconds: number; callsPerSec: number; latency: Latency };
  /** The five slowest burst calls: when they started (ms into the burst) and how long they took. */
  slowest: { startMs: number; ms: number }[];
  firstError?: string;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      url: { type: 'string' },
      sessions: { type: 'string', default: '10000' },
      hold: { type: 'string', default: '30' },
      'open-concurrency': { type: 'string', default: '32' },
      'burst-concurrency': { type: 'string', default: '256' },
      pid: { type: 'string', multiple: true, default: [] },
      'no-stream': { type: 'boolean', default: false },
    },
  });
  if (!values.url) throw new Error('--url is required');
  const url = new URL(values.url);
  const n = Math.min(100_000, Number(values.sessions));
  const holdS = Math.min(600, Number(values.hold));
  const burstConcurrency = Number(values['burst-concurrency']);
  const streams = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  const posts = new http.Agent({ keepAlive: true, maxSockets: burstConcurrency });
  const sampler = new TreeSampler(values.pid.map(Number), 1000);
  const rssBefore = sampler.sample();
  sampler.start();
  let firstError: string | undefined;
  const note = (err: unknown) => void (firstError ??= err instanceof Error ? err.message : String(err));

  const openStart = performance.now();
  let openErrors = 0;
  const opened: { id: string; stream?: IncomingMessage }[] = [];
  let open = 0;
  await mapLimit(
    Array.from({ length: n }, (_, i) => i),
    Number(values['open-concurrency']),
    async (i) => {
      try {
        const id = await initialize(url, posts);
        const stream = await openStream(url, streams, id);
        open++;
        stream.once('close', () => open--);
        opened.push({ id, stream });
      } catch (err) {
        openErrors++;
        note(err);
      }
      if ((i + 1) % 1000 === 0) process.stderr.write(`idle: ${i + 1}/${n} sessions opened\n`);
    },
  );
  const openSeconds = (performance.now() - openStart) / 1000;
  process.stderr.write(
    `idle: ${opened.length} sessions open in ${round(openSeconds, 1)} s; holding ${holdS} s\n`,
  );
  await sleep(holdS * 1000);
  const rssHeld = sampler.sample();
  const streamsOpenAfterHold = open;

  // Open the POST pool's connections first, so the burst measures calls rather than 200 TCP handshakes at once.
  await mapLimit(opened.slice(0, burstConcurrency * 2), burstConcurrency, ({ id }, i) =>
    ping(url, posts, id, 100 + i).catch(note),
  );
  const latencies: number[] = [];
  const calls: { startMs: number; ms: number }[] = [];
  let burstErrors = 0;
  const burstStart = performance.now();
  await mapLimit(opened, burstConcurrency, async ({ id }, i) => {
    try {
      const startMs = performance.now() - burstStart;
      const ms = await echo(url, posts, id, 1, `idle-${i}`);
      latencies.push(ms);
      calls.push({ startMs: round(startMs, 1), ms: round(ms, 1) });
    } catch (err) {
      burstErrors++;
      note(err);
    }
  });
  const burstSeconds = (performance.now() - burstStart) / 1000;
  sampler.stop();
  for (const { stream } of opened) stream?.destroy();
  posts.destroy();
  streams.destroy();

  const result: IdleResult = {
    sessions: n,
    opened: opened.length,
    openErrors,
    openSeconds: round(openSeconds, 1),
    rssBeforeBytes: rssBefore,
    rssHeldBytes: rssHeld,
    rssPeakBytes: sampler.peak,
    rssPerSessionBytes: Math.round((rssHeld - rssBefore) / Math.max(1, opened.length)),
    streamsOpenAfterHold,
    burst: {
      calls: latencies.length,
      errors: burstErrors,
      seconds: round(burstSeconds),
      callsPerSec: round(latencies.length / Math.max(0.001, burstSeconds), 1),
      latency: summarise(latencies),
    },
    slowest: calls.sort((a, b) => b.ms - a.ms).slice(0, 5),
    firstError,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`idle: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
