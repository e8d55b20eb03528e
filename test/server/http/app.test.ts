/** The /mcp endpoint's HTTP behaviour: DNS-rebinding checks, sessions, batches, malformed JSON, health. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/server';
import type { Gateway } from '../../../src/gateway.js';
import { connectClient, fixtureStdio, startGateway } from '../../helpers/gateway.js';
import { INIT, json, raw } from '../../helpers/http.js';
import { scrape } from '../../helpers/metrics.js';

describe('/mcp over HTTP', () => {
  let gateway: Gateway;
  let url: URL;
  before(async () => {
    ({ gateway, url } = await startGateway(`mcpServers:\n${fixtureStdio('fx')}`));
  });
  after(() => gateway.close());

  it('refuses a foreign Host header (DNS rebinding) with 403 and a JSON-RPC error', async () => {
    const res = await raw(url, 'POST', { ...json, host: 'evil.example.com' }, JSON.stringify(INIT));
    assert.equal(res.status, 403);
    assert.match(JSON.parse(res.body).error.message, /Host "evil.example.com" is not allowed/);
  });

  it('refuses a foreign Origin and accepts a loopback one with CORS headers', async () => {
    const evil = await raw(url, 'POST', { ...json, origin: 'http://evil.example.com' }, JSON.stringify(INIT));
    assert.equal(evil.status, 403);
    assert.match(JSON.parse(evil.body).error.message, /Origin "http:\/\/evil.example.com" is not allowed/);
    const local = await raw(
      url,
      'POST',
      { ...json, origin: `http://localhost:${url.port}` },
      JSON.stringify(INIT),
    );
    assert.equal(local.status, 200);
    assert.equal(local.headers['access-control-allow-origin'], `http://localhost:${url.port}`);
  });

  it('answers an unknown path with 404 listing every endpoint a client or operator may use', async () => {
    const res = await fetch(new URL('/no-such-path', url));
    assert.equal(res.status, 404);
    const body = (await res.json()) as { endpoints: string[] };
    assert.deepEqual(body.endpoints, [
      '/mcp',
      '/ws',
      '/sse',
      '/messages',
      '/v1',
      '/openapi.json',
      '/',
      '/healthz',
      '/readyz',
      '/metrics',
    ]);
  });

  it('creates sessions with random ids and answers unknown sessions with 404', async () => {
    const a = await raw(url, 'POST', json, JSON.stringify(INIT));
    const b = await raw(url, 'POST', json, JSON.stringify(INIT));
    const idA = a.headers['mcp-session-id'] as string;
    const idB = b.headers['mcp-session-id'] as string;
    assert.match(idA, /^[0-9a-f-]{36}$/);
    assert.notEqual(idA, idB);
    const gone = await raw(
      url,
      'POST',
      { ...json, 'mcp-session-id': 'no-such-session', 'mcp-protocol-version': LATEST_PROTOCOL_VERSION },
      JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
    );
    assert.equal(gone.status, 404);
    assert.match(JSON.parse(gone.body).error.message, /Session not found/);
    const del = await raw(url, 'DELETE', {
      'mcp-session-id': idA,
      'mcp-protocol-version': LATEST_PROTOCOL_VERSION,
    });
    assert.equal(del.status, 200);
    const after = await raw(url, 'GET', {
      'mcp-session-id': idA,
      'mcp-protocol-version': LATEST_PROTOCOL_VERSION,
    });
    assert.equal(after.status, 404, 'a deleted session is gone');
  });

  it('requires a session for anything but initialize', async () => {
    const res = await raw(url, 'POST', json, JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/list' }));
    assert.equal(res.status, 400);
    assert.match(JSON.parse(res.body).error.message, /missing Mcp-Session-Id/);
  });

  it('rejects malformed JSON with a parse error and JSON-RPC batches with invalid request', async () => {
    const bad = await raw(url, 'POST', json, '{"jsonrpc": "2.0", ');
    assert.equal(bad.status, 400);
    assert.equal(JSON.parse(bad.body).error.code, -32700);
    const batch = await raw(url, 'POST', json, JSON.stringify([INIT]));
    assert.equal(batch.status, 400);
    assert.equal(JSON.parse(batch.body).error.code, -32600);
    assert.match(JSON.parse(batch.body).error.message, /batches are not supported/);
  });

  it('checks MCP-Protocol-Version on requests after initialize', async () => {
    const init = await raw(url, 'POST', json, JSON.stringify(INIT));
    const id = init.headers['mcp-session-id'] as string;
    const res = await raw(
      url,
      'POST',
      { ...json, 'mcp-session-id': id, 'mcp-protocol-version': '1999-01-01' },
      JSON.stringify({ jsonrpc: '2.0', id: 4, method: 'tools/list' }),
    );
    assert.equal(res.status, 400);
    assert.match(res.body, /Unsupported protocol version/);
  });

  it('keeps serving well-formed clients after bad input', async () => {
    const { client } = await connectClient(url);
    const tools = await client.listTools();
    assert.ok(tools.tools.some((t) => t.name === 'fx__add'));
    await client.close();
  });

  it('serves /healthz, /readyz with backend states, and /metrics', async () => {
    assert.deepEqual(await (await fetch(new URL('/healthz', url))).json(), { status: 'ok' });
    const ready = (await (await fetch(new URL('/readyz', url))).json()) as {
      backends: Record<string, { state: string }>;
    };
    assert.equal(ready.backends.fx!.state, 'ready');
    const metrics = await scrape(url);
    assert.equal(metrics.value('switchboard_backend_up', { backend: 'fx', state: 'ready' }), 1);
    assert.equal(metrics.value('switchboard_backend_state', { backend: 'fx', state: 'ready' }), 1);
    assert.equal(metrics.value('switchboard_backend_state', { backend: 'fx', state: 'down' }), 0);
  });
});

describe('/mcp for 2026-07-28 requests', () => {
  let gateway: Gateway;
  let url: URL;
  before(async () => {
    ({ gateway, url } = await startGateway(`mcpServers:\n${fixtureStdio('fx')}`));
  });
  after(() => gateway.close());

  const call = (id: number) => ({
    jsonrpc: '2.0',
    id,
    method: 'tools/call',
    params: {
      name: 'fx__add',
      arguments: { a: 1, b: 2 },
      _meta: {
        'io.modelcontextprotocol/protocolVersion': '2026-07-28',
        'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' },
        'io.modelcontextprotocol/clientCapabilities': {},
      },
    },
  });
  const headers = {
    ...json,
    'mcp-protocol-version': '2026-07-28',
    'mcp-method': 'tools/call',
    'mcp-name': 'fx__add',
  };

  it('serves a request without a session when its headers match its body', async () => {
    const res = await raw(url, 'POST', headers, JSON.stringify(call(1)));
    assert.equal(res.status, 200, res.body);
    assert.equal(res.headers['mcp-session-id'], undefined, 'no session is created');
    assert.match(res.body, /"text":"3"/);
    assert.equal(gateway.sessions.size, 0);
  });

  it('refuses missing or mismatched Mcp-Method / Mcp-Name headers with 400 naming the header', async () => {
    const { 'mcp-method': _method, ...noMethod } = headers;
    const missing = await raw(url, 'POST', noMethod, JSON.stringify(call(2)));
    assert.equal(missing.status, 400);
    assert.equal(JSON.parse(missing.body).error.code, -32020);
    assert.match(JSON.parse(missing.body).error.message, /Mcp-Method/i);
    const wrongName = await raw(
      url,
      'POST',
      { ...headers, 'mcp-name': 'fx__other' },
      JSON.stringify(call(3)),
    );
    assert.equal(wrongName.status, 400);
    assert.match(JSON.parse(wrongName.body).error.message, /Mcp-Name/i);
  });

  it('answers server/discover with the merged capabilities', async () => {
    const body = { ...call(4), method: 'server/discover', params: { _meta: call(4).params._meta } };
    const res = await raw(
      url,
      'POST',
      { ...json, 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'server/discover' },
      JSON.stringify(body),
    );
    assert.equal(res.status, 200, res.body);
    const result = JSON.parse(
      res.body.includes('data:') ? res.body.split('data: ')[1]!.split('\n')[0]! : res.body,
    ).result as { supportedVersions: string[]; capabilities: Record<string, unknown> };
    assert.ok(result.supportedVersions.includes('2026-07-28'));
    assert.ok(result.capabilities.tools && result.capabilities.resources && result.capabilities.prompts);
  });
});
