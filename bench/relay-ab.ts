/**
 * `npx tsx bench/relay-ab.ts [--blocks 12] [--calls 1500] [-c 8] [--kind stdio|http|sse]`: gateway CPU per
 * `tools/call` with the relay path on vs off, measured so that a busy shared machine cancels out: two gateways
 * (same build, `gateway.relay_path` true and false) in front of the same kind of upstream, driven alternately
 * in short blocks of the same calls by one light raw-HTTP client; each gateway's CPU time (utime + stime from
 * /proc) over its blocks, divided by the calls. Prints the per-block medians and their ratio. Needs `npm run build`.
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { parseArgs } from 'node:util';
import { killAllStarted, stopProcess, transpileBench } from './processes.js';
import { benchBackendYaml, startGateway, startUpstream, type UpstreamMode } from './targets.js';

const { values } = parseArgs({
  options: {
    blocks: { type: 'string', default: '12' },
    calls: { type: 'string', default: '1500' },
    concurrency: { type: 'string', short: 'c', default: '8' },
    kind: { type: 'string', default: 'stdio' },
  },
});
const TICK_MS = 10; // USER_HZ 100

function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * TICK_MS;
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

function post(url: URL, body: unknown, session?: string): Promise<{ session?: string; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          accept: 'application/json, text/event-stream',
          'content-type': 'application/json',
          ...(session && { 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' }),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ session: res.headers['mcp-session-id'] as string | undefined, text }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

async function open(url: URL): Promise<string> {
  const init = await post(url, {
    jsonrpc: '2.0',
    id: 0,
    method: 'initialize',
    params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'ab', version: '1' } },
  });
  await post(url, { jsonrpc: '2.0', method: 'notifications/initialized' }, init.session);
  return init.session!;
}

async function block(url: URL, sessions: string[], calls: number): Promise<void> {
  let next = 0;
  await Promise.all(
    sessions.map(async (s) => {
      while (next < calls) {
        const id = next++;
        const r = await post(
          url,
          { jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { text: 'hi' } } },
          s,
        );
        if (!r.text.includes('"result"')) throw new Error(`call failed: ${r.text.slice(0, 200)}`);
      }
    }),
  );
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  transpileBench();
  const kind = values.kind as UpstreamMode;
  const upstream = kind === 'stdio' ? undefined : await startUpstream(kind);
  const gw = async (relay: boolean) =>
    startGateway(`gateway:\n  relay_path: ${relay}\n${benchBackendYaml(kind, upstream?.base)}`);
  const on = await gw(true);
  const off = await gw(false);
  try {
    const c = Number(values.concurrency);
    const calls = Number(values.calls);
    const sides = await Promise.all(
      [on, off].map(async (g) => ({
        g,
        url: new URL(g.url),
        sessions: await Promise.all(Array.from({ length: c }, () => open(new URL(g.url)))),
        perCall: [] as number[],
      })),
    );
    for (const s of sides) await block(s.url, s.sessions, calls); // warm-up
    for (let i = 0; i < Number(values.blocks); i++) {
      for (const s of i % 2 ? [...sides].reverse() : sides) {
        const before = cpuMs(s.g.pid);
        await block(s.url, s.sessions, calls);
        s.perCall.push((cpuMs(s.g.pid) - before) / calls);
      }
    }
    const [a, b] = sides.map((s) => median(s.perCall));
    const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    process.stdout.write(
      `${kind} upstream, C=${c}, ${values.blocks} blocks of ${calls} calls each way, load ${load}\n` +
        `gateway CPU ms/call, median of blocks: relay on ${a!.toFixed(3)}, relay off ${b!.toFixed(3)}, ` +
        `on/off ${(a! / b!).toFixed(3)}\n` +
        `per block on:  ${sides[0]!.perCall.map((x) => x.toFixed(3)).join(' ')}\n` +
        `per block off: ${sides[1]!.perCall.map((x) => x.toFixed(3)).join(' ')}\n`,
    );
  } finally {
    await stopProcess(on.child);
    await stopProcess(off.child);
    if (upstream) await stopProcess(upstream.child);
    agent.destroy();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  killAllStarted();
  process.exit(1);
});
