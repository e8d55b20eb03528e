/**
 * The single-session queue's contract, written once and run over every implementation (in-process and Redis),
 * the way BullMQ runs one suite per Redis client and Hono one case file per runtime.
 */
import assert from 'node:assert/strict';
import { afterEach, it, type TestContext } from 'node:test';
import { isQueueError, type CallQueue } from '../../src/queue/index.js';
import { call, RecordingExecutor, sleep } from './helpers.js';

/** One queue under test: where calls are submitted, the executor behind it, and how to tear it down. */
export interface QueueUnderTest {
  /** The queue callers submit to (for Redis, a replica that does not own the upstream). */
  queue: CallQueue;
  ex: RecordingExecutor;
  /** Resolves once `n` calls wait behind the running one (a queue's depth is eventually consistent across replicas). */
  waiting(n: number): Promise<void>;
  close(): Promise<void>;
}

/** What an implementation brings to the contract. */
export interface QueueImplementation {
  /** Builds a queue for backend `lic`, or undefined when the implementation cannot run here (skipped loudly). */
  make(opts: { maxQueueSize?: number }, t: TestContext): Promise<QueueUnderTest | undefined>;
  /** A wait long enough for a hand-off between processes, short against the test's patience. */
  shortMs: number;
}

/** Asserts a QueueError with `code` for backend `lic`. */
export function rejectsWith(code: string) {
  return (err: unknown): boolean => {
    assert.ok(isQueueError(err), `expected a QueueError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.equal(err.backend, 'lic');
    return true;
  };
}

/** Registers the contract's tests in the current suite. */
export function queueContract(impl: QueueImplementation): void {
  const open: QueueUnderTest[] = [];
  const make = async (
    t: TestContext,
    opts: { maxQueueSize?: number } = {},
  ): Promise<QueueUnderTest | undefined> => {
    const q = await impl.make(opts, t);
    if (q) open.push(q);
    return q;
  };
  afterEach(async () => {
    await Promise.all(open.splice(0).map((q) => q.close()));
  });
  const short = impl.shortMs;

  it('runs 100 concurrent calls one at a time, in FIFO order', async (t) => {
    const q = await make(t);
    if (!q) return;
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => q.queue.submit(call(i, { ms: i % 3 }), { timeoutMs: 60_000 })),
    );
    assert.deepEqual(
      results,
      results.map((_, i) => ({ i })),
    );
    assert.equal(q.ex.maxInFlight, 1);
    assert.deepEqual(
      q.ex.started,
      Array.from({ length: 100 }, (_, i) => i),
    );
  });

  it('rejects a call at once when max_queue_size calls are waiting', async (t) => {
    const q = await make(t, { maxQueueSize: 2 });
    if (!q) return;
    const first = q.queue.submit(call(0, { hold: true }));
    await q.ex.startedCall(0);
    const waiting = [q.queue.submit(call(1)), q.queue.submit(call(2))];
    await q.waiting(2);
    await assert.rejects(q.queue.submit(call(3)), (err: unknown) => {
      rejectsWith('queue_full')(err);
      assert.match((err as Error).message, /backend "lic" queue is full \(max_queue_size 2\); retry later/);
      return true;
    });
    q.ex.release(0);
    assert.deepEqual(await Promise.all([first, ...waiting]), [{ i: 0 }, { i: 1 }, { i: 2 }]);
    assert.deepEqual(q.ex.started, [0, 1, 2]);
    assert.equal(q.queue.stats().rejected, 1);
  });

  it('times out a waiting call (queue_timeout), which never runs, and not a call that already started', async (t) => {
    const q = await make(t);
    if (!q) return;
    const submitted = Date.now();
    let firstSettled = false;
    const first = q.queue.submit(call(0, { hold: true }), { queueTimeoutMs: short * 5 });
    void first.finally(() => (firstSettled = true)).catch(() => undefined);
    await q.ex.startedCall(0);
    await assert.rejects(q.queue.submit(call(1), { queueTimeoutMs: short }), rejectsWith('queue_timeout'));
    // Call 0's wait timeout has passed while it runs: only a whole-call timeout could end it now.
    await sleep(Math.max(0, submitted + short * 6 - Date.now()));
    assert.equal(firstSettled, false);
    q.ex.release(0);
    assert.deepEqual(await first, { i: 0 });
    assert.deepEqual(await q.queue.submit(call(2)), { i: 2 });
    assert.deepEqual(q.ex.started, [0, 2]);
  });

  it('whole-call timeout: removes a waiting call, aborts a running one', async (t) => {
    const q = await make(t);
    if (!q) return;
    const running = q.queue.submit(call(0, { hold: true }), { timeoutMs: short * 6 });
    await q.ex.startedCall(0);
    await assert.rejects(q.queue.submit(call(1), { timeoutMs: short }), rejectsWith('request_timeout'));
    await assert.rejects(running, (err: unknown) => {
      rejectsWith('request_timeout')(err);
      assert.match((err as Error).message, /it was running/);
      return true;
    });
    assert.deepEqual(await q.queue.submit(call(2)), { i: 2 });
    assert.deepEqual(q.ex.started, [0, 2]);
    assert.deepEqual(q.ex.aborted, [0]);
  });

  it('cancels a waiting call (never runs) and a running call (the executor sees the abort)', async (t) => {
    const q = await make(t);
    if (!q) return;
    const runCtl = new AbortController();
    const waitCtl = new AbortController();
    const running = q.queue.submit(call(0, { hold: true }), { signal: runCtl.signal });
    await q.ex.startedCall(0);
    const waiting = q.queue.submit(call(1), { signal: waitCtl.signal });
    await q.waiting(1);
    waitCtl.abort();
    await assert.rejects(waiting, rejectsWith('cancelled'));
    runCtl.abort();
    await assert.rejects(running, rejectsWith('cancelled'));
    assert.deepEqual(await q.queue.submit(call(2)), { i: 2 });
    assert.deepEqual(q.ex.started, [0, 2]);
    assert.deepEqual(q.ex.aborted, [0]);
    await assert.rejects(q.queue.submit(call(3), { signal: AbortSignal.abort() }), rejectsWith('cancelled'));
  });

  it('relays progress to the caller, in order', async (t) => {
    const q = await make(t);
    if (!q) return;
    const progress = [
      { progress: 1, total: 3, message: 'one' },
      { progress: 2, total: 3 },
      { progress: 3, total: 3 },
    ];
    const seen: unknown[] = [];
    assert.deepEqual(await q.queue.submit(call(0, { progress }), { onProgress: (p) => seen.push(p) }), {
      i: 0,
    });
    assert.deepEqual(seen, progress);
  });

  it('returns an executor error with its code and data', async (t) => {
    const q = await make(t);
    if (!q) return;
    q.ex.failWith = Object.assign(new Error('tool exploded'), { code: -32603, data: { why: 'test' } });
    await assert.rejects(q.queue.submit(call(0)), (err: unknown) => {
      assert.ok(!isQueueError(err));
      assert.equal((err as Error).message, 'tool exploded');
      assert.equal((err as Error & { code: number }).code, -32603);
      assert.deepEqual((err as Error & { data: unknown }).data, { why: 'test' });
      return true;
    });
  });

  it('close rejects the waiting and running calls with closed, and every later call', async (t) => {
    const q = await make(t);
    if (!q) return;
    const running = q.queue.submit(call(0, { hold: true }));
    await q.ex.startedCall(0);
    const waiting = q.queue.submit(call(1));
    await q.waiting(1);
    const refused = [
      assert.rejects(running, rejectsWith('closed')),
      assert.rejects(waiting, rejectsWith('closed')),
    ];
    await q.queue.close();
    await Promise.all(refused);
    await assert.rejects(q.queue.submit(call(2)), rejectsWith('closed'));
    assert.deepEqual(q.ex.started, [0]);
  });
}
