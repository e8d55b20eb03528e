/** A gateway whose Redis goes away: single-session calls fail fast, other backends carry on, service resumes. */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { Gateway } from '../../src/gateway.js';
import { connectClient, fixtureStdio, stopProcess, text, waitFor, writeConfig } from '../helpers/gateway.js';
import { deleteKeys, REDIS_URL, redisReachable, requireRedis, testPrefix } from './redis-helpers.js';
import {
  backendReadiness,
  errorCode,
  singleBackendYaml,
  startSingleFixture,
  TcpProxy,
  work,
} from './single-helpers.js';

const reachable = await redisReachable();
const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

describe('single_session when Redis is unreachable', () => {
  it('fails single-session calls fast with redis_unavailable, leaves other backends alone, resumes when Redis returns', async (t) => {
    if (!requireRedis(t, reachable)) return;
    const proxy = new TcpProxy(new URL(REDIS_URL));
    await proxy.start();
    cleanups.push(() => proxy.stop());
    const prefix = testPrefix();
    cleanups.push(() => deleteKeys(prefix));
    const fixture = await startSingleFixture();
    cleanups.push(() => stopProcess(fixture.child));
    const yaml =
      `gateway:\n  redis:\n    url: ${proxy.url()}\n    prefix: "${prefix}"\n    lease: 1500ms\n` +
      singleBackendYaml(fixture.url) +
      `mcpServers:\n${fixtureStdio('plain')}`;
    const file = writeConfig(yaml);
    const options = { overrides: { port: 0, host: '127.0.0.1' } };
    const gateway = new Gateway(loadConfig(file, options), options);
    cleanups.push(() => gateway.close());
    await gateway.start();
    const url = new URL(gateway.url);
    await waitFor(
      async () => {
        const b = await backendReadiness(url);
        const plain = await backendReadiness(url, 'plain');
        return b.state === 'ready' && b.queue?.owner && plain.state === 'ready';
      },
      20_000,
      'both backends ready and single owned',
    );
    const { client } = await connectClient(url);
    cleanups.push(() => client.close());
    assert.equal(text(await work(client, 'before')), 'done before');

    await proxy.stop();
    const t0 = performance.now();
    const down = await work(client, 'down');
    const elapsed = performance.now() - t0;
    assert.equal(errorCode(down), 'redis_unavailable', text(down));
    assert.match(text(down), /backend "single": Redis at redis:\/\/127\.0\.0\.1:\d+ is unreachable/);
    // "Fails fast" is the behaviour under test: far sooner than the 60 s request_timeout a hung call would hit.
    // The bound is generous for a loaded machine; the real figure belongs to benchmarks.
    assert.ok(elapsed < 10_000, `failed after ${Math.round(elapsed)} ms`);
    const add = await client.callTool({ name: 'plain__add', arguments: { a: 2, b: 3 } });
    assert.equal(text(add), '5', 'other backends are unaffected');

    // The owner steps down (it cannot renew its lease) and closes its upstream session.
    await waitFor(
      async () => (await backendReadiness(url)).queue?.owner === false,
      10_000,
      'owner stepped down',
    );
    await waitFor(async () => (await fixture.stats()).liveSessions === 0, 10_000, 'upstream session closed');
    const still = await work(client, 'still-down');
    assert.equal(errorCode(still), 'redis_unavailable', 'the tool stays listed and fails fast');
    await proxy.start();
    const back = await waitFor(
      async () => {
        const r = await work(client, 'back');
        return r.isError ? undefined : r;
      },
      20_000,
      'single-session calls work again',
    );
    assert.equal(text(back), 'done back');
    const stats = await fixture.stats();
    assert.deepEqual(
      stats.executions.filter((e) => e !== 'back'),
      ['before'],
    );
    // A loaded machine can delay a lease renewal enough for one more hand-over; what must hold is that the session
    // was closed and reopened, and never two at once.
    assert.ok(
      stats.sessionsOpened >= 2,
      `the session was closed on stepping down and reopened after (${stats.sessionsOpened})`,
    );
    assert.equal(stats.maxConcurrentCalls, 1);
    assert.equal(stats.maxConcurrentSessions, 1);
  });
});
