import { log } from '../log.js';
import { isConnectionError } from './connections.js';

/**
 * Logs one line per distinct problem, not one per retry or per connection: while Redis is down every loop and
 * connection fails every tick, and that is one problem ("Redis unreachable") until it is cleared.
 */
export class ProblemLog {
  private readonly last = new Map<string, string>();

  constructor(
    private readonly backend: string,
    private readonly redis?: string,
  ) {}

  report(what: string, err: unknown, level: 'warn' | 'error' = 'warn'): void {
    const msg = err instanceof Error ? err.message : String(err);
    const key = isConnectionError(err) ? 'unreachable' : what;
    if (this.last.get(key) === msg || (key === 'unreachable' && this.last.has(key))) return;
    this.last.set(key, msg);
    const text = key === 'unreachable' ? 'queue: Redis unreachable; retrying' : `queue: ${what} error`;
    log[level]({ backend: this.backend, redis: this.redis, source: what, err: msg }, text);
  }

  /** Forgets reported problems (after recovery), so a recurrence is logged again; true if any were pending. */
  clear(): boolean {
    const had = this.last.size > 0;
    this.last.clear();
    return had;
  }
}

/** Waits for `p` at most `ms`; whatever happens, leaves no timer behind. */
export async function within<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let t: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => (t = setTimeout(() => resolve(undefined), ms)));
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(t);
  }
}
