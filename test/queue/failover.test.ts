import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { isQueueError, RedisQueue } from '../../src/queue/index.js';
import { call, until } from './helpers.js';
import { deleteKeys, REDIS_URL, redisReachable, requireRedis, testPrefix } from './redis-helpers.js';

const reachable = await redisReachable();
const LEASE_MS = 1500;
const root = fileURLToPath(new URL('../../', import.meta.url));

/** Starts a replica process and resolves once it owns the backend. */
async function ownerProcess(prefix: string, retry: boolean): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/queue/fixtures/replica.ts', prefix, String(LEASE_MS), String(retry)],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, REDIS_URL } },
  );
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  await until(() => out.includes('OWNER') || child.exitCode !== null, 20_000, 'the child replica to own');
  assert.equal(child.exitCode, null, 'child replica exited early');
  return child;
}

describe('RedisQueue failover (owner process killed mid-call)', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  for (const retry of [false, true]) {
    it(`${retry ? 're-runs' : 'fails with owner_lost'} the running call, completes queued calls, takes over within the lease bound${retry ? ' (retry_on_failover)' : ''}`, async (t) => {
      if (!requireRedis(t, reachable)) return;
      const prefix = testPrefix();
      const redis = new Redis(REDIS_URL);
      cleanups.push(async () => {
        redis.disconnect();
        await deleteKeys(prefix);
      });
      const child = await ownerProcess(prefix, retry);
      cleanups.push(async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      });

      const local = new RedisQueue(
        { backend: 'lic', url: REDIS_URL, prefix, leaseMs: LEASE_MS, retryOnFailover: retry },
        async (req) => {
          await redis.rpush(`${prefix}:executions`, `${String(req.params?.i)}:local`);
          return { i: req.params?.i, by: 'local' };
        },
      );
      cleanups.push(() => local.close());
      assert.equal(local.isOwner, false);

      const outcomes = Array.from({ length: 4 }, (_, i) =>
        local.submit(call(i), { timeoutMs: 60_000 }).then(
          (value) => ({ ok: true as const, value }),
          (err: unknown) => ({ ok: false as const, err }),
        ),
      );
      const executions = (): Promise<string[]> => redis.lrange(`${prefix}:executions`, 0, -1);
      await until(async () => (await executions()).length === 1, 10_000, 'the child to start a call');
      const [runningEntry] = await executions();
      const runningCall = Number(runningEntry?.split(':')[0]);

      child.kill('SIGKILL');
      const killedAt = Date.now();
      await until(() => local.isOwner, LEASE_MS * 3, 'the surviving replica to take ownership');
      assert.ok(Date.now() - killedAt <= LEASE_MS * 3);

      const results = await Promise.all(outcomes);
      for (const [i, r] of results.entries()) {
        if (i === runningCall && !retry) {
          assert.equal(r.ok, false, `call ${i} should have failed`);
          assert.ok(!r.ok && isQueueError(r.err, 'owner_lost'), `call ${i}: ${String(!r.ok && r.err)}`);
          assert.match(
            (r.err as Error).message,
            /owner lost mid-call; not retried because tool calls are not idempotent/,
          );
        } else {
          assert.deepEqual(r, { ok: true, value: { i, by: 'local' } }, `call ${i}`);
        }
      }
      const ran = await executions();
      const expected = [`${runningCall}:child`];
      for (let i = 0; i < 4; i++) if (i !== runningCall || retry) expected.push(`${i}:local`);
      assert.deepEqual([...ran].sort(), expected.sort(), 'each call ran once (plus the re-run when allowed)');
    });
  }
});
