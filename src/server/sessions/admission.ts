import { log } from '../../log.js';

/** Why a session was evicted: the gateway's max_sessions, or a principal's own cap. */
export type EvictionReason = 'max_sessions' | 'per_principal';

/** What choosing a session to evict reads of it. */
export interface EvictableSession {
  id: string;
  principal: string;
  /** When it was last used; sessions are visited in this order, least recent first. */
  lastSeen: number;
  /** GET streams open on it. */
  openStreams: number;
  /** Whether a call of it is in flight. */
  busy(): boolean;
}

/**
 * The least recently used session that may be evicted: idle at least `minIdleMs`, no open stream, no call in
 * flight, and (when given) of `principal`. `sessions` must come in order of last use, least recent first, so
 * the walk stops at the first session used too recently.
 */
export function evictionCandidate<S extends EvictableSession>(
  sessions: Iterable<S>,
  now: number,
  minIdleMs: number,
  principal?: string,
): S | undefined {
  const cutoff = now - minIdleMs;
  for (const s of sessions) {
    if (s.lastSeen > cutoff) return undefined;
    if (s.openStreams > 0 || s.busy()) continue;
    if (principal !== undefined && s.principal !== principal) continue;
    return s;
  }
  return undefined;
}

/** How often an ongoing run of evictions is logged. */
const LOG_EVERY_MS = 60_000;

/** Counts evictions by reason (for /metrics) and logs them: the first at once, then at most once a minute. */
export class EvictionLog {
  readonly counts: Record<EvictionReason, number> = { max_sessions: 0, per_principal: 0 };
  private unlogged = 0;
  private loggedAt = -Infinity;

  /** Records one eviction; `cap` is the limit that was reached. */
  record(reason: EvictionReason, cap: number, principal: string): void {
    this.counts[reason]++;
    this.unlogged++;
    const now = Date.now();
    if (now - this.loggedAt < LOG_EVERY_MS) return;
    const limit =
      reason === 'max_sessions'
        ? `max_sessions (${cap})`
        : `the session cap (${cap}) of principal "${principal}"`;
    log.warn(
      { evicted: this.unlogged, total: this.counts.max_sessions + this.counts.per_principal },
      `${limit} reached: evicted ${this.unlogged} least recently used idle session(s) to admit new ones (gateway.session_eviction_min_idle); such clients must initialize again`,
    );
    this.unlogged = 0;
    this.loggedAt = now;
  }
}

/** The caps a new session must fit under. */
export interface AdmissionLimits {
  maxSessions: number;
  evictionMinIdleMs: number;
}

/**
 * Admits new sessions under max_sessions and the per-principal caps: counts each principal's sessions and,
 * at a cap, evicts the least recently used evictable session (the principal's own, at its cap) through
 * `evict`, which closes it; refuses only when nothing may be evicted.
 */
export class SessionAdmission<S extends EvictableSession> {
  /** Open sessions per principal. */
  private readonly owned = new Map<string, number>();
  private readonly evictions = new EvictionLog();

  constructor(private readonly evict: (victim: S) => void) {}

  /** Sessions evicted so far, by the cap that was reached. */
  get evicted(): Readonly<Record<EvictionReason, number>> {
    return this.evictions.counts;
  }

  /**
   * Makes room for a session of `principal` whose own cap is `cap` (if any) among `sessions` (in order of
   * last use); returns the refusal's message when there is none, else undefined.
   */
  admit(
    sessions: Map<string, S>,
    principal: string,
    cap: number | undefined,
    limits: AdmissionLimits,
  ): string | undefined {
    const mine = this.owned.get(principal) ?? 0;
    if (
      cap !== undefined &&
      mine >= cap &&
      !this.evictOne(sessions, limits, 'per_principal', cap, principal)
    ) {
      log.warn({ principal, sessions: mine }, 'session refused: per-principal cap reached');
      return `Too many sessions for this client (${cap}, gateway.auth max_sessions_per_principal or its policy's max_sessions); close one or retry later`;
    }
    const max = limits.maxSessions;
    if (sessions.size >= max && !this.evictOne(sessions, limits, 'max_sessions', max)) {
      log.warn({ sessions: sessions.size }, 'session refused: max_sessions reached');
      return `Too many sessions (max_sessions ${max}); retry later`;
    }
    return undefined;
  }

  private evictOne(
    sessions: Map<string, S>,
    limits: AdmissionLimits,
    reason: EvictionReason,
    cap: number,
    principal?: string,
  ): boolean {
    const victim = evictionCandidate(sessions.values(), Date.now(), limits.evictionMinIdleMs, principal);
    if (!victim) return false;
    this.evict(victim);
    this.evictions.record(reason, cap, victim.principal);
    return true;
  }

  /** A session of `principal` opened. */
  joined(principal: string): void {
    this.owned.set(principal, (this.owned.get(principal) ?? 0) + 1);
  }

  /** A session of `principal` closed. */
  left(principal: string): void {
    const n = (this.owned.get(principal) ?? 1) - 1;
    if (n > 0) this.owned.set(principal, n);
    else this.owned.delete(principal);
  }

  /** Every session closed. */
  clear(): void {
    this.owned.clear();
  }
}
