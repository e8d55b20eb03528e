/** DeferredQueue: a queue whose implementation loads later still takes calls and ownership listeners. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeferredQueue } from '../../src/queue/deferred.js';
import { MemoryQueue } from '../../src/queue/memory.js';

describe('DeferredQueue', () => {
  it('holds calls and ownership listeners until the implementation has loaded, then forwards them', async () => {
    let load!: (q: MemoryQueue) => void;
    const deferred = new DeferredQueue('b', new Promise((resolve) => (load = resolve)));
    const owned: boolean[] = [];
    deferred.onOwnershipChange((o) => owned.push(o));
    const removed = deferred.onOwnershipChange(() => assert.fail('unsubscribed listener called'));
    removed();
    assert.equal(deferred.stats().mode, 'redis', 'placeholder stats while loading');
    const call = deferred.submit({ method: 'tools/call', params: { x: 1 } });
    load(new MemoryQueue({ backend: 'b' }, async (req) => ({ echoed: req.params })));
    assert.deepEqual(await call, { echoed: { x: 1 } });
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(owned, [true], 'the early listener was attached to the loaded queue');
    assert.equal(deferred.stats().mode, 'memory');
    assert.equal(deferred.stats().processed, 1);
    await deferred.close();
    await assert.rejects(deferred.submit({ method: 'tools/call' }), /closed/);
  });

  it('fails calls clearly when loading fails', async () => {
    const deferred = new DeferredQueue('b', Promise.reject(new Error('cannot load bullmq')));
    await assert.rejects(deferred.submit({ method: 'tools/call' }), /cannot load bullmq/);
    await deferred.close();
  });
});
