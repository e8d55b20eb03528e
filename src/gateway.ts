import { randomUUID } from 'node:crypto';
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from '@modelcontextprotocol/server';
import type { Backend } from './backends/backend.js';
import { BackendPool } from './backends/pool.js';
import { diffConfigs, RESTART_SETTINGS } from './config/diff.js';
import { ConfigError, formatProblem } from './config/errors.js';
import { loadConfig, type LoadOptions } from './config/load.js';
import type { GatewayConfig, GatewaySettings } from './config/model.js';
import { ReloadTracker, type ReloadStatus } from './config/reload-status.js';
import { AttachedSessions } from './frontends/attached.js';
import { Discovery } from './discovery/index.js';
import { Dispatcher, type RouteTable } from './dispatch/dispatch.js';
import { GatewayError } from './errors.js';
import { log } from './log.js';
import { GatewayQueues, type QueueReadiness } from './queue/gateway-queues.js';
import { build, EMPTY_SNAPSHOT, type Snapshot } from './registry/catalog.js';
import { authSource } from './server/auth-http.js';
import { createApp } from './server/http.js';
import { createListener } from './server/listener.js';
import { installHandlers } from './server/handlers.js';
import { InputBridge } from './server/input-bridge.js';
import { ModernEndpoint } from './server/modern.js';
import { Peers } from './server/peers.js';
import type { InputSupport } from './server/relayed.js';
import { RequestStateCodec } from './server/request-state.js';
import { SessionManager } from './server/sessions.js';
import { VERSION } from './version.js';
import { waitAtMost } from './time.js';

/** How long a reload waits for new backends' first connection attempt before telling clients, at most. */
const RELOAD_SETTLE_MS = 5000;

/** The running gateway: backends, the current catalog snapshot, downstream sessions and the HTTP listener. */
export class Gateway implements RouteTable {
  readonly pool: BackendPool;
  readonly dispatcher: Dispatcher;
  readonly sessions: SessionManager;
  /** Sessions over other transports (stdio, WebSocket frontends), built like /mcp sessions. */
  readonly attached: AttachedSessions;
  /** Downstream sessions as the relay sees them: log levels, subscriptions, upstream notifications. */
  readonly peers: Peers;
  /** Smart discovery: the index that follows each snapshot, and the meta-tool's exposure. */
  readonly discovery: Discovery;
  /** Queues of single_session backends; the dispatcher routes their requests through them. */
  readonly queues: GatewayQueues;
  /** The 2026-07-28 (per-request) side of /mcp. */
  readonly modern: ModernEndpoint;
  /** Sealed requestState and parked calls for multi-round-trip (`input_required`) requests. */
  readonly input: InputSupport;
  /** When the exposed lists last changed: 2026 list results are cached for a fraction of that age. */
  private listsChangedAt = Date.now();
  private current: Snapshot = EMPTY_SNAPSHOT;
  private version = 0;
  private reportedCollisions = new Set<string>();
  private http?: HttpServer;
  private readonly reloads = new ReloadTracker();
  private reloadQueue: Promise<unknown> = Promise.resolve();
  /** While positive (a reload in progress), snapshots are rebuilt but clients are told only at the end. */
  private quiet = 0;
  private announced = EMPTY_SNAPSHOT.signature;

  /** @param loadOptions how the config was loaded (CLI overrides), reused on reload. */
  constructor(
    public config: GatewayConfig,
    private readonly loadOptions: LoadOptions = {},
  ) {
    this.queues = new GatewayQueues(() => this.config.gateway.redis);
    this.dispatcher = new Dispatcher(this, this.queues.runner);
    this.peers = new Peers(this.dispatcher);
    this.discovery = new Discovery({
      settings: () => this.config.gateway.discovery,
      snapshot: () => this.current,
      indexed: (backend) => this.pool.get(backend)?.spec.discovery !== false,
    });
    this.pool = new BackendPool(() => this.rebuild(), this.peers, this.queues);
    this.sessions = new SessionManager(() => this.createSessionServer(), {
      maxSessions: config.gateway.maxSessions,
      idleTimeoutMs: config.gateway.sessionIdleTimeoutMs,
    });
    this.attached = new AttachedSessions(() => this.createSessionServer());
    this.input = {
      codec: new RequestStateCodec(config.gateway.requestStateSecret),
      bridge: new InputBridge(),
    };
    this.modern = new ModernEndpoint(
      () => this.createSessionServer(`req:${randomUUID()}`),
      this.peers.subscriptions,
    );
    this.peers.onListenedResourceUpdated = (uri) => this.modern.resourceUpdated(uri);
  }

  /** The catalog snapshot requests are answered from. */
  snapshot(): Snapshot {
    return this.current;
  }

  /** The backend serving a name. */
  backend(name: string) {
    return this.pool.get(name);
  }

  /** Every configured backend. */
  backends() {
    return this.pool.all();
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

  /** A downstream server: one per 2025 session, or one per 2026-07-28 request (`requestId`). */
  private createSessionServer(requestId?: string): Server {
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
        ...(requestId && { cacheHints: this.cacheHints() }),
      },
    );
    installHandlers(server, this, this.dispatcher, this.peers, this.input, this.discovery, requestId);
    return server;
  }

  /**
   * How long 2026 clients may cache the lists: a tenth of the time since they last changed (so a catalog that
   * just changed is not cached at all), at most a minute; private, since what a client sees may be its own.
   */
  private cacheHints() {
    const ttlMs = Math.min(60_000, Math.floor((Date.now() - this.listsChangedAt) / 10));
    const hint = { ttlMs, cacheScope: 'private' as const };
    return {
      'tools/list': hint,
      'prompts/list': hint,
      'resources/list': hint,
      'resources/templates/list': hint,
    };
  }

  /** New sessions' instructions, built once per snapshot: every session shares one string instead of a copy. */
  private instructionsFor?: { snapshot: Snapshot; text: string | undefined };

  private instructions(): string | undefined {
    if (this.instructionsFor?.snapshot !== this.current) {
      const parts = this.pool
        .all()
        .filter((b) => b.state === 'ready' && b.catalog.instructions)
        .map((b) => `## ${b.name}\n${b.catalog.instructions}`);
      this.instructionsFor = { snapshot: this.current, text: parts.length ? parts.join('\n\n') : undefined };
    }
    return this.instructionsFor.text;
  }

  /** Rebuilds the snapshot after any backend change and tells sessions which lists changed. */
  rebuild(): void {
    const next = build(this.pool.all(), this.config.gateway.separator, ++this.version);
    this.current = next;
    this.discovery.follow(next);
    for (const c of next.collisions) {
      if (!this.reportedCollisions.has(c.message)) log.warn({ backend: c.backend, kind: c.kind }, c.message);
    }
    this.reportedCollisions = new Set(next.collisions.map((c) => c.message));
    if (this.quiet > 0) return;
    const told = this.announced;
    this.announced = next.signature;
    const changes = {
      tools: told.tools !== next.signature.tools,
      prompts: told.prompts !== next.signature.prompts,
      resources: told.resources !== next.signature.resources,
    };
    if (changes.tools || changes.prompts || changes.resources) this.listsChangedAt = Date.now();
    this.sessions.broadcast(changes);
    this.attached.broadcast(changes);
    this.modern.broadcast(changes);
  }

  /**
   * Re-reads the config file and applies it; never throws. An invalid file changes nothing. A valid one
   * is reconciled backend by backend, live settings apply, and clients whose lists changed are told
   * once, after new backends have had their first connection attempt (bounded by RELOAD_SETTLE_MS).
   */
  async reload(): Promise<ReloadStatus> {
    const applied = this.reloadQueue.then(() => this.applyFile());
    this.reloadQueue = applied.catch(() => {});
    const { status, settling } = await applied;
    await settling;
    return status;
  }

  private async applyFile(): Promise<{ status: ReloadStatus; settling: Promise<void> }> {
    let next: GatewayConfig;
    try {
      next = loadConfig(this.config.file, { ...this.loadOptions, rejectEmpty: true });
    } catch (err) {
      const status = this.reloads.failedWith(err);
      if (err instanceof ConfigError) for (const p of err.problems) log.error(formatProblem(p));
      log.error(`config reload refused: ${status.error}`);
      return { status, settling: Promise.resolve() };
    }
    const running = this.config.gateway;
    const diff = diffConfigs(this.config, next);
    for (const s of diff.settings.filter((x) => !x.live)) {
      log.warn(`gateway.${s.setting} changed: needs a restart to apply; the running value is kept`);
    }
    const kept = Object.fromEntries(RESTART_SETTINGS.map((k) => [k, running[k]])) as Partial<GatewaySettings>;
    const gateway: GatewaySettings = { ...next.gateway, ...kept };
    this.config = { ...next, gateway };
    this.sessions.setLimits({
      maxSessions: gateway.maxSessions,
      idleTimeoutMs: gateway.sessionIdleTimeoutMs,
    });
    if (gateway.logLevel && !process.env.SWITCHBOARD_LOG_LEVEL) log.level = gateway.logLevel;
    this.quiet++;
    const result = await this.pool.reconcile(next.backends, gateway.reloadGracePeriodMs);
    const status = this.reloads.succeeded();
    const { added, removed, changed, updated } = result;
    log.info(
      { added, removed, changed, updated, settings: diff.settings.map((s) => s.setting) },
      'config reloaded',
    );
    const settling = waitAtMost(this.pool.settled(), RELOAD_SETTLE_MS).finally(() => {
      this.quiet--;
      this.rebuild();
    });
    return { status, settling };
  }

  /** Starts the backends (in the background) and the HTTP listener. */
  async start(): Promise<void> {
    await this.pool.reconcile(this.config.backends);
    const g = this.config.gateway;
    const app = createApp({
      sessions: this.sessions,
      modern: this.modern,
      policy: () => this.config.gateway,
      maxBodyBytes: g.maxBodyBytes,
      maxJsonDepth: g.maxJsonDepth,
      auth: authSource(() => this.config.gateway.auth),
      readiness: () => this.readiness(),
      metrics: () => this.metrics(),
    });
    await new Promise<void>((resolve, reject) => {
      const server = createListener(g, app);
      server.once('error', reject);
      server.listen(g.port, g.host, () => resolve());
      this.http = server;
    });
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
            ...(b.era.version ? { protocol: b.era.version } : {}),
            ...(b.lastError ? { lastError: b.lastError } : {}),
            tools: b.catalog.tools.length,
            resources: b.catalog.resources.length,
            prompts: b.catalog.prompts.length,
            ...this.queueReadiness(b),
          },
        ]),
      ),
      disabled: this.config.disabled,
      collisions: snapshot.collisions.map((c) => c.message),
      ...this.reloadReadiness(),
    };
  }

  private queueReadiness(b: Backend): { queue?: QueueReadiness } {
    const queue = this.queues.readiness(b);
    return queue ? { queue } : {};
  }

  private reloadReadiness(): Record<string, unknown> {
    const reload = this.reloads.status();
    const draining = this.pool.draining().map((b) => ({ backend: b.name, inFlight: b.inFlight }));
    return { ...(reload ? { reload } : {}), ...(draining.length ? { draining } : {}) };
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
      ...this.reloads.metrics(),
      ...this.queues.metrics(),
    ];
    return `${lines.join('\n')}\n`;
  }

  /** Stops listening, closes sessions and stops every backend (children terminated). */
  async close(): Promise<void> {
    const http = this.http;
    this.http = undefined;
    this.input.bridge.close();
    await this.modern.close();
    await this.sessions.close();
    await this.attached.close();
    if (http) {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    }
    await this.queues.close();
    await this.pool.close();
  }
}
