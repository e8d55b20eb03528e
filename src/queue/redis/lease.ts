import type { ProblemLog } from '../../redis/problem-log.js';
import type { QueueScripts } from './scripts.js';

/** What the lease loop calls on transitions; both are awaited before the next lease decision. */
export interface LeaseHooks {
  /** Called after the lease was taken; if it throws, the lease is released again. */
  acquired(): Promise<void>;
  /** Called after the lease was lost or released. */
  lost(reason: string): Promise<void>;
  /** Whether taking the lease is allowed now (e.g. not while an aborted call is still winding down). */
  mayAcquire(): boolean;
}

/** Renewal (and acquisition attempt) period, as a fraction of the lease. */
const TICK = 1 / 4;
/** The holder steps down this long (fraction of the lease) after its last successful renewal was sent. */
const FENCE = 0.7;

/**
 * A Redis ownership lease (`SET NX PX`), renewed every leaseMs/4 by a compare-and-pexpire; non-holders try to
 * take it at the same pace. The holder steps down by itself 0.7 × leaseMs after its last successful renewal,
 * i.e. before the key can expire and another replica take over, so two replicas never both believe they own
 * the backend (short of event-loop stalls of ~0.3 × leaseMs). Two renewals may fail or lag before that.
 */
export class Lease {
  private owned = false;
  private stopped = true;
  private tickTimer: NodeJS.Timeout | undefined;
  private fenceTimer: NodeJS.Timeout | undefined;
  /** Serialises ticks, fencing and release so transitions never interleave. */
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly scripts: QueueScripts,
    private readonly key: string,
    readonly id: string,
    private readonly ms: number,
    private readonly problems: ProblemLog,
    private readonly hooks: LeaseHooks,
  ) {}

  get isOwner(): boolean {
    return this.owned;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** Stops the loop and releases the lease if held. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.tickTimer);
    await this.serial(async () => {
      if (!this.owned) return;
      try {
        await this.scripts.release(this.key, this.id);
      } catch (err) {
        this.problems.report('lease release (it expires by itself)', err);
      }
      await this.lose('closing');
    });
  }

  /** Gives up ownership now (e.g. the worker found the lease gone); the loop may take it again later. */
  stepDown(reason: string): void {
    void this.serial(async () => {
      if (this.owned) await this.lose(reason);
    });
  }

  /** Ticks at a fixed cadence from when each one started, so a slow reply does not stretch the period. */
  private schedule(ms: number): void {
    if (this.stopped) return;
    this.tickTimer = setTimeout(() => {
      const startedAt = performance.now();
      void this.serial(() => this.tick()).finally(() =>
        this.schedule(Math.max(0, startedAt + this.ms * TICK - performance.now())),
      );
    }, ms);
  }

  private serial(fn: () => Promise<void>): Promise<void> {
    const run = this.chain
      .then(fn)
      .catch((err: unknown) => this.problems.report('lease transition', err, 'error'));
    this.chain = run;
    return run;
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    const sentAt = performance.now();
    try {
      if (this.owned) {
        if (await this.scripts.renew(this.key, this.id, this.ms)) this.armFence(sentAt);
        else await this.lose('lease expired or taken over by another replica');
      } else if (this.hooks.mayAcquire() && (await this.scripts.acquire(this.key, this.id, this.ms))) {
        this.owned = true;
        this.armFence(sentAt);
        try {
          await this.hooks.acquired();
        } catch (err) {
          this.problems.report('starting as owner (lease released)', err, 'error');
          await this.scripts.release(this.key, this.id).catch(() => undefined);
          await this.lose('start failed');
        }
      }
    } catch (err) {
      this.problems.report('ownership lease', err);
    }
  }

  /** Measured from when the successful command was sent, which is no later than Redis applied its PX. */
  private armFence(sentAt: number): void {
    clearTimeout(this.fenceTimer);
    const wait = Math.max(0, sentAt + this.ms * FENCE - performance.now());
    this.fenceTimer = setTimeout(() => {
      void this.serial(async () => {
        if (this.owned)
          await this.lose(
            `lease not renewed for ${Math.round(this.ms * FENCE)} ms (Redis unreachable or event loop stalled)`,
          );
      });
    }, wait);
  }

  private async lose(reason: string): Promise<void> {
    clearTimeout(this.fenceTimer);
    if (!this.owned) return;
    this.owned = false;
    await this.hooks.lost(reason);
  }
}
