/** Audit sinks: replicas writing into one Redis stream, and failing sinks that never fail a call. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AuditEvent } from '../../src/audit/event.js';
import type { Gateway } from '../../src/gateway.js';
import { fixtureStdio, freePort, startGateway, waitFor } from '../helpers/gateway.js';
import { scrape } from '../helpers/metrics.js';
import { deleteKeys, REDIS_URL, redisReachable, requireRedis, testPrefix } from '../queue/redis-helpers.js';
import { allPages, audit, clientWith, KEYS, ALICE, BOB, OPS } from './helpers.js';

describe('two replicas, one Redis stream', () => {
  const prefix = testPrefix();
  let reachable = false;
  const gateways: Gateway[] = [];
  const urls: URL[] = [];

  before(async () => {
    reachable = await redisReachable();
    if (!reachable) return;
    const yaml = `gateway:
  redis: { url: "${REDIS_URL}", prefix: "${prefix}" }
  audit:
    sinks:
      - { type: redis, max_len: 1000 }
  auth:
${KEYS}mcpServers:
${fixtureStdio('fx')}`;
    for (let i = 0; i < 2; i++) {
      const { gateway, url } = await startGateway(yaml);
      gateways.push(gateway);
      urls.push(url);
    }
  });
  after(async () => {
    for (const g of gateways) await g.close();
    if (reachable) await deleteKeys(prefix);
  });

  it("puts every replica's events in one stream that GET /v1/audit reads on any replica", async (t) => {
    if (!requireRedis(t, reachable)) return;
    const a = await clientWith(urls[0]!, ALICE);
    const b = await clientWith(urls[1]!, BOB);
    for (let i = 0; i < 3; i++) {
      await a.callTool({ name: 'fx__add', arguments: { a: i, b: 1 } });
      await b.callTool({ name: 'fx__add', arguments: { a: i, b: 2 } });
    }
    await a.end();
    await b.end();
    const calls = (e: AuditEvent[]) => e.filter((x) => x.kind === 'tools/call');
    for (const url of urls) {
      const got = (await waitFor(
        async () => {
          const { body } = await audit(url, { tool: 'fx__add' });
          return body.events.length === 6 ? body : undefined;
        },
        5000,
        'six calls in the stream',
      ))!;
      assert.equal(got.source, 'redis');
      const replicas = new Set(got.events.map((e) => e.replica));
      assert.deepEqual(replicas, new Set(gateways.map((g) => g.audit.replica)), 'both replicas wrote');
      assert.deepEqual(
        new Set(got.events.map((e) => e.principal.kind === 'api_key' && e.principal.id)),
        new Set(['alice', 'bob']),
      );
    }
    const bob = (await audit(urls[0]!, { principal: 'bob', kind: 'tools/call' })).body.events;
    assert.equal(bob.length, 3);
    assert.ok(bob.every((e) => e.replica === gateways[1]!.audit.replica));
    await waitFor(
      async () => (await audit(urls[0]!, { kind: 'session/close' })).body.events.length === 2,
      5000,
      'both sessions closed',
    );
    const everything = (await audit(urls[1]!, { limit: '1000' })).body.events;
    const pages = await allPages(urls[1]!, {}, 4);
    assert.deepEqual(
      pages.flat().map((e) => e.id),
      everything.map((e) => e.id),
      'pages of the stream are the whole list in order',
    );
    assert.ok(calls(everything).length === 6 && everything.every((e) => /^\d+-\d+$/.test(e.id)));
  });
});

describe('failing sinks', () => {
  let gateway: Gateway;
  let url: URL;

  before(async () => {
    const closed = await freePort();
    ({ gateway, url } = await startGateway(`gateway:
  audit:
    sinks:
      - { type: file, path: /nonexistent-switchboard-dir/sub/audit.jsonl }
      - { type: redis, url: "redis://127.0.0.1:${closed}", stream: audit-test }
  auth:
${KEYS}mcpServers:
${fixtureStdio('fx')}`));
  });
  after(() => gateway?.close());

  it('drops their events with a counter while calls are served', async () => {
    const ops = { 'X-API-Key': OPS };
    const client = await clientWith(url, ALICE);
    for (let i = 0; i < 5; i++) {
      const r = await client.callTool({ name: 'fx__add', arguments: { a: i, b: i } });
      assert.deepEqual(r.structuredContent, { sum: 2 * i });
    }
    await client.end();
    const dropped = (await waitFor(
      async () => {
        const m = await scrape(url, ops);
        const file = m.value('switchboard_audit_dropped_total', { sink: 'file' });
        const redis = m.value('switchboard_audit_dropped_total', { sink: 'redis' });
        return file >= 7 && redis >= 7 ? { file, redis } : undefined;
      },
      10_000,
      'drops counted for both sinks (a session opened and closed, five calls)',
    ))!;
    assert.ok(dropped.file >= 7 && dropped.redis >= 7);
    // The local ring still has everything; GET /v1/audit reads the (unreachable) stream and says so.
    assert.equal(gateway.audit.recent({ kind: 'tools/call' }, 100).length, 5);
    const res = await audit(url, {});
    assert.equal(res.status, 503);
    assert.match(res.body.detail ?? '', /audit stream cannot be read/);
  });
});
