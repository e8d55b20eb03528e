import type { Origin } from '../../backends/relay/origin.js';
import type { Dispatcher } from '../../dispatch/dispatch.js';
import { GatewayError } from '../../errors.js';
import { log } from '../../log.js';
import { ALLOW_ALL, type Grant } from '../../registry/grant.js';

/** The downstream sessions subscribed to one URI through one upstream session. */
interface Entry {
  backend: string;
  uri: string;
  /** Set when the upstream session belongs to one client (session_mode: per_client). */
  perClient: boolean;
  sessions: Set<string>;
  /** The upstream subscribe, while it is in flight. */
  pending?: Promise<void>;
}

/**
 * Resource subscriptions of downstream sessions, counted per upstream session: the upstream is subscribed
 * when the first session subscribes and unsubscribed when the last one unsubscribes or goes away.
 */
export class Subscriptions {
  private readonly entries = new Map<string, Entry>();
  /** Entry keys by session and URI. */
  private readonly bySession = new Map<string, Map<string, string>>();

  constructor(
    private readonly dispatch: Dispatcher,
    /** Told when a session subscribes to or unsubscribes from a URI (the gateway records it for other replicas). */
    private readonly onChange?: (session: string, uri: string, subscribed: boolean) => void,
  ) {}

  /** Subscribes a session to a URI, subscribing upstream if it is the first subscriber. */
  async subscribe(
    origin: Origin,
    uri: string,
    signal?: AbortSignal,
    grant: Grant = ALLOW_ALL,
  ): Promise<void> {
    const backend = this.dispatch.resourceOwner(uri);
    if (!backend) throw new GatewayError('unknown_resource', `Resource not found: ${uri}`);
    if (!grant.backend(backend.name)) {
      const message = `resource "${uri}" is not permitted for this client (gateway.auth.policies)`;
      throw new GatewayError('not_permitted', message, backend.name);
    }
    const perClient = backend.clientSessions !== undefined;
    const key = [backend.name, perClient ? origin.sessionId : '', uri].join('\n');
    let entry = this.entries.get(key);
    if (!entry) {
      const created: Entry = { backend: backend.name, uri, perClient, sessions: new Set() };
      entry = created;
      this.entries.set(key, created);
      created.pending = this.dispatch.subscription('resources/subscribe', uri, { origin, signal });
      void created.pending
        .catch(() => {
          if (created.sessions.size === 0 && this.entries.get(key) === created) this.entries.delete(key);
        })
        .finally(() => (created.pending = undefined));
    }
    if (entry.pending) await entry.pending;
    entry.sessions.add(origin.sessionId);
    const mine = this.bySession.get(origin.sessionId) ?? new Map<string, string>();
    mine.set(uri, key);
    this.bySession.set(origin.sessionId, mine);
    this.onChange?.(origin.sessionId, uri, true);
  }

  /** Unsubscribes a session; the upstream is unsubscribed when no session is left. */
  async unsubscribe(origin: Origin, uri: string, signal?: AbortSignal): Promise<void> {
    // Told even when not held here: the subscription may be held by another replica.
    this.onChange?.(origin.sessionId, uri, false);
    await this.release(origin, uri, signal);
  }

  /** Drops a session's subscription held here, without telling anyone (another replica already knows). */
  async release(origin: Origin, uri: string, signal?: AbortSignal): Promise<void> {
    const key = this.bySession.get(origin.sessionId)?.get(uri);
    if (key === undefined) return;
    this.bySession.get(origin.sessionId)?.delete(uri);
    const entry = this.entries.get(key);
    if (!entry) return;
    entry.sessions.delete(origin.sessionId);
    if (entry.sessions.size > 0) return;
    this.entries.delete(key);
    await this.dispatch.subscription('resources/unsubscribe', uri, { origin, signal });
  }

  /** Forgets a closed session; shared upstream sessions are unsubscribed from URIs nobody else watches. */
  async drop(session: string): Promise<void> {
    const mine = this.bySession.get(session);
    this.bySession.delete(session);
    for (const [uri, key] of mine ?? []) {
      const entry = this.entries.get(key);
      if (!entry) continue;
      entry.sessions.delete(session);
      if (entry.sessions.size > 0) continue;
      this.entries.delete(key);
      // A per-client upstream session closes with its client; there is nothing to unsubscribe.
      if (entry.perClient) continue;
      await this.dispatch.subscription('resources/unsubscribe', uri, {}).catch((err: unknown) => {
        log.warn({ backend: entry.backend, uri, err: String(err) }, 'unsubscribing a closed session failed');
      });
    }
  }

  /** Sessions subscribed to a URI through a backend (limited to `session` for a per-client update). */
  subscribers(backend: string, uri: string, session?: string): string[] {
    const out: string[] = [];
    for (const e of this.entries.values()) {
      if (e.backend !== backend || e.uri !== uri) continue;
      for (const s of e.sessions) if (session === undefined || s === session) out.push(s);
    }
    return out;
  }
}
