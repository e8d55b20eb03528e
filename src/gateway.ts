import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { BackendPool } from './backends/pool.js';
import type { GatewayConfig } from './config/model.js';
import { Dispatcher, type RouteTable } from './dispatch/dispatch.js';
import { GatewayError } from './dispatch/errors.js';
import { log } from './log.js';
import { build, EMPTY_SNAPSHOT, type Snapshot } from './registry/catalog.js';
import { createApp } from './server/http.js';
import { installHandlers } from './server/handlers.js';
import { SessionManager } from './server/sessions.js';
import { VERSION } from './version.js';

/** The running gateway: backends, the current catalog snapshot, downstream sessions and the HTTP listener. */
export class Gateway implements RouteTable {
  readonly pool: BackendPool;
  readonly dispatcher: Dispatcher;
  readonly sessions: SessionManager;
  private current: Snapshot = EMPTY_SNAPSHOT;
  private version = 0;
  private reportedCollisions = new Set<string>();
  private http?: HttpServer;

  constructor(public config: GatewayConfig) {
    this.pool = new BackendPool(() => this.rebuild());
    this.dispatcher = new Dispatcher(this);
    this.sessions = new SessionManager(() => this.createSessionServer(), {
      maxSessions: config.gateway.maxSessions,
      idleTimeoutMs: config.gateway.sessionIdleTimeoutMs,
    });
  }

  /** The catalog snapshot requests are answered from. */
  snapshot(): Snapshot {
    return this.current;
  }

  /** The backend serving a name. */
  backend(name: string) {
    return this.pool.get(name);
  }

  /** Names a down backend would expose carry its prefix; calls to them get the backend's state, not "unknown tool". */
  unavailableOwner(name: string): GatewayError | undefined {
    const sep = this.config.gateway.separator;
    for (const b of this.pool.all()) {
      if (b.state === 'ready' || !b.spec.prefix || !name.startsWith(`${b.spec.prefix}${sep}`)) continue;
      const why = b.lastError ? ` (${b.lastError})` : '';
      return new GatewayError(
        'backend_unavailable',
        `backend "${b.name}" is ${b.state}${why}; tool "${name}" is unavailable`,
        b.name,
      );
    }
    return undefined;
  }

  /** The base URL of /mcp once listening. */
  get url(): string {
    const addr = this.http?.address() as AddressInfo | null;
    if (!addr) throw new Error('gateway is not listening');
    const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    return `http://${host}:${addr.port}/mcp`;
  }

  private createSessionServer(): Server {
    const server = new Server(
      { name: 'mcp-switchboard', title: 'switchboard MCP gateway', version: VERSION },
      {
        capabilities: {
          tools: { listChanged: true },
          resources: { subscribe: true, listChanged: true },
          prompts: { listChanged: true },
          completions: {},
          logging: {},
        },
        instructions: this.instructions(),
      },
    );
    installHandlers(server, this, this.dispatcher);
    return server;
  }

  private instructions(): string | undefined {
    const parts = this.pool
      .all()
      .filter((b) => b.state === 'ready' && b.catalog.instructions)
      .map((b) => `## ${b.name}\n${b.catalog.instructions}`);
    return parts.length ? parts.join('\n\n') : undefined;
  }

  /** Rebuilds the snapshot after any backend change and tells sessions which lists changed. */
  rebuild(): void {
    const previous = this.current;
    const next = build(this.pool.all(), this.config.gateway.separator, ++this.version);
    this.current = next;
    for (const c of next.collisions) {
      if (!this.reportedCollisions.has(c.message)) log.warn({ backend: c.backend, kind: c.kind }, c.message);
    }
    this.reportedCollisions = new Set(next.collisions.map((c) => c.message));
    this.sessions.broadcast({
      tools: previous.signature.tools !== next.signature.tools,
      prompts: previous.signature.prompts !== next.signature.prompts,
      resources: previous.signature.resources !== next.signature.resources,
    });
  }

  /** Starts the backends (in the background) and the HTTP listener. */
  async start(): Promise<void> {
    await this.pool.reconcile(this.config.backends);
    const g = this.config.gateway;
    const app = createApp({
      sessions: this.sessions,
      policy: { allowedHosts: g.allowedHosts, allowedOrigins: g.allowedOrigins },
      maxBodyBytes: g.maxBodyBytes,
      readiness: () => this.readiness(),
      metrics: () => this.metrics(),
    });
    await new Promise<void>((resolve, reject) => {
      const server = app.listen(g.port, g.host, () => resolve());
      server.once('error', reject);
      this.http = server;
    });
    // Streams (GET /mcp, long tool calls) stay open for a long time; Node's default request timeout would cut them.
    this.http!.requestTimeout = 0;
    this.http!.keepAliveTimeout = 65_000;
  }

  /** The /readyz body: config file, backends with state and catalog sizes, sessions, name collisions. */
  readiness(): Record<string, unknown> {
    const snapshot = this.current;
    return {
      status: 'ready',
      config: this.config.file,
      sessions: this.sessions.size,
      tools: snapshot.tools.length,
      backends: Object.fromEntries(
        this.pool.all().map((b) => [
          b.name,
          {
            kind: b.spec.kind,
            state: b.state,
            ...(b.lastError ? { lastError: b.lastError } : {}),
            tools: b.catalog.tools.length,
            resources: b.catalog.resources.length,
            prompts: b.catalog.prompts.length,
          },
        ]),
      ),
      disabled: this.config.disabled,
      collisions: snapshot.collisions.map((c) => c.message),
    };
  }

  /** Prometheus text exposition of the gateway's gauges. */
  metrics(): string {
    const lines = [
      '# HELP switchboard_backend_up Whether a backend is connected and ready (1) or not (0).',
      '# TYPE switchboard_backend_up gauge',
      ...this.pool
        .all()
        .map(
          (b) =>
            `switchboard_backend_up{backend="${b.name}",state="${b.state}"} ${b.state === 'ready' ? 1 : 0}`,
        ),
      '# HELP switchboard_sessions Open downstream MCP sessions.',
      '# TYPE switchboard_sessions gauge',
      `switchboard_sessions ${this.sessions.size}`,
      '# HELP switchboard_tools Tools exposed in the merged catalog.',
      '# TYPE switchboard_tools gauge',
      `switchboard_tools ${this.current.tools.length}`,
    ];
    return `${lines.join('\n')}\n`;
  }

  /** Stops listening, closes sessions and stops every backend (children terminated). */
  async close(): Promise<void> {
    const http = this.http;
    this.http = undefined;
    await this.sessions.close();
    if (http) {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    }
    await this.pool.close();
  }
}
