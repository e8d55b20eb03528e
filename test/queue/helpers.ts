import type { Executor, ProgressUpdate, QueuedRequest } from '../../src/queue/types.js';

/** A promise with its resolve function exposed. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Resolves after `ms`, or rejects when `signal` aborts (with its reason). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      reject(signal.reason);
    });
  });
}

/** Polls `cond` until it is true or `ms` passes. */
export async function until(cond: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(10);
  }
}

/** An executor that records what ran, counts concurrency and can be held per call (`params.hold`). */
export class RecordingExecutor {
  readonly started: number[] = [];
  readonly finished: number[] = [];
  readonly aborted: number[] = [];
  inFlight = 0;
  maxInFlight = 0;
  /** When set, every call fails with it once started. */
  failWith: Error | undefined;
  private readonly holds = new Map<number, () => void>();
  private readonly startWaiters = new Map<number, () => void>();

  /** Resolves when call `i` has started. */
  startedCall(i: number): Promise<void> {
    if (this.started.includes(i)) return Promise.resolve();
    return new Promise((r) => this.startWaiters.set(i, r));
  }

  release(i: number): void {
    this.holds.get(i)?.();
  }

  readonly fn: Executor = async (req: QueuedRequest, { signal, onProgress }) => {
    const i = Number(req.params?.i);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    this.started.push(i);
    this.startWaiters.get(i)?.();
    try {
      if (this.failWith) throw this.failWith;
      const progress = req.params?.progress as ProgressUpdate[] | undefined;
      for (const p of progress ?? []) onProgress(p);
      if (req.params?.hold) {
        await new Promise<void>((resolve, reject) => {
          this.holds.set(i, resolve);
          signal.addEventListener('abort', () => reject(signal.reason as Error));
        });
      } else {
        await sleep(Number(req.params?.ms ?? 0), signal);
      }
      this.finished.push(i);
      return { i };
    } catch (err) {
      if (signal.aborted) this.aborted.push(i);
      throw err;
    } finally {
      this.inFlight--;
    }
  };
}

/** A request with a call number and optional behaviour for RecordingExecutor. */
export function call(i: number, extra: Record<string, unknown> = {}): QueuedRequest {
  return { method: 'tools/call', params: { i, ...extra } };
}
