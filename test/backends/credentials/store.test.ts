/**
 * GrantStore over memory and real Redis: sealed at rest, listed without tokens, key rotation, and one
 * refresh at a time per slot (across two replicas sharing a Redis prefix).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it, type TestContext } from 'node:test';
import { Redis } from 'ioredis';
import { GrantCipher } from '../../../src/backends/credentials/cipher.js';
import type { UpstreamGrant } from '../../../src/backends/credentials/grant.js';
import { MemorySlots, RedisSlots, type Slots } from '../../../src/backends/credentials/slots.js';
import { GrantStore } from '../../../src/backends/credentials/store.js';
import {
  deleteKeys,
  REDIS_URL,
  redisReachable,
  requireRedis,
  testPrefix,
} from '../../queue/redis-helpers.js';

const k1 = randomBytes(32);
const k2 = randomBytes(32);
const grant = (token: string, expiresAt?: number): UpstreamGrant => ({
  accessToken: token,
  obtainedAt: Date.now(),
  ...(expiresAt !== undefined ? { expiresAt } : {}),
});
const fresh = (g: UpstreamGrant) => g.expiresAt === undefined || g.expiresAt > Date.now();

/** Two callers needing a grant at once: `obtain` runs once, both get its grant. */
async function oneRefresh(a: GrantStore, b: GrantStore): Promise<void> {
  let calls = 0;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const obtain = async () => {
    calls++;
    await gate;
    return grant(`tok-${calls}`, Date.now() + 60_000);
  };
  const first = a.getOr('key:alice', 'gh', fresh, obtain);
  const second = b.getOr('key:alice', 'gh', fresh, obtain);
  // The second caller waits on the lock while the first obtains; let the first finish.
  while (calls === 0) await new Promise((r) => setImmediate(r));
  release();
  const [g1, g2] = await Promise.all([first, second]);
  assert.equal(calls, 1, 'one refresh');
  assert.equal(g1.accessToken, 'tok-1');
  assert.equal(g2.accessToken, 'tok-1');
}

type Guard = (t: TestContext) => boolean;

function suite(name: string, slots: () => Slots, raw: () => Promise<string[]>, guard: Guard) {
  describe(name, () => {
    it('stores per (typed principal, backend), sealed, and lists without tokens', async (t) => {
      if (!guard(t)) return;
      const store = new GrantStore(slots(), new GrantCipher([k1]));
      await store.put('key:alice', 'gh', grant('alice-secret-token', Date.now() + 60_000));
      await store.put('jwt:https://idp:alice', 'gh', grant('other-secret-token'));
      assert.equal((await store.get('key:alice', 'gh'))?.accessToken, 'alice-secret-token');
      assert.equal((await store.get('jwt:https://idp:alice', 'gh'))?.accessToken, 'other-secret-token');
      assert.equal(await store.get('key:alice', 'jira'), undefined);
      const listed = await store.list('key:alice');
      assert.deepEqual(
        listed.map((l) => l.backend),
        ['gh'],
      );
      assert.ok(!JSON.stringify(listed).includes('secret'));
      const stored = await raw();
      assert.ok(stored.length >= 2 && stored.every((v) => !v.includes('secret')), 'sealed at rest');
      assert.equal(await store.delete('key:alice', 'gh'), true);
      assert.equal(await store.get('key:alice', 'gh'), undefined);
    });

    it('rotates keys: an old grant opens with the second key and is sealed again with the first', async (t) => {
      if (!guard(t)) return;
      const s = slots();
      await new GrantStore(s, new GrantCipher([k1])).put('key:bob', 'gh', grant('bob-token'));
      const rotated = new GrantStore(s, new GrantCipher([k2, k1]));
      assert.equal((await rotated.get('key:bob', 'gh'))?.accessToken, 'bob-token');
      const onlyNew = new GrantStore(s, new GrantCipher([k2]));
      assert.equal(
        (await onlyNew.get('key:bob', 'gh'))?.accessToken,
        'bob-token',
        'resealed with the new key',
      );
      const onlyOld = new GrantStore(s, new GrantCipher([k1]));
      assert.equal(await onlyOld.get('key:bob', 'gh'), undefined, 'a retired key opens nothing');
    });

    it('counts the principals holding a grant per backend, as every replica sees it', async (t) => {
      if (!guard(t)) return;
      const [a, b] = [
        new GrantStore(slots(), new GrantCipher([k1])),
        new GrantStore(slots(), new GrantCipher([k1])),
      ];
      await a.put('key:alice', 'counted', grant('a1'));
      await a.put('key:alice', 'counted', grant('a2'));
      await b.put('jwt:https://idp:bob', 'counted', grant('b1'));
      await b.put('key:alice', 'other', grant('o1'));
      assert.equal(await b.count('counted'), 2, 'a replaced grant is counted once');
      assert.equal(await a.count('other'), 1);
      assert.equal(await a.delete('jwt:https://idp:bob', 'counted'), true);
      assert.equal(await b.count('counted'), 1);
      assert.equal(await b.delete('jwt:https://idp:bob', 'counted'), false);
      assert.equal(await a.count('counted'), 1);
      assert.equal(await a.count('none'), 0);
    });

    it('obtains a missing grant once, however many callers (replicas) ask at once', async (t) => {
      if (!guard(t)) return;
      await oneRefresh(
        new GrantStore(slots(), new GrantCipher([k1])),
        new GrantStore(slots(), new GrantCipher([k1])),
      );
    });
  });
}

const memory = new MemorySlots();
suite(
  'GrantStore in memory',
  () => memory,
  async () => [
    ...Object.values(await memory.all('key:alice')),
    ...Object.values(await memory.all('jwt:https://idp:alice')),
  ],
  () => true,
);

const reachable = await redisReachable();
const prefix = testPrefix();
const clients: Redis[] = [];
after(async () => {
  for (const c of clients) c.disconnect();
  if (reachable) await deleteKeys(prefix);
});
const client = () => {
  const c = new Redis(REDIS_URL);
  clients.push(c);
  return c;
};
// Each slots() is a new connection with the same prefix, as each replica has its own.
suite(
  'GrantStore in Redis',
  () => new RedisSlots(client(), prefix),
  async () => {
    const c = client();
    const out: string[] = [];
    for (const k of await c.keys(`${prefix}:grants:*`)) out.push(...Object.values(await c.hgetall(k)));
    return out;
  },
  (t) => requireRedis(t, reachable),
);
