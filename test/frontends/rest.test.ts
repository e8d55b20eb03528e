/** The REST API (/v1, /openapi.json) against a real gateway, real fixture upstreams and real HTTP. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import type { Gateway } from '../../src/gateway.js';
import { fixtureStdio, startGateway, waitFor } from '../helpers/gateway.js';
import { firstText, rest, restEvents } from './rest-helpers.js';

const ALICE = { authorization: 'Bearer alice-key-0123456789' };
const BOB = { 'x-api-key': 'bob-key-0123456789ab' };

const yaml = `gateway:
  auth:
    api_keys:
      - { name: alice, key: "alice-key-0123456789" }
      - { name: bob, key: "bob-key-0123456789ab" }
      - { name: carol, key: "carol-key-0123456789" }
    policies:
      - name: admins
        match: { key: alice }
      - name: bob-limited
        match: { key: bob }
        allow: { tools: ["fx__add", "fx__slow"], backends: docs }
      - { name: metered, match: { key: carol }, rate_limit: { rate: 1, per: 1m, burst: 2 } }
mcpServers:
${fixtureStdio('fx')}
${fixtureStdio('docs', '    request_timeout: 1s\n')}
  down:
    command: /nonexistent/switchboard-test-binary
`;

let gateway: Gateway;
let base: URL;

before(async () => {
  ({ gateway } = await startGateway(yaml));
  base = new URL(gateway.url);
  await waitFor(
    () => gateway.catalog.snapshot().toolsByName.has('docs__add'),
    20_000,
    'both fixtures listed',
  );
});
after(async () => {
  await gateway?.close();
});

type Problem = { type: string; title: string; status: number; detail: string; code: string };
const problemOf = (body: unknown) => body as Problem;
const names = (body: unknown) => (body as { tools: { name: string }[] }).tools.map((t) => t.name);

describe('REST API', () => {
  it("lists and describes the tools of the caller's view", async () => {
    const all = await rest(base, 'GET', '/v1/tools', { headers: ALICE });
    assert.equal(all.status, 200);
    assert.ok(
      names(all.body).includes('fx__pid') && names(all.body).includes('docs__add'),
      names(all.body).join(),
    );
    assert.ok(names(all.body).includes('smart_tool_discovery'));
    const bobs = await rest(base, 'GET', '/v1/tools', { headers: BOB });
    assert.ok(names(bobs.body).includes('fx__add') && names(bobs.body).includes('docs__pid'));
    assert.ok(!names(bobs.body).includes('fx__pid'), 'hidden by the policy');

    const add = await rest(base, 'GET', '/v1/tools/fx__add', { headers: ALICE });
    assert.equal(add.status, 200);
    assert.equal(add.body.backend, 'fx');
    assert.equal(add.body.title, 'Add numbers');
    assert.deepEqual((add.body.inputSchema as { required: string[] }).required, ['a', 'b']);
  });

  it('calls a tool with the body as arguments and answers its result', async () => {
    const res = await rest(base, 'POST', '/v1/tools/fx__add/call', { headers: ALICE, body: { a: 2, b: 3 } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(firstText(res.body), '5');
    assert.deepEqual(res.body.structuredContent, { sum: 5 });
    // curl -d sends a form content type: the body is read as JSON all the same; an empty body is {}.
    const form = await rest(base, 'POST', '/v1/tools/fx__add/call', {
      headers: { ...ALICE, 'content-type': 'application/x-www-form-urlencoded' },
      raw: '{"a":1,"b":1}',
    });
    assert.equal(firstText(form.body), '2');
    const pid = await rest(base, 'POST', '/v1/tools/fx__pid/call', { headers: ALICE });
    assert.equal(pid.status, 200);
    assert.ok(JSON.parse(firstText(pid.body)).pid > 0);
  });

  it('streams progress events, then the result, when asked for text/event-stream', async () => {
    const { status, contentType, events } = await restEvents(
      base,
      '/v1/tools/fx__slow/call',
      { ms: 400, steps: 4 },
      ALICE,
    );
    assert.equal(status, 200);
    assert.match(contentType ?? '', /^text\/event-stream/);
    assert.deepEqual(
      events.map((e) => e.event),
      ['progress', 'progress', 'progress', 'progress', 'result'],
    );
    assert.deepEqual(events[0]!.data, { progress: 1, total: 4 });
    assert.equal(firstText(events[4]!.data), 'slept 400');
  });

  it('cancels the upstream call when the caller hangs up', async () => {
    const abort = new AbortController();
    const res = await fetch(new URL('/v1/tools/fx__wait_for_cancel/call', base), {
      method: 'POST',
      headers: { ...ALICE, accept: 'text/event-stream', 'content-type': 'application/json' },
      body: JSON.stringify({ label: 'rest-hangup', ms: 60_000 }),
      signal: abort.signal,
    });
    const reader = res.body!.getReader();
    let seen = '';
    while (!seen.includes('event: progress')) seen += new TextDecoder().decode((await reader.read()).value);
    abort.abort();
    await waitFor(
      async () => {
        const r = await rest(base, 'POST', '/v1/tools/fx__cancellations/call', { headers: ALICE });
        return firstText(r.body).includes('rest-hangup');
      },
      10_000,
      'the upstream saw the call cancelled',
    );
  });

  it('refuses arguments that do not fit the input schema with 400 and the errors', async () => {
    const res = await rest(base, 'POST', '/v1/tools/fx__add/call', { headers: ALICE, body: { a: 'two' } });
    assert.equal(res.status, 400);
    assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
    const p = problemOf(res.body);
    assert.equal(p.code, 'invalid_arguments');
    assert.match(p.detail, /\/a must be number/);
    const errors = res.body.errors as { path: string; keyword: string }[];
    assert.ok(
      errors.some((e) => e.path === '/a' && e.keyword === 'type'),
      JSON.stringify(errors),
    );
    assert.ok(
      errors.some((e) => e.keyword === 'required'),
      'b is missing',
    );
    const notObject = await rest(base, 'POST', '/v1/tools/fx__add/call', { headers: ALICE, body: [1, 2] });
    assert.equal(notObject.status, 400);
    const badJson = await rest(base, 'POST', '/v1/tools/fx__add/call', { headers: ALICE, raw: '{"a":' });
    assert.equal(badJson.status, 400);
    assert.equal(problemOf(badJson.body).code, 'bad_request');
  });

  it('answers 404 for an unknown tool and 403 for one the policy denies', async () => {
    for (const [method, path] of [
      ['GET', '/v1/tools/fx__nope'],
      ['POST', '/v1/tools/fx__nope/call'],
    ] as const) {
      const res = await rest(base, method, path, { headers: ALICE });
      assert.equal(res.status, 404, `${method} ${path}`);
      assert.equal(problemOf(res.body).code, 'unknown_tool');
      assert.equal(problemOf(res.body).type, 'urn:switchboard:problem:unknown_tool');
    }
    const get = await rest(base, 'GET', '/v1/tools/fx__pid', { headers: BOB });
    assert.equal(get.status, 403);
    const call = await rest(base, 'POST', '/v1/tools/fx__pid/call', { headers: BOB, body: {} });
    assert.equal(call.status, 403);
    assert.equal(problemOf(call.body).code, 'not_permitted');
    assert.match(problemOf(call.body).detail, /not permitted/);
  });

  it('refuses a caller without credentials with 401 and WWW-Authenticate', async () => {
    const res = await rest(base, 'GET', '/v1/tools');
    assert.equal(res.status, 401);
    assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer /);
    assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
    assert.equal(problemOf(res.body).code, 'unauthenticated');
    const wrong = await rest(base, 'GET', '/openapi.json', {
      headers: { 'x-api-key': 'wrong-key-0123456789' },
    });
    assert.equal(wrong.status, 401);
    assert.match(wrong.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
  });

  it('refuses a foreign Origin like /mcp does', async () => {
    const res = await rest(base, 'GET', '/v1/tools', {
      headers: { ...ALICE, origin: 'https://evil.example' },
    });
    assert.equal(res.status, 403);
    assert.equal(problemOf(res.body).code, 'forbidden');
    assert.match(problemOf(res.body).detail, /Origin "https:\/\/evil.example" is not allowed/);
  });

  it('answers 502 when the backend is down and 504 when the upstream times out', async () => {
    await waitFor(() => gateway.catalog.backend('down')?.state !== 'connecting', 10_000, 'down has failed');
    const down = await rest(base, 'POST', '/v1/tools/down__anything/call', { headers: ALICE, body: {} });
    assert.equal(down.status, 502, JSON.stringify(down.body));
    assert.equal(problemOf(down.body).code, 'backend_unavailable');
    assert.equal(down.body.backend, 'down');

    const slow = await rest(base, 'POST', '/v1/tools/docs__slow/call', {
      headers: ALICE,
      body: { ms: 5000 },
    });
    assert.equal(slow.status, 504, JSON.stringify(slow.body));
    assert.equal(problemOf(slow.body).code, 'upstream_timeout');
    assert.match(problemOf(slow.body).detail, /within 1000 ms/);
    const streamed = await restEvents(base, '/v1/tools/docs__slow/call', { ms: 5000 }, ALICE);
    assert.deepEqual(
      streamed.events.map((e) => e.event),
      ['error'],
    );
    assert.equal((streamed.events[0]!.data as Problem).status, 504);
  });

  it('lists and reads resources, lists and renders prompts', async () => {
    const list = await rest(base, 'GET', '/v1/resources', { headers: ALICE });
    assert.equal(list.status, 200);
    assert.deepEqual(
      (list.body.resources as { uri: string }[]).map((r) => r.uri),
      ['fixture://static'],
    );
    assert.equal((list.body.resourceTemplates as unknown[]).length, 2);
    const read = await rest(
      base,
      'GET',
      `/v1/resources/read?uri=${encodeURIComponent('fixture://items/7')}`,
      {
        headers: ALICE,
      },
    );
    assert.equal(read.status, 200, JSON.stringify(read.body));
    assert.equal((read.body.contents as { text: string }[])[0]!.text, 'item 7');
    const missing = await rest(base, 'GET', `/v1/resources/read?uri=${encodeURIComponent('nowhere://x')}`, {
      headers: ALICE,
    });
    assert.equal(missing.status, 404);
    assert.equal(problemOf(missing.body).code, 'unknown_resource');
    const forbidden = await rest(base, 'GET', '/v1/resources/read?uri=fixture://static', { headers: BOB });
    assert.equal(forbidden.status, 403, "fx's resource, and bob may use docs only");

    const prompts = await rest(base, 'GET', '/v1/prompts', { headers: BOB });
    assert.deepEqual(
      (prompts.body.prompts as { name: string }[]).map((p) => p.name),
      ['docs__greet'],
    );
    const greet = await rest(base, 'POST', '/v1/prompts/docs__greet', {
      headers: BOB,
      body: { name: 'bob' },
    });
    assert.equal(greet.status, 200, JSON.stringify(greet.body));
    const messages = greet.body.messages as { content: { text: string } }[];
    assert.equal(messages[0]!.content.text, 'Hello bob');
    const noName = await rest(base, 'POST', '/v1/prompts/docs__greet', { headers: BOB, body: {} });
    assert.equal(noName.status, 400);
    assert.match(problemOf(noName.body).detail, /required argument "name" is missing/);
    assert.equal((await rest(base, 'POST', '/v1/prompts/fx__greet', { headers: BOB, body: {} })).status, 403);
    assert.equal((await rest(base, 'POST', '/v1/prompts/nope', { headers: BOB, body: {} })).status, 404);
  });

  it("ranks tools with the discovery service, within the caller's policy", async () => {
    const res = await rest(base, 'POST', '/v1/discover', {
      headers: ALICE,
      body: { query: 'process ids of this server', limit: 3 },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const results = res.body.results as {
      name: string;
      backend: string;
      description: string;
      score: number;
    }[];
    assert.ok(results.length > 0 && results.length <= 3);
    assert.ok(['fx__pid', 'docs__pid'].includes(results[0]!.name), JSON.stringify(results));
    assert.ok(results[0]!.score > 0 && typeof results[0]!.description === 'string');
    const bobs = await rest(base, 'POST', '/v1/discover', {
      headers: BOB,
      body: { query: 'process ids of this server', limit: 10 },
    });
    const found = (bobs.body.results as { name: string }[]).map((r) => r.name);
    assert.ok(found.includes('docs__pid') && !found.includes('fx__pid'), found.join());
    const scoped = await rest(base, 'POST', '/v1/discover', {
      headers: ALICE,
      body: { query: 'add numbers', backend: 'docs' },
    });
    assert.ok((scoped.body.results as { backend: string }[]).every((r) => r.backend === 'docs'));
    const bad = await rest(base, 'POST', '/v1/discover', { headers: ALICE, body: { limit: 3 } });
    assert.equal(bad.status, 400);
  });

  it('serves an OpenAPI 3.1 document of the live catalog under the policy, valid against the schema', async () => {
    const res = await rest(base, 'GET', '/openapi.json', { headers: BOB });
    assert.equal(res.status, 200);
    const validator = new Validator();
    const verdict = await validator.validate(res.body);
    assert.equal(verdict.valid, true, JSON.stringify(verdict.errors));
    assert.equal(validator.version, '3.1');
    const paths = res.body.paths as Record<
      string,
      { post?: { requestBody: { content: Record<string, unknown> } } }
    >;
    const add = paths['/v1/tools/fx__add/call']!.post!.requestBody.content['application/json'] as {
      schema: { required: string[] };
    };
    assert.deepEqual(add.schema.required, ['a', 'b'], "the tool's input schema is the request body");
    assert.ok(!paths['/v1/tools/fx__pid/call'], 'a tool the policy hides is not documented');
    for (const fixed of ['/v1/tools', '/v1/discover', '/v1/resources/read', '/v1/prompts/{name}'])
      assert.ok(paths[fixed], fixed);
    const schemes = (res.body.components as { securitySchemes: Record<string, unknown> }).securitySchemes;
    assert.deepEqual(Object.keys(schemes).sort(), ['apiKey', 'bearer']);

    const alices = await rest(base, 'GET', '/openapi.json', { headers: ALICE });
    assert.ok((alices.body.paths as Record<string, unknown>)['/v1/tools/fx__pid/call']);
    assert.equal((await validator.validate(alices.body)).valid, true);
  });

  it("answers 429 with Retry-After once the principal's rate limit is spent", async () => {
    const CAROL = { authorization: 'Bearer carol-key-0123456789' };
    for (let i = 0; i < 2; i++)
      assert.equal((await rest(base, 'GET', '/v1/tools', { headers: CAROL })).status, 200);
    const res = await rest(base, 'GET', '/v1/prompts', { headers: CAROL });
    assert.equal(res.status, 429);
    assert.ok(Number(res.headers.get('retry-after')) > 0);
    assert.equal(problemOf(res.body).code, 'rate_limited');
    assert.match(problemOf(res.body).detail, /rate limit of 1 per 60 s/);
  });

  it('answers a wrong method with 405 and Allow', async () => {
    const res = await rest(base, 'DELETE', '/v1/tools', { headers: ALICE });
    assert.equal(res.status, 405);
    assert.equal(res.headers.get('allow'), 'GET, OPTIONS');
  });

  it('refuses new requests with 503 and Retry-After once draining', async () => {
    gateway.drain.begin();
    const res = await rest(base, 'GET', '/v1/tools', { headers: ALICE });
    assert.equal(res.status, 503);
    assert.equal(res.headers.get('retry-after'), '1');
    assert.equal(problemOf(res.body).code, 'shutting_down');
  });
});
