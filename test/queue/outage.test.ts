import assert from 'node:assert/strict';
import net from 'node:net';
import { afterEach, describe, it } from 'node:test';
import { isQueueError, RedisQueue } from '../../src/queue/index.js';
import { freePort } from '../helpers/gateway.js';
import { call, RecordingExecutor, sleep, until } from './helpers.js';
import { deleteKeys, REDIS_URL, redisReachable, requireRedis, testPrefix } from './redis-helpers.js';

const reachable = await redisReachable();
const LEASE_MS = 1500;

/** A TCP proxy in front of Redis that the test can cut and restore, to simulate Redis going away. */
class RedisProxy {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  async start(): Promise<void> {
    const target = new URL(REDIS_URL);
    this.server = net.createServer((client) => {
      const upstream = net.connect(Number(target.port || 6379), target.hostname);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    const server = this.server;
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as net.AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise((resolve) => server.close(resolve));
  }

  url(): string {
    const u = new URL(REDIS_URL);
    u.hostname = '127.0.0.1';
    u.port = String(this.port);
    return u.toString();
  }
}

/** Rejects if `p` has not settled within `ms` (a hang), otherwise returns how it settled. */
async function settlesWithin<T>(
  p: Promise<T>,
  ms: number,
): Promise<{ ok: true; value: T } | { ok: false; err: unknown }> {
  const hang = sleep(ms).then(() => {
    throw new Error(`still pending after ${ms} ms`);
  });
  return Promise.race([
    p.then(
      (value) => ({ ok: true as const, value }),
      (err: unknown) => ({ ok: false as const, err }),
    ),
    hang,
  ]);
}

describe('RedisQueue when Redis goes away', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('fails fast with redis_unavailable when Redis was never reachable', async () => {
    // Needs no Redis at all: a port that was free a moment ago, where nothing listens.
    const url = `redis://127.0.0.1:${await freePort()}`;
    const q = new RedisQueue({ backend: 'lic', url, prefix: testPrefix(), leaseMs: LEASE_MS }, async () => 1);
    cleanups.push(() => q.close());
    const r = await settlesWithin(q.submit(call(0)), 5000);
    assert.ok(!r.ok && isQueueError(r.err, 'redis_unavailable'), String(!r.ok && r.err));
    assert.match((r.err as Error).message, /Redis at redis:\/\/127\.0\.0\.1:\d+ is unreachable/);
  });

  it('fails calls fast during an outage, fails calls in flight, and resumes when Redis returns', async (t) => {
    if (!requireRedis(t, reachable)) return;
    const prefix = testPrefix();
    const proxy = new RedisProxy();
    await proxy.start();
    cleanups.push(async () => {
      await proxy.stop();
      await deleteKeys(prefix);
    });
    const ex = new RecordingExecutor();
    const q = new RedisQueue({ backend: 'lic', url: proxy.url(), prefix, leaseMs: LEASE_MS }, ex.fn);
    cleanups.push(() => q.close());
    const owned: boolean[] = [];
    q.onOwnershipChange((o) => owned.push(o));
    assert.deepEqual(await q.submit(call(0)), { i: 0 });

    const inFlight = q.submit(call(1, { hold: true }));
    await ex.startedCall(1);
    await proxy.stop();

    const r = await settlesWithin(q.submit(call(2)), 5000);
    assert.ok(!r.ok && isQueueError(r.err, 'redis_unavailable'), String(!r.ok && r.err));
    // The owner cannot renew its lease, so it steps down and aborts the call; the caller is told Redis is gone.
    const f = await settlesWithin(inFlight, LEASE_MS * 4);
    assert.ok(!f.ok && isQueueError(f.err, 'redis_unavailable'), String(!f.ok && f.err));
    assert.deepEqual(ex.aborted, [1]);
    assert.equal(owned.at(-1), false);

    await proxy.start();
    let resumed: unknown;
    await until(
      async () => {
        resumed = await q.submit(call(3), { timeoutMs: 3000 }).catch(() => undefined);
        return resumed !== undefined;
      },
      20_000,
      'service to resume',
    );
    assert.deepEqual(resumed, { i: 3 });
    assert.equal(owned.at(-1), true);
    assert.ok(!ex.started.includes(2), 'the call refused during the outage never ran');
  });
});
