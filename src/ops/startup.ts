import type { Backend } from '../backends/backend.js';
import { log } from '../log.js';

/** What start-up waits for: the pool's backends' first connection attempts. */
interface Starting {
  settled(): Promise<void>;
  all(): Backend[];
}

/**
 * Whether the gateway has finished starting: every enabled backend has had its first connection attempt
 * (ready or failed), or gateway.startup_timeout has passed, so one upstream that never answers cannot hold a
 * rollout forever. /readyz says `starting` (503) until then; it never goes back (a reload adding a backend
 * does not take a serving replica out of rotation).
 */
export class Startup {
  private finished = false;

  /** Starts waiting for the pool's backends (every one started already). */
  constructor(pool: Starting, timeoutMs: number) {
    const timer = setTimeout(() => {
      if (this.finished) return;
      this.finished = true;
      const connecting = pool.all().filter((b) => b.state === 'connecting');
      log.warn(
        { connecting: connecting.map((b) => b.name) },
        `ready after gateway.startup_timeout (${timeoutMs} ms) with backend(s) still connecting; calls to them wait within their timeout`,
      );
    }, timeoutMs);
    timer.unref();
    void pool.settled().then(() => {
      clearTimeout(timer);
      this.finished = true;
    });
  }

  /** Whether /readyz may say ready. */
  get done(): boolean {
    return this.finished;
  }
}
