import { ResultSchema } from '@modelcontextprotocol/core';
import type {
  Server,
  LoggingLevel,
  LoggingMessageNotification,
  ServerNotification,
  ServerRequest,
  ServerContext,
} from '@modelcontextprotocol/server';
import { LOG_LEVEL_META_KEY } from '@modelcontextprotocol/server';
import type { Context } from '@opentelemetry/api';
import type { LogScope, Origin, UpstreamListener } from '../../backends/relay/origin.js';
import type { Dispatcher } from '../../dispatch/dispatch.js';
import type { Grant } from '../../registry/grant.js';
import type { ParkedCall } from './input-bridge.js';
import { LISTEN_PREFIX } from '../sessions/per-request.js';
import { Subscriptions } from './subscriptions.js';
import { principalOf } from '../../principal.js';

/** What a downstream request handler receives besides the request. */
export type Extra = ServerContext;

/** Log levels from least to most severe (RFC 5424, as MCP uses them). */
const ORDER: LoggingLevel[] = [
  'debug',
  'info',
  'notice',
  'warning',
  'error',
  'critical',
  'alert',
  'emergency',
];

function severity(level: string): number {
  return Math.max(0, ORDER.indexOf(level as LoggingLevel));
}

/** One downstream session (or 2026-07-28 request) as seen by the relay: its server and its log level. */
export class Peer {
  /** Set by the session's logging/setLevel (2026: by the request's `_meta`); without it no upstream log messages. */
  level?: LoggingLevel;
  private sessionId?: string;

  /** @param requestId for a 2026-07-28 request's peer: the pseudo-session id of that one request. */
  constructor(
    readonly server: Server,
    requestId?: string,
  ) {
    this.sessionId = requestId;
  }

  /** Whether this peer serves one 2026-07-28 request rather than a session. */
  get perRequest(): boolean {
    return this.sessionId?.startsWith('req:') ?? false;
  }

  /** Takes a 2026-07-28 request's log level from its `_meta` envelope (absent: no log messages). */
  levelFrom(extra: Extra): void {
    const envelope = extra.mcpReq.envelope as Record<string, unknown> | undefined;
    this.level = envelope?.[LOG_LEVEL_META_KEY] as LoggingLevel | undefined;
  }

  /** The session id (empty until the session is initialized); kept after close, when the server forgets it. */
  get id(): string {
    this.sessionId ??= this.server.transport?.sessionId;
    return this.sessionId ?? '';
  }

  /**
   * The origin of upstream requests made while serving one downstream request, or the session alone. A
   * 2026-07-28 call is `parked`: its client can only be answered with a result, so upstream requests to the
   * client become `input_required`, and notifications follow whichever retry of the call is attached.
   */
  origin(extra?: Extra, parked?: ParkedCall<unknown>, trace?: Context): Origin {
    const server = this.server;
    const req = extra?.http?.req;
    const auth = extra?.http?.authInfo;
    // Copied only when asked for (forward_headers): most requests never need them.
    let headers: Record<string, string> | undefined;
    // Notifications are chained so they keep their upstream order and can be awaited before the answer.
    let sent = Promise.resolve();
    const send = async (method: string, params?: Record<string, unknown>) => {
      const ctx = parked ? parked.ctx : extra;
      if (ctx) await ctx.mcpReq.notify({ method, params } as ServerNotification);
      else if (!parked) await server.notification({ method, params } as ServerNotification);
    };
    return {
      sessionId: this.id,
      perRequest: this.perRequest,
      capabilities: () => server.getClientCapabilities(),
      logLevel: () => this.level,
      headers: () => (headers ??= req ? Object.fromEntries(req.headers) : {}),
      request: (method, params, opts) => {
        if (parked) return parked.ask(method, params);
        return extra
          ? extra.mcpReq.send({ method, params } as ServerRequest, ResultSchema, opts)
          : server.request({ method, params } as ServerRequest, ResultSchema, opts);
      },
      // A client that went away cannot be told; that is not the upstream's problem, so failures are dropped.
      notify: (method, params) => (sent = sent.then(() => send(method, params)).catch(() => {})),
      settled: () => sent,
      detached: () => this.origin(),
      ...(trace && { trace }),
      ...(auth && { caller: { principal: principalOf(auth), token: auth.token } }),
    };
  }
}

/** What the peers tell the rest of the gateway. */
export interface PeerHooks {
  /** A session set its log level (the gateway records it for other replicas). */
  levelChanged?: (sessionId: string, level: LoggingLevel) => void;
  /** A session subscribed to or unsubscribed from a URI (recorded for other replicas). */
  subscriptionChanged?: (session: string, uri: string, subscribed: boolean) => void;
  /** An upstream updated a resource some 2026-07-28 listen stream holds (the per-request endpoint tells them). */
  listenedResourceUpdated?: (uri: string) => void;
}

/** The gateway's downstream sessions, for what upstreams send to clients rather than to the catalog. */
export class Peers implements UpstreamListener {
  private readonly byId = new Map<string, Peer>();
  readonly subscriptions: Subscriptions;
  private readonly byServer = new WeakMap<Server, Peer>();

  constructor(
    private readonly dispatch: Dispatcher,
    private readonly hooks: PeerHooks = {},
  ) {
    this.subscriptions = new Subscriptions(dispatch, hooks.subscriptionChanged);
  }

  /** Sessions registered now (each is released when its server closes). */
  get size(): number {
    return this.byId.size;
  }

  /**
   * Creates the peer of a new session's server; it is registered once initialized and released on close.
   * A 2026-07-28 request's peer (`requestId`) is never registered: messages reach it only through its origin.
   */
  attach(server: Server, requestId?: string): Peer {
    const peer = new Peer(server, requestId);
    if (requestId) return peer;
    this.byServer.set(server, peer);
    server.oninitialized = () => this.register(peer);
    server.onclose = () => void this.release(peer);
    return peer;
  }

  /** Makes a peer reachable by its session id (idempotent). */
  register(peer: Peer): Peer {
    if (peer.id && !peer.perRequest && !this.byId.has(peer.id)) this.byId.set(peer.id, peer);
    return peer;
  }

  private async release(peer: Peer): Promise<void> {
    const id = peer.id;
    if (!id || this.byId.get(id) !== peer) return;
    this.byId.delete(id);
    await this.subscriptions.drop(id);
    await this.dispatch.sessionClosed(id);
  }

  /** Records a session's level and forwards the effective levels upstream. */
  async setLevel(peer: Peer, level: LoggingLevel, extra: Extra): Promise<void> {
    this.register(peer).level = level;
    if (!peer.perRequest) this.hooks.levelChanged?.(peer.id, level);
    await this.dispatch.setLevel(this.sharedLevel(), peer.origin(extra));
  }

  /** Sets the log level of a session's peer from elsewhere (its record, or another replica's change). */
  restoreLevel(target: Server | string, level: string): void {
    const peer = typeof target === 'string' ? this.byId.get(target) : this.byServer.get(target);
    if (peer) this.register(peer).level = level as LoggingLevel;
  }

  /** The most verbose level any session asked for: what shared upstream sessions are set to. */
  private sharedLevel(): LoggingLevel {
    let best: LoggingLevel = 'emergency';
    for (const p of this.byId.values()) {
      if (p.level && severity(p.level) < severity(best)) best = p.level;
    }
    return best;
  }

  /** Delivers an upstream log message to the sessions whose level admits it, tagged with the backend. */
  onLog(backend: string, params: LoggingMessageNotification['params'], scope: LogScope): void {
    const message = { ...params, logger: params.logger ? `${backend}/${params.logger}` : backend };
    if (scope.via?.perRequest) {
      // A 2026-07-28 request gets the messages it caused, at the level its own _meta asked for.
      const level = scope.via.logLevel();
      if (level && severity(params.level) >= severity(level))
        void scope.via.notify('notifications/message', message);
      return;
    }
    for (const peer of this.byId.values()) {
      if (scope.session !== undefined && peer.id !== scope.session) continue;
      if (!peer.level || severity(params.level) < severity(peer.level)) continue;
      // On the stream of the request that caused it when known, so clients without a GET stream get it too.
      const target = scope.via?.sessionId === peer.id ? scope.via : peer.origin();
      void target.notify('notifications/message', message);
    }
  }

  /** Subscribes a session held here to a URI again, from this replica (a subscription taken over). */
  async resubscribe(id: string, uri: string, grant: Grant): Promise<void> {
    const peer = this.byId.get(id);
    if (!peer) throw new Error(`session ${id} is not held by this replica`);
    await this.subscriptions.subscribe(peer.origin(), uri, undefined, grant);
  }

  /** Drops a session's upstream subscription held here (it unsubscribed through another replica). */
  releaseSubscription(id: string, uri: string): void {
    const peer = this.byId.get(id);
    if (peer) void this.subscriptions.release(peer.origin(), uri).catch(() => {});
  }

  /** Delivers an upstream resource update to the sessions subscribed to that URI. */
  onResourceUpdated(backend: string, uri: string, session?: string): void {
    let listened = false;
    for (const id of this.subscriptions.subscribers(backend, uri, session)) {
      if (id.startsWith(LISTEN_PREFIX)) {
        listened = true;
        continue;
      }
      void this.byId
        .get(id)
        ?.server.sendResourceUpdated({ uri })
        .catch(() => {});
    }
    if (listened) this.hooks.listenedResourceUpdated?.(uri);
  }
}
