/** Helpers for the single-session gateway tests: the one-session fixture, gateway processes, /readyz, tool calls. */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { join } from 'node:path';
import type { Client, CallToolResult } from '@modelcontextprotocol/client';
import type { SingleStats } from '../fixtures/servers/single-session.js';
import { FIXTURE, freePort, ROOT, startUpstream, waitFor } from '../helpers/gateway.js';

/** A running one-session fixture upstream (Streamable HTTP). */
export interface SingleFixture {
  child: ChildProcess;
  url: string;
  stats(): Promise<SingleStats>;
}

/** Starts the fixture with FIXTURE_SINGLE=1 on a free port. */
export async function startSingleFixture(): Promise<SingleFixture> {
  const port = await freePort();
  const child = await startUpstream(['--import', 'tsx', FIXTURE, 'http'], port, {
    FIXTURE_SINGLE: '1',
    FIXTURE_NAME: 'single',
  });
  const base = `http://127.0.0.1:${port}`;
  return {
    child,
    url: `${base}/mcp`,
    stats: () => fetch(`${base}/stats`).then((r) => r.json() as Promise<SingleStats>),
  };
}

/** YAML for a single-session HTTP backend named `single` in front of `url`. */
export function singleBackendYaml(url: string, extra = ''): string {
  return `httpServices:
  single:
    base_url: ${url}
    single_session: true
${extra}`;
}

/** A gateway process started with the real CLI (`serve --port 0`), with its URL once it listens. */
export async function serveProcess(file: string): Promise<{ child: ChildProcess; url: URL }> {
  const args = ['--import', 'tsx', join(ROOT, 'src/cli.ts'), 'serve', '--config', file, '--port', '0'];
  const child = spawn(process.execPath, [...args, '--no-watch'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, SWITCHBOARD_LOG_LEVEL: process.env.SWITCHBOARD_LOG_LEVEL ?? 'warn' },
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  // Generous: three replicas compiling with tsx at once on a loaded 2-core machine take a while.
  const line = await waitFor<string | false | undefined>(
    () => child.exitCode === null && /listening on (\S+)/.exec(out)?.[1],
    90_000,
    'gateway prints its URL',
  ).catch((err: unknown) => {
    // Never left behind: the gateway and (on SIGTERM) its backends' children go with the failed start.
    child.kill('SIGTERM');
    throw err;
  });
  return { child, url: new URL(line as string) };
}

/** The /readyz entry of one backend, with its queue. */
export interface BackendReadiness {
  state: string;
  lastError?: string;
  tools: number;
  queue?: { mode: string; owner: boolean; depth: number; running: number; ownerReplica?: string };
}

/** Reads one backend's /readyz entry from a gateway. */
export async function backendReadiness(url: URL, backend = 'single'): Promise<BackendReadiness> {
  const body = (await fetch(new URL('/readyz', url)).then((r) => r.json())) as {
    backends: Record<string, BackendReadiness>;
  };
  return body.backends[backend]!;
}

/** One `work` call through the gateway; resolves with the tool result (gateway errors are isError results). */
export function work(
  client: Client,
  id: string,
  args: { ms?: number; steps?: number } = {},
  opts: { signal?: AbortSignal; onprogress?: (p: { progress: number }) => void } = {},
): Promise<CallToolResult> {
  return client.callTool(
    { name: 'single__work', arguments: { id, ...args } },
    {
      ...opts,
      timeout: 120_000,
    },
  ) as Promise<CallToolResult>;
}

/** The gateway error code a tool error carries in `_meta`, if any. */
export function errorCode(result: CallToolResult): string | undefined {
  const meta = result._meta?.['switchboard/error'] as { code?: string } | undefined;
  return result.isError ? meta?.code : undefined;
}

/** A TCP proxy in front of Redis that a test can cut and restore on the same port, to simulate an outage. */
export class TcpProxy {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  constructor(private readonly target: URL) {}

  async start(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(Number(this.target.port || 6379), this.target.hostname);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as net.AddressInfo).port;
  }

  /** Cuts every connection and stops listening. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise((resolve) => server.close(resolve));
  }

  url(): string {
    const u = new URL(this.target);
    u.hostname = '127.0.0.1';
    u.port = String(this.port);
    return u.toString();
  }
}
