/** Pure logic of the audit trail: the ring, filters and pages, query parsing, payload redaction and cutting. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Activity, BUCKET_MS } from '../../src/audit/activity.js';
import { principalOf, type AuditEvent } from '../../src/audit/event.js';
import { recordPayload } from '../../src/audit/payload.js';
import { olderThan, page, parseQuery } from '../../src/audit/query.js';
import { Ring } from '../../src/audit/ring.js';

const event = (n: number, extra: Partial<AuditEvent> = {}): AuditEvent => ({
  v: 1,
  id: `${1000 + n}-0`,
  time: new Date(1000 + n).toISOString(),
  kind: 'tools/call',
  principal: { kind: 'api_key', id: n % 2 ? 'odd' : 'even' },
  replica: 'r',
  method: 'tools/call',
  target: `t${n % 3}`,
  backend: 'b',
  outcome: n % 5 === 0 ? 'error' : 'ok',
  ...extra,
});

describe('audit ring and pages', () => {
  it('keeps the newest items, newest first', () => {
    const ring = new Ring<number>(3);
    for (let i = 1; i <= 5; i++) ring.push(i);
    assert.deepEqual([...ring.newestFirst()], [5, 4, 3]);
    assert.equal(ring.size, 3);
    const none = new Ring<number>(0);
    none.push(1);
    assert.deepEqual([...none.newestFirst()], []);
  });

  it('filters and pages with a cursor, each event once', () => {
    const all = Array.from({ length: 20 }, (_, i) => event(20 - i));
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const p = page(all, { principal: 'api_key:odd' }, 3, cursor);
      seen.push(...p.events.map((e) => e.id));
      cursor = p.next;
    } while (cursor);
    assert.deepEqual(
      seen,
      all.filter((e) => e.principal.kind === 'api_key' && e.principal.id === 'odd').map((e) => e.id),
    );
    assert.equal(page(all, { tool: 't1' }, 100).events.length, all.filter((e) => e.target === 't1').length);
    assert.ok(
      page(all, { outcome: 'error', from: 1005, to: 1015 }, 100).events.every((e) => e.outcome === 'error'),
    );
    assert.equal(page(all, { principal: 'even' }, 100).events.length, 10, 'an id alone matches');
    assert.ok(olderThan('5-9', '6-0') && olderThan('6-1', '6-2') && !olderThan('6-2', '6-2'));
  });

  it('refuses bad parameters, naming them', () => {
    assert.throws(() => parseQuery({ outcome: 'meh' }), /outcome must be one of/);
    assert.throws(() => parseQuery({ limit: '5000' }), /limit must be an integer from 1 to 1000/);
    assert.throws(() => parseQuery({ from: 'yesterday' }), /from must be an ISO 8601 time/);
    assert.throws(() => parseQuery({ cursor: 'abc' }), /cursor must be/);
    assert.throws(() => parseQuery({ tool: ['a', 'b'] }), /tool must be given once/);
    const q = parseQuery({ from: '2026-12-07T00:00:00Z', to: '1796673564159', kind: 'session/open' });
    assert.deepEqual(q, {
      filter: { from: Date.parse('2026-12-07T00:00:00Z'), to: 1796673564159, kind: 'session/open' },
      limit: 100,
    });
  });
});

describe('audit payloads and principals', () => {
  it('redacts secret-named keys and cuts large payloads', () => {
    assert.deepEqual(recordPayload({ user: 'a', api_key: 'k', nested: { password: 'p' } }, 1000), {
      value: { user: 'a', api_key: '[redacted]', nested: { password: '[redacted]' } },
    });
    const cut = recordPayload({ text: 'é'.repeat(100) }, 64);
    assert.equal(cut.truncated, true);
    assert.ok(Buffer.byteLength(cut.value as string) <= 64);
    assert.ok(!(cut.value as string).includes('\uFFFD'), 'no broken character at the cut');
  });

  it('names principals without their credentials', () => {
    const key = { token: 'secret-key', clientId: 'ci', scopes: [], extra: { method: 'api_key' } };
    assert.deepEqual(principalOf(key), { kind: 'api_key', id: 'ci' });
    const jwt = {
      token: 'a.b.c',
      clientId: 'sub1',
      scopes: [],
      extra: { method: 'jwt', issuer: 'https://i' },
    };
    assert.deepEqual(principalOf(jwt), { kind: 'jwt', id: 'sub1', issuer: 'https://i' });
    assert.deepEqual(principalOf(jwt, 'https://i'), { kind: 'user', id: 'sub1' });
    assert.deepEqual(principalOf(undefined), { kind: 'anonymous' });
  });
});

describe('activity figures', () => {
  it('counts calls, errors and latency per backend in 15 s buckets over 15 minutes', () => {
    let now = 10 * BUCKET_MS;
    const activity = new Activity(() => now);
    for (const ms of [1, 2, 3, 4, 100])
      activity.add(event(1, { duration_ms: ms, outcome: ms === 100 ? 'error' : 'ok' }));
    activity.add(event(2, { kind: 'session/open', session: 's1', era: '2025', front: 'ws' }));
    let view = activity.view();
    const b = view.backends.b!;
    assert.equal(view.times.length, 60);
    assert.equal(b.calls.at(-1), 5 / 15);
    assert.equal(b.errorRate.at(-1), 0.2);
    assert.equal(b.p50.at(-1), 3);
    assert.equal(b.p95.at(-1), 100);
    assert.equal(b.p50.at(-2), null);
    assert.deepEqual(view.sessions, { '2025/ws': 1 });
    activity.add(event(3, { kind: 'session/close', session: 's1' }));
    now += 61 * BUCKET_MS;
    view = activity.view();
    assert.deepEqual(view.backends, {}, 'calls older than 15 minutes are gone');
    assert.deepEqual(view.sessions, {});
  });
});
