import { Worker, WaitingError, type Job, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { cancelled, ownerLost, QueueError, requestTimeout } from '../errors.js';
import { within, type ProblemLog } from '../../redis/problem-log.js';
import { isConnectionError } from '../../redis/connections.js';
import type { QueueKeys, QueueScripts } from './scripts.js';
import { GATE_UNREACHABLE, toWire, type JobPayload, type Outcome } from './wire.js';
import type { Executor, ProgressUpdate } from '../types.js';

/** How long the started marker and cancel flag live if nobody deletes them. */
export const MARKER_TTL_MS = 24 * 60 * 60 * 1000;

/** What the owner side needs from its RedisQueue. */
export interface OwnerDeps {
  backend: string;
  keys: QueueKeys;
  scripts: QueueScripts;
  queue: Queue;
  /** Template connection for the Worker (main connection, duplicated for its blocking one). */
  workerConnection: Redis;
  subscriber: () => Redis;
  executor: Executor;
  leaseId: string;
  leaseMs: number;
  failFastMs: number;
  retryOnFailover: boolean;
  problems: ProblemLog;
  /** Called when the gate finds the lease gone before the lease loop noticed. */
  stepDown: (reason: string) => void;
}

/**
 * The owner's half of the Redis queue, alive while this replica holds the lease: a BullMQ Worker with
 * concurrency 1 that runs jobs through the start gate and the executor, and a subscription to the
 * cancel channel so callers on any replica can abort the running call.
 */
export class OwnerRuntime {
  private worker: Worker | undefined;
  private sub: Redis | undefined;
  private stopped = false;
  private readonly running = new Map<string, AbortController>();
  /** Processor invocations not yet returned, including ones whose worker was already force-closed. */
  private inFlight = 0;

  constructor(private readonly d: OwnerDeps) {}

  /** True while a call started by this runtime is still running (even after stop), so ownership must wait. */
  get busy(): boolean {
    return this.inFlight > 0;
  }

  get runningCount(): number {
    return this.running.size;
  }

  async start(): Promise<void> {
    const sub = this.d.subscriber();
    this.sub = sub;
    sub.on('error', (err) => this.d.problems.report('cancel subscription', err));
    sub.on('message', (_channel: string, jobId: string) => {
      this.running.get(jobId)?.abort(cancelled(this.d.backend, true));
    });
    // Bounded: the subscriber queues commands while Redis is down, and the lease loop awaits this start.
    if ((await within(sub.subscribe(this.d.keys.cancelChannel), this.d.failFastMs)) === undefined) {
      throw new Error('could not subscribe to the cancel channel in time');
    }
    // A second fence besides the lease: BullMQ hands out no job while one is active anywhere in the cluster.
    await this.d.queue.setGlobalConcurrency(1);
    if (this.stopped) return;
    const worker = new Worker(this.d.keys.queueName, (job: Job, token?: string) => this.process(job, token), {
      connection: this.d.workerConnection,
      prefix: this.d.keys.bullPrefix,
      concurrency: 1,
      // A job whose owner died (lock expired) is failed, not re-run: tool calls are not idempotent.
      maxStalledCount: this.d.retryOnFailover ? 1 : 0,
      lockDuration: this.d.leaseMs,
      stalledInterval: Math.max(250, Math.round(this.d.leaseMs / 2)),
      drainDelay: 2,
      runRetryDelay: 1000,
      name: this.d.leaseId,
    });
    worker.on('error', (err) => this.d.problems.report('worker', err));
    this.worker = worker;
  }

  /** Stops taking jobs and waits for the running one to finish (a job fetched meanwhile goes back to the queue). */
  async finish(): Promise<void> {
    this.stopped = true;
    await this.worker?.pause().catch((err: unknown) => this.d.problems.report('worker pause', err));
  }

  /** Aborts running calls with `owner_lost` and stops taking jobs; does not wait for the executor to settle. */
  async stop(reason: string): Promise<void> {
    this.stopped = true;
    for (const c of this.running.values()) c.abort(ownerLost(this.d.backend, reason));
    const worker = this.worker;
    const sub = this.sub;
    this.worker = undefined;
    this.sub = undefined;
    // Forced: waiting for the running job could hang while Redis is down. Its result is then not written,
    // its lock expires and the next owner's stalled check fails it as owner_lost.
    if (worker) await worker.close(true).catch((err: unknown) => this.d.problems.report('worker close', err));
    if (sub) sub.disconnect();
  }

  private async process(job: Job, token: string | undefined): Promise<Outcome> {
    const jobId = job.id ?? '';
    const payload = job.data as JobPayload;
    const controller = new AbortController();
    this.inFlight++;
    // Registered before the gate so a cancel message that follows the gate always finds it.
    this.running.set(jobId, controller);
    let deadlineTimer: NodeJS.Timeout | undefined;
    try {
      if (this.stopped) return await this.putBack(job, token, 'runtime stopped');
      const { verdict, now } = await this.gate(jobId, payload);
      if (verdict === 'not_owner') {
        this.d.stepDown('lease no longer held at job start');
        return await this.putBack(job, token, 'lease lost');
      }
      if (verdict !== 'ok') return { ok: false, error: toWire(gateError(verdict, this.d.backend)) };
      if (payload.deadline > 0) {
        // Enforced here too, in case the caller's replica died and cannot send the cancel.
        const ms = payload.deadline - now;
        deadlineTimer = setTimeout(() => controller.abort(requestTimeout(this.d.backend, ms, true)), ms);
      }
      return await this.execute(job, payload, controller.signal, now);
    } finally {
      clearTimeout(deadlineTimer);
      this.running.delete(jobId);
      this.inFlight--;
    }
  }

  private async gate(jobId: string, payload: JobPayload): ReturnType<QueueScripts['gate']> {
    try {
      return await this.d.scripts.gate(
        { owner: this.d.keys.owner, admitted: this.d.keys.admitted, ...this.d.keys.job(jobId) },
        {
          leaseId: this.d.leaseId,
          jobId,
          deadline: payload.deadline,
          retry: this.d.retryOnFailover,
          ttlMs: MARKER_TTL_MS,
        },
      );
    } catch (err) {
      // The call has not started; failing the job tells its caller so (mapped back to redis_unavailable).
      if (isConnectionError(err))
        throw new Error(`${GATE_UNREACHABLE}: ${(err as Error).message}`, { cause: err });
      throw err;
    }
  }

  private async execute(
    job: Job,
    payload: JobPayload,
    signal: AbortSignal,
    startedAt: number,
  ): Promise<Outcome> {
    // Progress writes are chained so they reach Redis (and callers) in order, and before the result.
    let progress: Promise<void> = Promise.resolve();
    let done = false;
    const onProgress = (p: ProgressUpdate): void => {
      if (done) return;
      progress = progress
        .then(() => job.updateProgress({ ...p }))
        .catch((err: unknown) => this.d.problems.report('progress relay', err));
    };
    const t0 = performance.now();
    try {
      const value = await this.d.executor(payload.req, { signal, onProgress });
      done = true;
      await progress;
      return { ok: true, value, startedAt, runMs: performance.now() - t0 };
    } catch (err) {
      done = true;
      await progress;
      // An abort carries the QueueError that explains it (cancelled, request_timeout, owner_lost).
      const reason: unknown = signal.aborted && signal.reason instanceof QueueError ? signal.reason : err;
      return { ok: false, error: toWire(reason), startedAt, runMs: performance.now() - t0 };
    }
  }

  /** Returns the job to the head of the queue for the real owner and tells BullMQ not to complete it. */
  private async putBack(job: Job, token: string | undefined, why: string): Promise<never> {
    this.stopped = true;
    await job.moveToWait(token);
    // Closing now (not when the lease loop gets to it) keeps the worker from fetching the same job again.
    void this.worker?.close(true).catch(() => undefined);
    throw new WaitingError(why);
  }
}

function gateError(verdict: 'cancelled' | 'expired' | 'restarted', backend: string): QueueError {
  if (verdict === 'cancelled') return cancelled(backend, false);
  if (verdict === 'expired')
    return new QueueError(
      'request_timeout',
      backend,
      `backend "${backend}": call expired before it could start`,
    );
  return ownerLost(backend, 'it had already started on a previous owner');
}
