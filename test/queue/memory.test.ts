import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createQueue, isQueueError, MemoryQueue } from '../../src/queue/index.js';
import { call, RecordingExecutor, sleep } from './helpers.js';

function rejectsWith(code: string) {
  return (err: unknown): boolean => {
    assert.ok(isQueueError(err), `expected a QueueError, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.equal(err.backend, 'lic');
    return true;
  };
}

describe('MemoryQueue', () => {
  it('runs 200 concurrent calls from 20 clients one at a time, in FIFO order', async () => {
    const ex = new RecordingExecutor();
    const q = new MemoryQueue({ backend: 'lic' }, ex.fn);
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < 200; i++) calls.push(q.submit(call(i, { ms: i % 3 }), { timeoutMs: 60_000 }));
    const results = await Promise.all(calls);
    assert.deepEqual(
      results,
      results.map((_, i) => ({ i })),
    );
    assert.equal(ex.maxInFlight, 1);
    assert.deepEqual(
      ex.started,
      Array.from({ length: 200 }, (_, i) => i),
    );
    const s = q.stats();
    assert.equal(s.processed, 200);
    assert.equal(s.depth, 0);
    assert.equal(s.running, 0);
    assert.equal(s.mode, 'memory');
    await q.close();
  });

  it('rejects a call at once when max_queue_size calls are waiting', async () => {
    const ex = new RecordingExecutor();
    const q = new MemoryQueue({ backend: 'lic', maxQueueSize: 2 }, ex.fn);
    const first = q.submit(call(0, { hold: true }));
    await ex.startedCall(0);
    const waiting = [q.submit(call(1)), q.submit(call(2))];
    await assert.rejects(q.submit(call(3)), (err: unknown) => {
      rejectsWith('queue_full')(err);
      assert.match((err as Error).message, /backend "lic" queue is full \(max_queue_size 2\); retry later/);
      return true;
    });
    ex.release(0);
    assert.deepEqual(await Promise.all([first, ...waiting]), [{ i: 0 }, { i: 1 }, { i: 2 }]);
    assert.deepEqual(ex.started, [0, 1, 2]);
    assert.equal(q.stats().rejected, 1);
    await q.close();
  });

  it('times out a waiting call (queue_timeout) and it never runs', async () => {
    const ex = new RecordingExecutor();
    const q = new MemoryQueue({ backend: 'lic' }, ex.fn);
    const first = q.submit(call(0, { hold: true }));
    await ex.startedCall(0);
    const late = q.submit(call(1), { queueTimeoutMs: 30 });
    await assert.rejects(late, rejectsWith('queue_timeout'));
    ex.release(0);
    await first;
    await q.submit(call(2));
    assert.deepEqual(ex.started, [0, 2]);
    await q.close();
  });

  it('a wait timeout does not affect a call that already started', async () => {
    const ex = new RecordingExecutor();
    const q = new MemoryQueue({ backend: 'lic' }, ex.fn);
    const p = q.submit(call(0, { ms: 60 }), { queueTimeoutMs: 10 });
    assert.deepEqual(await p, { i: 0 });
    await q.close();
  });

  it('whole-call timeout: removes a waiting call, aborts a running one', async () => {
    const ex = new RecordingExecutor();
    const q = new MemoryQueue({ backend: 'lic' }, ex.fn);
    const running = q.submit(call(0, { hold: true }), { timeoutMs: 80 });
    await ex.startedCall(0);
    const waiting = q.submit(call(1), { timeoutMs: 20 });
    await assert.rejects(waiting, rejectsWith('request_timeout'));
    await assert.rejects(running, (err: unknown) => {
      rejectsWith('request_timeout')(err);
      assert.match((err as Error).message, /it was running/);
      return true;
    });
    await q.submit(call(2));
    assert.deepEqual(ex.started, [0, 2]);
    assert.deepEqual(ex.aborted, [0]);
    await q.close();
  });

  it('cancels a waiting call (never runs) and a running call (executor sees the abort)', async () => {
    const ex = new RecordingExecutor();
    const q = new MemoryQueue({ backend: 'lic' }, ex.fn);
    const runCtl = new AbortController();
    const waitCtl = new AbortController();
    const running = q.submit(call(0, { hold: true }), { signal: runCtl.signal });
    await ex.startedCall(0);
    const waiting = q.submit(call(1), { signal: waitCtl.signal });
    waitCtl.abort();
    await assert.rejects(waiting, rejectsWith('cancelled'));
    runCtl.abort();
    await assert.rejects(running, rejectsWith('cancelled'));
    await q.submit(call(2));
    assert.deepEqual(ex.started, [0, 2]);
    assert.deepEqual(ex.aborted, [0]);
    await assert.rejects(q.submit(call(3), { signal: AbortSignal.abort() }), rejectsWith('cancelled'));
    await q.close();
  });

  it('keeps the upstream to one call even when a caller gives up on an executor that ignores abort', async () => {
    let inFlight = 0;
    let max = 0;
    const q = new MemoryQueue({ backend: 'lic' }, async (req) => {
      inFlight++;
      max = Math.max(max, inFlight);
      await sleep(req.params?.i === 0 ? 60 : 1); // ignores the signal
      inFlight--;
      return req.params?.i;
    });
    const stubborn = q.submit(call(0), { timeoutMs: 10 });
    const next = q.submit(call(1));
    await assert.rejects(stubborn, rejectsWith('request_timeout'));
    assert.equal(q.stats().running, 1);
    assert.equal(await next, 1);
    assert.equal(max, 1);
    await q.close();
  });

  it('relays progress and reports ownership', async () => {
    const ex = new RecordingExecutor();
    const q = new MemoryQueue({ backend: 'lic' }, ex.fn);
    const owned: boolean[] = [];
    q.onOwnershipChange((o) => owned.push(o));
    const seen: number[] = [];
    await q.submit(call(0, { progress: [{ progress: 1 }, { progress: 2, total: 2 }] }), {
      onProgress: (p) => seen.push(p.progress),
    });
    assert.deepEqual(seen, [1, 2]);
    assert.deepEqual(owned, [true]);
    await q.close();
  });

  it('close rejects waiting and running calls with closed', async () => {
    const ex = new RecordingExecutor();
    const q = new MemoryQueue({ backend: 'lic' }, ex.fn);
    const running = q.submit(call(0, { hold: true }));
    await ex.startedCall(0);
    const waiting = q.submit(call(1));
    await q.close();
    await assert.rejects(running, rejectsWith('closed'));
    await assert.rejects(waiting, rejectsWith('closed'));
    await assert.rejects(q.submit(call(2)), rejectsWith('closed'));
    assert.deepEqual(ex.started, [0]);
  });

  it('createQueue builds an in-process queue when Redis is not configured', async () => {
    const q = createQueue({ backend: 'lic', maxQueueSize: 1 }, async () => 'ok');
    assert.ok(q instanceof MemoryQueue);
    assert.equal(await q.submit(call(0)), 'ok');
    await q.close();
  });
});
