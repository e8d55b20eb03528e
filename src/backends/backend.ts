import { SseError, type Client } from '@modelcontextprotocol/client';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { BackendSpec } from '../config/model.js';
import { backendLog } from '../log.js';
import { ClientSessions } from './sessions/client-sessions.js';
import { perUserAuth, perUserConnections, type CredentialStores } from './credentials/configured.js';
import type { UserConnections } from './credentials/connections.js';
import { InFlight, type UpstreamListener } from './relay/origin.js';
import { closeWithTree } from './supervision/process-tree.js';
import { endGroup } from './supervision/process-group.js';
import {
  installRelay,
  keepProgressBeforeResponses,
  RELAYED_CAPABILITIES,
  upstreamClient,
} from './relay/relay.js';
import { StickyState } from './sessions/sticky.js';
import {
  connectTimeoutMs,
  createTransport,
  endSession,
  type BuiltTransport,
  type TransportFactory,
} from './transports/factory.js';
import {
  EMPTY_CATALOG,
  fetchCatalog,
  onListChanged,
  refreshKind,
  type BackendCatalog,
} from './catalog-fetch.js';
import { reconnectDelay, startHeartbeat } from './supervision/reconnect.js';
import { EraMemory } from './sessions/era.js';
import type { UpstreamRequestOptions } from './sessions/upstream-request.js';
import type { SharedConnection } from './sessions/shared-session.js';
import { requestBackend } from './requests.js';
import { telemetryOff, type Telemetry } from '../telemetry/recorder.js';
import { isOAuth, oauthFailure, UpstreamTokens } from './oauth/tokens.js';
import { Retirement } from './supervision/retirement.js';
import { LegacyCompanion } from './sessions/legacy-companion.js';
import { completeResultTypes, UpstreamSlips } from './slips.js';
import { childExitReason } from './transports/stderr-tail.js';

export type { BackendCatalog } from './catalog-fetch.js';
export type { UpstreamRequestOptions } from './sessions/upstream-request.js';

/** Lifecycle of a backend connection. */
export type BackendState = 'connecting' | 'ready' | 'down' | 'stopped';

const STABLE_UPTIME_MS = 10_000;

/** One upstream MCP server: an SDK client, its state machine, reconnect backoff and catalog. */
export class Backend {
  readonly name: string;
  readonly log: Logger;
  state: BackendState = 'connecting';
  lastError?: string;
  catalog: BackendCatalog = EMPTY_CATALOG;
  /** Incremented on every catalog or state change; the registry uses it to skip unchanged backends. */
  version = 0;
  /** Reconnection attempts since this backend was created (the console shows them). */
  reconnects = 0;
  private client?: Client;
  private built?: BuiltTransport;
  private attempt = 0;
  private readySince = 0;
  private retryTimer?: NodeJS.Timeout;
  private heartbeat?: NodeJS.Timeout;
  private connecting?: Promise<void>;
  /** Downstream origins of requests in flight on the shared connection. */
  private readonly origins = new InFlight();
  private readonly sticky = new StickyState();
  /** The 2025-11-25 session for 2025 clients beside a 2026-07-28 connection (HTTP upstreams, protocol auto). */
  private companion?: LegacyCompanion;
  /** The upstream's protocol era, remembered across reconnects. */
  readonly era = new EraMemory(() => this.spec.protocol);
  /** One upstream session per downstream session (per_client), or per user with the user's own credential. */
  readonly clientSessions?: ClientSessions;
  /** Set when the backend acts as each user: its mode (`auth.type`) and its users' connections. */
  readonly perUser?: { mode: string; connections: UserConnections };
  /** The OAuth access token of an upstream with an oauth_* auth type, shared by all its connections. */
  readonly tokens?: UpstreamTokens;
  /** Calls in flight, and the way out when a reload retires the backend or the gateway shuts down. */
  private readonly retirement: Retirement;
  private stopping?: Promise<void>;
  /** The upstream's recoverable protocol slips, normalised, counted and logged once. */
  readonly slips: UpstreamSlips;

  constructor(
    /** Replaced in place when a reload changes only live fields (prefix, filters, timeouts, backoff). */
    public spec: BackendSpec,
    private readonly onChange: (backend: Backend) => void,
    readonly listener?: UpstreamListener,
    readonly telemetry: Telemetry = telemetryOff(),
    readonly transports: TransportFactory = createTransport,
    /** The per-user stores (gateway.credentials, Redis), for backends acting as each user. */
    credentials?: CredentialStores,
  ) {
    this.name = spec.name;
    this.log = backendLog(spec.name);
    this.retirement = new Retirement(spec.name, this.log);
    this.slips = new UpstreamSlips(spec.name, this.log, () => this.telemetry.metrics);
    const perUser = perUserAuth(spec, credentials, this.log);
    if (perUser && credentials && spec.kind !== 'stdio') {
      const connections = perUserConnections(spec.name, perUser, credentials);
      this.perUser = { mode: spec.auth?.type ?? 'per_user', connections };
    }
    if (perUser?.tokens) this.tokens = perUser.tokens;
    else if (spec.kind !== 'stdio' && isOAuth(spec.auth))
      this.tokens = new UpstreamTokens(spec.auth, new URL(spec.url), this.log);
    if (spec.sessionMode === 'per_client' || perUser) {
      this.clientSessions = new ClientSessions(
        () => this.spec,
        this.log,
        listener,
        () => this.telemetry.tracing,
        perUser ? undefined : this.tokens,
        transports,
        perUser?.users,
      );
    }
  }

  /** Starts connecting in the background; failures are retried with backoff. */
  start(): void {
    this.connecting = this.connect();
  }

  /** Resolves once the first connection attempt has finished (ready or failed). */
  async firstAttempt(): Promise<void> {
    await this.connecting;
  }

  /** How long the backend has been ready, in ms (undefined when it is not ready). */
  get uptimeMs(): number | undefined {
    return this.state === 'ready' ? Date.now() - this.readySince : undefined;
  }

  /** The child process id of a stdio backend, if running. */
  get pid(): number | null {
    return this.built?.pid() ?? null;
  }

  /** The process group of a stdio backend's current (or last) child. */
  get group(): number | null {
    return this.built?.group?.() ?? null;
  }

  private setState(state: BackendState, error?: string): void {
    this.state = state;
    this.lastError = error;
    this.version++;
    this.onChange(this);
  }

  private async connect(): Promise<void> {
    if (this.state === 'stopped') return;
    const client = upstreamClient(RELAYED_CAPABILITIES, {
      ...this.era.clientOptions(),
      // A 2026 upstream's input_required goes back to the downstream client, which alone can answer it.
      inputRequired: { autoFulfill: false },
    });
    const built = this.transports(
      this.spec,
      this.log,
      undefined,
      this.telemetry.tracing,
      this.tokens,
      this.slips,
    );
    this.client = client;
    this.built = built;
    client.onerror = (err) => this.onTransportError(client, err);
    client.onclose = () => this.onClosed(client);
    onListChanged(client, (what) => {
      void this.refresh(client, what).catch((err: unknown) =>
        this.log.warn({ err: String(err) }, `refreshing ${what} after list_changed failed`),
      );
    });
    installRelay(client, {
      backend: this.name,
      log: this.log,
      inFlight: this.origins,
      listener: this.listener,
      timeoutMs: () => this.spec.requestTimeoutMs,
      tracing: () => this.telemetry.tracing,
    });
    try {
      await client.connect(built.transport, {
        timeout: connectTimeoutMs(this.spec),
        ...this.era.connectOptions(),
      });
      this.era.learned(client);
      this.companion = LegacyCompanion.forConnection(this.era.era, this);
      keepProgressBeforeResponses(built.transport);
      completeResultTypes(built.transport, () => this.era.era === 'modern', this.slips);
      const catalog = await fetchCatalog(client, this.spec.requestTimeoutMs);
      if (this.client !== client || (this.state as BackendState) === 'stopped') return;
      await this.sticky.replay(
        client,
        this.era.era,
        this.log,
        this.spec.requestTimeoutMs,
        () => this.client === client,
      );
      this.catalog = catalog;
      this.readySince = Date.now();
      this.heartbeat = startHeartbeat(client, this.spec, this.log, () => {
        void this.closeClient(client).then(() => this.onClosed(client));
      });
      this.log.info(
        { tools: catalog.tools.length, resources: catalog.resources.length, prompts: catalog.prompts.length },
        `backend ready (${catalog.serverInfo?.name ?? 'unknown'} ${catalog.serverInfo?.version ?? ''})`.trim(),
      );
      this.setState('ready');
    } catch (err) {
      if (this.client !== client) return;
      this.client = undefined; // so the close below is not reported as a second failure
      const message = oauthFailure(err, this.tokens) ?? (err instanceof Error ? err.message : String(err));
      this.era.forget();
      await this.closeClient(client);
      if ((this.state as BackendState) === 'stopped') return;
      this.fail(`connect failed: ${message}`);
    }
  }

  private async refresh(client: Client, what: 'tools' | 'resources' | 'prompts'): Promise<void> {
    if (this.client !== client || this.state !== 'ready') return;
    const catalog = await refreshKind(client, this.spec.requestTimeoutMs, this.catalog, what);
    if (this.client !== client) return;
    this.catalog = catalog;
    this.version++;
    this.log.info(`upstream ${what} list changed`);
    this.onChange(this);
  }

  private onTransportError(client: Client, err: Error): void {
    if (this.client !== client) return;
    // The SDK's SSE transport reports a dropped event stream as an error and lets EventSource reconnect
    // to a new, uninitialised upstream session; treat it as a disconnect so the session is rebuilt.
    if (this.spec.kind === 'sse' && err instanceof SseError && this.state === 'ready') {
      this.log.warn({ err: err.message }, 'SSE event stream dropped');
      this.dropConnection(client, 'SSE event stream dropped');
      return;
    }
    this.log.debug({ err: err.message }, 'transport error');
  }

  /** Closes a live connection that is known to be broken, failing requests in flight, then reconnects with backoff. */
  private dropConnection(client: Client, reason: string): void {
    if (this.client !== client) return;
    this.client = undefined;
    clearInterval(this.heartbeat);
    void this.closeClient(client).then(() => {
      if (this.state !== 'stopped') this.fail(reason);
    });
  }

  private onClosed(client: Client): void {
    if (this.client !== client || this.state === 'stopped') return;
    this.client = undefined;
    clearInterval(this.heartbeat);
    const stable = this.state === 'ready' && Date.now() - this.readySince >= STABLE_UPTIME_MS;
    if (stable) this.attempt = 0;
    if (this.spec.kind !== 'stdio') return this.fail('connection closed');
    // A child that exited by itself may leave descendants in its process group.
    void endGroup(this.built?.group?.());
    this.fail(childExitReason(this.built, this.state !== 'ready'));
  }

  private fail(reason: string): void {
    this.catalog = EMPTY_CATALOG;
    this.attempt++;
    const { maxAttempts } = this.spec.restart;
    const noRetry = this.spec.kind === 'sse' && !this.spec.reconnect;
    if (noRetry || (maxAttempts > 0 && this.attempt >= maxAttempts)) {
      this.log.error(`backend down: ${reason}; giving up after ${this.attempt} attempt(s)`);
      this.setState('down', `${reason} (gave up after ${this.attempt} attempt(s))`);
      return;
    }
    const delay = reconnectDelay(this.attempt, this.spec.restart);
    this.log.warn(`backend down: ${reason}; retrying in ${delay} ms (attempt ${this.attempt})`);
    this.setState('down', reason);
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      if (this.state === 'stopped') return;
      this.reconnects++;
      this.telemetry.metrics.reconnect(this.name, this.spec.kind);
      this.setState('connecting', reason);
      this.connecting = this.connect();
    }, delay);
  }

  /** Sends one request upstream; throws GatewayError when down, timed out, disconnected, refused or removed. */
  request<S extends z.ZodType>(
    method: string,
    params: Record<string, unknown> | undefined,
    schema: S,
    opts: UpstreamRequestOptions = {},
  ): Promise<z.infer<S>> {
    return requestBackend(this, this.retirement, method, params, schema, opts);
  }

  /** Calls currently inside request(); a retiring backend waits for zero before closing. */
  get inFlight(): number {
    return this.retirement.inFlight;
  }

  /** Gateway shutdown: gateway.shutdown_grace ran out, so calls still in flight are about to be cut off by stop(). */
  shutdownExpired(graceMs: number): void {
    this.retirement.shutdownExpired(graceMs);
  }

  /** Takes no new calls, lets calls in flight finish for up to graceMs (then backend_removed), then stops. */
  async retire(graceMs: number, why: 'removed' | 'replaced'): Promise<void> {
    if (this.retirement.started || this.state === 'stopped') return;
    await this.retirement.begin(graceMs, why);
    await this.stop();
  }

  /** The shared connection as a request borrows it, when connected. */
  shared(): SharedConnection | undefined {
    const client = this.client;
    if (!client) return undefined;
    const { era, origins, sticky, companion, log } = this;
    return {
      ...{ client, era: era.era, origins, sticky, companion, log },
      resubscribe: (method, params) => this.resubscribe(client, method, params),
      reconnect: (reason) => this.reconnectNow(client, reason),
      drop: (reason) => this.dropConnection(client, reason),
    };
  }

  /** Replaces the connection now (shared by concurrent callers), e.g. after the upstream lost our session. */
  private async reconnectNow(client: Client, reason: string): Promise<void> {
    if (this.client === client) {
      this.client = undefined;
      clearInterval(this.heartbeat);
      await this.closeClient(client);
      if (this.state === 'stopped') return;
      this.setState('connecting', reason);
      this.connecting = this.connect();
    }
    await this.connecting;
  }

  /** Sends a notification upstream when connected; silently dropped otherwise. */
  async notify(method: string, params?: Record<string, unknown>): Promise<void> {
    if (this.client && this.state === 'ready') await this.client.notification({ method, params } as never);
    await this.companion?.notify(method, params);
  }

  /** A client's resources/(un)subscribe on a 2026-07-28 upstream: the listen stream reopens with the new set. */
  private resubscribe(client: Client, method: string, params: Record<string, unknown> | undefined): void {
    this.sticky.record(method, params);
    this.sticky.listen(client, this.log, () => this.client === client, this.spec.requestTimeoutMs);
  }

  private async closeClient(client: Client): Promise<void> {
    this.sticky.stopListening();
    const companion = this.companion;
    this.companion = undefined;
    await companion?.close();
    await endSession(client.transport);
    await closeWithTree(() => client.close(), this.built?.pid() ?? null, this.built?.group?.());
  }

  /**
   * Single-session backends on a replica that does not own the upstream: closes any upstream session (children
   * terminated) without reconnecting and shows the owning replica's state and catalog; `start()` connects again.
   */
  async showRemote(view: {
    state: BackendState;
    lastError?: string;
    catalog: BackendCatalog;
  }): Promise<void> {
    if (this.state === 'stopped') return;
    clearTimeout(this.retryTimer);
    clearInterval(this.heartbeat);
    const client = this.client;
    this.client = undefined;
    this.catalog = view.catalog;
    this.setState(view.state, view.lastError);
    if (client) await this.closeClient(client);
  }

  /** Stops for good: no reconnects; a stdio child and all its descendants are terminated. Later calls wait for the first. */
  stop(): Promise<void> {
    this.stopping ??= this.halt();
    return this.stopping;
  }

  private async halt(): Promise<void> {
    if (this.state === 'stopped') return;
    clearTimeout(this.retryTimer);
    clearInterval(this.heartbeat);
    const client = this.client;
    this.client = undefined;
    this.catalog = EMPTY_CATALOG;
    this.setState('stopped');
    await this.clientSessions?.closeAll();
    if (client) await this.closeClient(client);
  }
}
