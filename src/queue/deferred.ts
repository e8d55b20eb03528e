import { log } from '../log.js';
import type { CallQueue, QueuedRequest, QueueStats, SubmitOptions } from './types.js';

const ZERO = { p50: 0, p99: 0, last: 0 };

/**
 * A queue whose implementation is still loading. The Redis queue pulls in bullmq and ioredis (~40 MB of
 * memory), so they are imported only when a backend actually uses Redis; calls made meanwhile wait for it.
 */
export class DeferredQueue implements CallQueue {
  private inner?: CallQueue;
  /** Ownership listeners registered before loading, and their unsubscribe functions once attached. */
  private readonly early = new Map<(owned: boolean) => void, (() => void) | undefined>();
  private readonly ready: Promise<CallQueue>;

  constructor(
    readonly backend: string,
    loading: Promise<CallQueue>,
  ) {
    this.ready = loading.then(
      (queue) => {
        this.inner = queue;
        for (const cb of this.early.keys()) this.early.set(cb, queue.onOwnershipChange(cb));
        return queue;
      },
      (err: unknown) => {
        log.error({ backend, err: String(err) }, 'loading the Redis queue failed');
        throw err;
      },
    );
    this.ready.catch(() => {});
  }

  /** Submits once the implementation has loaded. */
  async submit(req: QueuedRequest, opts?: SubmitOptions): Promise<unknown> {
    return (this.inner ?? (await this.ready)).submit(req, opts);
  }

  /** The loaded queue's stats, or an empty Redis-mode record while loading. */
  stats(): QueueStats {
    return (
      this.inner?.stats() ?? {
        backend: this.backend,
        mode: 'redis',
        depth: 0,
        running: 0,
        owner: false,
        processed: 0,
        failed: 0,
        rejected: 0,
        waitMs: ZERO,
        runMs: ZERO,
      }
    );
  }

  /** Subscribes now, or as soon as the implementation has loaded. */
  onOwnershipChange(cb: (owned: boolean) => void): () => void {
    if (this.inner) return this.inner.onOwnershipChange(cb);
    this.early.set(cb, undefined);
    return () => {
      this.early.get(cb)?.();
      this.early.delete(cb);
    };
  }

  /** Hands ownership over once loaded (see CallQueue.drain). */
  async drain(beforeRelease: () => Promise<void>): Promise<void> {
    const queue = await this.ready.catch(() => undefined);
    await queue?.drain?.(beforeRelease);
  }

  /** Closes the implementation once loaded (a failed load has nothing to close). */
  async close(): Promise<void> {
    const queue = await this.ready.catch(() => undefined);
    await queue?.close();
  }
}
