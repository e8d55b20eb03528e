import { log } from '../log.js';
import {
  cancelled,
  queueClosed,
  queueFull,
  queueTimeout,
  requestTimeout,
  type QueueError,
} from './errors.js';
import { LatencyRing } from './latency.js';
import type {
  CallQueue,
  Executor,
  ProgressUpdate,
  QueuedRequest,
  QueueStats,
  SubmitOptions,
} from './types.js';

/** Options of the in-process queue. */
export interface MemoryQueueOptions {
  backend: string;
  /** A call arriving when this many are waiting is rejected with `queue_full`; unlimited when absent. */
  maxQueueSize?: number;
}

interface Entry {
  req: QueuedRequest;
  opts: SubmitOptions;
  submittedAt: number;
  state: 'waiting' | 'running' | 'settled';
  controller?: AbortController;
  resolve(value: unknown): void;
  reject(err: unknown): void;
  cleanups: (() => void)[];
}

/** The embedded single-session queue: FIFO, at most one call in flight, for one gateway process. */
export class MemoryQueue implements CallQueue {
  readonly backend: string;
  private readonly maxQueueSize: number;
  private readonly waiting = new Map<number, Entry>();
  private nextId = 0;
  private current: Entry | undefined;
  /** True from the executor's start until it settles, even if its caller already gave up. */
  private busy = false;
  private closed = false;
  private processed = 0;
  private failed = 0;
  private rejected = 0;
  private readonly waitMs = new LatencyRing();
  private readonly runMs = new LatencyRing();

  constructor(
    opts: MemoryQueueOptions,
    private readonly executor: Executor,
  ) {
    this.backend = opts.backend;
    this.maxQueueSize = opts.maxQueueSize ?? Infinity;
  }

  submit(req: QueuedRequest, opts: SubmitOptions = {}): Promise<unknown> {
    if (this.closed) {
      this.rejected++;
      return Promise.reject(queueClosed(this.backend));
    }
    if (opts.signal?.aborted) {
      this.failed++;
      return Promise.reject(cancelled(this.backend, false));
    }
    if (this.waiting.size >= this.maxQueueSize) {
      this.rejected++;
      return Promise.reject(queueFull(this.backend, this.maxQueueSize));
    }
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      const entry: Entry = {
        req,
        opts,
        submittedAt: performance.now(),
        state: 'waiting',
        resolve,
        reject,
        cleanups: [],
      };
      if (opts.timeoutMs !== undefined) {
        const ms = opts.timeoutMs;
        const t = setTimeout(
          () => this.abandon(id, entry, requestTimeout(this.backend, ms, entry.state === 'running')),
          ms,
        );
        entry.cleanups.push(() => clearTimeout(t));
      }
      if (opts.queueTimeoutMs !== undefined) {
        const ms = opts.queueTimeoutMs;
        const t = setTimeout(() => {
          if (entry.state === 'waiting') this.abandon(id, entry, queueTimeout(this.backend, ms));
        }, ms);
        entry.cleanups.push(() => clearTimeout(t));
      }
      if (opts.signal) {
        const signal = opts.signal;
        const onAbort = (): void =>
          this.abandon(id, entry, cancelled(this.backend, entry.state === 'running'));
        signal.addEventListener('abort', onAbort, { once: true });
        entry.cleanups.push(() => signal.removeEventListener('abort', onAbort));
      }
      this.waiting.set(id, entry);
      this.pump();
    });
  }

  stats(): QueueStats {
    return {
      backend: this.backend,
      mode: 'memory',
      depth: this.waiting.size,
      running: this.busy ? 1 : 0,
      owner: true,
      processed: this.processed,
      failed: this.failed,
      rejected: this.rejected,
      waitMs: this.waitMs.snapshot(),
      runMs: this.runMs.snapshot(),
    };
  }

  onOwnershipChange(cb: (owned: boolean) => void): () => void {
    // The process always owns its in-process upstream; report it asynchronously like the Redis queue does.
    queueMicrotask(() => {
      if (!this.closed) cb(true);
    });
    return () => {};
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const [id, entry] of this.waiting) this.abandon(id, entry, queueClosed(this.backend, false));
    if (this.current) this.abandon(-1, this.current, queueClosed(this.backend, true));
  }

  /** Ends a call early: a waiting one leaves the queue, a running one has its executor aborted. */
  private abandon(id: number, entry: Entry, err: QueueError): void {
    if (entry.state === 'settled') return;
    if (entry.state === 'waiting') this.waiting.delete(id);
    else entry.controller?.abort(err);
    this.settle(entry, err, false);
  }

  private settle(entry: Entry, result: unknown, ok: boolean): void {
    if (entry.state === 'settled') return;
    entry.state = 'settled';
    for (const c of entry.cleanups) c();
    if (ok) {
      this.processed++;
      entry.resolve(result);
    } else {
      this.failed++;
      entry.reject(result);
    }
  }

  /** Starts the oldest waiting call if nothing is in flight. */
  private pump(): void {
    // `busy`, not `current`: a call whose caller gave up keeps the upstream busy until its executor settles.
    if (this.busy || this.closed) return;
    const first = this.waiting.entries().next();
    if (first.done) return;
    const [id, entry] = first.value;
    this.waiting.delete(id);
    this.busy = true;
    this.current = entry;
    entry.state = 'running';
    entry.controller = new AbortController();
    const started = performance.now();
    const waitMs = started - entry.submittedAt;
    this.waitMs.add(waitMs);
    const onProgress = (p: ProgressUpdate): void => {
      if (entry.state !== 'running') return;
      try {
        entry.opts.onProgress?.(p);
      } catch (err) {
        log.warn({ backend: this.backend, err }, 'queue: progress callback threw; ignored');
      }
    };
    let run: Promise<unknown>;
    try {
      run = Promise.resolve(this.executor(entry.req, { signal: entry.controller.signal, onProgress }));
    } catch (err) {
      run = Promise.reject(err);
    }
    run
      .then(
        (value) => this.settle(entry, value, true),
        (err: unknown) => this.settle(entry, err, false),
      )
      .finally(() => {
        const runMs = performance.now() - started;
        this.runMs.add(runMs);
        entry.opts.onTimes?.({ waitMs, runMs });
        this.current = undefined;
        this.busy = false;
        this.pump();
      });
  }
}
