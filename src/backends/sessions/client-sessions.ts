import type { Client } from '@modelcontextprotocol/client';
import type { Logger } from 'pino';
import { EmptyResultSchema } from '@modelcontextprotocol/core';
import type { BackendSpec } from '../../config/model.js';
import { GatewayError } from '../../errors.js';
import type { UpstreamSession } from './send.js';
import { InFlight, type Origin, type UpstreamListener } from '../relay/origin.js';
import { closeWithTree } from '../supervision/process-tree.js';
import { installRelay, keepProgressBeforeResponses, relayedSubset, upstreamClient } from '../relay/relay.js';
import {
  connectTimeoutMs,
  createTransport,
  endSession,
  type BuiltTransport,
  type TransportFactory,
} from '../transports/factory.js';
import { TRACING_OFF, type Tracing } from '../../telemetry/tracing.js';
import type { UpstreamTokens } from '../oauth/tokens.js';
import type { UserAuth, UserCredential } from '../credentials/per-user.js';
import { credentialRefused } from './upstream-errors.js';

/** One downstream session's own upstream connection. */
interface Connection {
  client: Client;
  built: BuiltTransport;
  inFlight: InFlight;
  opened: Promise<void>;
  /** Forwarded headers and a per-user backend's credential, refreshed from each downstream request. */
  headers: Record<string, string>;
  busy: number;
  lastUsed: number;
}

/** The configured forward_headers present on a downstream request. */
function forwarded(spec: BackendSpec, origin: Origin): Record<string, string> {
  const out: Record<string, string> = {};
  const headers = origin.headers();
  for (const name of spec.forwardHeaders) {
    const value = headers[name];
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/**
 * The upstream sessions of a `session_mode: per_client` backend: one per downstream session, opened on first
 * use, closed with the downstream session, after idle_timeout without use, or when the backend stops. A backend
 * acting as each user (`users`) has one per (typed principal, backend) instead, closed after idle_timeout.
 */
export class ClientSessions {
  private readonly conns = new Map<string, Connection>();
  private readonly sweeper?: NodeJS.Timeout;

  /** @param spec the backend's current spec (live fields may change on reload). */
  constructor(
    private readonly spec: () => BackendSpec,
    private readonly log: Logger,
    private readonly listener?: UpstreamListener,
    /** The tracer (read per connection: tracing starts after construction). */
    private readonly tracing: () => Tracing = () => TRACING_OFF,
    /** The backend's OAuth token source: every client's upstream session uses the same token. */
    private readonly tokens?: UpstreamTokens,
    private readonly transports: TransportFactory = createTransport,
    /** Set for a backend acting as each user: sessions are keyed by principal and carry its credential. */
    private readonly users?: UserAuth,
  ) {
    const idle = spec().idleTimeoutMs;
    if (idle > 0) {
      this.sweeper = setInterval(() => this.sweep(idle), Math.min(60_000, Math.max(100, idle / 4)));
      this.sweeper.unref();
    }
  }

  /** Number of upstream sessions open or opening. */
  get size(): number {
    return this.conns.size;
  }

  /** Whether a downstream session has an upstream session open or opening. */
  has(session: string): boolean {
    return this.conns.has(session);
  }

  /**
   * The origin's own upstream session, opened first if needed, as one request goes on it (`sendUpstream`);
   * busy until the request releases it, so that the idle sweep cannot close it under the request.
   */
  async session(origin: Origin, retried = false): Promise<UpstreamSession> {
    const user = await this.users?.credential(origin.caller, origin);
    const id = user?.principal ?? origin.sessionId;
    const headers = { ...forwarded(this.spec(), origin), ...user?.headers };
    const conn = this.acquire(origin, id, headers);
    conn.headers = headers;
    // Busy from the start, so that the idle sweep cannot close a connection that is still opening.
    conn.busy++;
    const release = () => {
      conn.busy--;
      conn.lastUsed = Date.now();
    };
    try {
      await this.opened(id, conn, user);
    } catch (err) {
      release();
      if (!(err instanceof CredentialRefused)) throw err;
      const refusal = await this.refused(user!, retried);
      if (refusal) throw refusal;
      return this.session(origin, true);
    }
    const { client } = conn;
    return {
      client,
      era: client.getProtocolEra() ?? 'legacy',
      track: (o, run) => conn.inFlight.track(o, run),
      // A 2026-07-28 session of this client's own: its subscription requests go as they are.
      resubscribe: (method, params) =>
        void client.request({ method, params } as never, EmptyResultSchema).catch((err: unknown) => {
          this.log.warn({ session: short(id), err: String(err) }, `${method} failed`);
        }),
      sent: () => undefined,
      renew: async () => {
        this.log.warn({ session: short(id) }, 'per-client upstream session expired; reopening');
        await this.drop(id, conn);
      },
      drop: (reason) => {
        this.log.warn({ session: short(id) }, `dropping per-client upstream session: ${reason}`);
        void this.drop(id, conn);
      },
      release,
      ...(user && { refused: (again: boolean) => this.refused(user, again) }),
    };
  }

  /**
   * The upstream refused a user's credential (401): it is forgotten; the error to answer, or undefined when a
   * new one may be tried (once, and only where a new one can differ: an exchanged token, not a secret).
   */
  private async refused(user: UserCredential, again: boolean): Promise<GatewayError | undefined> {
    await user.refused?.();
    if (user.refused && !again) return undefined;
    const name = this.spec().name;
    const what = user.refused ? 'a newly obtained credential' : 'the credential';
    return new GatewayError(
      'user_credentials',
      `backend "${name}" refused ${what} of principal ${user.principal} (HTTP 401); connect again, or ask its operator whether this user may use it`,
      name,
    );
  }

  /** Sends a notification on a session's upstream connection, if one is open. */
  async notify(session: string, method: string, params?: Record<string, unknown>): Promise<void> {
    const conn = this.conns.get(session);
    if (!conn) return;
    await conn.opened;
    await conn.client.notification({ method, params } as never);
  }

  /** The session's connection, created (not yet open) if it has none; refused beyond max_sessions. */
  private acquire(origin: Origin, id: string, headers: Record<string, string>): Connection {
    let conn = this.conns.get(id);
    if (!conn) {
      const spec = this.spec();
      if (spec.maxSessions !== undefined && this.conns.size >= spec.maxSessions) {
        throw new GatewayError(
          'upstream_sessions_full',
          `backend "${spec.name}" already has ${spec.maxSessions} upstream sessions open (max_sessions); retry when another client's session ends, or raise max_sessions`,
          spec.name,
        );
      }
      conn = this.connect(origin, spec, id, headers);
      this.conns.set(id, conn);
    }
    return conn;
  }

  private async opened(id: string, conn: Connection, user?: UserCredential): Promise<void> {
    try {
      await conn.opened;
    } catch (err) {
      await this.drop(id, conn);
      if (user && credentialRefused(err)) throw new CredentialRefused();
      const name = this.spec().name;
      throw new GatewayError(
        'backend_unavailable',
        `backend "${name}" could not open an upstream session for this client: ${err instanceof Error ? err.message : String(err)}`,
        name,
      );
    }
  }

  private connect(
    origin: Origin,
    spec: BackendSpec,
    id: string,
    headers: Record<string, string>,
  ): Connection {
    const log = this.log.child(this.users ? { principal: id } : { session: short(id) });
    const detached = origin.detached();
    // A user's session serves all their clients: with nothing in flight, no one client is the one asked.
    const inFlight = new InFlight(this.users ? undefined : () => detached);
    const client = upstreamClient(relayedSubset(origin.capabilities()));
    const conn = {
      client,
      inFlight,
      headers,
      busy: 0,
      lastUsed: Date.now(),
    } as Connection;
    const headerSource = spec.forwardHeaders.length > 0 || this.users ? () => conn.headers : undefined;
    conn.built = this.transports(spec, log, headerSource, this.tracing(), this.tokens);
    installRelay(client, {
      backend: spec.name,
      log,
      inFlight,
      listener: this.listener,
      session: id,
      timeoutMs: () => this.spec().requestTimeoutMs,
      tracing: this.tracing,
    });
    client.onclose = () => {
      if (this.conns.get(id) !== conn) return;
      this.conns.delete(id);
      log.info('per-client upstream session closed by the upstream');
    };
    const timeout = connectTimeoutMs(spec);
    conn.opened = (async () => {
      await client.connect(conn.built.transport, { timeout });
      keepProgressBeforeResponses(conn.built.transport);
      const level = origin.logLevel();
      if (level && client.getServerCapabilities()?.logging) await client.setLoggingLevel(level, { timeout });
      log.info('per-client upstream session opened');
    })();
    return conn;
  }

  private async drop(id: string, conn: Connection): Promise<void> {
    if (this.conns.get(id) === conn) this.conns.delete(id);
    await endSession(conn.client.transport);
    await closeWithTree(() => conn.client.close(), conn.built.pid());
  }

  /** Closes a downstream session's upstream session (its client went away). */
  async close(session: string): Promise<void> {
    const conn = this.conns.get(session);
    if (conn) await this.drop(session, conn);
  }

  private sweep(idleMs: number): void {
    const cutoff = Date.now() - idleMs;
    for (const [id, conn] of this.conns) {
      if (conn.busy === 0 && conn.lastUsed < cutoff) {
        this.log.info({ session: short(id) }, 'closing idle per-client upstream session (idle_timeout)');
        void this.drop(id, conn);
      }
    }
  }

  /** Closes every upstream session (the backend stops). */
  async closeAll(): Promise<void> {
    clearInterval(this.sweeper);
    await Promise.all([...this.conns].map(([id, conn]) => this.drop(id, conn)));
  }
}

/** Opening a user's upstream session was refused with 401 (the user's credential, not the backend). */
class CredentialRefused extends Error {}

function short(session: string): string {
  return session.slice(0, 8);
}
