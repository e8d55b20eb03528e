import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isInitializeRequest } from '@modelcontextprotocol/server';
import type { AuthInfo, JSONRPCMessage, Server } from '@modelcontextprotocol/server';
import { log } from '../../log.js';
import type { ReplicaMessage, SessionCluster, SessionEvent } from './cluster.js';
import { SessionTransport } from './transport.js';
import { SessionAdmission, type EvictionReason } from './admission.js';
import { SessionRecords } from './records.js';
import { authOf, rawRpcError } from '../http/replies.js';
import {
  NOT_FOUND,
  principalOf,
  STOPPING_MESSAGE,
  taggedAnswer,
  type ListChanges,
  type Session,
  type SessionHooks,
  type SessionLimits,
} from './session.js';

/**
 * Downstream Streamable HTTP sessions: creation on initialize, lookup by Mcp-Session-Id, idle expiry, broadcast.
 * With a SessionCluster (Redis), sessions are recorded there and any replica takes up a session it does not hold.
 */
export class SessionManager {
  private readonly sessions = new Map<string, Session>();
  private readonly takeovers = new Map<string, Promise<Session | undefined>>();
  /** The caps on new sessions, and evictions to make room. */
  private readonly admission = new SessionAdmission<Session>((victim) => this.evict(victim));
  /** With Redis: the records of the sessions held here. */
  private readonly records?: SessionRecords;
  private sweeper: NodeJS.Timeout;
  private closing = false;

  constructor(
    private readonly makeServer: (auth: AuthInfo | undefined, set: string) => Server,
    private limits: SessionLimits,
    private readonly cluster?: SessionCluster,
    private readonly hooks: SessionHooks = {},
  ) {
    this.sweeper = this.startSweeper();
    if (cluster) {
      this.records = new SessionRecords(cluster, () => this.limits.idleTimeoutMs);
      cluster.onEvent = (e) => this.onEvent(e);
      cluster.onReplicaMessage = (m) => this.onRouted(m);
    }
  }

  private startSweeper(): NodeJS.Timeout {
    const every = Math.min(60_000, Math.max(1000, this.limits.idleTimeoutMs / 4));
    return setInterval(() => void this.sweep(), every).unref();
  }

  /** Applies new limits (a config reload); sessions already open stay open, even above a lowered maximum. */
  setLimits(limits: SessionLimits): void {
    this.limits = limits;
    clearInterval(this.sweeper);
    this.sweeper = this.startSweeper();
  }

  /** Number of open sessions. */
  get size(): number {
    return this.sessions.size;
  }

  /** Sessions evicted so far to admit new ones, by the cap that was reached. */
  get evicted(): Readonly<Record<EvictionReason, number>> {
    return this.admission.evicted;
  }

  /**
   * Closes a session evicted at a cap. With Redis its record is deleted too when no replica has used it for the
   * minimum idle time; otherwise only this replica's copy closes, and the client's next request takes it up.
   */
  private evict(victim: Session): void {
    this.remove(victim.id);
    void victim.server.close().catch(() => {});
    this.records?.evicted(victim.id, this.limits.evictionMinIdleMs);
  }

  /** The Redis session store and channels, when the gateway has Redis (other frontends route through it too). */
  get store(): SessionCluster | undefined {
    return this.cluster;
  }

  /** Serves one HTTP request on /mcp, or on `/mcp/<set>` of a tool set (POST, GET or DELETE). */
  async handle(req: IncomingMessage, res: ServerResponse, body: unknown, set = ''): Promise<void> {
    if (this.closing) return rawRpcError(res, 503, -32000, 'switchboard replica stopping: retry the request');
    const header = req.headers['mcp-session-id'];
    const id = Array.isArray(header) ? header[0] : header;
    if (id) return this.serve(id, req, res, body, set);
    if (req.method !== 'POST' || !isInitializeRequest(body)) {
      return rawRpcError(
        res,
        400,
        -32000,
        'Bad Request: missing Mcp-Session-Id header (send initialize first)',
      );
    }
    const auth = authOf(req);
    const principal = principalOf(req);
    const cap = auth && this.limits.perPrincipal?.(auth);
    const refusal = this.admission.admit(this.sessions, principal, cap, this.limits);
    if (refusal) return rawRpcError(res, 503, -32000, refusal);
    const init = (body as { params: Record<string, unknown> }).params;
    const transport = await this.create(principal, auth, set, () => randomUUID(), init);
    await transport.handleNode(req, res, body);
    if (!transport.sessionId) await transport.close();
  }

  private async serve(
    id: string,
    req: IncomingMessage,
    res: ServerResponse,
    body: unknown,
    set: string,
  ): Promise<void> {
    let session: Session | undefined;
    try {
      session = await this.find(id, principalOf(req), authOf(req), set);
    } catch (err) {
      log.warn({ err: String(err) }, 'session store unreachable: cannot take the session up');
      return rawRpcError(res, 503, -32000, 'Session store (Redis) unreachable: retry later');
    }
    if (!session) return rawRpcError(res, 404, -32001, NOT_FOUND);
    session.lastSeen = Date.now();
    // Kept in order of last use, so eviction finds the least recently used session first.
    this.sessions.delete(id);
    this.sessions.set(id, session);
    session.auth = authOf(req);
    this.records?.touch(session);
    const answer = this.cluster && req.method === 'POST' ? taggedAnswer(body) : undefined;
    if (answer && this.cluster && answer.replica !== this.cluster.replica) {
      // The client answered a request another replica sent: that replica is waiting for it.
      const message = { ...(body as Record<string, unknown>), id: answer.id };
      const heard = await this.cluster.toReplica(answer.replica, { session: id, message }).catch(() => false);
      if (!heard) log.debug({ session: id }, 'client answer for a replica that is gone: dropped');
      res.writeHead(202).end();
      return;
    }
    if (answer) body = { ...(body as Record<string, unknown>), id: answer.id };
    if (req.method === 'GET') await this.openStream(session, res);
    return session.transport.handleNode(req, res, body);
  }

  /** Counts a GET stream; the first one on this replica receives what other replicas send the session. */
  private async openStream(session: Session, res: ServerResponse): Promise<void> {
    session.openStreams++;
    res.once('close', () => {
      if (--session.openStreams === 0) void this.cluster?.releaseStream(session.id).catch(() => {});
    });
    if (session.openStreams === 1 && this.cluster) {
      const transport = session.transport;
      await this.cluster
        .holdStream(session.id, (m) => void transport.toStream(m as JSONRPCMessage).catch(() => {}))
        .catch((err: unknown) => log.warn({ err: String(err) }, 'cannot receive other replicas messages'));
      this.hooks.streamOpened?.(session.id);
    }
  }

  /** Sessions whose GET stream this replica holds. */
  heldStreams(): string[] {
    return [...this.sessions.values()].filter((s) => s.openStreams > 0).map((s) => s.id);
  }

  /** The credentials a session held here last presented. */
  authOf(id: string): AuthInfo | undefined {
    return this.sessions.get(id)?.auth;
  }

  /** The session with this id if `principal` may use it: held here, or taken up from its record. */
  private async find(
    id: string,
    principal: string,
    auth: AuthInfo | undefined,
    set: string,
  ): Promise<Session | undefined> {
    let session = this.sessions.get(id);
    if (!session && this.cluster) {
      let pending = this.takeovers.get(id);
      if (!pending) {
        pending = this.takeOver(id, principal, auth).finally(() => this.takeovers.delete(id));
        this.takeovers.set(id, pending);
      }
      session = await pending;
    }
    // Another principal's session is answered exactly like an unknown one: its existence is not revealed.
    if (session && session.principal !== principal) {
      log.warn({ principal }, 'session refused: another principal');
      return undefined;
    }
    // A session belongs to the endpoint it was initialized on: elsewhere it is unknown.
    if (session && session.set !== set) return undefined;
    return session;
  }

  private async takeOver(
    id: string,
    principal: string,
    auth: AuthInfo | undefined,
  ): Promise<Session | undefined> {
    const record = await this.cluster!.load(id);
    if (!record) return undefined;
    if (record.principal !== principal) {
      log.warn({ principal }, 'session refused: another principal');
      return undefined;
    }
    const transport = await this.create(record.principal, auth, record.set ?? '', () => id);
    await transport.replay(id, record.init);
    const session = this.sessions.get(id);
    if (session) this.hooks.restored?.(record, session.server);
    log.info({ session: id }, 'took up a session initialized on another replica');
    return session;
  }

  /** A server and transport; `init` is set for a new session, whose record is then written. */
  private async create(
    principal: string,
    auth: AuthInfo | undefined,
    set: string,
    idFor: () => string,
    init?: Record<string, unknown>,
  ): Promise<SessionTransport> {
    const server = this.makeServer(auth, set);
    const cluster = this.cluster;
    const transport: SessionTransport = new SessionTransport({
      sessionIdGenerator: idFor,
      onsessioninitialized: async (id) => {
        const session = {
          id,
          server,
          transport,
          principal,
          auth,
          set,
          openStreams: 0,
          busy: () => transport.busy,
        };
        this.add({ ...session, lastSeen: Date.now(), touchedAt: Date.now() });
        if (!cluster) return;
        transport.routing = {
          tagRequestId: (rid) => `${cluster.replica}.${rid}`,
          elsewhere: (m) => this.elsewhere(id, m),
        };
        if (init) await this.records?.save({ id, principal, init, ...(set && { set }) });
      },
      onsessionclosed: async (id) => {
        this.remove(id);
        await cluster?.remove(id).catch((err: unknown) => {
          log.warn({ err: String(err) }, 'session store unreachable: other replicas keep the session');
        });
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) this.forget(transport.sessionId, transport);
    };
    await server.connect(transport);
    return transport;
  }

  private forget(id: string, transport: SessionTransport): void {
    if (this.sessions.get(id)?.transport === transport) this.remove(id);
  }

  private add(session: Session): void {
    this.sessions.set(session.id, session);
    this.admission.joined(session.principal);
  }

  private remove(id: string): void {
    const session = this.sessions.get(id);
    if (!session) return;
    this.sessions.delete(id);
    this.admission.left(session.principal);
  }

  /**
   * A message for the GET stream of a session this replica holds no stream of goes to the replica that does.
   * List changes are not forwarded: every replica follows the config and tells the streams it holds.
   */
  private elsewhere(id: string, message: JSONRPCMessage): boolean {
    const session = this.sessions.get(id);
    if (!this.cluster || !session || session.openStreams > 0) return false;
    if ('method' in message && message.method.endsWith('/list_changed')) return true;
    void this.cluster.toStream(id, message).catch(() => {});
    return true;
  }

  /** Records a session's new log level and tells the replicas that hold it. */
  async recordLevel(id: string, level: string): Promise<void> {
    if (this.sessions.has(id)) await this.records?.level(id, level);
  }

  /** Records a session's resource subscription made (held) here, or its removal, for the other replicas. */
  async recordSubscription(id: string, uri: string, subscribed: boolean): Promise<void> {
    if (this.sessions.has(id)) await this.records?.subscription(id, uri, subscribed);
  }

  private onEvent(event: SessionEvent): void {
    if (event.type === 'level') return this.hooks.levelChanged?.(event.id, event.level);
    if (event.type === 'unsubscribed') return this.hooks.unsubscribed?.(event.id, event.uri);
    const session = this.sessions.get(event.id);
    if (!session) return;
    this.remove(event.id);
    log.debug({ session: event.id }, 'session deleted on another replica');
    void session.server.close().catch(() => {});
  }

  private onRouted({ session, message }: ReplicaMessage): void {
    const s = this.sessions.get(session);
    if (s) s.transport.receive(message as JSONRPCMessage);
    else log.debug({ session }, 'routed client answer for a session not held here: dropped');
  }

  /** Tells the sessions of a set (/mcp's by default) about the lists that changed (as each principal sees them). */
  broadcast(changesFor: ListChanges | ((auth: AuthInfo | undefined) => ListChanges), set = ''): void {
    for (const s of this.sessions.values()) {
      if (s.set !== set) continue;
      const changes = typeof changesFor === 'function' ? changesFor(s.auth) : changesFor;
      if (changes.tools) void s.server.sendToolListChanged().catch(() => {});
      if (changes.prompts) void s.server.sendPromptListChanged().catch(() => {});
      if (changes.resources) void s.server.sendResourceListChanged().catch(() => {});
    }
  }

  /** Closes sessions idle here; with Redis, only those whose record has expired (idle on every replica). */
  private async sweep(): Promise<void> {
    if (this.limits.idleTimeoutMs <= 0) return;
    // An open GET stream keeps a session alive here, so it keeps its record alive for the other replicas too.
    for (const s of this.sessions.values()) if (s.openStreams > 0) this.records?.touch(s);
    const cutoff = Date.now() - this.limits.idleTimeoutMs;
    let idle = [...this.sessions.values()].filter((s) => s.openStreams === 0 && s.lastSeen < cutoff);
    if (this.cluster && idle.length) {
      const alive = await this.cluster.alive(idle.map((s) => s.id)).catch(() => undefined);
      if (!alive) return;
      idle = idle.filter((s) => !alive.has(s.id));
    }
    for (const s of idle) {
      if (this.sessions.get(s.id) !== s) continue;
      log.info({ session: s.id }, 'closing idle session');
      this.remove(s.id);
      void s.server.close().catch(() => {});
    }
  }

  /** Closes every session held here (records in Redis stay: other replicas take the sessions up). */
  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.sweeper);
    const all = [...this.sessions.values()];
    this.sessions.clear();
    this.admission.clear();
    await Promise.all(all.map((s) => s.transport.failPending(STOPPING_MESSAGE)));
    await Promise.all(all.map((s) => s.server.close().catch(() => {})));
    await this.cluster?.close();
  }
}
