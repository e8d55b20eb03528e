import { randomUUID } from 'node:crypto';
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AuthInfo, Server } from '@modelcontextprotocol/server';
import { BackendPool } from './backends/pool.js';
import type { TransportFactory } from './backends/transports.js';
import { diffConfigs, keepSignIn, RESTART_SETTINGS } from './config/diff.js';
import { ConfigError, formatProblem } from './config/errors.js';
import { preflight } from './config/preflight.js';
import { loadConfig, type LoadOptions } from './config/load.js';
import type { GatewayConfig, GatewaySettings } from './config/model.js';
import { ReloadTracker, type ReloadStatus } from './config/reload-status.js';
import { configSecrets } from './config/secrets.js';
import { AttachedSessions } from './frontends/attached.js';
import { restApi } from './frontends/rest/router.js';
import { PROBLEM_ROUTES } from './frontends/rest/problem.js';
import type { FrontendDeps } from './frontends/limits.js';
import { FRONTEND_PATHS, mountFrontends } from './frontends/routes.js';
import { LegacySseFrontend } from './frontends/sse.js';
import { WebSocketFrontend, WS_TIMING } from './frontends/ws.js';
import type { SocketTiming } from './frontends/ws-transport.js';
import { Discovery } from './discovery/index.js';
import { ConsoleApi } from './console/api.js';
import { mountConsole } from './console/mount.js';
import { Dispatcher, type RouteTable } from './dispatch/dispatch.js';
import { GatewayError } from './errors.js';
import { log, setSecrets } from './log.js';
import { GatewayQueues } from './queue/gateway-queues.js';
import { gauges } from './ops/gauges.js';
import { configHash } from './ops/hash.js';
import { applyHeapGrowth } from './ops/heap.js';
import { readiness } from './ops/readiness.js';
import { Startup } from './ops/startup.js';
import type { OpsView } from './ops/view.js';
import { build, EMPTY_SNAPSHOT, type Snapshot } from './registry/catalog.js';
import { ALLOW_ALL, GrantViews } from './registry/grant.js';
import { Instructions } from './registry/instructions.js';
import type { AuthServer } from './authserver/index.js';
import { loadSignIn } from './authserver/load.js';
import { authSource, RESOURCE_METADATA_PATH } from './server/auth-http.js';
import { ListAnnouncer } from './server/announcer.js';
import { Drain } from './server/drain.js';
import { runtimeReadiness } from './lifecycle.js';
import { createApp } from './server/http.js';
import { listen } from './server/listener.js';
import { warnUncheckedHosts } from './server/security.js';
import { visibleTools, type Access } from './server/handlers.js';
import { sessionServer, type SessionServerDeps } from './server/session-server.js';
import { InputBridge } from './server/input-bridge.js';
import { ModernEndpoint } from './server/modern.js';
import { Peers } from './server/peers.js';
import { policySource, type PolicyEngine } from './server/policy.js';
import { createBuckets, type Buckets } from './server/rate-limit.js';
import type { InputSupport } from './server/relayed.js';
import { RequestStateCodec } from './server/request-state.js';
import { SessionCluster } from './server/cluster.js';
import { SubscriptionHandover } from './server/handover.js';
import { SessionManager, type SessionLimits } from './server/sessions.js';
import { GatewayMetrics } from './telemetry/metrics.js';
import type { Telemetry } from './telemetry/recorder.js';
import { startTracing, TRACING_OFF, type TracingOptions } from './telemetry/tracing.js';
import { waitAtMost } from './time.js';
import { Toolsets } from './toolsets/index.js';
import { withSetRestApis } from './toolsets/rest.js';

/** How long a reload waits for new backends' first connection attempt before telling clients, at most. */
const RELOAD_SETTLE_MS = 5000;

/** What tests and the bench replace in a gateway: the span exporter, WebSocket timing, the upstream transports. */
export interface GatewaySeams {
  /** A span exporter to use instead of OTLP. */
  tracing?: TracingOptions;
  /** WebSocket ping interval and re-attach grace period. */
  wsTiming?: SocketTiming;
  /** How upstream connections are made (in-process transports for tests). */
  transports?: TransportFactory;
}

/** The running gateway: backends, the current catalog snapshot, downstream sessions and the HTTP listener. */
export class Gateway implements RouteTable {
  readonly pool: BackendPool;
  readonly dispatcher: Dispatcher;
  readonly sessions: SessionManager;
  /** Sessions over other transports (stdio, WebSocket, legacy SSE), built like /mcp sessions. */
  readonly attached: AttachedSessions;
  /** `GET /ws` and the legacy `GET /sse` + `POST /messages` (made by start()). */
  ws?: WebSocketFrontend;
  sse?: LegacySseFrontend;
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
  /** With Redis: moves a stopped replica's resource subscriptions to the replica holding the session's stream. */
  private readonly handover?: SubscriptionHandover;
  /** Graceful shutdown of /mcp: requests in flight, and 503 for new ones once draining (see lifecycle.ts). */
  readonly drain = new Drain();
  /** The tool sets (`toolsets:`) served at /mcp/<set>. */
  readonly toolsets: Toolsets;
  /** What each principal may use (gateway.auth.policies, followed across reloads), and its filtered lists. */
  readonly access: Access;
  readonly policies: () => PolicyEngine;
  private current: Snapshot = EMPTY_SNAPSHOT;
  /** Tells sessions which lists changed; held while a reload settles. */
  private readonly announcer: ListAnnouncer;
  private version = 0;
  private reportedCollisions = new Set<string>();
  private http?: HttpServer;
  /** Set by start(): done once every backend has had its first connection attempt, or startup_timeout passed. */
  private startup?: Startup;
  private serverDeps?: SessionServerDeps;
  /** Sign-in's authorization server (gateway.auth.sign_in), made by start(). */
  private authServer?: AuthServer;
  private readonly reloads = new ReloadTracker();
  private reloadQueue: Promise<unknown> = Promise.resolve();
  /** Metrics (always) and tracing (when enabled, from start()); every component records through it. */
  readonly telemetry: Telemetry & { metrics: GatewayMetrics };
  private hash: string;

  /**
   * @param loadOptions how the config was loaded (CLI overrides), reused on reload.
   * @param seams what tests and the bench replace (span exporter, WebSocket timing, upstream transports).
   */
  constructor(
    public config: GatewayConfig,
    private readonly loadOptions: LoadOptions = {},
    private readonly seams: GatewaySeams = {},
  ) {
    this.hash = configHash(config);
    setSecrets(configSecrets(config));
    applyHeapGrowth(config.gateway.heapGrowthPercent);
    this.telemetry = { tracing: TRACING_OFF, metrics: new GatewayMetrics(config.gateway.telemetry) };
    this.queues = new GatewayQueues(() => this.config.gateway.redis, this.telemetry);
    this.dispatcher = new Dispatcher(this, this.queues.runner, this.telemetry);
    this.peers = new Peers(this.dispatcher);
    this.discovery = new Discovery({
      settings: () => this.config.gateway.discovery,
      snapshot: () => this.current,
      indexed: (backend) => this.pool.get(backend)?.spec.discovery !== false,
      telemetry: this.telemetry,
    });
    this.pool = new BackendPool(
      () => this.rebuild(),
      this.peers,
      this.queues,
      this.telemetry,
      seams.transports,
    );
    this.policies = policySource(() => this.config.gateway.auth);
    this.access = { grant: (auth) => this.policies().grant(auth), views: new GrantViews() };
    const redis = config.gateway.redis;
    const cluster = redis && new SessionCluster(redis);
    this.sessions = new SessionManager(
      (auth, set) => (set ? this.toolsets.server(set, auth) : this.createSessionServer(undefined, auth)),
      this.sessionLimits(config.gateway),
      cluster,
      {
        restored: (record, server) => record.level && this.peers.restoreLevel(server, record.level),
        levelChanged: (id, level) => this.peers.restoreLevel(id, level),
        unsubscribed: (id, uri) => this.peers.releaseSubscription(id, uri),
        streamOpened: (id) => void this.handover?.check(id),
      },
    );
    this.peers.onLevel = (id, level) => void this.sessions.recordLevel(id, level);
    this.peers.subscriptions.onChange = (id, uri, on) => void this.sessions.recordSubscription(id, uri, on);
    this.handover =
      cluster &&
      new SubscriptionHandover(cluster, {
        heldStreams: () => this.sessions.heldStreams(),
        resubscribe: (id, uri) =>
          this.peers.resubscribe(id, uri, this.access.grant(this.sessions.authOf(id))),
      });
    this.attached = new AttachedSessions((auth, set) =>
      set ? this.toolsets.server(set, auth) : this.createSessionServer(undefined, auth),
    );
    this.input = {
      codec: new RequestStateCodec(config.gateway.requestStateSecret),
      bridge: new InputBridge(),
    };
    this.modern = new ModernEndpoint(
      (auth) => this.createSessionServer(`req:${randomUUID()}`, auth),
      this.peers.subscriptions,
      this.access.grant,
    );
    this.peers.onListenedResourceUpdated = (uri) => this.modern.resourceUpdated(uri);
    this.announcer = new ListAnnouncer(this.access, [this.sessions, this.attached], this.modern);
    this.toolsets = new Toolsets(
      {
        ...{ routes: this, runner: this.queues.runner, telemetry: this.telemetry },
        grant: (auth) => this.policies().grant(auth),
        discovery: () => this.config.gateway.discovery,
        indexed: (backend) => this.pool.get(backend)?.spec.discovery !== false,
        subscriptions: this.peers.subscriptions,
        serverDeps: () => ({ peers: this.peers, input: this.input, telemetry: this.telemetry }),
        audiences: [this.sessions, this.attached],
      },
      () => this.config.toolsets ?? [],
    );
    this.telemetry.metrics.observe(gauges(this.ops));
  }

  /** The gateway as /readyz and /metrics read it. */
  private readonly ops: OpsView = {
    config: () => this.config,
    configHash: () => this.hash,
    snapshot: () => this.current,
    listedTools: (grant) => visibleTools(this, this.access, grant, this.discovery).map((t) => t.name),
    backends: () => this.pool.all(),
    draining: () => this.pool.draining(),
    sessions: () => this.sessions.size + this.attached.size,
    evicted: () => this.sessions.evicted,
    openRequests: () => this.modern.open,
    queue: (b) => this.queues.readiness(b),
    queues: () => this.queues.stats(),
    reload: () => this.reloads.status(),
    starting: () => !this.startup?.done,
  };

  /** The web console's API (/v1/backends, /v1/events, /v1/config). */
  readonly console = new ConsoleApi({
    view: this.ops,
    grant: (auth) => this.access.grant(auth),
    reload: () => this.reload(),
  });

  /** New sessions' instructions, per snapshot and grant. */
  private readonly instructions = new Instructions();
  /** A principal's session cap (its policy's max_sessions, else max_sessions_per_principal). */
  private readonly sessionCap = (auth: AuthInfo) => this.policies().limits(auth).maxSessions;

  /** The limits of 2025-era sessions, from the gateway settings. */
  private sessionLimits(g: GatewaySettings): SessionLimits {
    const { maxSessions, sessionIdleTimeoutMs: idleTimeoutMs, sessionEvictionMinIdleMs } = g;
    return {
      maxSessions,
      idleTimeoutMs,
      evictionMinIdleMs: sessionEvictionMinIdleMs,
      perPrincipal: this.sessionCap,
    };
  }

  /** Rate-limit buckets, made on first use: in Redis when the gateway has Redis, else in this process. */
  private buckets?: Promise<Buckets>;

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
    return this.pool.unavailableOwner(name, this.config.gateway.separator);
  }

  /** The base URL of /mcp once listening. */
  get url(): string {
    const addr = this.http?.address() as AddressInfo | null;
    if (!addr) throw new Error('gateway is not listening');
    const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    return `http://${host}:${addr.port}/mcp`;
  }

  /** A downstream server: one per 2025 session, or one per 2026-07-28 request (`requestId`), for a principal. */
  private createSessionServer(requestId?: string, auth?: AuthInfo): Server {
    this.serverDeps ??= {
      ...{ routes: this, access: this.access, telemetry: this.telemetry, input: this.input },
      ...{ dispatcher: this.dispatcher, peers: this.peers, discovery: this.discovery },
      instructions: (grant) => this.instructions.for(this.current, this.pool.all(), grant),
      cacheHints: () => this.announcer.cacheHints(),
    };
    return sessionServer(this.serverDeps, requestId, auth);
  }

  /** Rebuilds the snapshot after any backend change and tells sessions which lists changed. */
  rebuild(): void {
    const next = build(this.pool.all(), this.config.gateway.separator, ++this.version);
    this.current = next;
    this.dispatcher.connecting.changed();
    this.discovery.follow(next);
    this.console.changed();
    for (const c of next.collisions) {
      if (!this.reportedCollisions.has(c.message)) log.warn({ backend: c.backend, kind: c.kind }, c.message);
    }
    this.reportedCollisions = new Set(next.collisions.map((c) => c.message));
    this.announcer.announce(next);
    this.toolsets.follow(next);
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
    this.console.changed();
    await settling;
    return status;
  }

  private async applyFile(): Promise<{ status: ReloadStatus; settling: Promise<void> }> {
    let next: GatewayConfig;
    try {
      next = loadConfig(this.config.file, { ...this.loadOptions, rejectEmpty: true });
    } catch (err) {
      const status = this.reloads.failedWith(err);
      this.telemetry.metrics.reload('failed');
      if (err instanceof ConfigError) for (const p of err.problems) log.error(formatProblem(p));
      log.error(`config reload refused: ${status.error}`);
      return { status, settling: Promise.resolve() };
    }
    for (const w of preflight(next)) log.warn(formatProblem(w));
    const running = this.config.gateway;
    const diff = diffConfigs(this.config, next);
    for (const s of diff.settings.filter((x) => !x.live)) {
      log.warn(`gateway.${s.setting} changed: needs a restart to apply; the running value is kept`);
    }
    const kept = Object.fromEntries(RESTART_SETTINGS.map((k) => [k, running[k]])) as Partial<GatewaySettings>;
    const gateway: GatewaySettings = {
      ...next.gateway,
      ...kept,
      auth: keepSignIn(running.auth, next.gateway.auth),
    };
    if (JSON.stringify(running.auth.policies) !== JSON.stringify(gateway.auth.policies)) {
      this.announcer.policiesUpdated();
      this.toolsets.policiesUpdated();
    }
    this.config = { ...next, gateway };
    this.hash = configHash(this.config);
    setSecrets(configSecrets(this.config));
    this.sessions.setLimits(this.sessionLimits(gateway));
    if (gateway.logLevel && !process.env.SWITCHBOARD_LOG_LEVEL) log.level = gateway.logLevel;
    applyHeapGrowth(gateway.heapGrowthPercent);
    this.announcer.hold();
    this.toolsets.hold();
    const result = await this.pool.reconcile(next.backends, gateway.reloadGracePeriodMs);
    const status = this.reloads.succeeded();
    this.telemetry.metrics.reload('ok');
    const { added, removed, changed, updated } = result;
    log.info(
      { added, removed, changed, updated, settings: diff.settings.map((s) => s.setting) },
      'config reloaded',
    );
    const settling = waitAtMost(this.pool.settled(), RELOAD_SETTLE_MS).finally(() => {
      this.announcer.release();
      this.toolsets.release();
      this.rebuild();
    });
    return { status, settling };
  }

  /** Starts the backends (in the background) and the HTTP listener. */
  async start(): Promise<void> {
    const g = this.config.gateway;
    for (const w of preflight(this.config)) log.warn(formatProblem(w));
    warnUncheckedHosts(g);
    this.telemetry.tracing = await startTracing(g.telemetry, this.seams.tracing ?? {});
    await this.pool.reconcile(this.config.backends);
    this.startup = new Startup(this.pool, g.startupTimeoutMs);
    const rate = {
      buckets: () => (this.buckets ??= createBuckets(this.config.gateway.redis)),
      limit: (auth: AuthInfo) => this.policies().limits(auth).rateLimit,
      failMode: () => this.config.gateway.auth.rateLimitFailMode,
    };
    const frontends: FrontendDeps = {
      attached: this.attached,
      drain: this.drain,
      rate,
      maxBodyBytes: g.maxBodyBytes,
      maxJsonDepth: g.maxJsonDepth,
      maxSessions: () => this.config.gateway.maxSessions,
      sessionCap: this.sessionCap,
      cluster: this.sessions.store,
    };
    const as = (this.authServer = await loadSignIn(g, () => this.config.gateway));
    const ws = (this.ws = new WebSocketFrontend(frontends, this.seams.wsTiming ?? WS_TIMING));
    const sse = (this.sse = new LegacySseFrontend(frontends));
    const restLimits = {
      auth: () => this.config.gateway.auth,
      maxBodyBytes: g.maxBodyBytes,
      maxJsonDepth: g.maxJsonDepth,
    };
    const app = createApp({
      sessions: this.sessions,
      modern: this.modern,
      policy: () => this.config.gateway,
      maxBodyBytes: g.maxBodyBytes,
      maxJsonDepth: g.maxJsonDepth,
      auth: authSource(
        () => this.config.gateway.auth,
        () => as?.verification(),
      ),
      rate,
      readiness: (auth) => this.readiness(auth),
      metrics: (req, res) => this.telemetry.metrics.serve(req, res),
      refusal: (kind, reason) => this.telemetry.metrics.refusal(kind, reason),
      drain: this.drain,
      problems: PROBLEM_ROUTES,
      crossOrigin: as ? ['/oauth/'] : [],
      mount: (a, gates) => {
        as?.mount(a);
        mountConsole(this.console, g.console)(a, gates);
      },
      rest: withSetRestApis(
        restApi({
          session: (auth) => this.createSessionServer(undefined, auth),
          routes: this,
          access: this.access,
          discovery: this.discovery,
          ...restLimits,
        }),
        this.toolsets,
        restLimits,
      ),
      frontends: (a, gates) => mountFrontends(a, gates, ws, sse),
      toolsets: { find: (name, auth) => this.toolsets.endpoint(name, auth) },
      endpoints: [
        ...FRONTEND_PATHS,
        ...(g.console.enabled ? [g.console.path] : []),
        ...(this.config.gateway.auth.jwt || as ? [RESOURCE_METADATA_PATH] : []),
        ...(as ? ['/.well-known/oauth-authorization-server', '/oauth/'] : []),
      ],
    });
    this.http = await listen(g, app);
  }

  /**
   * The /readyz body: config file, backends with state and catalog sizes, sessions, name collisions; tool counts
   * as the principal sees them (everything when `auth` is not given or authentication is off).
   */
  readiness(auth?: AuthInfo): Record<string, unknown> {
    const grant = auth ? this.access.grant(auth) : ALLOW_ALL;
    return { ...readiness(this.ops, grant), ...runtimeReadiness(this) };
  }

  /** Stops listening, closes sessions and stops every backend (children terminated). */
  async close(): Promise<void> {
    const http = this.http;
    this.http = undefined;
    // New connections are refused at once (a balancer tries another replica); requests still running are
    // answered, cut-short calls with an error, before the remaining connections are closed.
    const closed = new Promise<void>((resolve) => (http ? http.close(() => resolve()) : resolve()));
    http?.closeIdleConnections();
    this.console.close();
    this.input.bridge.close();
    await this.modern.close();
    await this.toolsets.close();
    this.handover?.close();
    await this.sessions.close();
    await this.ws?.close();
    await this.sse?.close();
    await this.attached.close();
    await waitAtMost(closed, 1000);
    http?.closeAllConnections();
    await closed;
    await this.queues.close();
    await (await this.buckets?.catch(() => undefined))?.close();
    await this.pool.close();
    await this.authServer?.close();
    await Promise.all([this.telemetry.tracing.shutdown(), this.telemetry.metrics.shutdown()]);
  }
}
