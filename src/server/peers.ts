import { ResultSchema } from '@modelcontextprotocol/core';
import type {
  Server,
  LoggingLevel,
  LoggingMessageNotification,
  ServerNotification,
  ServerRequest,
  ServerContext,
} from '@modelcontextprotocol/server';
import type { LogScope, Origin, UpstreamListener } from '../backends/origin.js';
import type { Dispatcher } from '../dispatch/dispatch.js';
import { Subscriptions } from './subscriptions.js';

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

/** One downstream session as seen by the relay: its server and the log level it asked for. */
export class Peer {
  /** Set by the session's logging/setLevel; without it the session gets no upstream log messages. */
  level?: LoggingLevel;
  private sessionId?: string;

  constructor(readonly server: Server) {}

  /** The session id (empty until the session is initialized); kept after close, when the server forgets it. */
  get id(): string {
    this.sessionId ??= this.server.transport?.sessionId;
    return this.sessionId ?? '';
  }

  /** The origin of upstream requests made while serving one downstream request, or the session alone. */
  origin(extra?: Extra): Origin {
    const server = this.server;
    const req = extra?.http?.req;
    const headers: Record<string, string> = req ? Object.fromEntries(req.headers) : {};
    // Notifications are chained so they keep their upstream order and can be awaited before the answer.
    let sent = Promise.resolve();
    const send = (method: string, params?: Record<string, unknown>) =>
      extra
        ? extra.mcpReq.notify({ method, params } as ServerNotification)
        : server.notification({ method, params } as ServerNotification);
    return {
      sessionId: this.id,
      capabilities: () => server.getClientCapabilities(),
      logLevel: () => this.level,
      headers: () => headers,
      request: (method, params, opts) =>
        extra
          ? extra.mcpReq.send({ method, params } as ServerRequest, ResultSchema, opts)
          : server.request({ method, params } as ServerRequest, ResultSchema, opts),
      // A client that went away cannot be told; that is not the upstream's problem, so failures are dropped.
      notify: (method, params) => (sent = sent.then(() => send(method, params)).catch(() => {})),
      settled: () => sent,
      detached: () => this.origin(),
    };
  }
}

/** The gateway's downstream sessions, for what upstreams send to clients rather than to the catalog. */
export class Peers implements UpstreamListener {
  private readonly byId = new Map<string, Peer>();
  readonly subscriptions: Subscriptions;

  constructor(private readonly dispatch: Dispatcher) {
    this.subscriptions = new Subscriptions(dispatch);
  }

  /** Creates the peer of a new session's server; it is registered once initialized and released on close. */
  attach(server: Server): Peer {
    const peer = new Peer(server);
    server.oninitialized = () => this.register(peer);
    server.onclose = () => void this.release(peer);
    return peer;
  }

  /** Makes a peer reachable by its session id (idempotent). */
  register(peer: Peer): Peer {
    if (peer.id && !this.byId.has(peer.id)) this.byId.set(peer.id, peer);
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
    await this.dispatch.setLevel(this.sharedLevel(), peer.origin(extra));
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
    for (const peer of this.byId.values()) {
      if (scope.session !== undefined && peer.id !== scope.session) continue;
      if (!peer.level || severity(params.level) < severity(peer.level)) continue;
      // On the stream of the request that caused it when known, so clients without a GET stream get it too.
      const target = scope.via?.sessionId === peer.id ? scope.via : peer.origin();
      void target.notify('notifications/message', message);
    }
  }

  /** Delivers an upstream resource update to the sessions subscribed to that URI. */
  onResourceUpdated(backend: string, uri: string, session?: string): void {
    for (const id of this.subscriptions.subscribers(backend, uri, session)) {
      void this.byId
        .get(id)
        ?.server.sendResourceUpdated({ uri })
        .catch(() => {});
    }
  }
}
