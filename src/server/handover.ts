import { log } from '../log.js';
import { HEARTBEAT_EVERY_MS, type SessionCluster } from './cluster.js';

/** What the handover needs from the rest of the gateway. */
export interface HandoverDeps {
  /** Sessions whose GET stream this replica holds. */
  heldStreams(): string[];
  /** Subscribes a session (held here) to a URI upstream, from this replica. */
  resubscribe(session: string, uri: string): Promise<void>;
}

/**
 * Resource subscriptions that outlive their replica: the replica holding a session's GET stream (where
 * `resources/updated` is delivered) takes over the upstream subscriptions of a replica that stopped or went
 * silent, when it opens the stream and on every heartbeat after.
 */
export class SubscriptionHandover {
  private readonly timer: NodeJS.Timeout;
  private readonly checking = new Map<string, Promise<void>>();

  constructor(
    private readonly cluster: SessionCluster,
    private readonly deps: HandoverDeps,
  ) {
    this.timer = setInterval(() => {
      for (const id of deps.heldStreams()) void this.check(id);
    }, HEARTBEAT_EVERY_MS).unref();
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
