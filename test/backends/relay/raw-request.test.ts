/**
 * The upstream half of the relay path (src/backends/relay/raw-request.ts): tool calls written to a 2025-era
 * upstream connection (a stdio child, a Streamable HTTP and a legacy SSE server: the project's fixture) without the SDK
 * client get what the SDK client's path gives — results, tool errors, upstream refusals, timeouts with the
 * cancellation sent upstream, a client's cancellation, a request to the client during the call, an upstream
 * that dies mid-call — with the relay path on and off, through real gateways and real SDK clients.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@modelcontextprotocol/client';
import type { Gateway } from '../../../src/gateway.js';
import { rawCounts } from '../../../src/backends/relay/raw-request.js';
import {
  connectClient,
  FIXTURE,
  fixtureStdio,
  freePort,
  relayOnOff,
  ROOT,
  startGateway,
  startUpstream,
  stopProcess,
  text,
  waitFor,
} from '../../helpers/gateway.js';

/** A call's outcome as a client sees it: the result, or the error's code and message. */
async function outcome(client: Client, name: string, args: Record<string, unknown> = {}) {
  try {
    return { result: await client.callTool({ name, arguments: args }) };
  } catch (err) {
    const e = err as { code?: number; message?: string };
    return { error: { code: e.code, message: e.message } };
  }
}

/** Labels of the calls the upstream saw cancelled. */
async function cancellations(client: Client, backend: string): Promise<string[]> {
  return JSON.parse(text(await client.callTool({ name: `${backend}__cancellations`, arguments: {} })));
}

describe('tool calls on the upstream relay path vs the SDK client', () => {
  let upstream: ChildProcess;
  let legacy: ChildProcess;
  let on: { gateway: Gateway; url: URL };
  let off: { gateway: Gateway; url: URL };
  let a: Client;
  let b: Client;
  before(async () => {
    const port = await freePort();
    upstream = await startUpstream(['--import', 'tsx', FIXTURE, 'http'], port, { FIXTURE_NAME: 'web' });
    const ssePort = await freePort();
    legacy = await startUpstream(['--import', 'tsx', FIXTURE, 'sse'], ssePort, { FIXTURE_NAME: 'old' });
    const yaml = `mcpServers:
${fixtureStdio('up', '    request_timeout: 400ms\n')}
httpServices:
  web:
    base_url: http://127.0.0.1:${port}/mcp
    request_timeout: 400ms
sseServices:
  old:
    base_url: http://127.0.0.1:${ssePort}/sse
    request_timeout: 400ms
`;
    ({ on, off } = await relayOnOff(yaml));
    a = (await connectClient(on.url)).client;
    b = (await connectClient(off.url)).client;
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await on?.gateway.close();
    await off?.gateway.close();
    if (upstream) await stopProcess(upstream);
    if (legacy) await stopProcess(legacy);
  });

  for (const backend of ['up', 'web', 'old']) {
    it(`${backend}: results, tool errors and refusals are the same either way`, async () => {
      const calls: [string, Record<string, unknown>][] = [
        ['add', { a: 2, b: 3 }],
        ['rich', {}],
        ['slow', { ms: 1 }],
        ['add', { a: 'x' }],
        ['ask_input', { method: 'roots/list' }],
      ];
      const sent = rawCounts.sent;
      const answered = rawCounts.answered;
      for (const [tool, args] of calls) {
        const name = `${backend}__${tool}`;
        const [x, y] = [await outcome(a, name, args), await outcome(b, name, args)];
        assert.deepEqual(x, y, name);
      }
      assert.equal(rawCounts.sent - sent, calls.length, 'every call of the relay-on gateway went raw');
      assert.equal(rawCounts.answered - answered, calls.length);
    });

    it(`${backend}: a timeout fails the same way and the upstream is told to cancel`, async () => {
      const label = `${backend}-timeout`;
      const name = `${backend}__wait_for_cancel`;
      const [x, y] = [
        await outcome(a, name, { label: `${label}-on`, ms: 5000 }),
        await outcome(b, name, { label: `${label}-off`, ms: 5000 }),
      ];
      assert.deepEqual(x, y);
      assert.match(JSON.stringify(x), /did not answer tools\/call within 400 ms/);
      await waitFor(
        async () => (await cancellations(a, backend)).includes(`${label}-on`),
        10_000,
        'the upstream saw the relay path cancel the timed-out call',
      );
    });

    it(`${backend}: a client's cancellation reaches the upstream`, async () => {
      const abort = new AbortController();
      const sent = rawCounts.sent;
      const pending = a.callTool(
        { name: `${backend}__wait_for_cancel`, arguments: { label: `${backend}-abort`, ms: 5000 } },
        { signal: abort.signal, timeout: 30_000 },
      );
      pending.catch(() => {});
      await waitFor(() => rawCounts.sent > sent, 10_000, 'the call went raw');
      abort.abort('test');
      await assert.rejects(pending);
      await waitFor(
        async () => (await cancellations(a, backend)).includes(`${backend}-abort`),
        10_000,
        'the upstream saw the cancellation',
      );
    });
  }

  it('resources/read, prompts/get and completion/complete are the same either way, and go raw', async () => {
    const requests: [string, (c: Client) => Promise<unknown>][] = [
      ['read', (c) => c.readResource({ uri: 'fixture://static' })],
      ['read template', (c) => c.readResource({ uri: 'fixture://items/7' })],
      ['prompt up', (c) => c.getPrompt({ name: 'up__greet', arguments: { name: 'ada' } })],
      ['prompt web', (c) => c.getPrompt({ name: 'web__greet', arguments: { name: 'bo' } })],
      [
        'complete web',
        (c) =>
          c.complete({
            ref: { type: 'ref/prompt', name: 'web__greet' },
            argument: { name: 'name', value: 'al' },
          }),
      ],
      ['prompt refused upstream', (c) => c.getPrompt({ name: 'up__greet', arguments: {} })],
    ];
    const settle = (p: Promise<unknown>) =>
      p.then(
        (result) => ({ result }),
        (err: { code?: number; message?: string }) => ({ error: { code: err.code, message: err.message } }),
      );
    const sent = rawCounts.sent;
    for (const [label, request] of requests) {
      const [x, y] = [await settle(request(a)), await settle(request(b))];
      assert.deepEqual(x, y, label);
      assert.equal('result' in x, !label.includes('refused'), `${label}: ${JSON.stringify(x)}`);
    }
    assert.equal(rawCounts.sent - sent, requests.length);
  });

  it('a request the upstream sends the client during a raw call reaches that client', async () => {
    const roots = { roots: [{ uri: 'file:///tmp/raw', name: 'raw' }] };
    const { client } = await connectClient(on.url, { roots: {} });
    client.setRequestHandler('roots/list', () => roots);
    try {
      const sent = rawCounts.sent;
      const r = await client.callTool({ name: 'up__ask_client', arguments: { method: 'roots/list' } });
      assert.equal(rawCounts.sent - sent, 1);
      assert.deepEqual(JSON.parse(text(r)), { result: roots });
    } finally {
      await client.close();
    }
  });

  it('an upstream that dies mid-call fails the call the same way, and the next call is served', async () => {
    const [x, y] = [await outcome(a, 'up__crash'), await outcome(b, 'up__crash')];
    assert.deepEqual(x, y);
    assert.match(JSON.stringify(x), /disconnected during tools\/call/);
    await waitFor(
      async () => JSON.stringify(await outcome(a, 'up__add', { a: 1, b: 1 })).includes('"sum":2'),
      30_000,
      'the stdio upstream is back after its reconnect',
    );
  });
});

describe('an upstream that answers with string ids', () => {
  it('is answered on the relay path as the SDK client answers it', async () => {
    const script = `${ROOT}/test/fixtures/servers/string-ids.ts`;
    const yaml = `gateway:\n  relay_path: true\nmcpServers:\n  s:\n    command: ${JSON.stringify(process.execPath)}\n    args: ["--import", "tsx", ${JSON.stringify(script)}]\n    cwd: ${JSON.stringify(ROOT)}\n    request_timeout: 5s\n`;
    const { gateway, url } = await startGateway(yaml);
    const { client } = await connectClient(url);
    try {
      const sent = rawCounts.sent;
      const answered = rawCounts.answered;
      const r = await client.callTool({ name: 's__echo', arguments: { text: 'hi' } });
      assert.equal(text(r), 'hi');
      assert.equal(rawCounts.sent - sent, 1);
      assert.equal(rawCounts.answered - answered, 1);
    } finally {
      await client.close();
      await gateway.close();
    }
  });
});
