/** Test helpers for several gateway processes: real replicas (the CLI in child processes) behind a round-robin proxy. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ROOT, stopProcess, waitFor } from '../helpers/gateway.js';

/** One request as the proxy forwarded it. */
export interface Hop {
  /** HTTP method. */
  method: string;
  /** Index of the replica that got it. */
  replica: number;
  /** JSON-RPC method, `response` for a client's answer, or empty (GET, DELETE). */
  rpc: string;
  session?: string;
}

function rpcOf(body: Buffer): string {
  if (body.length === 0) return '';
  try {
    const msg = JSON.parse(body.toString()) as { method?: string; result?: unknown; error?: unknown };
    return msg.method ?? ('result' in msg || 'error' in msg ? 'response' : '');
  } catch {
    return '';
  }
}

/**
 * A round-robin HTTP proxy in front of replicas: each request goes to the next replica in turn (one fresh
 * connection per request, so nothing is sticky); a replica that refuses the connection is skipped, as a load
 * balancer skips a failed endpoint. Responses, SSE included, are streamed through as they come.
 */
export class RoundRobinProxy {
  readonly hops: Hop[] = [];
  private next = 0;
  private server?: Server;
  private readonly down = new Set<number>();

  constructor(private readonly ports: number[]) {}

  /** Takes a replica out of the rotation or puts it back (what a readiness probe does for a Service). */
  setUp(replica: number, up: boolean): void {
    if (up) this.down.delete(replica);
    else this.down.add(replica);
  }

  /** Starts listening; returns the proxy's /mcp URL. */
  async listen(): Promise<URL> {
    const server = createServer((req, res) => this.accept(req, res));
    this.server = server;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    return new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`);
  }

  private accept(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => this.forward(req, res, Buffer.concat(chunks), 0));
  }

  private forward(req: IncomingMessage, res: ServerResponse, body: Buffer, attempt: number): void {
    let replica = this.next++ % this.ports.length;
    while (this.down.has(replica) && this.down.size < this.ports.length)
      replica = this.next++ % this.ports.length;
    const session = req.headers['mcp-session-id'] as string | undefined;
    const up = request(
      {
        host: '127.0.0.1',
        port: this.ports[replica],
        method: req.method,
        path: req.url,
        headers: req.headers,
        agent: false,
      },
      (upRes) => {
        this.hops.push({ method: req.method ?? '', replica, rpc: rpcOf(body), session });
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        res.flushHeaders();
        upRes.pipe(res);
        // A replica that dies mid-response: the client sees its stream break, as behind a real balancer.
        upRes.on('close', () => {
          if (!upRes.complete) res.destroy();
        });
      },
    );
    up.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED' && !res.headersSent && attempt < this.ports.length)
        return this.forward(req, res, body, attempt + 1);
      res.destroy();
    });
    res.on('close', () => up.destroy());
    up.end(body);
  }

  /** Stops the proxy and cuts every connection. */
  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
}

/** A gateway process started with the CLI on a fixed port. */
export class Replica {
  child?: ChildProcess;
  stderr = '';

  constructor(
    readonly port: number,
    private readonly config: string,
  ) {}

  /** Starts the process and waits until every backend is ready. */
  async start(backends: string[]): Promise<void> {
    this.stderr = '';
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(ROOT, 'src/cli.ts'),
        'serve',
        '--config',
        this.config,
        '--port',
        String(this.port),
      ],
      {
        cwd: ROOT,
        env: { ...process.env, SWITCHBOARD_LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.child = child;
    // The catalog follows a backend's state a tick later: ready on two polls in a row means its tools are exposed.
    let readyBefore = false;
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`replica exited: ${this.stderr}`);
        const ready = (await (await fetch(`http://127.0.0.1:${this.port}/readyz`)).json()) as {
          backends: Record<string, { state: string }>;
        };
        const now = backends.every((b) => ready.backends[b]?.state === 'ready');
        const settled = now && readyBefore;
        readyBefore = now;
        return settled;
      },
      120_000,
      `replica on ${this.port} ready`,
    );
  }

  /** Stops the process (SIGTERM: graceful; SIGKILL: it dies on the spot). */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.child) await stopProcess(this.child, signal);
  }

  /** The replica's own /mcp URL (bypassing the proxy). */
  get url(): string {
    return `http://127.0.0.1:${this.port}/mcp`;
  }
}
