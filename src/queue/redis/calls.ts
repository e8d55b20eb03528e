import { randomUUID } from 'node:crypto';
import { cancelled, queueTimeout, requestTimeout, type QueueError } from '../errors.js';
import { LatencyRing } from '../latency.js';
import type { ProblemLog } from '../../redis/problem-log.js';
import { fromFailedReason, fromWire, type Outcome } from './wire.js';
import type { ProgressUpdate, SubmitOptions } from '../types.js';

/** One call submitted on this replica and not yet answered. */
export interface Pending {
  id: string;
  opts: SubmitOptions;
  submittedAt: number;
  /** Redis-clock ms at admission. */
  admittedAt?: number;
  /** admitting: admission or enqueue in flight; queued: the job exists in Redis (waiting or running). */
  state: 'admitting' | 'queued' | 'settled';
  /** Settled by its job's result (not abandoned), so there is nothing to cancel. */
  answered?: boolean;
  resolve(value: unknown): void;
  reject(err: unknown): void;
  cleanups: (() => void)[];
}

/** Tells the cluster a call is abandoned; resolves whether it had started (undefined: Redis unreachable). */
export type RemoteCancel = (id: string, flagIfStarted: boolean) => Promise<boolean | undefined>;

/**
 * The calls submitted on this replica: their timers and signals, the answers arriving from BullMQ's event
 * stream (whichever replica ran them), and the per-replica counters and latencies.
 */
export class PendingCalls {
  private readonly calls = new Map<string, Pending>();
  readonly counts = { processed: 0, failed: 0, rejected: 0 };
  readonly waitMs = new LatencyRing();
  readonly runMs = new LatencyRing();

  constructor(
    private readonly backend: string,
    private readonly where: string,
    private readonly cancelRemote: RemoteCancel,
    private readonly problems: ProblemLog,
  ) {}

  /** Registers a call (before its job exists, so no event for it can be missed) and arms its timers. */
  add(opts: SubmitOptions, resolve: (v: unknown) => void, reject: (e: unknown) => void): Pending {
    const call: Pending = {
      id: randomUUID(),
      opts,
      submittedAt: performance.now(),
      state: 'admitting',
      resolve,
      reject,
      cleanups: [],
    };
    this.calls.set(call.id, call);
    if (opts.timeoutMs !== undefined) {
      const ms = opts.timeoutMs;
      const t = setTimeout(
        () => void this.abandon(call, (started) => requestTimeout(this.backend, ms, started)),
        ms,
      );
      call.cleanups.push(() => clearTimeout(t));
    }
    if (opts.queueTimeoutMs !== undefined) {
      const ms = opts.queueTimeoutMs;
      const t = setTimeout(() => void this.abandonIfWaiting(call, queueTimeout(this.backend, ms)), ms);
      call.cleanups.push(() => clearTimeout(t));
    }
    const signal = opts.signal;
    if (signal) {
      const onAbort = (): void => void this.abandon(call, (started) => cancelled(this.backend, started));
      signal.addEventListener('abort', onAbort, { once: true });
      call.cleanups.push(() => signal.removeEventListener('abort', onAbort));
    }
    return call;
  }

  all(): Pending[] {
    return [...this.calls.values()];
  }

  settle(call: Pending, result: unknown, kind: 'ok' | 'failed' | 'rejected'): void {
    if (call.state === 'settled') return;
    call.state = 'settled';
    this.calls.delete(call.id);
    for (const c of call.cleanups) c();
    if (kind === 'ok') {
      this.counts.processed++;
      call.resolve(result);
      return;
    }
    this.counts[kind]++;
    call.reject(result);
  }

  /** A job finished (on any replica); returns whether it was one of ours. */
  completed(jobId: string, returnvalue: unknown): boolean {
    const call = this.calls.get(jobId);
    if (!call) return false;
    call.answered = true;
    const out = returnvalue as Outcome | null;
    if (out && typeof out === 'object' && out.startedAt !== undefined && call.admittedAt !== undefined) {
      const waitMs = Math.max(0, out.startedAt - call.admittedAt);
      this.waitMs.add(waitMs);
      if (out.runMs !== undefined) this.runMs.add(out.runMs);
      call.opts.onTimes?.({ waitMs, runMs: out.runMs });
    }
    if (out?.ok === true) this.settle(call, out.value, 'ok');
    else if (out?.ok === false) this.settle(call, fromWire(out.error, this.backend), 'failed');
    else this.settle(call, new Error(`backend "${this.backend}": malformed queue result`), 'failed');
    return true;
  }

  /** BullMQ failed a job itself (its owner died, or the start gate could not reach Redis). */
  failed(jobId: string, failedReason: string): void {
    const call = this.calls.get(jobId);
    if (call) call.answered = true;
    if (call) this.settle(call, fromFailedReason(failedReason, this.backend, this.where), 'failed');
  }

  progress(jobId: string, data: unknown): void {
    const call = this.calls.get(jobId);
    const p = data as ProgressUpdate | undefined;
    if (!call || typeof p?.progress !== 'number') return;
    try {
      call.opts.onProgress?.(p);
    } catch (err) {
      this.problems.report('progress callback', err);
    }
  }

  /** Cancel or whole timeout: a waiting job will never run, a running one is aborted on the owner. */
  private async abandon(call: Pending, error: (started: boolean) => QueueError): Promise<void> {
    if (call.state === 'settled') return;
    // Still being admitted: the enqueue path sees the settled state and cleans up behind us.
    if (call.state === 'admitting') return this.settle(call, error(false), 'failed');
    const started = await this.cancelRemote(call.id, true);
    this.settle(call, error(started ?? false), 'failed');
  }

  /** Wait timeout: applies only while the job has not started; a started job keeps running. */
  private async abandonIfWaiting(call: Pending, err: QueueError): Promise<void> {
    if (call.state === 'settled') return;
    if (call.state === 'admitting') return this.settle(call, err, 'failed');
    const started = await this.cancelRemote(call.id, false);
    if (started !== true) this.settle(call, err, 'failed');
  }
}
