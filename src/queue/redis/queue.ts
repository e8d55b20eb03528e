import type { Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { log } from '../../log.js';
import { cancelled, queueClosed, queueFull, redisUnavailable } from '../errors.js';
import { ProblemLog, within } from '../../redis/problem-log.js';
import { PendingCalls, type Pending } from './calls.js';
import {
  blockingTemplate,
  commandClient,
  isConnectionError,
  redactUrl,
  subscriberClient,
} from '../../redis/connections.js';
import { MARKER_TTL_MS } from './owner.js';
import { Ownership } from './ownership.js';
import { QueueKeys, QueueScripts } from './scripts.js';
import { openQueue } from './setup.js';
import type { JobPayload } from './wire.js';
import type { CallQueue, Executor, QueuedRequest, QueueStats, SubmitOptions } from '../types.js';

/** Options of the cluster-wide queue. */
export interface RedisQueueOptions {
  backend: string;
  /** Redis URL; may carry a password (never logged). */
  url: string;
  /** Key prefix shared by all replicas of one deployment; default `switchboard`. */
  prefix?: string;
  /** Ownership lease; a dead owner is replaced within about this long. Default 5000 ms. */
  leaseMs?: number;
  /** Cluster-wide: a call arriving when this many are waiting is rejected with `queue_full`. */
  maxQueueSize?: number;
  /** Re-run a call whose owner died mid-call instead of failing it with `owner_lost` (only for idempotent tools). */
  retryOnFailover?: boolean;
  /** How long submit may wait on Redis before failing with `redis_unavailable`. Default 1000 ms. */
  failFastMs?: number;
}

const HOUR = 3600_000;

/**
 * The cluster-wide single-session queue: every replica enqueues BullMQ jobs; the one replica holding the
 * ownership lease runs them one at a time (OwnerRuntime); results, errors and progress return to the caller's
 * replica through BullMQ's event stream, and cancellation travels to the owner over a pub/sub channel.
 */
export class RedisQueue implements CallQueue {
  readonly backend: string;
  private readonly keys: QueueKeys;
  private readonly leaseMs: number;
  private readonly failFastMs: number;
  private readonly maxQueueSize: number;
  private readonly where: string;
  private readonly cmd: Redis;
  private readonly template: Redis;
  private readonly scripts: QueueScripts;
  private readonly ownership: Ownership;
  private readonly problems: ProblemLog;
  private readonly calls: PendingCalls;
  private queue: Queue | undefined;
  private events: QueueEvents | undefined;
  private initialized = false;
  private readonly ready: Promise<void>;
  /** Jobs whose cancellation could not reach Redis; retried when it is back. */
  private readonly orphans = new Set<string>();
  private closed = false;
  private wake: (() => void) | undefined;
  private statsTimer: NodeJS.Timeout | undefined;
  private outageTimer: NodeJS.Timeout | undefined;
  private cluster = { depth: 0, running: 0 };

  constructor(opts: RedisQueueOptions, executor: Executor) {
    this.backend = opts.backend;
    this.keys = new QueueKeys(opts.prefix ?? 'switchboard', opts.backend);
    this.leaseMs = opts.leaseMs ?? 5000;
    this.failFastMs = opts.failFastMs ?? 1000;
    this.maxQueueSize = opts.maxQueueSize ?? -1;
    this.where = redactUrl(opts.url);
    this.problems = new ProblemLog(this.backend, this.where);
    this.calls = new PendingCalls(
      this.backend,
      this.where,
      (id, flag) => this.cancelRemote(id, flag),
      this.problems,
    );
    const name = `switchboard:${this.keys.queueName}`;
    this.cmd = commandClient(opts.url, this.failFastMs, `${name}:cmd`);
    this.cmd.on('error', (err: unknown) => this.problems.report('Redis connection', err));
    this.cmd.on('close', () => this.onDisconnect());
    this.cmd.on('ready', () => this.onReconnect());
    this.template = blockingTemplate(opts.url, this.failFastMs, `${name}:worker`);
    this.template.on('error', (err: unknown) => this.problems.report('Redis worker connection', err));
    this.scripts = new QueueScripts(this.cmd);
    this.ownership = new Ownership({
      backend: this.backend,
      keys: this.keys,
      scripts: this.scripts,
      queue: () => this.queue,
      workerConnection: this.template,
      subscriber: () => subscriberClient(opts.url, this.failFastMs, `${name}:sub`),
      executor,
      leaseMs: this.leaseMs,
      failFastMs: this.failFastMs,
      retryOnFailover: opts.retryOnFailover ?? false,
      problems: this.problems,
    });
    this.ready = this.init();
  }

  /** Whether this replica currently holds the lease (and so runs the upstream). */
  get isOwner(): boolean {
    return this.ownership.isOwner;
  }

  async submit(req: QueuedRequest, opts: SubmitOptions = {}): Promise<unknown> {
    if (this.closed) {
      this.calls.counts.rejected++;
      throw queueClosed(this.backend);
    }
    if (opts.signal?.aborted) {
      this.calls.counts.failed++;
      throw cancelled(this.backend, false);
    }
    // Right after construction the first connection may still be opening: give it the fail-fast budget.
    if (!this.initialized && !(await within(this.ready, this.failFastMs).then(() => this.initialized))) {
      this.calls.counts.rejected++;
      throw redisUnavailable(this.backend, this.where);
    }
    return new Promise((resolve, reject) => {
      void this.enqueue(this.calls.add(opts, resolve, reject), req);
    });
  }

  stats(): QueueStats {
    const owner = this.ownership.isOwner;
    return {
      backend: this.backend,
      mode: 'redis',
      depth: this.cluster.depth,
      running: this.ownership.running ?? this.cluster.running,
      owner,
      ...this.calls.counts,
      waitMs: this.calls.waitMs.snapshot(),
      runMs: this.calls.runMs.snapshot(),
    };
  }

  onOwnershipChange(cb: (owned: boolean) => void): () => void {
    return this.ownership.onChange(cb);
  }

  /** Shutdown: as owner, finishes the running call, takes no other, and releases the lease to another replica. */
  async drain(beforeRelease: () => Promise<void>): Promise<void> {
    if (this.closed) return;
    await this.ownership.handOff(beforeRelease);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.wake?.();
    clearInterval(this.statsTimer);
    clearTimeout(this.outageTimer);
    // Callers first, while Redis can still be told that their jobs must not run.
    const cancels = this.calls.all().map((call) => {
      const queued = call.state === 'queued';
      this.calls.settle(call, queueClosed(this.backend), 'failed');
      return queued ? this.cancelRemote(call.id, true) : undefined;
    });
    await Promise.allSettled(cancels);
    await within(this.ready, this.failFastMs).catch(() => undefined);
    await this.ownership.stop();
    // Bounded: closing a BullMQ connection that never connected can wait for an 'end' that never comes.
    await within(this.events?.close() ?? Promise.resolve(), this.failFastMs).catch(() => undefined);
    await within(this.queue?.close() ?? Promise.resolve(), this.failFastMs).catch(() => undefined);
    this.cmd.disconnect();
    this.template.disconnect();
  }

  private async init(): Promise<void> {
    while (!this.closed) {
      if (this.cmd.status !== 'ready') {
        await this.sleep(100);
        continue;
      }
      try {
        const opened = await openQueue({
          keys: this.keys,
          cmd: this.cmd,
          template: this.template,
          problems: this.problems,
          calls: this.calls,
        });
        if (this.closed) {
          await Promise.allSettled([opened.events.close(), opened.queue.close()]);
          return;
        }
        this.queue = opened.queue;
        this.events = opened.events;
        this.initialized = true;
        this.ownership.start();
        this.statsTimer = setInterval(() => void this.refreshStats(), Math.max(500, this.leaseMs / 3));
        return;
      } catch (err) {
        this.problems.report('startup', err);
        await this.sleep(1000);
      }
    }
  }

  private async enqueue(call: Pending, req: QueuedRequest): Promise<void> {
    const { opts, id } = call;
    let admitted = false;
    try {
      const staleAfter = (opts.timeoutMs ?? opts.queueTimeoutMs ?? HOUR) + 60_000;
      const { ok, now } = await this.scripts.admit(this.keys.admitted, id, this.maxQueueSize, staleAfter);
      if (!ok) return this.calls.settle(call, queueFull(this.backend, this.maxQueueSize), 'rejected');
      admitted = true;
      call.admittedAt = now;
      // The caller may have given up while we awaited Redis.
      if (isSettled(call)) {
        await this.cmd.zrem(this.keys.admitted, id);
        return;
      }
      const left =
        opts.timeoutMs === undefined
          ? 0
          : Math.max(1, opts.timeoutMs - (performance.now() - call.submittedAt));
      const payload: JobPayload = { req, deadline: left ? now + Math.ceil(left) : 0, admittedAt: now };
      await this.queue?.add(req.method, payload, { jobId: id });
      if (!isSettled(call)) call.state = 'queued';
      else if (!call.answered) void this.cancelRemote(id, true);
    } catch (err) {
      if (!isConnectionError(err)) return this.calls.settle(call, err, 'failed');
      if (admitted) this.orphans.add(id);
      this.calls.settle(call, redisUnavailable(this.backend, this.where, err), 'rejected');
    }
  }

  /**
   * Tells the cluster a call is abandoned. Returns whether it had started, or undefined if Redis could not be
   * reached (then retried once Redis is back, so the job still never runs after its caller gave up).
   */
  private async cancelRemote(id: string, flagIfStarted: boolean): Promise<boolean | undefined> {
    try {
      const keys = { ...this.keys.job(id), admitted: this.keys.admitted };
      const started = await this.scripts.cancel(keys, id, MARKER_TTL_MS, flagIfStarted);
      this.orphans.delete(id);
      // The flag alone keeps it from running; removing the job only frees the queue (refused if locked).
      if (!started) await this.queue?.remove(id).catch(() => undefined);
      else if (flagIfStarted) await this.cmd.publish(this.keys.cancelChannel, id);
      return started;
    } catch (err) {
      this.orphans.add(id);
      this.problems.report('cancel', err);
      return undefined;
    }
  }

  /** New calls fail fast at once; calls in flight fail if Redis stays away for a lease period. */
  private onDisconnect(): void {
    if (this.closed || this.outageTimer) return;
    this.outageTimer = setTimeout(() => {
      this.outageTimer = undefined;
      for (const call of this.calls.all()) {
        if (call.state !== 'queued') continue;
        this.orphans.add(call.id);
        this.calls.settle(call, redisUnavailable(this.backend, this.where), 'failed');
      }
    }, this.leaseMs);
  }

  private onReconnect(): void {
    clearTimeout(this.outageTimer);
    this.outageTimer = undefined;
    if (this.problems.clear()) log.info({ backend: this.backend }, 'queue: Redis reachable again');
    for (const id of [...this.orphans]) void this.cancelRemote(id, true);
  }

  private async refreshStats(): Promise<void> {
    if (!this.queue || this.cmd.status !== 'ready') return;
    try {
      const [depth, running] = await Promise.all([
        this.cmd.zcard(this.keys.admitted),
        this.queue.getActiveCount(),
      ]);
      this.cluster = { depth, running };
    } catch {
      // Keep the last figures; the outage itself is logged by the connection handlers.
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }
}

function isSettled(call: Pending): boolean {
  return call.state === 'settled';
}
