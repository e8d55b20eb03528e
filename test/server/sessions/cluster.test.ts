/** 2025 sessions shared by in-process gateways through Redis: takeover, principal binding, DELETE and idle expiry. */
import assert from 'node:assert/strict';
import { after, describe, it, type TestContext } from 'node:test';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/server';
import { Redis } from 'ioredis';
import type { Gateway } from '../../../src/gateway.js';
import { SessionCluster } from '../../../src/server/sessions/cluster.js';
import { fixtureStdio, startGateway, waitFor } from '../../helpers/gateway.js';
import { INIT, json, raw } from '../../helpers/http.js';
import {
  deleteKeys,
  REDIS_URL,
  redisReachable,
  requireRedis,
  testPrefix,
} from '../../queue/redis-helpers.js';

const reachable = await redisReachable();
const ALICE = { authorization: 'Bearer alice-key-0123456789' };
const BOB = { authorization: 'Bearer bob-key-0123456789ab' };
const TOOLS_LIST = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' });

const gateways: Gateway[] = [];
const prefixes: string[] = [];
after(async () => {
  await Promise.all(gateways.map((g) => g.close()));
  for (const p of prefixes) await deleteKeys(p);
});

/** Two gateways sharing one Redis prefix (and so their sessions). */
async function pair(
  extra = '',
  backends = '{}',
): Promise<{ a: URL; b: URL; ga: Gateway; gb: Gateway; prefix: string }> {
  const prefix = testPrefix();
  prefixes.push(prefix);
  const yaml = `gateway:
  redis: { url: "${REDIS_URL}", prefix: "${prefix}" }
  auth:
    api_keys:
      - { name: alice, key: "alice-key-0123456789" }
      - { name: bob, key: "bob-key-0123456789ab" }
${extra}mcpServers: ${backends}
`;
  const [one, two] = [await startGateway(yaml), await startGateway(yaml)];
  gateways.push(one.gateway, two.gateway);
  return { a: one.url, b: two.url, ga: one.gateway, gb: two.gateway, prefix };
}

const inSession = (id: string, who: Record<string, string>) => ({
  ...json,
  ...who,
  'mcp-session-id': id,
  'mcp-protocol-version': LATEST_PROTOCOL_VERSION,
});

async function open(url: URL): Promise<string> {
  const init = await raw(url, 'POST', { ...json, ...ALICE }, JSON.stringify(INIT));
  assert.equal(init.status, 200, init.body);
  return init.headers['mcp-session-id'] as string;
}

describe('sessions shared through Redis', () => {
  const ready = (t: TestContext) => requireRedis(t, reachable);

  it('lets another replica take a session up, for its principal only', async (t) => {
    if (!ready(t)) return;
    const { a, b, gb } = await pair();
    const id = await open(a);
    const hijack = await raw(b, 'POST', inSession(id, BOB), TOOLS_LIST);
    const unknown = await raw(b, 'POST', inSession(crypto.randomUUID(), BOB), TOOLS_LIST);
    assert.equal(hijack.status, 404);
    assert.equal(hijack.body, unknown.body, 'indistinguishable from an unknown session');
    assert.equal(gb.sessions.size, 0, 'another principal takes nothing up');
    const own = await raw(b, 'POST', inSession(id, ALICE), TOOLS_LIST);
    assert.equal(own.status, 200, own.body);
    assert.match(own.body, /"result":\{"tools":/);
    assert.equal(gb.sessions.size, 1, 'the session was taken up');
    const again = await raw(b, 'POST', inSession(id, ALICE), JSON.stringify(INIT));
    assert.equal(again.status, 400, 'the taken-up session counts as initialized');
  });

  it('deletes a session on every replica and in Redis', async (t) => {
    if (!ready(t)) return;
    const { a, b, ga, gb, prefix } = await pair();
    const id = await open(a);
    assert.equal((await raw(b, 'POST', inSession(id, ALICE), TOOLS_LIST)).status, 200);
    assert.equal((await raw(b, 'DELETE', inSession(id, ALICE))).status, 200);
    await waitFor(() => ga.sessions.size === 0, 10_000, 'replica A drops its copy');
    assert.equal(gb.sessions.size, 0);
    assert.equal((await raw(a, 'POST', inSession(id, ALICE), TOOLS_LIST)).status, 404);
    const redis = new Redis(REDIS_URL);
    assert.equal(await redis.exists(`${prefix}:sessions:s:${id}`), 0);
    redis.disconnect();
  });

  it('expires idle sessions on every replica', async (t) => {
    if (!ready(t)) return;
    const { a, b, ga, gb } = await pair('  session_idle_timeout: 1s\n');
    const id = await open(a);
    assert.equal((await raw(b, 'POST', inSession(id, ALICE), TOOLS_LIST)).status, 200);
    assert.equal(ga.sessions.size + gb.sessions.size, 2);
    await waitFor(() => ga.sessions.size + gb.sessions.size === 0, 15_000, 'both copies expire');
    assert.equal((await raw(b, 'POST', inSession(id, ALICE), TOOLS_LIST)).status, 404);
  });

  it('gives a per_client backend one upstream session per replica that serves the session', async (t) => {
    if (!ready(t)) return;
    const { a, b, ga, gb } = await pair('', `\n${fixtureStdio('pc', '    session_mode: per_client\n')}`);
    const id = await open(a);
    const count = async (url: URL) => {
      const call = JSON.stringify({
        jsonrpc: '2.0',
        id: 3,
        method: 'tools/call',
        params: { name: 'pc__counter', arguments: {} },
      });
      const res = await raw(url, 'POST', inSession(id, ALICE), call);
      assert.equal(res.status, 200, res.body);
      return Number(/"text":"(\d+)"/.exec(res.body)?.[1]);
    };
    const sessions = (g: Gateway) => g.pool.get('pc')!.clientSessions!.size;
    assert.equal(await count(a), 1);
    assert.equal(await count(a), 2);
    assert.equal(sessions(gb), 0, 'opened lazily: replica B has none before serving the session');
    assert.equal(await count(b), 1, "replica B opened the session's own upstream session");
    assert.equal(await count(a), 3, "replica A's upstream session is untouched");
    assert.equal((await raw(a, 'DELETE', inSession(id, ALICE))).status, 200);
    await waitFor(() => sessions(ga) + sessions(gb) === 0, 10_000, 'both upstream sessions closed');
  });

  it("hands a stopped replica's subscriptions to exactly one other replica", async (t) => {
    if (!ready(t)) return;
    const prefix = testPrefix();
    prefixes.push(prefix);
    const settings = { url: REDIS_URL, prefix, leaseMs: 30_000 };
    const [a, b, c] = [
      new SessionCluster(settings),
      new SessionCluster(settings),
      new SessionCluster(settings),
    ];
    await Promise.all([a, b, c].map((x) => x.connected()));
    try {
      await a.subscribed('s1', 'fixture://static', 60_000);
      await a.subscribed('s1', 'fixture://items/1', 60_000);
      assert.equal((await b.orphans('s1')).size, 0, 'a live replica keeps its subscriptions');
      await a.unsubscribed('s1', 'fixture://items/1');
      await a.close();
      assert.deepEqual([...(await b.orphans('s1'))], [['fixture://static', a.replica]]);
      const won = await Promise.all([
        b.adopt('s1', 'fixture://static', a.replica),
        c.adopt('s1', 'fixture://static', a.replica),
      ]);
      assert.deepEqual(won.filter(Boolean).length, 1, 'one replica takes it over, never two');
      const [winner, loser] = won[0] ? [b, c] : [c, b];
      assert.equal((await loser.orphans('s1')).size, 0, 'held by a live replica again');
      await winner.disown('s1', 'fixture://static', a.replica);
      assert.equal((await loser.orphans('s1')).size, 1, 'given back, so a later check retries');
    } finally {
      await Promise.all([b.close(), c.close()]);
    }
  });

  it('answers 503 naming Redis when the session store cannot be reached', async () => {
    const { url, gateway } = await startGateway(`gateway:
  redis: { url: "redis://127.0.0.1:1", prefix: "unreachable" }
mcpServers: {}
`);
    gateways.push(gateway);
    const res = await raw(url, 'POST', inSession(crypto.randomUUID(), {}), TOOLS_LIST);
    assert.equal(res.status, 503);
    assert.match(res.body, /Session store \(Redis\) unreachable/);
    const init = await raw(url, 'POST', json, JSON.stringify(INIT));
    assert.equal(init.status, 200, 'new sessions still open, held by this replica alone');
  });
});
