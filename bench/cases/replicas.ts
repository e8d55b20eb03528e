/**
 * Case 7: calls/s through three gateway replicas behind a round-robin proxy next to one replica, same run, same
 * proxy, sessions in Redis (REDIS_URL, default 127.0.0.1:6379). Every request goes to the next replica, so the
 * sessions' requests land on a different replica each time (the worst case for takeover: each replica takes
 * every session up once, then serves it from memory).
 */
import { request, createServer, Agent, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LoadResult } from '../load.js';
import { runJsonChild, stopProcess, type Started } from '../processes.js';
import { benchBackendYaml, startGateway } from '../targets.js';

/** One measured point: a setup at a concurrency. */
export interface ReplicasRow extends Partial<LoadResult> {
  setup: string;
  note?: string;
}

/** What the replicas case measured. */
export interface ReplicasResult {
  rows: ReplicasRow[];
  note?: string;
}

/** A round-robin HTTP proxy (keep-alive towards the replicas); responses, SSE included, are streamed through. */
async function roundRobin(targets: URL[]): Promise<{ url: string; close(): Promise<void> }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 512 });
  let next = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const target = targets[next++ % targets.length]!;
    const up = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
        agent,
      },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        res.flushHeaders();
        upRes.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    res.on('close', () => up.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      agent.destroy();
    },
  };
}

async function measure(
  setup: string,
  url: string,
  pids: number[],
  c: number,
  warmupS: number,
  durationS: number,
) {
  const args = [
    '--url',
    url,
    '-c',
    String(c),
    '--warmup',
    String(warmupS),
    '--duration',
    String(durationS),
    '--json',
  ];
  for (const pid of pids) args.push('--pid', String(pid));
  const r = await runJsonChild<LoadResult>('load', args, (warmupS + durationS) * 1000 + 180_000);
  return { setup, ...r };
}

/** Runs one replica and three, each with its own stdio upstream, sharing sessions through Redis. */
export async function replicas(
  warmupS: number,
  durationS: number,
  concurrency: number[],
): Promise<ReplicasResult> {
  const redis = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = `switchboard-bench-replicas-${process.pid}`;
  const yaml = `gateway:\n  redis: { url: "${redis}", prefix: "${prefix}" }\n${benchBackendYaml('stdio')}`;
  const started: (Started & { url: string })[] = [];
  const rows: ReplicasRow[] = [];
  try {
    for (let i = 0; i < 3; i++) started.push(await startGateway(yaml));
    const one = await roundRobin([new URL(started[0]!.url)]);
    const three = await roundRobin(started.map((g) => new URL(g.url)));
    try {
      for (const c of concurrency) {
        for (const [setup, url, gws] of [
          ['1 replica, direct', started[0]!.url, started.slice(0, 1)],
          ['1 replica, via proxy', one.url, started.slice(0, 1)],
          ['3 replicas, via proxy', three.url, started],
        ] as const) {
          try {
            rows.push(
              await measure(
                setup,
                url,
                gws.map((g) => g.pid),
                c,
                warmupS,
                durationS,
              ),
            );
          } catch (err) {
            rows.push({ setup, concurrency: c, note: String(err).slice(0, 300) });
          }
        }
      }
    } finally {
      await one.close();
      await three.close();
    }
  } catch (err) {
    return { rows, note: `failed: ${String(err).slice(0, 300)}` };
  } finally {
    for (const g of started) await stopProcess(g.child);
  }
  return { rows };
}
