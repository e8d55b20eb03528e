import type { Client, McpSubscription, SubscriptionFilter } from '@modelcontextprotocol/client';
import type { Logger } from 'pino';

/** How long the first (and each later) retry of a failed listen stream waits: doubling up to the cap. */
const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 60_000;

/** What one listen stream is opened for: the connection, whether it is still current, and the filter. */
export interface ListenTarget {
  client: Client;
  /** False once the connection was replaced or closed: the stream is then given up. */
  alive(): boolean;
  filter(): SubscriptionFilter;
  /** How long the upstream may take to acknowledge the stream. */
  ackTimeoutMs: number;
}

/**
 * The `subscriptions/listen` stream of a 2026-07-28 upstream, kept open in the background: it never holds up
 * the connection (an optional feature must not delay readiness). A stream that fails to open or ends is
 * retried with backoff while its connection lives; the first failure of a run is logged at warn, repeats at debug.
 * Reopening (new filter) keeps the old stream until the new one is acknowledged, so no change is missed.
 */
export class UpstreamListen {
  private generation = 0;
  private current?: McpSubscription;
  private timer?: NodeJS.Timeout;
  private failures = 0;
  /** Resolves when the most recent open attempt settled (acknowledged or failed); for tests and replay. */
  settled: Promise<void> = Promise.resolve();

  constructor(private readonly log: Logger) {}

  /** Opens the stream (or reopens it with a new filter), returning at once. */
  open(target: ListenTarget): void {
    const gen = ++this.generation;
    clearTimeout(this.timer);
    this.settled = this.attempt(target, gen);
  }

  /** Closes the stream and cancels any retry (the connection is going away). */
  stop(): void {
    this.generation++;
    clearTimeout(this.timer);
    const sub = this.current;
    this.current = undefined;
    void sub?.close().catch(() => undefined);
  }

  private async attempt(target: ListenTarget, gen: number): Promise<void> {
    let sub: McpSubscription;
    try {
      sub = await target.client.listen(target.filter(), { timeout: target.ackTimeoutMs });
    } catch (err) {
      if (gen !== this.generation || !target.alive()) return;
      this.retry(target, gen, String(err));
      return;
    }
    if (gen !== this.generation || !target.alive()) {
      await sub.close().catch(() => undefined);
      return;
    }
    if (this.failures > 0) this.log.info('subscriptions/listen on the upstream is open again');
    this.failures = 0;
    const previous = this.current;
    this.current = sub;
    void previous?.close().catch(() => undefined);
    void sub.closed.then((cause) => {
      if (cause === 'local' || gen !== this.generation || !target.alive()) return;
      if (this.current === sub) this.current = undefined;
      this.retry(target, gen, `the stream ended (${cause})`);
    });
  }

  private retry(target: ListenTarget, gen: number, why: string): void {
    this.failures++;
    const delay = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** (this.failures - 1));
    const level = this.failures === 1 ? 'warn' : 'debug';
    this.log[level](
      { err: why, attempt: this.failures },
      `subscriptions/listen on the upstream failed; list changes and resource updates from it wait until it opens (retrying in ${delay} ms)`,
    );
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      if (gen !== this.generation || !target.alive()) return;
      this.settled = this.attempt(target, gen);
    }, delay);
    this.timer.unref();
  }
}
