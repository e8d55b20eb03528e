/** The audit trail end to end: events of every kind through a real gateway, its file sink, GET /v1/audit. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { AuditEvent } from '../../src/audit/event.js';
import type { Gateway } from '../../src/gateway.js';
import { fixtureStdio, startGateway, waitFor } from '../helpers/gateway.js';
import { json, raw } from '../helpers/http.js';
import { ALICE, allPages, audit, BOB, clientWith, KEYS, OPS } from './helpers.js';

describe('audit events', () => {
  let gateway: Gateway;
  let url: URL;
  let file: string;
  const clients: Client[] = [];

  before(async () => {
    file = join(mkdtempSync(join(tmpdir(), 'switchboard-audit-')), 'audit.jsonl');
    ({ gateway, url } = await startGateway(`gateway:
  audit:
    payload_max_bytes: 200
    sinks:
      - { type: file, path: ${JSON.stringify(file)} }
  auth:
${KEYS}    policies:
      - { match: { key: bob }, deny: { tools: ["fx__slow"] }, rate_limit: { rate: 1, per: 1m, burst: 6 } }
      - { match: { principal: "*" } }
toolsets:
  math:
    tools: ["docs__add"]
    overrides: { docs__add: { name: plus } }
mcpServers:
${fixtureStdio('fx', '    audit_payloads: true\n')}
${fixtureStdio('docs')}`));
  });
  after(async () => {
    for (const c of clients) await c.close().catch(() => {});
    await gateway?.close();
  });

  const local = (filter: Partial<AuditEvent>) =>
    gateway.audit
      .recent({}, 1000)
      .filter((e) =>
        Object.entries(filter).every(
          ([k, v]) => JSON.stringify(e[k as keyof AuditEvent]) === JSON.stringify(v),
        ),
      );

  it('records calls, reads, prompt gets, sessions, refusals; payloads only where enabled, redacted', async () => {
    const alice = await clientWith(url, ALICE);
    clients.push(alice);
    const secret = 's3cr3t-value-of-alice';
    await alice.callTool({ name: 'fx__add', arguments: { a: 1, b: 2, password: secret } });
    await alice.callTool({ name: 'docs__add', arguments: { a: 3, b: 4 } });
    const bad = await alice.callTool({ name: 'fx__add', arguments: { a: 'one' } });
    assert.equal(bad.isError, true);
    await alice.readResource({ uri: 'fixture://items/7' });
    await alice.getPrompt({ name: 'fx__greet', arguments: { name: 'alice' } });
    await assert.rejects(alice.callTool({ name: 'nope__nothing', arguments: {} }));

    const call = local({ kind: 'tools/call', target: 'fx__add', outcome: 'ok' })[0];
    assert.ok(call, 'the call to fx__add is recorded');
    assert.deepEqual(call.principal, { kind: 'api_key', id: 'alice' });
    assert.equal(call.v, 1);
    assert.equal(call.backend, 'fx');
    assert.equal(call.front, 'http');
    assert.equal(call.era, '2025');
    assert.ok(call.session && call.duration_ms !== undefined && call.duration_ms >= 0);
    assert.deepEqual(call.arguments, { value: { a: 1, b: 2, password: '[redacted]' } });
    assert.equal(
      (call.result?.value as { structuredContent: unknown }).structuredContent !== undefined,
      true,
    );
    assert.ok(!JSON.stringify(gateway.audit.recent({}, 1000)).includes(secret), 'the secret is nowhere');
    assert.ok(!JSON.stringify(gateway.audit.recent({}, 1000)).includes(ALICE), 'the API key is nowhere');

    const docs = local({ kind: 'tools/call', target: 'docs__add' })[0];
    assert.ok(docs && docs.arguments === undefined && docs.result === undefined, 'no payloads by default');
    assert.equal(docs.outcome, 'ok');
    assert.equal(local({ target: 'fx__add', outcome: 'tool_error' }).length, 1, 'a tool error result');
    const unknown = local({ target: 'nope__nothing' })[0];
    assert.equal(unknown?.outcome, 'error');
    assert.equal(unknown?.error, 'unknown_tool');
    assert.equal(local({ kind: 'resources/read', target: 'fixture://items/7' })[0]?.outcome, 'ok');
    const prompt = local({ kind: 'prompts/get', target: 'fx__greet' })[0];
    assert.equal(prompt?.backend, 'fx');
    assert.deepEqual(prompt?.arguments, { value: { name: 'alice' } });
    const opened = local({ kind: 'session/open', session: call.session })[0];
    assert.deepEqual(opened?.principal, { kind: 'api_key', id: 'alice' });

    // A 2026-07-28 call (no session) and a REST call are recorded with their era and front.
    const modern = new Client(
      { name: 'audit-2026', version: '1.0.0' },
      { versionNegotiation: { mode: 'auto' } },
    );
    const headers = { 'X-API-Key': ALICE };
    await modern.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers } }));
    clients.push(modern);
    await modern.callTool({ name: 'docs__add', arguments: { a: 5, b: 5 } });
    const perRequest = local({ era: '2026-07-28' })[0];
    assert.equal(perRequest?.target, 'docs__add');
    assert.equal(perRequest?.front, 'http');
    assert.match(perRequest?.session ?? '', /^req:/);
    const rest = await fetch(new URL('/v1/tools/docs__add/call', url), {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ a: 1, b: 1 }),
    });
    assert.equal(rest.status, 200);
    const viaRest = local({ front: 'rest' })[0];
    assert.equal(viaRest?.target, 'docs__add');
    assert.deepEqual(viaRest?.principal, { kind: 'api_key', id: 'alice' });

    const bob = await clientWith(url, BOB);
    const refused = await bob.callTool({ name: 'fx__slow', arguments: { ms: 1 } }).catch((e: unknown) => e);
    assert.ok(refused instanceof Error, 'the policy refuses');
    const policy = local({ kind: 'policy/refused' })[0];
    assert.deepEqual(policy?.principal, { kind: 'api_key', id: 'bob' });
    assert.equal(policy?.error, 'not_permitted');
    assert.equal(policy?.outcome, 'refused');
    assert.equal(policy?.target, 'fx__slow');

    const session = local({ kind: 'session/open', principal: { kind: 'api_key', id: 'bob' } })[0]!.session!;
    await bob.end();
    await waitFor(() => local({ kind: 'session/close', session }).length === 1, 5000, 'session/close');

    // bob's bucket (burst 6) is spent by the requests above and these: the refusal is an event.
    const list = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
    for (let i = 0; i < 6; i++) await raw(url, 'POST', { ...json, 'x-api-key': BOB }, list);
    const limited = local({ kind: 'rate_limit/refused' })[0];
    assert.deepEqual(limited?.principal, { kind: 'api_key', id: 'bob' });
    assert.equal(limited?.error, 'exhausted');
    assert.equal(limited?.front, 'http');

    // The file sink has the same events, one JSON object per line.
    const lines = await waitFor(
      () => {
        const l = readFileSync(file, 'utf8').trim().split('\n');
        return l.length >= gateway.audit.recent({}, 1000).length ? l : undefined;
      },
      5000,
      'every event in the file',
    );
    const fromFile = lines!.map((l) => JSON.parse(l) as AuditEvent);
    assert.ok(fromFile.every((e) => e.v === 1 && typeof e.time === 'string' && e.principal));
    assert.ok(fromFile.some((e) => e.kind === 'rate_limit/refused'));
  });

  it("records a tool set's sessions and calls, with the backend behind a renamed tool", async () => {
    const set = await clientWith(new URL('/mcp/math', url), ALICE);
    clients.push(set);
    const result = await set.callTool({ name: 'plus', arguments: { a: 20, b: 22 } });
    assert.equal(result.isError, undefined);
    const call = local({ kind: 'tools/call', target: 'plus' })[0];
    assert.equal(call?.backend, 'docs');
    assert.equal(call?.outcome, 'ok');
    assert.deepEqual(call?.principal, { kind: 'api_key', id: 'alice' });
    assert.equal(local({ kind: 'session/open', session: call!.session }).length, 1);
  });

  it('serves GET /v1/audit to operators only, filtered and paginated', async () => {
    assert.equal((await audit(url, {}, null)).status, 401);
    assert.equal((await audit(url, {}, ALICE)).status, 403);
    const bad = await audit(url, { outcome: 'maybe' });
    assert.equal(bad.status, 400);
    assert.match(bad.body.detail ?? '', /outcome must be one of/);
    assert.equal((await audit(url, { limit: '0' })).status, 400);

    const all = await audit(url, { limit: '1000' });
    assert.equal(all.status, 200);
    assert.equal(all.body.source, 'local');
    const ids = all.body.events.map((e) => e.id);
    assert.ok(ids.length >= 10);

    const byBob = (await audit(url, { principal: 'api_key:bob' })).body.events;
    assert.ok(
      byBob.length >= 3 && byBob.every((e) => e.principal.kind === 'api_key' && e.principal.id === 'bob'),
    );
    const adds = (await audit(url, { tool: 'fx__add' })).body.events;
    assert.equal(adds.length, 2);
    assert.ok(adds.every((e) => e.target === 'fx__add' && e.method === 'tools/call'));
    const docs = (await audit(url, { backend: 'docs' })).body.events;
    assert.ok(docs.length >= 1 && docs.every((e) => e.backend === 'docs'));
    const refused = (await audit(url, { outcome: 'refused' })).body.events;
    assert.deepEqual([...new Set(refused.map((e) => e.kind))].sort(), [
      'policy/refused',
      'rate_limit/refused',
    ]);
    const kind = (await audit(url, { kind: 'session/close' })).body.events;
    assert.equal(kind.length, 1);

    const middle = all.body.events[Math.floor(ids.length / 2)]!;
    const t = Date.parse(middle.time);
    const after = (await audit(url, { from: new Date(t).toISOString(), limit: '1000' })).body.events;
    assert.ok(after.every((e) => Date.parse(e.time) >= t) && after.length < ids.length);
    const before = (await audit(url, { to: String(t - 1), limit: '1000' })).body.events;
    assert.ok(before.every((e) => Date.parse(e.time) < t));
    assert.ok(before.length + after.length <= ids.length);

    const pages = await allPages(url, {}, 3);
    assert.ok(pages.length > 2 && pages.slice(0, -1).every((p) => p.length === 3));
    assert.deepEqual(
      pages.flat().map((e) => e.id),
      ids,
      'the pages are the whole list, in order, once each',
    );
    const post = await fetch(new URL('/v1/audit', url), { method: 'POST', headers: { 'X-API-Key': OPS } });
    assert.equal(post.status, 405);

    const doc = (await (
      await fetch(new URL('/openapi.json', url), { headers: { 'X-API-Key': OPS } })
    ).json()) as { paths: Record<string, unknown> };
    assert.ok(doc.paths['/v1/audit'], 'GET /v1/audit is in the OpenAPI document');
    const verdict = await new Validator().validate(doc as never);
    assert.equal(verdict.valid, true, JSON.stringify(verdict.errors));
  });
});
