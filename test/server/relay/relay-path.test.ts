/**
 * The relay path (gateway.relay_path) against the SDK's path: the same 2025 session requests, sent over raw
 * HTTP to a gateway with the relay path on and one with it off, get the same JSON-RPC messages back (results,
 * errors, progress), and cancellation reaches the upstream; plus the fast checks' agreement with the SDK's
 * own 2025 tools/call validation.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Server } from '@modelcontextprotocol/server';
import type { Gateway } from '../../../src/gateway.js';
import { plainCallParams, plainTextResult, relayCounts } from '../../../src/server/relay/relay-path.js';
import { fixtureStdio, startGateway, waitFor } from '../../helpers/gateway.js';

type Message = Record<string, unknown>;
const VERSION = '2025-11-25';

/** A raw 2025 session: initialize, then POSTs whose SSE answers are read in full. */
async function session(url: URL) {
  const headers: Record<string, string> = {
    accept: 'application/json, text/event-stream',
    'content-type': 'application/json',
  };
  const init = await fetch(url, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: { protocolVersion: VERSION, capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
    }),
  });
  assert.equal(init.status, 200);
  await init.text();
  headers['mcp-session-id'] = init.headers.get('mcp-session-id')!;
  headers['mcp-protocol-version'] = VERSION;
  const note = await fetch(url, {
    method: 'POST',
    headers,
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  });
  assert.equal(note.status, 202);
  /** Posts one message and returns every JSON-RPC message of its answer stream. */
  const post = async (
    body: unknown,
    signal?: AbortSignal,
  ): Promise<{ status: number; messages: Message[] }> => {
    const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body), signal });
    const text = await res.text();
    const messages = text
      .split('\n')
      .filter((l) => l.startsWith('data: '))
      .map((l) => JSON.parse(l.slice(6)) as Message);
    if (!messages.length && text.startsWith('{')) messages.push(JSON.parse(text) as Message);
    return { status: res.status, messages };
  };
  return { post, headers };
}

const call = (id: number | string, name: unknown, args?: unknown, meta?: unknown) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: {
    name,
    ...(args !== undefined && { arguments: args }),
    ...(meta !== undefined && { _meta: meta }),
  },
});

/** Requests both gateways answer: plain text, structured and rich results, errors, refusals, progress. */
const CASES: [string, unknown][] = [
  ['plain text result', call(1, 'up__slow', { ms: 1 })],
  ['structured content (checked by the SDK)', call(2, 'up__add', { a: 1, b: 2 })],
  ['every kind of content, isError and _meta', call('r-3', 'up__rich', {})],
  ['unknown tool', call(4, 'up__nope', {})],
  ['arguments the upstream refuses', call(5, 'up__add', { a: 'x' })],
  ['arguments not an object (the SDK path)', call(6, 'up__add', [1, 2])],
  ['no arguments', call(7, 'up__cancellations')],
  [
    'progress relayed with the client token',
    call(8, 'up__slow', { ms: 20, steps: 2 }, { progressToken: 'p-8' }),
  ],
  ['a numeric progress token', call(9, 'up__slow', { ms: 20, steps: 2 }, { progressToken: 9 })],
  ['other _meta (the SDK path)', call(10, 'up__slow', { ms: 1 }, { 'x/y': 1 })],
  ['a name that is not a string (the SDK path)', call(11, 42, {})],
];

describe('relay path vs the SDK path (2025 session, stdio upstream)', () => {
  let on: { gateway: Gateway; url: URL };
  let off: { gateway: Gateway; url: URL };
  before(async () => {
    const yaml = `mcpServers:\n${fixtureStdio('up')}`;
    on = await startGateway(`gateway:\n  relay_path: true\n${yaml}`);
    off = await startGateway(`gateway:\n  relay_path: false\n${yaml}`);
  });
  after(async () => {
    await on?.gateway.close();
    await off?.gateway.close();
  });

  it('answers every request with the same messages either way', async () => {
    const a = await session(on.url);
    const b = await session(off.url);
    const servedBefore = relayCounts.served;
    const checkedBefore = relayCounts.checked;
    for (const [label, body] of CASES) {
      const [x, y] = [await a.post(body), await b.post(body)];
      assert.equal(x.status, y.status, label);
      assert.ok(x.messages.length > 0, `${label}: answered`);
      assert.deepEqual(x.messages, y.messages, label);
    }
    // Plain calls (1, 2, 3, 4, 5, 7, 8, 9) were relayed; 6, 10 and 11 went the SDK's way.
    assert.equal(relayCounts.served - servedBefore, 8);
    assert.equal(
      relayCounts.checked - checkedBefore,
      2,
      'the structured and rich results were checked by the SDK',
    );
  });

  it('gives progress before the answer on the call stream', async () => {
    const { messages } = await (
      await session(on.url)
    ).post(call(20, 'up__slow', { ms: 20, steps: 2 }, { progressToken: 't' }));
    assert.deepEqual(
      messages.map((m) => m.method ?? `answer ${String(m.id)}`),
      ['notifications/progress', 'notifications/progress', 'answer 20'],
    );
  });

  it('passes a client cancellation upstream and sends no answer', async () => {
    const s = await session(on.url);
    const abort = new AbortController();
    const served = relayCounts.served;
    const pending = s.post(
      call(30, 'up__wait_for_cancel', { label: 'relay-cancel', ms: 30_000 }),
      abort.signal,
    );
    pending.catch(() => {});
    await waitFor(() => relayCounts.served > served, 10_000, 'the call is on the relay path');
    const cancelled = await s.post({
      jsonrpc: '2.0',
      method: 'notifications/cancelled',
      params: { requestId: 30, reason: 'test' },
    });
    assert.equal(cancelled.status, 202);
    await waitFor(
      async () => {
        const { messages } = await s.post(call(31, 'up__cancellations', {}));
        const result = messages[0]?.result as { content: { text: string }[] } | undefined;
        return JSON.parse(result?.content[0]?.text ?? '[]').includes('relay-cancel');
      },
      10_000,
      'the upstream saw the cancellation',
    );
    abort.abort();
  });
});

describe('the relay path fast checks agree with the SDK', () => {
  it('takes only params the 2025 schema passes unchanged', () => {
    assert.ok(plainCallParams({ name: 't' }));
    assert.ok(plainCallParams({ name: 't', arguments: { a: [1] }, _meta: { progressToken: 'x' } }));
    assert.ok(plainCallParams({ name: 't', _meta: { progressToken: 3 } }));
    assert.ok(!plainCallParams({ name: 't', _meta: { progressToken: 1.5 } }));
    assert.ok(!plainCallParams({ name: 't', _meta: { traceparent: 'x' } }));
    assert.ok(!plainCallParams({ name: 't', task: {} }));
    assert.ok(!plainCallParams({ name: 't', requestState: 's' }));
    assert.ok(!plainCallParams({ name: 't', arguments: [] }));
    assert.ok(!plainCallParams({ name: 1 }));
    assert.ok(!plainCallParams(undefined));
  });

  it('passes as they are only results the SDK validation returns unchanged', async () => {
    const server = new Server({ name: 's', version: '1' }, { capabilities: { tools: {} } });
    const sdk = server as unknown as {
      _negotiatedProtocolVersion?: string;
      _wrapHandler(m: string, h: () => unknown): (req: unknown, ctx: unknown) => Promise<unknown>;
    };
    sdk._negotiatedProtocolVersion = VERSION;
    const ctx = { mcpReq: { requestState: () => undefined } };
    const validated = (result: unknown) =>
      sdk._wrapHandler('tools/call', () => result)({ method: 'tools/call', params: { name: 't' } }, ctx);
    const plain = [
      { content: [] },
      { content: [{ type: 'text', text: 'a' }] },
      {
        content: [
          { type: 'text', text: '' },
          { type: 'text', text: 'b' },
        ],
        isError: true,
      },
      { isError: false, content: [{ text: 'c', type: 'text' }] },
    ];
    for (const r of plain) {
      assert.ok(plainTextResult(r), JSON.stringify(r));
      assert.deepEqual(await validated(r), r);
    }
    const other = [
      { content: [{ type: 'text', text: 'a', extra: 1 }] },
      { content: [{ type: 'image', data: 'x', mimeType: 'image/png' }] },
      { content: [], structuredContent: { a: 1 } },
      { content: [], _meta: { x: 1 } },
      { content: [], isError: 'yes' },
      {},
      { content: 'x' },
      null,
    ];
    for (const r of other) assert.ok(!plainTextResult(r), JSON.stringify(r));
  });
});
