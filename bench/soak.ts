/**
 * A memory soak: one gateway (built, `dist/cli.js`, in its own process) with a stdio and a Streamable HTTP
 * upstream (the fixture server), under steady mixed traffic — C clients calling a tool of each upstream in a
 * loop, a session opened and closed every 2 s, `tools/list` and smart_tool_discovery queries. Samples the
 * gateway's RSS and V8 heap, and writes heap snapshots (`--heapsnapshot-signal`, which collects garbage first)
 * after the warm-up and at the end, for `bench/heap-diff.ts`.
 * `npm run build && tsx bench/soak.ts --minutes 10 --warmup 2 -c 8 --out /tmp/soak`
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { cpuMs, rssBytes } from './proc.js';

const ROOT = resolve(import.meta.dirname, '..');
const FIXTURE = join(ROOT, 'test/fixtures/servers/fixture.ts');

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    c: { type: 'string', short: 'c', default: '8' },
    out: { type: 'string', default: '/tmp/switchboard-soak' },
    snapshots: { type: 'string', default: '3' },
  },
});
const MINUTES = Number(values.minutes);
const WARMUP_MIN = Number(values.warmup);
const CLIENTS = Number(values.c);
const OUT = values.out!;
const SNAPSHOTS = Number(values.snapshots);
mkdirSync(OUT, { recursive: true });

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => res(port));
    });
    srv.once('error', rej);
  });
}

async function until(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out: ${what}`);
}

const children: ChildProcess[] = [];
process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')));

// The Streamable HTTP upstream: the fixture server in its own process.
const upstreamPort = await freePort();
children.push(
  spawn(process.execPath, ['--import', 'tsx', FIXTURE, 'http'], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(upstreamPort), FIXTURE_NAME: 'hx' },
    stdio: 'ignore',
  }),
);
const gatewayPort = await freePort();
const config = join(OUT, 'soak.yaml');
writeFileSync(
  config,
  `gateway:
  log_level: warn
mcpServers:
  fx:
    command: ${JSON.stringify(process.execPath)}
    args: ["--import", "tsx", ${JSON.stringify(FIXTURE)}, "stdio"]
    cwd: ${JSON.stringify(ROOT)}
    env: { FIXTURE_NAME: fx }
httpServices:
  hx:
    base_url: http://127.0.0.1:${upstreamPort}/mcp
`,
);
const gateway = spawn(
  process.execPath,
  [
    '--heapsnapshot-signal=SIGUSR2',
    join(ROOT, 'dist/cli.js'),
    'serve',
    '--config',
    config,
    '--port',
    String(gatewayPort),
    '--no-watch',
  ],
  { cwd: OUT, stdio: ['ignore', 'ignore', 'inherit'] },
);
children.push(gateway);
const base = `http://127.0.0.1:${gatewayPort}`;
await until(async () => (await fetch(`${base}/readyz`)).status === 200, 120_000, 'gateway ready');
const pid = gateway.pid!;

async function connect(): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const client = new Client({ name: 'soak', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(`${base}/mcp`));
  await client.connect(transport);
  return { client, transport };
}

let running = true;
const counts = { calls: 0, failed: 0, sessions: 0, lists: 0, discoveries: 0 };
let firstError = '';

async function worker(i: number): Promise<void> {
  const { client } = await connect();
  counts.sessions++;
  let n = 0;
  while (running) {
    n++;
    try {
      if (n % 50 === 0) {
        await client.listTools();
        counts.lists++;
      } else if (n % 97 === 0) {
        await client.callTool({ name: 'smart_tool_discovery', arguments: { request: 'add two numbers' } });
        counts.discoveries++;
      } else {
        const name = (n + i) % 2 === 0 ? 'fx__add' : 'hx__add';
        const r = await client.callTool({ name, arguments: { a: n, b: i } });
        if (r.isError) throw new Error(JSON.stringify(r.content));
        counts.calls++;
      }
    } catch (err) {
      counts.failed++;
      firstError ||= String(err);
    }
  }
  await client.close();
}

/** A session opened and closed every 2 s, with one call in it. */
async function churn(): Promise<void> {
  while (running) {
    const t0 = Date.now();
    try {
      const { client, transport } = await connect();
      counts.sessions++;
      await client.callTool({ name: 'fx__add', arguments: { a: 1, b: 2 } });
      await transport.terminateSession();
      await client.close();
    } catch (err) {
      counts.failed++;
      firstError ||= String(err);
    }
    await new Promise((r) => setTimeout(r, Math.max(0, 2000 - (Date.now() - t0))));
  }
}

/** Megabytes of a /metrics sample (the first series of the name). */
async function metricsMb(names: string[]): Promise<number[]> {
  const text = await (await fetch(`${base}/metrics`)).text();
  return names.map((name) => {
    const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
    return m ? Math.round(Number(m[1]) / 1e5) / 10 : NaN;
  });
}

const snapshotFiles = () => readdirSync(OUT).filter((f) => f.endsWith('.heapsnapshot'));
async function snapshot(label: string): Promise<void> {
  const before = snapshotFiles().length;
  process.kill(pid, 'SIGUSR2');
  await until(async () => snapshotFiles().length > before, 300_000, `heap snapshot ${label}`);
  const file = join(OUT, snapshotFiles().sort().at(-1)!);
  // Written while the gateway is paused: complete once the gateway answers again and the size is stable.
  let size = -1;
  await until(
    async () => {
      const now = statSync(file).size;
      const stable = now > 0 && now === size && (await fetch(`${base}/healthz`)).ok;
      size = now;
      return stable;
    },
    300_000,
    `heap snapshot ${label} written`,
  );
  console.log(`snapshot ${label}: ${file} (${Math.round(size / 1e6)} MB)`);
}

const t0 = Date.now();
const loops = [...Array.from({ length: CLIENTS }, (_, i) => worker(i)), churn()];
const samples: Record<string, number>[] = [];
const totalMs = MINUTES * 60_000;
// Snapshots after the warm-up and at the end (none: a run that only samples RSS, undisturbed by snapshots).
const snapAt = Array.from(
  { length: SNAPSHOTS },
  (_, k) => WARMUP_MIN * 60_000 + (k * (totalMs - WARMUP_MIN * 60_000)) / Math.max(1, SNAPSHOTS - 1),
);
let nextSnap = 0;
while (Date.now() - t0 < totalMs + 1000) {
  await new Promise((r) => setTimeout(r, 10_000));
  const min = (Date.now() - t0) / 60_000;
  const [heapMb, heapTotalMb, externalMb] = await metricsMb([
    'nodejs_heap_size_used_bytes',
    'nodejs_heap_size_total_bytes',
    'nodejs_external_memory_bytes',
  ]);
  const s = {
    min: Math.round(min * 100) / 100,
    rssMb: Math.round(rssBytes(pid) / 1e5) / 10,
    heapMb: heapMb!,
    heapTotalMb: heapTotalMb!,
    externalMb: externalMb!,
    calls: counts.calls,
    cpuS: Math.round(cpuMs(pid) / 100) / 10,
  };
  samples.push(s);
  console.log(JSON.stringify({ ...s, ...counts }));
  if (nextSnap < snapAt.length && Date.now() - t0 >= snapAt[nextSnap]!) {
    running = nextSnap < snapAt.length - 1;
    if (!running) await Promise.all(loops);
    await snapshot(`${nextSnap + 1}/${snapAt.length} at ${s.min} min`);
    nextSnap++;
  }
  if (!running) break;
}
running = false;
await Promise.all(loops);
writeFileSync(join(OUT, 'samples.json'), JSON.stringify({ counts, firstError, samples }, null, 2));
console.log(JSON.stringify({ done: true, ...counts, firstError }));
gateway.kill('SIGTERM');
process.exit(0);
