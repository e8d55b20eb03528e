import type { Client } from '@modelcontextprotocol/client';
import type { Logger } from 'pino';
import type { BackendSpec } from '../../config/model.js';
import type { Era } from './era.js';
import type { Telemetry } from '../../telemetry/recorder.js';
import type { UpstreamTokens } from '../oauth/tokens.js';
import { InFlight, type Origin, type UpstreamListener } from '../relay/origin.js';
import {
  installRelay,
  keepProgressBeforeResponses,
  RELAYED_CAPABILITIES,
  upstreamClient,
} from '../relay/relay.js';
import type { UpstreamSlips } from '../slips.js';
import { StickyState } from './sticky.js';
import { endSession, type BuiltTransport, type TransportFactory } from '../transports/factory.js';

/** What the companion of one backend needs from it (the backend itself: `spec` is read live). */
export interface CompanionDeps {
  readonly name: string;
  readonly spec: BackendSpec;
  log: Logger;
  listener?: UpstreamListener;
  telemetry: Telemetry;
  transports: TransportFactory;
  tokens?: UpstreamTokens;
  slips: UpstreamSlips;
}

/**
 * A 2025-11-25 session beside a backend's 2026-07-28 connection, for the requests of 2025 clients. An upstream
 * that speaks both revisions may serve them differently (a tool that asks the client mid-call in 2025 may not
 * in 2026), and a 2025 client must see what it would see talking to that upstream directly: so its requests
 * go over the upstream's 2025 side, with server-to-client requests relayed as on any 2025 connection. Opened on
 * the first such request; an upstream that refuses the 2025 handshake, or serves 2025 without sessions, is
 * served to 2025 clients over 2026.
 */
export class LegacyCompanion {
  private client?: Client;
  private built?: BuiltTransport;
  private opening?: Promise<Client | undefined>;
  /** Set when the upstream refused the 2025 handshake: the companion is not tried again on this connection. */
  private refused = false;
  private closed = false;
  readonly sticky = new StickyState();
  /** Downstream origins of requests in flight on the companion. */
  readonly origins = new InFlight();

  constructor(private readonly deps: CompanionDeps) {}

  /** A companion for a new connection of `deps` when it wants one: a 2026 HTTP upstream with `protocol: auto`. */
  static forConnection(era: Era | undefined, deps: CompanionDeps): LegacyCompanion | undefined {
    const { spec } = deps;
    const wanted = era === 'modern' && spec.kind === 'http' && spec.protocol === 'auto';
    return wanted ? new LegacyCompanion(deps) : undefined;
  }

  /** Whether the companion serves an origin: a 2025 downstream session (not a 2026 request or listen stream). */
  static serves(origin: Origin | undefined): boolean {
    return origin !== undefined && !origin.perRequest;
  }

  /** The open 2025 session, opening it first; undefined when the upstream does not speak 2025-11-25. */
  connection(): Promise<Client | undefined> {
    if (this.refused || this.closed) return Promise.resolve(undefined);
    if (this.client) return Promise.resolve(this.client);
    this.opening ??= this.open().finally(() => (this.opening = undefined));
    return this.opening;
  }

  private async open(): Promise<Client | undefined> {
    const { deps } = this;
    const spec = deps.spec;
    const log = deps.log.child({ era: '2025-11-25' });
    const client = upstreamClient(RELAYED_CAPABILITIES, { versionNegotiation: { mode: 'legacy' } });
    const built = deps.transports(spec, log, undefined, deps.telemetry.tracing, deps.tokens, deps.slips);
    installRelay(client, {
      backend: deps.name,
      log,
      inFlight: this.origins,
      listener: deps.listener,
      timeoutMs: () => deps.spec.requestTimeoutMs,
      tracing: () => deps.telemetry.tracing,
    });
    client.onclose = () => {
      if (this.client === client) this.client = undefined;
    };
    const timeout = 'connectTimeoutMs' in spec ? spec.connectTimeoutMs : spec.requestTimeoutMs;
    try {
      await client.connect(built.transport, { timeout });
      keepProgressBeforeResponses(built.transport);
    } catch (err) {
      this.refused = true;
      log.info(
        { err: err instanceof Error ? err.message : String(err) },
        'the upstream does not take a 2025-11-25 session: 2025 clients are served over its 2026-07-28 connection',
      );
      await client.close().catch(() => undefined);
      return undefined;
    }
    if (this.closed) {
      await this.end(client, built);
      return undefined;
    }
    if (!built.transport.sessionId) {
      // A stateless 2025 side (no session id) cannot carry server-to-client requests, subscriptions or
      // cancellations from one request to the next: the 2026 connection serves 2025 clients better.
      this.refused = true;
      log.info(
        'the upstream serves 2025-11-25 statelessly: 2025 clients are served over its 2026-07-28 connection',
      );
      await this.end(client, built);
      return undefined;
    }
    this.client = client;
    this.built = built;
    await this.sticky.replay(client, 'legacy', log, spec.requestTimeoutMs, () => this.client === client);
    log.info('2025-11-25 session opened beside the 2026-07-28 connection, for 2025 clients');
    return client;
  }

  /** Sends a client notification (e.g. roots/list_changed) on the 2025 session, when one is open. */
  async notify(method: string, params?: Record<string, unknown>): Promise<void> {
    await this.client?.notification({ method, params } as never).catch(() => undefined);
  }

  /** Drops the session (it expired or broke); the next 2025 request opens a new one. */
  async reset(client: Client): Promise<void> {
    if (this.client !== client) return;
    this.client = undefined;
    await this.end(client, this.built);
  }

  /** Closes for good (the backend's connection is going away). */
  async close(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = undefined;
    if (client) await this.end(client, this.built);
  }

  private async end(client: Client, built: BuiltTransport | undefined): Promise<void> {
    await endSession(built?.transport);
    await client.close().catch(() => undefined);
  }
}
