import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createQueue, MemoryQueue } from '../../src/queue/index.js';
import { queueContract, rejectsWith } from './contract.js';
import { call, RecordingExecutor, sleep, until } from './helpers.js';

describe('MemoryQueue', () => {
  describe('the queue contract', () => {
    queueContract({
      shortMs: 30,
      make: async ({ maxQueueSize }) => {
        const ex = new RecordingExecutor();
        const queue = new MemoryQueue({ backend: 'lic', maxQueueSize }, ex.fn);
        return {
          queue,
          ex,
          waiting: (n) => until(() => queue.stats().depth === n, 5000, `${n} waiting`),
          close: () => queue.close(),
        };
      },
    });
  });

  it('counts what it processed and reports itself in-process', async () => {
    const ex = new RecordingExecutor();
    const q = new MemoryQueue({ backend: 'lic' }, ex.fn);
    await Promise.all(Array.from({ length: 20 }, (_, i) => q.submit(call(i, { ms: i % 3 }))));
    const s = q.stats();
    assert.equal(s.processed, 20);
    assert.equal(s.depth, 0);
    assert.equal(s.running, 0);
    assert.equal(s.mode, 'memory');
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

  it('owns its upstream from the start', async () => {
    const ex = new RecordingExecutor();
    const q = new MemoryQueue({ backend: 'lic' }, ex.fn);
    const owned: boolean[] = [];
    q.onOwnershipChange((o) => owned.push(o));
    await q.submit(call(0));
    assert.deepEqual(owned, [true]);
    await q.close();
  });

  it('createQueue builds an in-process queue when Redis is not configured', async () => {
    const q = createQueue({ backend: 'lic', maxQueueSize: 1 }, async () => 'ok');
    assert.ok(q instanceof MemoryQueue);
    assert.equal(await q.submit(call(0)), 'ok');
    await q.close();
  });
});
