import type { Logger } from 'pino';
import { GatewayError } from '../../errors.js';
import { waitAtMost } from '../../time.js';

/**
 * How a backend leaves: it counts the calls inside it, a retirement (a reload removed or replaced it) lets them
 * finish within a grace period, and calls cut off by that, or by the gateway's shutdown, get an error naming why.
 */
export class Retirement {
  /** Calls currently inside the backend's request(). */
  inFlight = 0;
  private idleWaiters: (() => void)[] = [];
  private retiring?: { why: 'removed' | 'replaced'; graceMs: number; expired: boolean };
  /** Set when the gateway's shutdown grace ran out: calls cut off by the stop that follows fail with shutting_down. */
  private shutdownGraceMs?: number;

  constructor(
    private readonly name: string,
    private readonly log: Logger,
  ) {}

  /** Counts a call in; throws backend_removed once the backend is retiring. */
  enter(): void {
    if (this.retiring) {
      const { why } = this.retiring;
      throw new GatewayError(
        'backend_removed',
        `backend "${this.name}" was ${why} by a config reload${why === 'replaced' ? '; retry the call' : ''}`,
        this.name,
      );
    }
    this.inFlight++;
  }

  /** Counts a call out, waking a retirement waiting for the last one. */
  leave(): void {
    if (--this.inFlight === 0) for (const wake of this.idleWaiters.splice(0)) wake();
  }

  /** The error for a call cut off by an expired retirement or shutdown grace, if that is what ended it. */
  cutOff(method: string): GatewayError | undefined {
    const r = this.retiring;
    if (r?.expired) {
      return new GatewayError(
        'backend_removed',
        `backend "${this.name}" was ${r.why} by a config reload and ${method} did not finish within the ${r.graceMs} ms grace period (gateway.reload_grace_period); it was cancelled and may have partly run upstream`,
        this.name,
      );
    }
    if (this.shutdownGraceMs === undefined) return undefined;
    return new GatewayError(
      'shutting_down',
      `switchboard is shutting down: ${method} on backend "${this.name}" did not finish within the ${this.shutdownGraceMs} ms grace period (gateway.shutdown_grace); it was cancelled and may have partly run upstream`,
      this.name,
    );
  }

  /** Gateway shutdown: gateway.shutdown_grace ran out, so calls still in flight are about to be cut off. */
  shutdownExpired(graceMs: number): void {
    this.shutdownGraceMs = graceMs;
  }

  /** Whether a retirement has begun. */
  get started(): boolean {
    return this.retiring !== undefined;
  }

  /** Takes no new calls and waits up to graceMs for those in flight; those still running are then cut off. */
  async begin(graceMs: number, why: 'removed' | 'replaced'): Promise<void> {
    this.retiring = { why, graceMs, expired: false };
    if (this.inFlight > 0) {
      this.log.info({ inFlight: this.inFlight, graceMs }, `backend ${why}; draining calls in flight`);
      await waitAtMost(new Promise<void>((resolve) => this.idleWaiters.push(resolve)), graceMs);
    }
    if (this.inFlight > 0) {
      this.retiring.expired = true;
      this.log.warn(
        { inFlight: this.inFlight, graceMs },
        `backend ${why}; cancelling calls still in flight after the grace period`,
      );
    }
  }
}
