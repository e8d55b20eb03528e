/** smart_tool_discovery through /mcp with the SDK client: search, filters, execution, and the index following the catalog. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@modelcontextprotocol/client';
import type { Gateway } from '../../src/gateway.js';
import { EVERYTHING, connectClient, fixtureStdio, startGateway, text, waitFor } from '../helpers/gateway.js';
import { allText, discover, names, report } from './helpers.js';

describe('smart_tool_discovery (expose: all)', () => {
  let gateway: Gateway;
  let client: Client;

  before(async () => {
    ({ gateway } = await startGateway(`
mcpServers:
  every:
    command: ${JSON.stringify(process.execPath)}
    args: [${JSON.stringify(EVERYTHING)}, stdio]
${fixtureStdio('fx', '    restart: { initial_delay: 1s, max_delay: 1s }\n')}`));
    ({ client } = await connectClient(new URL(gateway.url)));
  });

  after(async () => {
    await client?.close();
    await gateway?.close();
  });

  it('lists the meta-tool, with an outputSchema, beside every catalog tool', async () => {
    const tools = (await client.listTools()).tools;
    const meta = tools.find((t) => t.name === 'smart_tool_discovery');
    assert.ok(meta?.outputSchema, 'meta-tool with outputSchema');
    assert.equal(tools.length, gateway.catalog.snapshot().tools.length + 1);
    assert.ok(tools.some((t) => t.name === 'fx__add') && tools.some((t) => t.name === 'every__echo'));
  });

  it('finds tools of both backends by a plain-language request, with schema and score', async () => {
    const sum = await report(client, { request: 'add two numbers' });
    assert.equal(sum.tools[0]?.name, 'fx__add');
    assert.ok(names(sum).includes('every__get-sum'));
    assert.equal(sum.tools[0]?.backend, 'fx');
    assert.deepEqual(Object.keys((sum.tools[0]?.inputSchema as { properties: object }).properties), [
      'a',
      'b',
    ]);
    assert.ok(sum.tools.every((t, i) => i === 0 || t.score <= (sum.tools[i - 1]?.score ?? 0)));
    const echo = await report(client, { request: 'echo back a message' });
    assert.equal(echo.tools[0]?.name, 'every__echo');
    assert.equal(echo.tools[0]?.backend, 'every');
  });

  it('answers with readable text as well', async () => {
    const result = await discover(client, { request: 'echo back a message' });
    assert.match(text(result), /1\. every__echo \(every, score [\d.]+\) - .*\n\s+args: message: string/);
  });

  it('filters by backend and honours limit', async () => {
    const onlyEvery = await report(client, { request: 'add two numbers', backend: 'every' });
    assert.ok(onlyEvery.tools.length > 0);
    assert.ok(onlyEvery.tools.every((t) => t.backend === 'every'));
    assert.equal(onlyEvery.tools[0]?.name, 'every__get-sum');
    assert.equal((await report(client, { request: 'add two numbers', limit: 2 })).tools.length, 2);
    assert.equal((await report(client, { request: 'get something', limit: 1 })).tools.length, 1);
    const unknown = await report(client, { request: 'add', backend: 'nope' });
    assert.deepEqual(unknown.tools, []);
    assert.match(unknown.note ?? '', /No indexed backend is named "nope".*every/);
  });

  it('runs a confident top match and says which tool ran', async () => {
    const result = await discover(client, {
      request: 'echo back a message',
      arguments: { message: 'hello there' },
      execute: true,
    });
    assert.match(text(result), /hello there/);
    assert.match(allText(result), /ran every__echo \(backend every\)/);
    const s = result.structuredContent as { executed: { tool: string; result: unknown }; confident: boolean };
    assert.equal(s.executed.tool, 'every__echo');
    assert.equal(s.confident, true);
    assert.deepEqual(result._meta?.['switchboard/executed'], { tool: 'every__echo', backend: 'every' });
  });

  it('returns candidates instead of guessing when the request is ambiguous', async () => {
    const r = await report(client, { request: 'process id', arguments: {}, execute: true });
    assert.equal(r.confident, false);
    assert.equal(r.executed, undefined);
    assert.ok(r.tools.length >= 2);
    assert.ok(names(r).includes('fx__pid'));
    assert.match(r.note ?? '', /Nothing was run: .* is not clearly ahead/);
  });

  it('never auto-runs a tool that does not declare itself read-only or non-destructive', async () => {
    const r = await report(client, { request: 'add two numbers', arguments: { a: 2, b: 3 }, execute: true });
    assert.equal(r.tools[0]?.name, 'fx__add', 'fx__add has no annotations');
    assert.equal(r.confident, true);
    assert.equal(r.executed, undefined);
    assert.match(r.note ?? '', /Nothing was run: fx__add .*tool_name/);
  });

  it('runs a tool by exposed name with tool_name', async () => {
    const result = await discover(client, { tool_name: 'fx__add', arguments: { a: 2, b: 3 } });
    assert.equal(text(result), '5');
    const s = result.structuredContent as {
      executed: { tool: string; result: { structuredContent: unknown } };
    };
    assert.equal(s.executed.tool, 'fx__add');
    assert.deepEqual(s.executed.result.structuredContent, { sum: 5 });
  });

  it('answers an unknown tool_name with a clear tool error', async () => {
    const result = await discover(client, { tool_name: 'fx__ad', arguments: {} });
    assert.equal(result.isError, true);
    assert.match(text(result), /Unknown tool "fx__ad".*Closest names: .*fx__add/);
    assert.equal((result._meta?.['switchboard/error'] as { code: string }).code, 'unknown_tool');
  });

  it('rejects malformed arguments with a tool error', async () => {
    for (const args of [
      {},
      { request: 'x', limit: 0 },
      { request: 'x', limit: 51 },
      { request: 'x', bogus: 1 },
    ]) {
      const result = await discover(client, args);
      assert.equal(result.isError, true, JSON.stringify(args));
      assert.equal((result._meta?.['switchboard/error'] as { code: string }).code, 'invalid_arguments');
    }
  });

  it('follows the catalog: a backend going down leaves the results, coming back restores them', async () => {
    assert.ok(names(await report(client, { request: 'add two numbers' })).includes('fx__add'));
    await client.callTool({ name: 'fx__crash', arguments: {} }).catch(() => {});
    await waitFor(
      async () => !names(await report(client, { request: 'add two numbers' })).includes('fx__add'),
      10_000,
      'fx tools leave the results',
    );
    const down = await report(client, { request: 'add two numbers' });
    assert.ok(down.tools.every((t) => t.backend === 'every'));
    await waitFor(() => gateway.catalog.backend('fx')?.state === 'ready', 15_000, 'fx restarts');
    const back = await report(client, { request: 'add two numbers' });
    assert.equal(back.tools[0]?.name, 'fx__add');
  });
});

describe('per-backend discovery opt-out', () => {
  let gateway: Gateway;
  let client: Client;

  before(async () => {
    ({ gateway } = await startGateway(`
mcpServers:
${fixtureStdio('shown')}${fixtureStdio('hidden', '    discovery: false\n')}`));
    ({ client } = await connectClient(new URL(gateway.url)));
  });

  after(async () => {
    await client?.close();
    await gateway?.close();
  });

  it("keeps an opted-out backend's tools out of results, yet listed and callable", async () => {
    const r = await report(client, { request: 'add two numbers', limit: 50 });
    assert.ok(names(r).includes('shown__add'));
    assert.ok(r.tools.every((t) => t.backend === 'shown'));
    assert.deepEqual((await report(client, { request: 'add', backend: 'hidden' })).tools, []);
    const listed = (await client.listTools()).tools.map((t) => t.name);
    assert.ok(listed.includes('hidden__add'));
    assert.equal(text(await client.callTool({ name: 'hidden__add', arguments: { a: 1, b: 1 } })), '2');
    assert.equal(text(await discover(client, { tool_name: 'hidden__add', arguments: { a: 2, b: 2 } })), '4');
  });
});
