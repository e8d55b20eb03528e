import { log } from '../../log.js';
import { HEARTBEAT_EVERY_MS, type SessionCluster } from './cluster.js';

/** What the handover needs from the rest of the gateway. */
export interface HandoverDeps {
  /** Sessions whose GET stream this replica holds. */
  heldStreams(): string[];
  /** Subscribes a session (held here) to a URI upstream, from this replica. */
  resubscribe(session: string, uri: string): Promise<void>;
}

/** Held streams checked per heartbeat: one Redis read each, so at most this many reads per 3 s per replica. */
const CHECKS_PER_BEAT = 500;

/**
 * Resource subscriptions that outlive their replica: the replica holding a session's GET stream (where
 * `resources/updated` is delivered) takes over the upstream subscriptions of a replica that stopped or went
 * silent, when it opens the stream and afterwards on heartbeats, a bounded batch of held streams at a time.
 */
export class SubscriptionHandover {
  private readonly timer: NodeJS.Timeout;
  private readonly checking = new Map<string, Promise<void>>();
  /** Where the next heartbeat's checks start in the list of held streams. */
  private cursor = 0;

  constructor(
    private readonly cluster: SessionCluster,
    private readonly deps: HandoverDeps,
  ) {
    this.timer = setInterval(() => this.tick(), HEARTBEAT_EVERY_MS).unref();
  }

  /** Checks up to CHECKS_PER_BEAT held streams, in turn, so Redis reads stay bounded however many are held. */
  private tick(): void {
    const held = this.deps.heldStreams();
    if (held.length === 0) return;
    if (this.cursor >= held.length) this.cursor = 0;
    const batch = held.slice(this.cursor, this.cursor + CHECKS_PER_BEAT);
    this.cursor += batch.length;
    for (const id of batch) void this.check(id);
  }

  /** Takes over the session's subscriptions whose replica is dead (one check per session at a time). */
  check(session: string): Promise<void> {
    let running = this.checking.get(session);
    if (!running) {
      running = this.adoptOrphans(session)
        .catch((err: unknown) =>
          log.debug({ session, err: String(err) }, 'subscription handover check failed'),
        )
        .finally(() => this.checking.delete(session));
      this.checking.set(session, running);
    }
    return running;
  }

  private async adoptOrphans(session: string): Promise<void> {
    for (const [uri, from] of await this.cluster.orphans(session)) {
      if (!(await this.cluster.adopt(session, uri, from))) continue;
      try {
        await this.deps.resubscribe(session, uri);
        log.info({ session, uri, from }, 'took over a resource subscription of a stopped replica');
      } catch (err) {
        await this.cluster.disown(session, uri, from).catch(() => {});
        log.warn(
          { session, uri, err: String(err) },
          'taking over a resource subscription failed; will retry',
        );
      }
    }
  }

  /** Stops checking. */
  close(): void {
    clearInterval(this.timer);
  }
}
