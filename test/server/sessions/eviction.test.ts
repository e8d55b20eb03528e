/**
 * A session flood does not lock everyone out: at max_sessions (or a principal's cap) a new session evicts the
 * least recently used idle session (no open stream, no call in flight, idle past the minimum), evictions are
 * counted and logged once; with authentication a default per-principal cap keeps one principal from filling
 * the gateway; with Redis the shared record of an evicted session goes only when no replica uses it.
 */
import assert from 'node:assert/strict';
import { request, type ClientRequest } from 'node:http';
import { after, describe, it, type TestContext } from 'node:test';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/server';
import { Redis } from 'ioredis';
import type { Gateway } from '../../../src/gateway.js';
import { log } from '../../../src/log.js';
import { fixtureStdio, startGateway, waitFor } from '../../helpers/gateway.js';
import { INIT, json, raw } from '../../helpers/http.js';
import { scrape } from '../../helpers/metrics.js';
import {
  deleteKeys,
  REDIS_URL,
  redisReachable,
  requireRedis,
  testPrefix,
} from '../../queue/redis-helpers.js';

const MIN_IDLE_MS = 300;
const cleanups: (() => Promise<unknown> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function gatewayWith(gatewayYaml: string): Promise<{ gateway: Gateway; url: URL }> {
  const { gateway, url } = await startGateway(
    `gateway:\n  session_eviction_min_idle: ${MIN_IDLE_MS}ms\n${gatewayYaml}mcpServers:\n${fixtureStdio('fx')}`,
  );
  cleanups.push(() => gateway.close());
  return { gateway, url };
}

const inSession = (id: string, who: Record<string, string> = {}) => ({
  ...json,
  ...who,
  'mcp-session-id': id,
  'mcp-protocol-version': LATEST_PROTOCOL_VERSION,
});

async function init(url: URL, who: Record<string, string> = {}) {
  return raw(url, 'POST', { ...json, ...who }, JSON.stringify(INIT));
}

async function open(url: URL, who: Record<string, string> = {}): Promise<string> {
  const res = await init(url, who);
  assert.equal(res.status, 200, res.body);
  return res.headers['mcp-session-id'] as string;
}

/** Whether a session still answers (200), or is gone (404). */
async function alive(url: URL, id: string, who: Record<string, string> = {}): Promise<boolean> {
  const body = JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'ping' });
  const res = await raw(url, 'POST', inSession(id, who), body);
  assert.ok(res.status === 200 || res.status === 404, `${res.status} ${res.body}`);
  return res.status === 200;
}

/** A new session once the oldest idle one is old enough to be evicted (polled: eviction is by idle age). */
async function admitted(url: URL, who: Record<string, string> = {}): Promise<string> {
  const res = await waitFor(
    async () => {
      const r = await init(url, who);
      return r.status === 200 ? String(r.headers['mcp-session-id']) : '';
    },
    10_000,
    'a new session admitted by evicting an idle one',
  );
  return res;
}

/** Opens a session's GET stream, kept open until destroyed. */
async function openStream(url: URL, id: string): Promise<ClientRequest> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'GET',
      headers: { ...inSession(id), accept: 'text/event-stream' },
    });
    req.on('response', (res) => {
      assert.equal(res.statusCode, 200);
      resolve(req);
    });
    req.on('error', () => {});
    req.once('error', reject);
    req.end();
  });
}

/** Collects the warning lines logged while `fn` runs. */
async function warnings(fn: () => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  const warn = log.warn.bind(log);
  log.warn = ((...args: unknown[]) => {
    lines.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
    return (warn as (...a: unknown[]) => void)(...args);
  }) as typeof log.warn;
  try {
    await fn();
  } finally {
    log.warn = warn;
  }
  return lines;
}

describe('at max_sessions', () => {
  it('evicts the least recently used idle session for a newcomer, counts it, and logs once', async () => {
    const { gateway, url } = await gatewayWith('  max_sessions: 4\n');
    const ids = [await open(url), await open(url), await open(url), await open(url)];
    const refused = await init(url);
    assert.equal(refused.status, 503, 'no session has been idle long enough yet');
    assert.match(JSON.parse(refused.body).error.message, /Too many sessions \(max_sessions 4\)/);
    // The oldest session is used again, so the second oldest is now the least recently used.
    await new Promise((r) => setTimeout(r, MIN_IDLE_MS));
    assert.ok(await alive(url, ids[0]!));
    let newcomers: string[] = [];
    const lines = await warnings(async () => {
      newcomers = [await admitted(url), await admitted(url)];
    });
    assert.equal(newcomers.length, 2);
    assert.equal(await alive(url, ids[1]!), false, 'the least recently used session went first');
    assert.equal(await alive(url, ids[2]!), false, 'then the next');
    assert.equal(await alive(url, ids[0]!), true, 'the one used again stays');
    assert.equal(gateway.sessions.size, 4);
    const evictionLines = lines.filter((l) => l.includes('evicted'));
    assert.equal(evictionLines.length, 1, evictionLines.join('\n'));
    assert.match(evictionLines[0]!, /max_sessions \(4\) reached: evicted 1 least recently used idle session/);
    const metrics = await scrape(new URL('/metrics', url));
    assert.equal(metrics.value('switchboard_sessions_evicted_total', { reason: 'max_sessions' }), 2);
  });

  it('never evicts a session with an open stream or a call in flight', async () => {
    const { url } = await gatewayWith('  max_sessions: 2\n');
    const streaming = await open(url);
    const calling = await open(url);
    const stream = await openStream(url, streaming);
    cleanups.push(() => void stream.destroy());
    const call = JSON.stringify({
      jsonrpc: '2.0',
      id: 3,
      method: 'tools/call',
      params: { name: 'fx__slow', arguments: { ms: 3000 } },
    });
    const inFlight = raw(url, 'POST', inSession(calling), call);
    await new Promise((r) => setTimeout(r, MIN_IDLE_MS * 2));
    const refused = await init(url);
    assert.equal(refused.status, 503, refused.body);
    assert.match((await inFlight).body, /slept 3000/);
    assert.ok(await alive(url, streaming));
  });
});

describe('with authentication', () => {
  const keys = `  auth:
    api_keys:
      - { name: alice, key: "alice-key-0123456789" }
      - { name: bob, key: "bob-key-0123456789ab", operator: true }
`;
  const ALICE = { authorization: 'Bearer alice-key-0123456789' };
  const BOB = { authorization: 'Bearer bob-key-0123456789ab' };

  it('caps a principal at a tenth of max_sessions by default, evicting only its own idle sessions', async () => {
    const { gateway, url } = await gatewayWith(`  max_sessions: 20\n${keys}`);
    assert.equal(gateway.config.gateway.auth.maxSessionsPerPrincipal, 2);
    const bob = await open(url, BOB);
    const [a1, a2] = [await open(url, ALICE), await open(url, ALICE)];
    const refused = await init(url, ALICE);
    assert.equal(refused.status, 503);
    assert.match(JSON.parse(refused.body).error.message, /Too many sessions for this client \(2/);
    await admitted(url, ALICE);
    assert.equal(await alive(url, a1!, ALICE), false, "alice's oldest session was evicted");
    assert.equal(await alive(url, a2!, ALICE), true);
    assert.equal(await alive(url, bob, BOB), true, "bob's older session was not touched");
    const metrics = await scrape(new URL('/metrics', url), BOB);
    assert.equal(metrics.value('switchboard_sessions_evicted_total', { reason: 'per_principal' }), 1);
  });
});

describe('with sessions shared through Redis', () => {
  const reachable = redisReachable();

  it("deletes an evicted session's record only when no replica has used it lately", async (t: TestContext) => {
    if (!requireRedis(t, await reachable)) return;
    const prefix = testPrefix();
    cleanups.push(() => deleteKeys(prefix));
    // Records live 10 s + 1 s and are refreshed at most every second.
    const { url } = await gatewayWith(
      `  max_sessions: 2\n  session_idle_timeout: 10s\n  redis: { url: "${REDIS_URL}", prefix: "${prefix}" }\n`,
    );
    const redis = new Redis(REDIS_URL);
    cleanups.push(() => void redis.disconnect());
    const key = (id: string) => `${prefix}:sessions:s:${id}`;
    const idle = await open(url);
    const usedElsewhere = await open(url);
    // Another replica keeps using the second session: its record is refreshed there.
    const refresh = setInterval(() => void redis.pexpire(key(usedElsewhere), 11_000), 100);
    cleanups.push(() => clearInterval(refresh));
    // The first eviction takes the idle session, the second the one used elsewhere (least recent here).
    await waitFor(async () => (await redis.pttl(key(idle))) <= 11_000 - MIN_IDLE_MS - 1000, 10_000, 'idle');
    await admitted(url);
    await waitFor(
      async () => (await redis.exists(key(idle))) === 0,
      5000,
      "the idle session's record deleted",
    );
    await admitted(url);
    clearInterval(refresh);
    assert.equal(await redis.exists(key(usedElsewhere)), 1, 'a record in use elsewhere stays');
    // Its client comes back here: the session is taken up from the record, not lost.
    const body = JSON.stringify({ jsonrpc: '2.0', id: 4, method: 'tools/list' });
    const back = await raw(url, 'POST', inSession(usedElsewhere), body);
    assert.equal(back.status, 200, back.body);
    assert.equal(await alive(url, idle), false);
  });
});
