import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { NodeStreamableHTTPServerTransport } from '@modelcontextprotocol/node';
import { isInitializeRequest } from '@modelcontextprotocol/server';
import type { AuthInfo, Server } from '@modelcontextprotocol/server';
import { log } from '../log.js';

/** One downstream client session: its MCP server, transport and activity. */
interface Session {
  id: string;
  server: Server;
  transport: NodeStreamableHTTPServerTransport;
  lastSeen: number;
  openStreams: number;
  /** Who initialized it (AuthInfo.clientId; empty without authentication): only they may use it. */
  principal: string;
  /** The principal's credentials as last presented (their claims decide what it may see). */
  auth?: AuthInfo;
}

/** The authenticated principal of a request (set by the auth gate), or empty. */
function principalOf(req: IncomingMessage): string {
  return authOf(req)?.clientId ?? '';
}

function authOf(req: IncomingMessage): AuthInfo | undefined {
  return (req as IncomingMessage & { auth?: AuthInfo }).auth;
}

/** Which catalog lists changed between two snapshots. */
export interface ListChanges {
  tools: boolean;
  prompts: boolean;
  resources: boolean;
}

/** Limits for downstream sessions. */
export interface SessionLimits {
  maxSessions: number;
  idleTimeoutMs: number;
  /** A principal's own cap on open sessions (gateway.auth), if any. */
  perPrincipal?: (auth: AuthInfo) => number | undefined;
}

function jsonError(res: ServerResponse, status: number, code: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }));
}

/** Downstream Streamable HTTP sessions: creation on initialize, lookup by Mcp-Session-Id, idle expiry, broadcast. */
export class SessionManager {
  private readonly sessions = new Map<string, Session>();
  /** Open sessions per principal, for the per-principal cap. */
  private readonly owned = new Map<string, number>();
  private sweeper: NodeJS.Timeout;

  constructor(
    private readonly makeServer: (auth: AuthInfo | undefined) => Server,
    private limits: SessionLimits,
  ) {
    this.sweeper = this.startSweeper();
  }

  private startSweeper(): NodeJS.Timeout {
    const every = Math.min(60_000, Math.max(1000, this.limits.idleTimeoutMs / 4));
    return setInterval(() => this.sweep(), every).unref();
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

  /** Serves one HTTP request on /mcp (POST, GET or DELETE). */
  async handle(req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
    const header = req.headers['mcp-session-id'];
    const id = Array.isArray(header) ? header[0] : header;
    if (id) {
      const found = this.sessions.get(id);
      const session = found?.principal === principalOf(req) ? found : undefined;
      // Another principal's session is answered exactly like an unknown one: its existence is not revealed.
      if (found && !session) log.warn({ principal: principalOf(req) }, 'session refused: another principal');
      if (!session)
        return jsonError(res, 404, -32001, 'Session not found: it expired or was closed; initialize again');
      session.lastSeen = Date.now();
      session.auth = authOf(req);
      if (req.method === 'GET') {
        session.openStreams++;
        res.once('close', () => session.openStreams--);
      }
      return session.transport.handleRequest(req, res, body);
    }
    if (req.method !== 'POST' || !isInitializeRequest(body)) {
      return jsonError(
        res,
        400,
        -32000,
        'Bad Request: missing Mcp-Session-Id header (send initialize first)',
      );
    }
    if (this.sessions.size >= this.limits.maxSessions) {
      log.warn({ sessions: this.sessions.size }, 'session refused: max_sessions reached');
      return jsonError(
        res,
        503,
        -32000,
        `Too many sessions (max_sessions ${this.limits.maxSessions}); retry later`,
      );
    }
    const auth = authOf(req);
    const cap = auth && this.limits.perPrincipal?.(auth);
    const mine = this.owned.get(principalOf(req)) ?? 0;
    if (cap !== undefined && mine >= cap) {
      log.warn({ principal: principalOf(req), sessions: mine }, 'session refused: per-principal cap reached');
      return jsonError(
        res,
        503,
        -32000,
        `Too many sessions for this client (${cap}, gateway.auth max_sessions_per_principal or its policy's max_sessions); close one or retry later`,
      );
    }
    await this.open(req, res, body);
  }

  private add(session: Session): void {
    this.sessions.set(session.id, session);
    this.owned.set(session.principal, (this.owned.get(session.principal) ?? 0) + 1);
  }

  private remove(id: string): void {
    const session = this.sessions.get(id);
    if (!session) return;
    this.sessions.delete(id);
    const left = (this.owned.get(session.principal) ?? 1) - 1;
    if (left > 0) this.owned.set(session.principal, left);
    else this.owned.delete(session.principal);
  }

  private async open(req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
    const auth = authOf(req);
    const server = this.makeServer(auth);
    const principal = principalOf(req);
    const transport = new NodeStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        this.add({ id, server, transport, lastSeen: Date.now(), openStreams: 0, principal, auth });
      },
      onsessionclosed: (id) => this.remove(id),
    });
    transport.onclose = () => {
      if (transport.sessionId) this.remove(transport.sessionId);
    };
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
    if (!transport.sessionId) await server.close();
  }

  /** Tells every session about the lists that changed (as its principal sees them, when a function). */
  broadcast(changesFor: ListChanges | ((auth: AuthInfo | undefined) => ListChanges)): void {
    for (const s of this.sessions.values()) {
      const changes = typeof changesFor === 'function' ? changesFor(s.auth) : changesFor;
      if (changes.tools) void s.server.sendToolListChanged().catch(() => {});
      if (changes.prompts) void s.server.sendPromptListChanged().catch(() => {});
      if (changes.resources) void s.server.sendResourceListChanged().catch(() => {});
    }
  }

  private sweep(): void {
    if (this.limits.idleTimeoutMs <= 0) return;
    const cutoff = Date.now() - this.limits.idleTimeoutMs;
    for (const s of this.sessions.values()) {
      if (s.openStreams === 0 && s.lastSeen < cutoff) {
        log.info({ session: s.id }, 'closing idle session');
        this.remove(s.id);
        void s.server.close().catch(() => {});
      }
    }
  }

  /** Closes every session. */
  async close(): Promise<void> {
    clearInterval(this.sweeper);
    const all = [...this.sessions.values()];
    this.sessions.clear();
    this.owned.clear();
    await Promise.all(all.map((s) => s.server.close().catch(() => {})));
  }
}
