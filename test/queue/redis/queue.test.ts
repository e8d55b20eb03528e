import assert from 'node:assert/strict';
import { after, afterEach, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { createQueue, DeferredQueue, RedisQueue, type RedisQueueOptions } from '../../../src/queue/index.js';
import { queueContract, rejectsWith } from '../contract.js';
import { call, RecordingExecutor, sleep, until } from '../helpers.js';
import { deleteKeys, REDIS_URL, redisReachable, requireRedis, testPrefix } from '../redis-helpers.js';

const reachable = await redisReachable();
const LEASE_MS = 3000;

/** Replicas (separate connections, as separate processes would have) sharing one backend and prefix. */
class Cluster {
  readonly prefix = testPrefix();
  readonly ex = new RecordingExecutor();
  readonly replicas: RedisQueue[] = [];
  /** Which replica ran each call. */
  readonly ranOn = new Map<number, number>();
  owners = 0;
  maxOwners = 0;

  constructor(n: number, opts: Partial<RedisQueueOptions> = {}) {
    for (let r = 0; r < n; r++) {
      const q = new RedisQueue(
        { backend: 'lic', url: REDIS_URL, prefix: this.prefix, leaseMs: LEASE_MS, ...opts },
        (req, ctx) => {
          this.ranOn.set(Number(req.params?.i), r);
          return this.ex.fn(req, ctx);
        },
      );
      q.onOwnershipChange((owned) => {
        this.owners += owned ? 1 : -1;
        this.maxOwners = Math.max(this.maxOwners, this.owners);
      });
      this.replicas.push(q);
    }
  }

  async owner(): Promise<RedisQueue> {
    await until(() => this.replicas.some((q) => q.isOwner), LEASE_MS * 3, 'an owner');
    return this.replicas.find((q) => q.isOwner) as RedisQueue;
  }

  async nonOwner(): Promise<RedisQueue> {
    const owner = await this.owner();
    return this.replicas.find((q) => q !== owner) as RedisQueue;
  }

  async close(): Promise<void> {
    await Promise.all(this.replicas.map((q) => q.close()));
    await deleteKeys(this.prefix);
  }
}

describe('RedisQueue (cluster-wide, real Redis)', () => {
  const clusters: Cluster[] = [];
  const cluster = (n: number, opts?: Partial<RedisQueueOptions>): Cluster => {
    const c = new Cluster(n, opts);
    clusters.push(c);
    return c;
  };
  afterEach(async () => {
    await Promise.all(clusters.splice(0).map((c) => c.close()));
  });
  const probe = reachable ? new Redis(REDIS_URL) : undefined;
  after(() => probe?.disconnect());

  describe('the queue contract, submitted on a replica that does not own the upstream', () => {
    queueContract({
      shortMs: 200,
      make: async ({ maxQueueSize }, t) => {
        if (!requireRedis(t, reachable)) return undefined;
        const c = new Cluster(2, { maxQueueSize });
        return {
          queue: await c.nonOwner(),
          ex: c.ex,
          waiting: (n) =>
            until(async () => (await probe!.zcard(`${c.prefix}:lic:admitted`)) === n, 5000, `${n} admitted`),
          close: () => c.close(),
        };
      },
    });
  });

  it('300 concurrent calls over 3 replicas: all succeed, one at a time, on the one owner', async (t) => {
    if (!requireRedis(t, reachable)) return;
    const c = cluster(3);
    const calls = Array.from({ length: 300 }, (_, i) =>
      c.replicas[i % 3]!.submit(call(i, { ms: i % 2 }), { timeoutMs: 60_000 }),
    );
    const results = await Promise.all(calls);
    assert.deepEqual(
      results,
      results.map((_, i) => ({ i })),
    );
    assert.equal(c.ex.maxInFlight, 1);
    assert.equal(c.ex.started.length, 300);
    assert.equal(new Set(c.ex.started).size, 300);
    assert.equal(c.replicas.filter((q) => q.isOwner).length, 1);
    assert.equal(c.maxOwners, 1);
    const owner = c.replicas.findIndex((q) => q.isOwner);
    assert.deepEqual(new Set(c.ranOn.values()), new Set([owner]));
    const processed = c.replicas.reduce((n, q) => n + q.stats().processed, 0);
    assert.equal(processed, 300);
  });

  it('rejects at once when max_queue_size calls are waiting anywhere in the cluster', async (t) => {
    if (!requireRedis(t, reachable)) return;
    const c = cluster(3, { maxQueueSize: 2 });
    const [a, b, d] = c.replicas as [RedisQueue, RedisQueue, RedisQueue];
    const first = a.submit(call(0, { hold: true }));
    await c.ex.startedCall(0);
    const waiting = [b.submit(call(1)), d.submit(call(2))];
    await until(
      async () => (await probe!.zcard(`${c.prefix}:lic:admitted`)) === 2,
      5000,
      'two calls admitted',
    );
    await assert.rejects(a.submit(call(3)), (err: unknown) => {
      rejectsWith('queue_full')(err);
      assert.match((err as Error).message, /backend "lic" queue is full \(max_queue_size 2\); retry later/);
      return true;
    });
    c.ex.release(0);
    assert.deepEqual(await Promise.all([first, ...waiting]), [{ i: 0 }, { i: 1 }, { i: 2 }]);
    assert.equal(a.stats().rejected, 1);
  });

  it('hands ownership over promptly when the owner closes', async (t) => {
    if (!requireRedis(t, reachable)) return;
    const c = cluster(2);
    const owner = await c.owner();
    const other = c.replicas.find((q) => q !== owner) as RedisQueue;
    await owner.close();
    assert.equal(await probe!.exists(`${c.prefix}:lic:owner`), 0);
    await until(() => other.isOwner, LEASE_MS * 3, 'the other replica to own');
    assert.deepEqual(await other.submit(call(0)), { i: 0 });
    await assert.rejects(owner.submit(call(1)), rejectsWith('closed'));
  });

  it('createQueue builds a Redis queue when Redis is configured, and close leaves no timers or sockets', async (t) => {
    if (!requireRedis(t, reachable)) return;
    const count = (): { timers: number; sockets: number } => {
      const all = process.getActiveResourcesInfo();
      return {
        timers: all.filter((r) => r === 'Timeout').length,
        sockets: all.filter((r) => r === 'TCPSocketWrap').length,
      };
    };
    await sleep(300); // let sockets closed by earlier tests finish closing
    const before = count();
    const prefix = testPrefix();
    try {
      const q = createQueue(
        { backend: 'lic', redis: { url: REDIS_URL, prefix, leaseMs: LEASE_MS } },
        async () => 'ok',
      );
      // The Redis modules load on first use: the queue takes calls meanwhile.
      assert.ok(q instanceof DeferredQueue);
      assert.equal(await q.submit(call(0)), 'ok');
      assert.equal(q.stats().mode, 'redis');
      await q.close();
      await until(
        () => count().timers <= before.timers && count().sockets <= before.sockets,
        2000,
        `timers and sockets back to ${JSON.stringify(before)}`,
      );
    } finally {
      await deleteKeys(prefix);
    }
  });
});
