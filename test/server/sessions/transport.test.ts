/** The Node-native 2025 session transport on the wire: SSE framing, header timing, refusals, one GET stream. */
import assert from 'node:assert/strict';
import { request, type IncomingMessage } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/server';
import type { Gateway } from '../../../src/gateway.js';
import { kindOf } from '../../../src/jsonrpc-kind.js';
import { fixtureStdio, startGateway } from '../../helpers/gateway.js';
import { initialize, json, raw } from '../../helpers/http.js';

/** Opens a request and resolves when its response headers arrive (the body is left streaming). */
function open(url: URL, method: string, headers: Record<string, string>, body?: string) {
  return new Promise<IncomingMessage>((resolve, reject) => {
    const req = request(url, {
      method,
      headers: { accept: 'application/json, text/event-stream', ...headers },
    });
    req.on('response', resolve);
    req.on('error', reject);
    req.end(body);
  });
}

function readAll(res: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let data = '';
    res.on('data', (d: Buffer) => (data += d.toString()));
    res.on('end', () => resolve(data));
  });
}

/** A tools/call of the fixture's `slow` tool, reporting `steps` progress notifications over `ms`. */
function slowCall(id: number, ms: number, steps: number): string {
  const params = { name: 'fx__slow', arguments: { ms, steps }, _meta: { progressToken: `p${id}` } };
  return JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params });
}

/** The JSON-RPC messages of an SSE body. */
function messagesOf(body: string): { id?: number; method?: string }[] {
  const events = body.split('\n\n').filter((e) => e.startsWith('event: message'));
  return events.map((e) => JSON.parse(e.slice(e.indexOf('data: ') + 6)));
}

describe('session transport', () => {
  let gateway: Gateway;
  let url: URL;
  let session: Record<string, string>;
  before(async () => {
    ({ gateway, url } = await startGateway(`mcpServers:\n${fixtureStdio('fx')}`));
    const id = await initialize(url);
    session = { ...json, 'mcp-session-id': id, 'mcp-protocol-version': LATEST_PROTOCOL_VERSION };
    await raw(url, 'POST', session, JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
  });
  after(() => gateway.close());

  it('answers a quick call as plain JSON with a Content-Length (nothing came before its answer)', async () => {
    const call = {
      jsonrpc: '2.0',
      id: 7,
      method: 'tools/call',
      params: { name: 'fx__add', arguments: { a: 2, b: 3 } },
    };
    const res = await raw(url, 'POST', session, JSON.stringify(call));
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'application/json');
    assert.equal(res.headers['mcp-session-id'], session['mcp-session-id']);
    assert.equal(res.headers['cache-control'], undefined);
    assert.equal(Number(res.headers['content-length']), Buffer.byteLength(res.body));
    const message = JSON.parse(res.body);
    assert.equal(message.id, 7);
    assert.equal(message.result.structuredContent.sum, 5);
  });

  it('sends the headers of a slow call before its answer, then streams progress and the answer', async () => {
    const res = await open(url, 'POST', session, slowCall(8, 1500, 2));
    // The headers came while the tool was still sleeping: the stream is chunked, not sized.
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-length'], undefined);
    assert.deepEqual(
      messagesOf(await readAll(res)).map((m) => m.method ?? m.id),
      ['notifications/progress', 'notifications/progress', 8],
    );
  });

  it('streams a call whose first progress comes before the headers would be sent on their own', async () => {
    // Progress every 20 ms: the first event sends the headers, the 50 ms header timer must then only keep alive.
    const res = await raw(url, 'POST', session, slowCall(10, 400, 20));
    assert.equal(res.status, 200);
    const messages = messagesOf(res.body);
    assert.equal(messages.length, 21);
    assert.equal(messages.at(-1)!.id, 10);
    // The gateway is still serving.
    const ping = await raw(url, 'POST', session, JSON.stringify({ jsonrpc: '2.0', id: 11, method: 'ping' }));
    assert.equal(ping.status, 200);
  });

  it('refuses a second GET stream with 409 and serves a new one after the first closes', async () => {
    const first = await open(url, 'GET', session);
    assert.equal(first.statusCode, 200);
    assert.equal(first.headers['content-type'], 'text/event-stream');
    const second = await raw(url, 'GET', session);
    assert.equal(second.status, 409);
    assert.match(JSON.parse(second.body).error.message, /Only one SSE stream is allowed per session/);
    first.destroy();
    let third: IncomingMessage | undefined;
    for (let i = 0; i < 100 && third?.statusCode !== 200; i++) {
      third?.destroy();
      third = await open(url, 'GET', session);
    }
    assert.equal(third?.statusCode, 200);
    third?.destroy();
  });

  it('refuses bad Accept, Content-Type, protocol version and envelopes with the SDK transport messages', async () => {
    const list = JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list' });
    const cases: [Record<string, string>, string, number, RegExp][] = [
      [{ ...session, accept: 'application/json' }, list, 406, /Client must accept both/],
      [{ ...session, 'content-type': 'text/plain' }, list, 415, /Content-Type must be application\/json/],
      [
        { ...session, 'mcp-protocol-version': '1999-01-01' },
        list,
        400,
        /Unsupported protocol version: 1999-01-01/,
      ],
      [
        session,
        JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list', extra: 1 }),
        400,
        /Invalid JSON-RPC message/,
      ],
      [
        session,
        JSON.stringify({ jsonrpc: '1.0', id: 9, method: 'tools/list' }),
        400,
        /Invalid JSON-RPC message/,
      ],
    ];
    for (const [headers, body, status, message] of cases) {
      const res = await raw(url, 'POST', headers, body);
      assert.equal(res.status, status, body);
      assert.match(JSON.parse(res.body).error.message, message);
    }
  });
});

describe('kindOf', () => {
  it('classifies JSON-RPC envelopes as the SDK schema does', () => {
    assert.equal(kindOf({ jsonrpc: '2.0', id: 1, method: 'a' }), 'request');
    assert.equal(kindOf({ jsonrpc: '2.0', id: 'x', method: 'a', params: {} }), 'request');
    assert.equal(kindOf({ jsonrpc: '2.0', method: 'a' }), 'notification');
    assert.equal(kindOf({ jsonrpc: '2.0', id: 1, result: {} }), 'response');
    assert.equal(kindOf({ jsonrpc: '2.0', id: 1, error: { code: -1, message: 'm' } }), 'response');
    assert.equal(kindOf({ jsonrpc: '2.0', error: { code: -1, message: 'm', data: 1 } }), 'response');
    for (const bad of [
      null,
      [],
      'x',
      { jsonrpc: '2.0', id: 1.5, method: 'a' },
      { jsonrpc: '2.0', id: null, method: 'a' },
      { jsonrpc: '2.0', id: 1, method: 'a', params: [] },
      { jsonrpc: '2.0', id: 1, method: 'a', other: 1 },
      { jsonrpc: '2.0', id: 1, result: 'x' },
      { jsonrpc: '2.0', result: {} },
      { jsonrpc: '2.0', id: 1, error: { code: 1.5, message: 'm' } },
      { jsonrpc: '2.0', id: null, error: { code: 1, message: 'm' } },
      { jsonrpc: '2.0', id: 1 },
    ]) {
      assert.equal(kindOf(bad), undefined, JSON.stringify(bad));
    }
  });
});
