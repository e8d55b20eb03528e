/** Through the gateway, with the SDK client: tools, resources, prompts and completions of upstreams on all three transports. */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@modelcontextprotocol/client';
import type { Gateway } from '../../../src/gateway.js';
import {
  EVERYTHING,
  FIXTURE,
  connectClient,
  fixtureStdio,
  freePort,
  startGateway,
  startUpstream,
  stopProcess,
  text,
} from '../../helpers/gateway.js';

describe('gateway in front of stdio, Streamable HTTP and SSE upstreams', () => {
  let gateway: Gateway;
  let client: Client;
  const upstreams: ChildProcess[] = [];

  before(async () => {
    const [httpPort, ssePort, fixtureHttpPort, fixtureSsePort] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ]);
    upstreams.push(
      await startUpstream([EVERYTHING, 'streamableHttp'], httpPort),
      await startUpstream([EVERYTHING, 'sse'], ssePort),
      await startUpstream(['--import', 'tsx', FIXTURE, 'http'], fixtureHttpPort, { FIXTURE_NAME: 'fxhttp' }),
      await startUpstream(['--import', 'tsx', FIXTURE, 'sse'], fixtureSsePort, { FIXTURE_NAME: 'fxsse' }),
    );
    const started = await startGateway(`
mcpServers:
  every:
    command: ${JSON.stringify(process.execPath)}
    args: [${JSON.stringify(EVERYTHING)}, stdio]
${fixtureStdio('fx')}
httpServices:
  everyhttp:
    base_url: http://127.0.0.1:${httpPort}/mcp
  fxhttp:
    base_url: http://127.0.0.1:${fixtureHttpPort}/mcp
    auth: { type: bearer, token: secret-token }
sseServices:
  everysse:
    base_url: http://127.0.0.1:${ssePort}/sse
  fxsse:
    base_url: http://127.0.0.1:${fixtureSsePort}/sse
`);
    gateway = started.gateway;
    ({ client } = await connectClient(started.url));
  });

  after(async () => {
    await client?.close();
    await gateway?.close();
    await Promise.all(upstreams.map((u) => stopProcess(u)));
  });

  it('starts every backend and reports them ready', () => {
    const states = Object.fromEntries(gateway.pool.all().map((b) => [b.name, b.state]));
    assert.deepEqual(states, {
      every: 'ready',
      fx: 'ready',
      everyhttp: 'ready',
      fxhttp: 'ready',
      everysse: 'ready',
      fxsse: 'ready',
    });
  });

  it('lists the tools of every transport under <backend>__<tool>', async () => {
    const names = new Set((await client.listTools()).tools.map((t) => t.name));
    for (const backend of ['every', 'everyhttp', 'everysse'])
      assert.ok(names.has(`${backend}__echo`), backend);
    for (const backend of ['fx', 'fxhttp', 'fxsse']) assert.ok(names.has(`${backend}__add`), backend);
  });

  it('calls a tool on each transport', async () => {
    for (const backend of ['every', 'everyhttp', 'everysse']) {
      const result = await client.callTool({
        name: `${backend}__echo`,
        arguments: { message: `hi ${backend}` },
      });
      assert.equal(text(result), `Echo: hi ${backend}`);
    }
    for (const backend of ['fx', 'fxhttp', 'fxsse']) {
      const result = await client.callTool({ name: `${backend}__add`, arguments: { a: 2, b: 40 } });
      assert.equal(text(result), '42');
      assert.deepEqual(result.structuredContent, { sum: 42 });
    }
  });

  it('passes tool definitions through untouched but for the name', async () => {
    const tools = (await client.listTools()).tools;
    const add = tools.find((t) => t.name === 'fxhttp__add')!;
    assert.equal(add.title, 'Add numbers');
    assert.equal(add.description, 'Adds two numbers');
    assert.deepEqual(Object.keys((add.inputSchema as { properties: object }).properties).sort(), ['a', 'b']);
  });

  it('reads listed and templated resources, routed to their backend', async () => {
    const resources = (await client.listResources()).resources;
    const staticOne = resources.find((r) => r.uri.startsWith('demo://resource/static'));
    assert.ok(staticOne, 'everything resources listed');
    const read = await client.readResource({ uri: staticOne.uri });
    assert.equal(read.contents[0]!.uri, staticOne.uri);
    const templates = (await client.listResourceTemplates()).resourceTemplates.map((t) => t.uriTemplate);
    assert.ok(templates.includes('fixture://items/{id}'));
    const item = await client.readResource({ uri: 'fixture://items/7' });
    assert.equal((item.contents[0] as { text: string }).text, 'item 7');
  });

  it('gets prompts and completes prompt arguments on the owning backend', async () => {
    const prompts = (await client.listPrompts()).prompts.map((p) => p.name);
    assert.ok(prompts.includes('fxsse__greet') && prompts.includes('every__simple-prompt'));
    const prompt = await client.getPrompt({ name: 'fxsse__greet', arguments: { name: 'Ada' } });
    assert.deepEqual(prompt.messages[0]!.content, { type: 'text', text: 'Hello Ada' });
    const done = await client.complete({
      ref: { type: 'ref/prompt', name: 'fxhttp__greet' },
      argument: { name: 'name', value: 'al' },
    });
    assert.deepEqual(done.completion.values, ['alice', 'albert']);
  });

  it('answers an unknown tool with a JSON-RPC error naming it', async () => {
    await assert.rejects(
      client.callTool({ name: 'nope__missing', arguments: {} }),
      /Unknown tool: nope__missing/,
    );
  });

  it('sanitises and shortens names deterministically and routes them back', async () => {
    const names = (await client.listTools()).tools.map((t) => t.name);
    assert.ok(names.includes('fx__odd_name'));
    const long = names.find((n) => n.startsWith('fx__long_'))!;
    assert.equal(long.length, 64);
    assert.match(long, /^[A-Za-z0-9_-]+$/);
    assert.equal(text(await client.callTool({ name: long, arguments: {} })), 'long');
    assert.equal(text(await client.callTool({ name: 'fx__odd_name', arguments: {} })), 'odd');
  });
});
