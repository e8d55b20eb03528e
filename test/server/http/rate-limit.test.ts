/** Per-principal limits: token-bucket rate limit (in process, and shared through Redis) and session caps. */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import type { Gateway } from '../../../src/gateway.js';
import { fixtureStdio, startGateway, stopProcess, writeConfig } from '../../helpers/gateway.js';
import { INIT, json, raw } from '../../helpers/http.js';
import {
  deleteKeys,
  REDIS_URL,
  redisReachable,
  requireRedis,
  testPrefix,
} from '../../queue/redis-helpers.js';
import { serveProcess } from '../../queue/single-helpers.js';

const ALICE = { authorization: 'Bearer alice-key-0123456789' };
const BOB = { authorization: 'Bearer bob-key-0123456789ab' };
const CAROL = { 'x-api-key': 'carol-key-0123456789' };
const KEYS = `    api_keys:
      - { name: alice, key: "alice-key-0123456789" }
      - { name: bob, key: "bob-key-0123456789ab" }
      - { name: carol, key: "carol-key-0123456789" }
`;
/** A request that costs a token but no session: answered 400 (no Mcp-Session-Id) when let through. */
const LIST = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
const send = (url: URL, who: Record<string, string>) => raw(url, 'POST', { ...json, ...who }, LIST);

describe('in-process limits', () => {
  let gateway: Gateway;
  let url: URL;
  before(async () => {
    ({ gateway, url } = await startGateway(`gateway:
  auth:
${KEYS}    rate_limit: { rate: 1, per: 1m, burst: 3 }
    policies:
      - { match: { key: bob }, max_sessions: 2, rate_limit: { rate: 1000, burst: 1000 } }
      - { match: { principal: "*" } }
mcpServers:
${fixtureStdio('fx')}`));
  });
  after(() => gateway?.close());

  it('answers 429 with Retry-After once a principal has used its burst; others are unaffected', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await send(url, ALICE)).status, 400);
    const limited = await send(url, ALICE);
    assert.equal(limited.status, 429, limited.body);
    const retry = Number(limited.headers['retry-after']);
    assert.ok(retry >= 59 && retry <= 60, `Retry-After ${String(limited.headers['retry-after'])}`);
    assert.match(JSON.parse(limited.body).error.message, /rate limit of 1 per 60 s \(burst 3\)/);
    assert.equal((await send(url, CAROL)).status, 400, "carol's bucket is her own");
    for (let i = 0; i < 20; i++) assert.equal((await send(url, BOB)).status, 400, "bob's policy: 1000/s");
  });

  it("caps a principal's sessions at its policy's max_sessions with 503, freeing a slot on close", async () => {
    const init = (who: Record<string, string>) => raw(url, 'POST', { ...json, ...who }, JSON.stringify(INIT));
    const first = await init(BOB);
    assert.equal(first.status, 200, first.body);
    assert.equal((await init(BOB)).status, 200);
    const third = await init(BOB);
    assert.equal(third.status, 503);
    assert.match(JSON.parse(third.body).error.message, /Too many sessions for this client \(2/);
    assert.equal((await init(CAROL)).status, 200, 'other principals still open sessions');
    const id = first.headers['mcp-session-id'] as string;
    const headers = { ...BOB, 'mcp-session-id': id, 'mcp-protocol-version': '2025-11-25' };
    assert.equal((await raw(url, 'DELETE', headers)).status, 200);
    assert.equal((await init(BOB)).status, 200, 'a closed session frees its slot');
  });
});

describe('Redis', () => {
  let reachable = false;
  before(async () => {
    reachable = await redisReachable();
  });

  it('shares one bucket per principal across two gateway processes', async (t) => {
    if (!requireRedis(t, reachable)) return;
    const prefix = testPrefix();
    const file = writeConfig(`gateway:
  redis: { url: "${REDIS_URL}", prefix: "${prefix}" }
  auth:
${KEYS}    rate_limit: { rate: 1, per: 1m, burst: 4 }
    policies: [{ match: { principal: "*" } }]
mcpServers: {}
`);
    const children: ChildProcess[] = [];
    try {
      const a = await serveProcess(file);
      children.push(a.child);
      const b = await serveProcess(file);
      children.push(b.child);
      for (const url of [a.url, b.url, a.url, b.url]) assert.equal((await send(url, ALICE)).status, 400);
      for (const url of [a.url, b.url]) {
        const res = await send(url, ALICE);
        assert.equal(res.status, 429, 'four requests spent the shared burst');
        assert.ok(Number(res.headers['retry-after']) >= 1);
      }
      assert.equal((await send(b.url, CAROL)).status, 400);
    } finally {
      for (const c of children) await stopProcess(c);
      await deleteKeys(prefix);
    }
  });

  for (const mode of ['open', 'closed'] as const) {
    it(`while Redis is unreachable, fail ${mode}: ${mode === 'open' ? 'serve' : 'refuse with 503'}`, async () => {
      const { gateway, url } = await startGateway(`gateway:
  redis: { url: "redis://127.0.0.1:1", prefix: sbtest-down }
  auth:
${KEYS}    rate_limit: { rate: 1, per: 1m, burst: 1 }
    rate_limit_fail_mode: ${mode}
mcpServers: {}
`);
      try {
        for (let i = 0; i < 3; i++) {
          const res = await send(url, ALICE);
          assert.equal(res.status, mode === 'open' ? 400 : 503, res.body);
          if (mode === 'closed') assert.match(res.body, /Rate limiter unavailable/);
        }
      } finally {
        await gateway.close();
      }
    });
  }
});
