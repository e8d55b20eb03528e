import { log } from '../../log.js';
import type { SessionCluster, SessionRecord } from './cluster.js';

/** What refreshing a record reads and writes of a session held here. */
interface Touched {
  id: string;
  /** When this replica last refreshed the session's record. */
  touchedAt: number;
}

/**
 * The Redis records of the sessions one replica holds: written at initialize, their TTL (the idle timeout
 * plus the refresh interval) refreshed at most every `touchEveryMs` while in use, and their log level and
 * subscriptions kept for the other replicas. Failures are logged, never thrown: sessions go on locally.
 */
export class SessionRecords {
  constructor(
    readonly cluster: SessionCluster,
    private readonly idleTimeoutMs: () => number,
  ) {}

  /** How often a session in use refreshes its record. */
  get touchEveryMs(): number {
    return Math.min(60_000, this.idleTimeoutMs() / 10);
  }

  /** A record's TTL: the idle timeout plus the refresh interval (0 = no expiry). */
  get ttlMs(): number {
    return this.idleTimeoutMs() > 0 ? this.idleTimeoutMs() + this.touchEveryMs : 0;
  }

  /** Writes a new session's record. */
  async save(record: SessionRecord): Promise<void> {
    await this.cluster.save(record, this.ttlMs).catch((err: unknown) => {
      log.warn({ err: String(err) }, 'session store unreachable: this session stays on this replica');
    });
  }

  /** Refreshes a session's record if it is due. */
  touch(session: Touched): void {
    if (this.idleTimeoutMs() <= 0 || Date.now() - session.touchedAt < this.touchEveryMs) return;
    session.touchedAt = Date.now();
    void this.cluster.touch(session.id, this.ttlMs).catch(() => {});
  }

  /** Records a session's new log level and tells the replicas that hold it. */
  async level(id: string, level: string): Promise<void> {
    await this.cluster.update(id, this.ttlMs, (r) => (r.level = level)).catch(() => {});
    await this.cluster.publish({ type: 'level', id, level, by: this.cluster.replica }).catch(() => {});
  }

  /** Records a resource subscription held here, or its removal. */
  async subscription(id: string, uri: string, subscribed: boolean): Promise<void> {
    const cluster = this.cluster;
    try {
      if (subscribed) return await cluster.subscribed(id, uri, this.ttlMs);
      await cluster.unsubscribed(id, uri);
      await cluster.publish({ type: 'unsubscribed', id, uri, by: cluster.replica });
    } catch (err) {
      log.warn({ session: id, err: String(err) }, 'session store unreachable: subscription not recorded');
    }
  }

  /**
   * An evicted session's record goes too when no replica has used the session for `minIdleMs` (plus the
   * refresh interval, since refreshes are that coarse); else it stays for the replica using it.
   */
  evicted(id: string, minIdleMs: number): void {
    void this.cluster
      .removeIfIdle(id, this.ttlMs, minIdleMs + this.touchEveryMs)
      .catch((err: unknown) => log.debug({ err: String(err) }, 'evicted session record kept'));
  }
}
