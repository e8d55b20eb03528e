/** The connect flows' records, one contract run over memory and Redis: expiring, single use on every replica. */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import {
  MemoryRecords,
  RedisRecords,
  type ConnectRecords,
} from '../../../src/backends/credentials/connect-records.js';
import { waitFor } from '../../helpers/gateway.js';
import {
  deleteKeys,
  redisReachable,
  REDIS_URL,
  requireRedis,
  testPrefix,
} from '../../queue/redis-helpers.js';

const prefix = testPrefix();
const clients: Redis[] = [];
after(async () => {
  for (const c of clients) c.disconnect();
  await deleteKeys(prefix);
});

const kinds: [string, () => Promise<[ConnectRecords, ConnectRecords] | undefined>][] = [
  [
    'memory',
    async () => {
      const one = new MemoryRecords();
      return [one, one];
    },
  ],
  [
    'Redis (two replicas)',
    async () => {
      if (!(await redisReachable())) return undefined;
      const [a, b] = [new Redis(REDIS_URL), new Redis(REDIS_URL)];
      clients.push(a, b);
      return [new RedisRecords(a, prefix), new RedisRecords(b, prefix)];
    },
  ],
];

for (const [name, make] of kinds) {
  describe(`connect records in ${name}`, () => {
    it('are read as often as asked, taken once, and gone after their time', async (t) => {
      const pair = await make();
      if (!pair && !requireRedis(t, false)) return;
      const [here, there] = pair!;
      await here.put('page', 'p1', { principal: 'key:alice', backend: 'gh' }, 60_000);
      assert.deepEqual(await there.peek('page', 'p1'), { principal: 'key:alice', backend: 'gh' });
      assert.deepEqual(await there.peek('page', 'p1'), { principal: 'key:alice', backend: 'gh' });
      assert.equal(await there.peek('state', 'p1'), undefined, 'kinds are apart');
      const taken = await Promise.all([here.take('page', 'p1'), there.take('page', 'p1')]);
      assert.equal(taken.filter((v) => v !== undefined).length, 1, 'one of two concurrent takes wins');
      assert.equal(await here.peek('page', 'p1'), undefined);
      await here.put('page', 'short', { n: 1 }, 150);
      await waitFor(async () => (await there.peek('page', 'short')) === undefined, 5_000, 'expired');
      assert.equal(await there.take('page', 'short'), undefined);
    });
  });
}
