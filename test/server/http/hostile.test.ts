/** Hostile input: over-deep JSON, malformed tools/call params, slow clients. */
import assert from 'node:assert/strict';
import { request, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { after, describe, it } from 'node:test';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/server';
import type { Gateway } from '../../../src/gateway.js';
import { connectClient, fixtureStdio, startGateway, text } from '../../helpers/gateway.js';
import { initialize, json, raw } from '../../helpers/http.js';

const cleanups: (() => Promise<unknown> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

const inSession = (id: string) => ({
  ...json,
  'mcp-session-id': id,
  'mcp-protocol-version': LATEST_PROTOCOL_VERSION,
});

async function gatewayWith(gatewayYaml: string): Promise<{ gateway: Gateway; url: URL }> {
  const { gateway, url } = await startGateway(
    `${gatewayYaml ? `gateway:\n${gatewayYaml}` : ''}mcpServers:\n${fixtureStdio('fx')}`,
  );
  cleanups.push(() => gateway.close());
  return { gateway, url };
}

/** The JSON-RPC error of a response body (JSON or a single SSE event). */
function rpcError(body: string): { code: number; message: string } | undefined {
  const data = body.startsWith('{') ? body : /^data: (.*)$/m.exec(body)?.[1];
  return data ? (JSON.parse(data) as { error?: { code: number; message: string } }).error : undefined;
}

const call = (id: number, params: unknown) =>
  JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params });

describe('tools/call with malformed params', () => {
  it('answers a non-string name or non-object arguments with -32602 Invalid params', async () => {
    const { url } = await gatewayWith('');
    const id = await initialize(url);
    for (const params of [
      { name: 42, arguments: { a: 1, b: 2 } },
      { name: 'fx__add', arguments: 'a=1' },
      { arguments: {} },
    ]) {
      const res = await raw(url, 'POST', inSession(id), call(7, params));
      const err = rpcError(res.body);
      assert.equal(err?.code, -32602, `${JSON.stringify(params)} -> ${res.status} ${res.body}`);
      assert.match(err.message, /Invalid tools\/call request/);
    }
  });
});

describe('2026-07-28 tools/call with malformed params', () => {
  it('answers -32602 Invalid params as well', async () => {
    const { url } = await gatewayWith('');
    const meta = {
      'io.modelcontextprotocol/protocolVersion': '2026-07-28',
      'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' },
      'io.modelcontextprotocol/clientCapabilities': {},
    };
    const headers = { ...json, 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call' };
    for (const [name, args] of [
      [42, { a: 1, b: 2 }],
      ['fx__add', 'a=1'],
    ] as const) {
      const res = await raw(
        url,
        'POST',
        { ...headers, 'mcp-name': String(name) },
        call(8, { name, arguments: args, _meta: meta }),
      );
      assert.equal(rpcError(res.body)?.code, -32602, `${res.status} ${res.body}`);
    }
  });
});

/** A tools/call to fx__add whose argument `a` is `value` (raw JSON text). */
const addWith = (id: number, value: string) =>
  `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"fx__add","arguments":{"a":1,"b":2,"pad":${value}}}}`;
const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

describe('JSON nesting depth', () => {
  it('refuses a body nested deeper than max_json_depth with 400 -32600 before the session sees it', async () => {
    const { gateway, url } = await gatewayWith('');
    const id = await initialize(url);
    let handled = 0;
    const handle = gateway.sessions.handle.bind(gateway.sessions);
    gateway.sessions.handle = (...args) => {
      handled++;
      return handle(...args);
    };
    const deep = addWith(9, nested(10_000));
    for (let i = 0; i < 300; i++) {
      const res = await raw(url, 'POST', inSession(id), deep);
      assert.equal(res.status, 400, res.body);
      const err = rpcError(res.body);
      assert.equal(err?.code, -32600);
      assert.match(err.message, /JSON nested deeper than 64 levels \(gateway\.max_json_depth\)/);
    }
    assert.equal(handled, 0, 'no over-deep request reached the session (or the upstream)');
    const { client } = await connectClient(url);
    cleanups.push(() => client.close());
    const result = await client.callTool({ name: 'fx__add', arguments: { a: 2, b: 3 } });
    assert.equal(text(result), '5', 'the gateway keeps serving');
  });

  it('accepts a body exactly at the limit and refuses one level more', async () => {
    const { url } = await gatewayWith('  max_json_depth: 6\n');
    const id = await initialize(url);
    // Envelope, params and arguments are three levels; the padding adds the rest.
    const at = await raw(url, 'POST', inSession(id), addWith(3, nested(3)));
    assert.equal(at.status, 200, at.body);
    assert.match(at.body, /"text":"3"/);
    const over = await raw(url, 'POST', inSession(id), addWith(4, nested(4)));
    assert.equal(over.status, 400);
    assert.match(rpcError(over.body)?.message ?? '', /deeper than 6 levels/);
  });
});

/** Opens a raw TCP connection, writes `data` and resolves with what came back and how long until it closed. */
function stall(url: URL, data: string): Promise<{ reply: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    let reply = '';
    const sock = connect(Number(url.port), url.hostname, () => sock.write(data));
    sock.on('data', (d: Buffer) => (reply += d.toString()));
    sock.on('error', () => undefined);
    sock.on('close', () => resolve({ reply, ms: Date.now() - started }));
    setTimeout(() => {
      sock.destroy();
      reject(new Error('the gateway never closed a stalled connection'));
    }, 10_000).unref();
  });
}

describe('slow clients', () => {
  it('closes connections whose headers or body never finish, and keeps serving others', async () => {
    const { url } = await gatewayWith('  header_timeout: 400ms\n  body_timeout: 800ms\n');
    const { client } = await connectClient(url);
    cleanups.push(() => client.close());
    const host = `Host: ${url.host}\r\n`;
    const [headers, body] = await Promise.all([
      stall(url, `POST /mcp HTTP/1.1\r\n${host}Content-Type: application/json\r\n`),
      stall(
        url,
        `POST /mcp HTTP/1.1\r\n${host}Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"jsonrpc"`,
      ),
      client.callTool({ name: 'fx__add', arguments: { a: 1, b: 1 } }),
    ]);
    assert.ok(headers.ms >= 350 && headers.ms < 5_000, `slow headers closed after ${headers.ms} ms`);
    assert.ok(body.ms >= 750 && body.ms < 5_000, `slow body closed after ${body.ms} ms`);
    assert.match(body.reply, /^(HTTP\/1\.1 408|$)/);
    const result = await client.callTool({ name: 'fx__add', arguments: { a: 2, b: 2 } });
    assert.equal(text(result), '4', 'a normal client keeps working');
  });

  it('does not cut a response or event stream that outlives body_timeout', async () => {
    const { url } = await gatewayWith('  header_timeout: 200ms\n  body_timeout: 300ms\n');
    const id = await initialize(url);
    let streamClosed = false;
    const stream = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = request(url, { method: 'GET', headers: { accept: 'text/event-stream', ...inSession(id) } });
      req.on('response', resolve);
      req.on('error', reject);
      req.end();
    });
    assert.equal(stream.statusCode, 200);
    stream.on('close', () => (streamClosed = true));
    stream.resume();
    cleanups.push(() => void stream.destroy());
    const { client } = await connectClient(url);
    cleanups.push(() => client.close());
    const started = Date.now();
    const result = await client.callTool({ name: 'fx__slow', arguments: { ms: 1500 } });
    assert.equal(text(result), 'slept 1500');
    assert.ok(Date.now() - started >= 1500);
    assert.equal(streamClosed, false, 'the GET stream is still open after five body timeouts');
  });
});
