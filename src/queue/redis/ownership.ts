import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { log } from '../../log.js';
import { Lease } from './lease.js';
import { within } from '../../redis/problem-log.js';
import { OwnerRuntime, type OwnerDeps } from './owner.js';

/** What Ownership needs: the owner runtime's dependencies minus what it fills in itself. */
export type OwnershipDeps = Omit<OwnerDeps, 'queue' | 'leaseId' | 'stepDown'> & {
  queue: () => OwnerDeps['queue'] | undefined;
};

/**
 * This replica's side of the ownership lease: starts an OwnerRuntime (worker + cancel subscription) while it
 * holds the lease, stops it when the lease is lost, and tells listeners (the gateway connects the upstream only
 * on the owner, so at most one upstream session exists across the cluster).
 */
export class Ownership {
  private readonly lease: Lease;
  private runtime: OwnerRuntime | undefined;
  /** Stopped runtimes whose aborted executor has not returned yet; the lease is not retaken meanwhile. */
  private readonly draining = new Set<OwnerRuntime>();
  private readonly listeners = new Set<(owned: boolean) => void>();
  private closed = false;
  private readonly backend: string;

  constructor(d: OwnershipDeps) {
    this.backend = d.backend;
    const leaseId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.lease = new Lease(d.scripts, d.keys.owner, leaseId, d.leaseMs, d.problems, {
      acquired: async () => {
        const queue = d.queue();
        if (!queue) throw new Error('queue not initialised');
        this.runtime = new OwnerRuntime({
          ...d,
          queue,
          leaseId,
          stepDown: (why) => this.lease.stepDown(why),
        });
        log.info({ backend: d.backend }, 'queue: this replica now owns the backend');
        this.notify(true);
        await this.runtime.start();
      },
      lost: async (reason) => {
        const rt = this.runtime;
        this.runtime = undefined;
        if (reason !== 'closing')
          log.warn({ backend: d.backend, reason }, 'queue: this replica lost ownership');
        this.notify(false);
        if (!rt) return;
        await within(rt.stop(reason), d.leaseMs);
        if (rt.busy) this.draining.add(rt);
      },
      mayAcquire: () => {
        for (const rt of this.draining) if (!rt.busy) this.draining.delete(rt);
        return this.draining.size === 0 && !this.closed;
      },
    });
  }

  get isOwner(): boolean {
    return this.lease.isOwner;
  }

  /** Calls running on this replica's upstream (0 or 1), or undefined when not the owner. */
  get running(): number | undefined {
    return this.runtime?.runningCount;
  }

  start(): void {
    this.lease.start();
  }

  /**
   * Shutdown: takes no new job and never takes the lease again; lets the running call finish, runs
   * `beforeRelease` (the upstream session closes), then releases the lease so another replica owns it at once.
   */
  async handOff(beforeRelease: () => Promise<void>): Promise<void> {
    this.closed = true;
    const rt = this.runtime;
    if (rt) {
      log.info(
        { backend: this.backend },
        'queue: shutting down; handing ownership over after the running call',
      );
      await rt.finish();
    }
    await beforeRelease();
    await this.lease.stop();
  }

  /** Releases the lease (if held) and stops the runtime. */
  async stop(): Promise<void> {
    this.closed = true;
    await this.lease.stop();
  }

  onChange(cb: (owned: boolean) => void): () => void {
    this.listeners.add(cb);
    if (this.lease.isOwner) queueMicrotask(() => this.listeners.has(cb) && cb(true));
    return () => this.listeners.delete(cb);
  }

  private notify(owned: boolean): void {
    for (const cb of this.listeners) {
      try {
        cb(owned);
      } catch (err) {
        log.error({ backend: this.backend, err }, 'queue: ownership listener threw');
      }
    }
  }
}
