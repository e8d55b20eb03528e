import { randomUUID } from 'node:crypto';
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AuthInfo } from '@modelcontextprotocol/server';
import type { Front } from './audit/event.js';
import { AuditRecorder } from './audit/recorder.js';
import { credentialStores } from './backends/credentials/configured.js';
import { BackendPool } from './backends/pool.js';
import type { TransportFactory } from './backends/transports/factory.js';
import { formatProblem } from './config/errors.js';
import { preflight } from './config/preflight.js';
import type { LoadOptions } from './config/load.js';
import type { GatewayConfig } from './config/model.js';
import type { ReloadStatus } from './config/reload-status.js';
import { configSecrets } from './config/secrets.js';
import { AttachedSessions } from './frontends/attached.js';
import { auditRouter } from './frontends/rest/audit.js';
import { myConnectionsRouter } from './frontends/rest/my-connections.js';
import { userCounts, withUserCounts } from './ops/user-counts.js';
import { PROBLEM_ROUTES } from './frontends/rest/problem.js';
import type { FrontendDeps } from './frontends/limits.js';
import { FRONTEND_PATHS, mountConnect, mountFrontends } from './frontends/routes.js';
import { LegacySseFrontend } from './frontends/sse.js';
import { WebSocketFrontend, WS_TIMING } from './frontends/ws.js';
import type { SocketTiming } from './frontends/ws-transport.js';
import { Discovery } from './discovery/index.js';
import { ConsoleApi } from './console/api.js';
import { mountConsole } from './console/mount.js';
import { Dispatcher } from './dispatch/dispatch.js';
import { log, setSecrets } from './log.js';
import { GatewayQueues } from './queue/gateway-queues.js';
import { gauges } from './ops/gauges.js';
import { configHash } from './ops/hash.js';
import { applyHeapGrowth } from './ops/heap.js';
import { readiness } from './ops/readiness.js';
import { Startup } from './ops/startup.js';
import type { OpsView } from './ops/view.js';
import { ALLOW_ALL, GrantViews } from './registry/grant.js';
import { Instructions } from './registry/instructions.js';
import { LiveCatalog } from './registry/live.js';
import type { AuthServer } from './authserver/index.js';
import { loadSignIn } from './authserver/load.js';
import { authSource, RESOURCE_METADATA_PATH } from './server/auth/gate.js';
import { ListAnnouncer } from './server/relay/announcer.js';
import { Drain } from './server/http/drain.js';
import { runtimeReadiness } from './runtime/readiness.js';
import { ConfigReloader } from './runtime/reload.js';
import { createApp } from './server/http/app.js';
import { listen } from './server/http/listener.js';
import { warnUncheckedHosts } from './server/http/security.js';
import { visibleTools, type Access } from './server/relay/handlers.js';
import { sessionServers, type SessionServerFactory } from './server/sessions/server.js';
import { InputBridge } from './server/relay/input-bridge.js';
import { ModernEndpoint } from './server/sessions/per-request.js';
import { Peers } from './server/relay/peers.js';
import { policySource, type PolicyEngine } from './server/auth/policy.js';
import { createBuckets, type Buckets } from './server/http/rate-limit.js';
import type { InputSupport } from './server/relay/relayed.js';
import { RequestStateCodec } from './server/relay/request-state.js';
import { SessionCluster } from './server/sessions/cluster.js';
import { SubscriptionHandover } from './server/sessions/handover.js';
import { sessionLimits } from './server/sessions/session.js';
import { SessionManager } from './server/sessions/sessions.js';
import { GatewayMetrics } from './telemetry/metrics.js';
import type { Telemetry } from './telemetry/recorder.js';
import { startTracing } from './telemetry/start-tracing.js';
import { TRACING_OFF, type TracingOptions } from './telemetry/tracing.js';
import { waitAtMost } from './time.js';
import { Toolsets } from './toolsets/index.js';
import { restApiWithSets } from './toolsets/rest.js';

/** What tests and the bench replace in a gateway: the span exporter, WebSocket timing, the upstream transports. */
export interface GatewaySeams {
  /** A span exporter to use instead of OTLP. */
  tracing?: TracingOptions;
  /** WebSocket ping interval and re-attach grace period. */
  wsTiming?: SocketTiming;
  /** How upstream connections are made (in-process transports for tests). */
  transports?: TransportFactory;
}

/** The running gateway: composes backends, the live catalog, downstream sessions and the HTTP listener. */
export class Gateway {
  readonly pool: BackendPool;
  /** The catalog requests are routed by: the current snapshot, rebuilt on every backend change. */
  readonly catalog: LiveCatalog;
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
  /** Graceful shutdown of /mcp: requests in flight, and 503 for new ones once draining (see runtime/shutdown.ts). */
  readonly drain = new Drain();
  /** The tool sets (`toolsets:`) served at /mcp/<set>, /v1/<set>, /ws/<set>, /sse/<set> and stdio --toolset. */
  readonly toolsets: Toolsets;
  /** What each principal may use (gateway.auth.policies, followed across reloads), and its filtered lists. */
  readonly access: Access;
  readonly policies: () => PolicyEngine;
  /** Tells sessions which lists changed; held while a reload settles. */
  private readonly announcer: ListAnnouncer;
  private http?: HttpServer;
  /** Set by start(): done once every backend has had its first connection attempt, or startup_timeout passed. */
  private startup?: Startup;
  /** Downstream servers for 2025 sessions, attached transports, 2026 requests and REST calls. */
  private readonly servers: SessionServerFactory;
  /** Sign-in's authorization server (gateway.auth.sign_in), made by start(). */
  private authServer?: AuthServer;
  private readonly reloader: ConfigReloader;
  /** Metrics (always) and tracing (when enabled, from start()); every component records through it. */
  readonly telemetry: Telemetry & { metrics: GatewayMetrics };
  /** The audit trail: requests, sessions, refusals and sign-ins, in a local ring and the sinks (src/audit). */
  readonly audit: AuditRecorder;
  private hash: string;

  /**
   * @param loadOptions how the config was loaded (CLI overrides), reused on reload.
   * @param seams what tests and the bench replace (span exporter, WebSocket timing, upstream transports).
   */
  constructor(
    public config: GatewayConfig,
    loadOptions: LoadOptions = {},
    private readonly seams: GatewaySeams = {},
  ) {
    this.hash = configHash(config);
    setSecrets(configSecrets(config));
    applyHeapGrowth(config.gateway.heapGrowthPercent);
    this.telemetry = { tracing: TRACING_OFF, metrics: new GatewayMetrics(config.gateway.telemetry) };
    this.audit = new AuditRecorder({
      ...{ settings: config.gateway.audit, telemetry: config.gateway.telemetry, redis: config.gateway.redis },
      payloads: (backend) => this.pool.get(backend)?.spec.auditPayloads === true,
      signInIssuer: () => this.authServer?.verification().issuer,
    });
    this.queues = new GatewayQueues(() => this.config.gateway.redis, this.telemetry);
    this.catalog = new LiveCatalog({
      ...{ backends: () => this.pool, separator: () => this.config.gateway.separator },
      rebuilt: (next) => {
        this.dispatcher.connecting.changed();
        this.discovery.follow(next);
        this.console.changed();
        this.announcer.announce(next);
        this.toolsets.follow(next);
      },
    });
    this.dispatcher = new Dispatcher(this.catalog, this.queues.runner, this.telemetry);
    this.peers = new Peers(this.dispatcher, {
      levelChanged: (id, level) => void this.sessions.recordLevel(id, level),
      subscriptionChanged: (id, uri, on) => void this.sessions.recordSubscription(id, uri, on),
      listenedResourceUpdated: (uri) => this.modern.resourceUpdated(uri),
    });
    this.discovery = new Discovery({
      ...{ settings: () => this.config.gateway.discovery, snapshot: () => this.catalog.snapshot() },
      indexed: (backend) => this.pool.get(backend)?.spec.discovery !== false,
      telemetry: this.telemetry,
    });
    this.pool = new BackendPool(
      () => this.catalog.rebuild(),
      this.peers,
      this.queues,
      this.telemetry,
      seams.transports,
      credentialStores(() => this.config.gateway),
    );
    this.input = {
      codec: new RequestStateCodec(config.gateway.requestStateSecret),
      bridge: new InputBridge(),
    };
    this.policies = policySource(() => this.config.gateway.auth);
    this.access = { grant: (auth) => this.policies().grant(auth), views: new GrantViews() };
    const cluster = config.gateway.redis && new SessionCluster(config.gateway.redis);
    this.servers = sessionServers({
      ...{ routes: this.catalog, access: this.access, telemetry: this.telemetry, input: this.input },
      ...{ dispatcher: this.dispatcher, peers: this.peers, discovery: this.discovery, audit: this.audit },
      instructions: (grant) => this.instructions.for(this.catalog.snapshot(), this.pool.all(), grant),
      cacheHints: () => this.announcer.cacheHints(),
      sessionMade: (server, front, auth) => this.audit.session(server, front, auth),
      relayPath: () => this.config.gateway.relayPath,
    });
    this.sessions = new SessionManager(
      (auth, set) => this.setServer(auth, set, 'http'),
      sessionLimits(config.gateway, this.sessionCap),
      cluster,
      {
        restored: (record, server) => record.level && this.peers.restoreLevel(server, record.level),
        levelChanged: (id, level) => this.peers.restoreLevel(id, level),
        unsubscribed: (id, uri) => this.peers.releaseSubscription(id, uri),
        streamOpened: (id) => void this.handover?.check(id),
      },
    );
    this.handover =
      cluster &&
      new SubscriptionHandover(cluster, {
        heldStreams: () => this.sessions.heldStreams(),
        resubscribe: (id, uri) =>
          this.peers.resubscribe(id, uri, this.access.grant(this.sessions.authOf(id))),
      });
    this.attached = new AttachedSessions((auth, kind, set) => this.setServer(auth, set, kind));
    this.modern = new ModernEndpoint(
      (auth) => this.servers(`req:${randomUUID()}`, auth),
      this.peers.subscriptions,
      this.access.grant,
    );
    this.announcer = new ListAnnouncer(this.access, [this.sessions, this.attached], this.modern);
    this.toolsets = Toolsets.of(this);
    this.reloader = new ConfigReloader({
      loadOptions,
      config: () => this.config,
      apply: (next) => this.apply(next),
      pool: this.pool,
      announcer: this.toolsets.alongside(this.announcer),
      counted: (outcome) => this.telemetry.metrics.reload(outcome),
      rebuild: () => this.catalog.rebuild(),
      changed: () => this.console.changed(),
    });
    this.telemetry.metrics.observe([...gauges(this.ops), ...this.audit.metrics()]);
  }

  /** A session server of `/mcp/<set>` (a tool set named) or of the whole catalog. */
  private readonly setServer = (auth: AuthInfo | undefined, set: string, front: Front) =>
    set ? this.toolsets.server(set, auth, front) : this.servers(undefined, auth, front);

  /** The gateway as /readyz and /metrics read it. */
  private readonly ops: OpsView = {
    config: () => this.config,
    configHash: () => this.hash,
    snapshot: () => this.catalog.snapshot(),
    listedTools: (grant) => visibleTools(this.catalog, this.access, grant, this.discovery).map((t) => t.name),
    backends: () => this.pool.all(),
    ...{ draining: () => this.pool.draining(), sessions: () => this.sessions.size + this.attached.size },
    evicted: () => this.sessions.evicted,
    openRequests: () => this.modern.open,
    queue: (b) => this.queues.readiness(b),
    queues: () => this.queues.stats(),
    reload: () => this.reloader.status(),
    starting: () => !this.startup?.done,
  };

  /** The web console's API (/v1/backends, /v1/events, /v1/config). */
  readonly console = new ConsoleApi({
    view: this.ops,
    grant: (auth) => this.access.grant(auth),
    reload: () => this.reload(),
    activity: () => this.audit.activity.view(),
  });

  /** New sessions' instructions, per snapshot and grant. */
  private readonly instructions = new Instructions();
  /** A principal's session cap (its policy's max_sessions, else max_sessions_per_principal). */
  private readonly sessionCap = (auth: AuthInfo) => this.policies().limits(auth).maxSessions;

  /** Rate-limit buckets, made on first use: in Redis when the gateway has Redis, else in this process. */
  private buckets?: Promise<Buckets>;

  /** The base URL of /mcp once listening. */
  get url(): string {
    const addr = this.http?.address() as AddressInfo | null;
    if (!addr) throw new Error('gateway is not listening');
    const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    return `http://${host}:${addr.port}/mcp`;
  }

  /** Re-reads the config file and applies it; never throws (see ConfigReloader). */
  reload(): Promise<ReloadStatus> {
    return this.reloader.reload();
  }

  /** Makes a reloaded config the running one: secrets, session limits, log level and heap growth follow it. */
  private apply(next: GatewayConfig): void {
    const gateway = next.gateway;
    this.config = next;
    this.hash = configHash(next);
    setSecrets(configSecrets(next));
    this.sessions.setLimits(sessionLimits(gateway, this.sessionCap));
    if (gateway.logLevel && !process.env.SWITCHBOARD_LOG_LEVEL) log.level = gateway.logLevel;
    applyHeapGrowth(gateway.heapGrowthPercent);
  }

  /** Starts the backends without the listener (stdio, CLI): waits up to `settleMs` (else until all settled), builds the catalog. */
  async startBackends(settleMs?: number): Promise<void> {
    await this.pool.reconcile(this.config.backends);
    const settled = this.pool.settled();
    await (settleMs === undefined ? settled : waitAtMost(settled, settleMs));
    this.catalog.rebuild();
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
      refused: (...refusal: Parameters<AuditRecorder['rateLimited']>) => this.audit.rateLimited(...refusal),
    };
    const limits = { maxBodyBytes: g.maxBodyBytes, maxJsonDepth: g.maxJsonDepth };
    const frontends: FrontendDeps = {
      ...{ attached: this.attached, drain: this.drain, rate, ...limits, sessionCap: this.sessionCap },
      maxSessions: () => this.config.gateway.maxSessions,
      cluster: this.sessions.store,
    };
    const signedIn = (e: Parameters<AuditRecorder['signedIn']>[0]) => this.audit.signedIn(e);
    const as = (this.authServer = await loadSignIn(g, () => this.config.gateway, signedIn));
    const ws = (this.ws = new WebSocketFrontend(frontends, this.seams.wsTiming ?? WS_TIMING));
    const sse = (this.sse = new LegacySseFrontend(frontends));
    const app = createApp({
      ...{ sessions: this.sessions, modern: this.modern, policy: () => this.config.gateway, ...limits, rate },
      auth: authSource(
        () => this.config.gateway.auth,
        () => as?.verification(),
      ),
      readiness: async (auth, detailed) =>
        detailed
          ? withUserCounts(this.readiness(auth), await userCounts(this.pool.all()))
          : this.readiness(auth),
      metrics: (req, res) => this.telemetry.metrics.serve(req, res),
      refusal: (kind, reason) => this.telemetry.metrics.refusal(kind, reason),
      drain: this.drain,
      problems: PROBLEM_ROUTES,
      crossOrigin: as ? ['/oauth/'] : [],
      mount: (a, gates) => {
        as?.mount(a);
        mountConnect(a, gates, this.pool.credentials, this.access, as);
        a.use('/v1', auditRouter(this.audit, gates));
        const connectable = { backends: () => this.pool.all(), grant: this.access.grant };
        a.use('/v1', myConnectionsRouter(connectable, gates));
        mountConsole(this.console, g.console)(a, gates);
      },
      rest: restApiWithSets(this.toolsets, {
        session: (auth) => this.servers(undefined, auth, 'rest'),
        routes: this.catalog,
        access: this.access,
        discovery: this.discovery,
        auth: () => this.config.gateway.auth,
        ...limits,
      }),
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
    this.pool.credentials?.listening(this.url);
  }

  /**
   * The /readyz body: config file, backends with state and catalog sizes, sessions, name collisions; tool counts
   * as the principal sees them (everything when `auth` is not given or authentication is off).
   */
  readiness(auth?: AuthInfo): Record<string, unknown> {
    const grant = auth ? this.access.grant(auth) : ALLOW_ALL;
    const runtime = runtimeReadiness({
      configHash: this.config.hash,
      drain: this.drain,
      sessions: this.sessions.size,
      parked: this.input.bridge.size,
    });
    return { ...readiness(this.ops, grant), ...runtime };
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
    await this.audit.close();
    await Promise.all([this.telemetry.tracing.shutdown(), this.telemetry.metrics.shutdown()]);
  }
}
