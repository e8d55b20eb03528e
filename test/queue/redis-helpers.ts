import { randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';
import { Redis } from 'ioredis';
import { redactUrl } from '../../src/redis/connections.js';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Whether Redis answers PING within a second. */
export async function redisReachable(url = REDIS_URL): Promise<boolean> {
  const r = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 1000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  r.on('error', () => undefined);
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

/**
 * Returns whether a Redis test may run. When Redis is down the test is skipped loudly, except under
 * `CI=true`, where it fails: CI must never turn green by skipping what it claims to test.
 */
export function requireRedis(t: TestContext, reachable: boolean): boolean {
  if (reachable) return true;
  if (process.env.CI === 'true')
    throw new Error(
      `Redis is not reachable at ${redactUrl(REDIS_URL)} and CI=true: start Redis or set REDIS_URL`,
    );
  const msg = `REDIS NOT REACHABLE at ${redactUrl(REDIS_URL)} — Redis queue tests skipped`;
  console.error(`\n*** ${msg} ***\n`);
  t.skip(msg);
  return false;
}

/** A unique key prefix for one test. */
export function testPrefix(): string {
  return `sbtest:${randomBytes(5).toString('hex')}`;
}

/** Deletes every key under `prefix`. */
export async function deleteKeys(prefix: string, url = REDIS_URL): Promise<void> {
  const r = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await r.del(...keys);
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
}
