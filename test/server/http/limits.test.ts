/** Downstream limits and listeners: the body-size limit, max_sessions, the idle-session sweep, a non-loopback bind. */
import assert from 'node:assert/strict';
import { request, type ClientRequest } from 'node:http';
import { after, describe, it } from 'node:test';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/server';
import { loadConfig } from '../../../src/config/load.js';
import { Gateway } from '../../../src/gateway.js';
import { connectClient, fixtureStdio, startGateway, waitFor, writeConfig } from '../../helpers/gateway.js';
import { INIT, initialize, json, raw } from '../../helpers/http.js';

const cleanups: (() => Promise<unknown> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

const TOOLS_LIST = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
const inSession = (id: string) => ({
  ...json,
  'mcp-session-id': id,
  'mcp-protocol-version': LATEST_PROTOCOL_VERSION,
});

async function gatewayWith(gatewayYaml: string): Promise<{ gateway: Gateway; url: URL }> {
  const { gateway, url } = await startGateway(`gateway:\n${gatewayYaml}mcpServers:\n${fixtureStdio('fx')}`);
  cleanups.push(() => gateway.close());
  return { gateway, url };
}

/** Opens a session's GET event stream and keeps it open until the returned request is destroyed. */
async function openStream(url: URL, id: string): Promise<ClientRequest> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'GET',
      headers: { accept: 'text/event-stream', ...inSession(id) },
    });
    req.on('response', (res) => {
      assert.equal(res.statusCode, 200);
      res.resume();
      resolve(req);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('downstream limits', () => {
  it('answers a body over max_body_bytes with 413 and a JSON-RPC error, and keeps serving', async () => {
    const { url } = await gatewayWith('  max_body_bytes: 2048\n');
    const id = await initialize(url);
    const big = JSON.stringify({
      jsonrpc: '2.0',
      id: 3,
      method: 'tools/call',
      params: { name: 'fx__add', arguments: { a: 1, b: 2, pad: 'x'.repeat(4096) } },
    });
    const res = await raw(url, 'POST', inSession(id), big);
    assert.equal(res.status, 413);
    const body = JSON.parse(res.body) as { error: { code: number; message: string } };
    assert.equal(body.error.code, -32600);
    assert.match(body.error.message, /Request body larger than 2048 bytes \(gateway\.max_body_bytes\)/);
    const ok = await raw(url, 'POST', inSession(id), TOOLS_LIST);
    assert.equal(ok.status, 200, 'the same session keeps working');
  });

  it('refuses a session over max_sessions with 503, and admits one again after a session closes', async () => {
    const { gateway, url } = await gatewayWith('  max_sessions: 2\n');
    const [a] = [await initialize(url), await initialize(url)];
    const third = await raw(url, 'POST', json, JSON.stringify(INIT));
    assert.equal(third.status, 503);
    assert.match(JSON.parse(third.body).error.message, /Too many sessions \(max_sessions 2\); retry later/);
    assert.equal(gateway.sessions.size, 2);
    const del = await raw(url, 'DELETE', inSession(a!));
    assert.equal(del.status, 200);
    await waitFor(() => gateway.sessions.size === 1, 5000, 'the deleted session is gone');
    await initialize(url);
    assert.equal(gateway.sessions.size, 2);
  });

  it('closes idle sessions, but not one with an open event stream', async () => {
    const { gateway, url } = await gatewayWith('  session_idle_timeout: 1s\n');
    const idle = await initialize(url);
    const streaming = await initialize(url);
    const stream = await openStream(url, streaming);
    cleanups.push(() => void stream.destroy());
    // Watched from the inside: a request on the idle session would make it active again.
    await waitFor(() => gateway.sessions.size === 1, 15_000, 'the idle session is closed');
    const gone = await raw(url, 'POST', inSession(idle), TOOLS_LIST);
    assert.equal(gone.status, 404, 'the swept session is gone');
    const live = await raw(url, 'POST', inSession(streaming), TOOLS_LIST);
    assert.equal(live.status, 200, 'a session with an open stream is never idle');
    // Once its stream closes, that session too is swept after the idle timeout.
    stream.destroy();
    await waitFor(() => gateway.sessions.size === 0, 15_000, 'the session is swept after its stream closed');
  });
});

describe('a non-loopback listener', () => {
  async function serveAll(gatewayYaml: string): Promise<URL> {
    const yaml = `gateway:\n${gatewayYaml}  auth: { allow_unauthenticated: true }\nmcpServers:\n${fixtureStdio('fx')}`;
    const file = writeConfig(yaml);
    // Bound to every interface; the test still sends its traffic to loopback only.
    const options = { overrides: { port: 0, host: '0.0.0.0' } };
    const gateway = new Gateway(loadConfig(file, options), options);
    cleanups.push(() => gateway.close());
    await gateway.start();
    await gateway.pool.settled();
    const url = new URL(gateway.url);
    url.hostname = '127.0.0.1';
    return url;
  }

  it('enforces gateway.allowed_hosts on the Host header, and Origins against those hosts', async () => {
    const url = await serveAll('  allowed_hosts: [mcp.example.com]\n');
    const named = await raw(
      url,
      'POST',
      { ...json, host: `mcp.example.com:${url.port}` },
      JSON.stringify(INIT),
    );
    assert.equal(named.status, 200, 'the configured name is served');
    const byAddress = await raw(
      url,
      'POST',
      { ...json, host: `127.0.0.1:${url.port}` },
      JSON.stringify(INIT),
    );
    assert.equal(byAddress.status, 403, 'loopback names are not implied once allowed_hosts is set');
    assert.match(JSON.parse(byAddress.body).error.message, /Host "127\.0\.0\.1:\d+" is not allowed/);
    const foreignOrigin = await raw(
      url,
      'POST',
      { ...json, host: 'mcp.example.com', origin: 'https://evil.example.com' },
      JSON.stringify(INIT),
    );
    assert.equal(foreignOrigin.status, 403);
    const ownOrigin = await raw(
      url,
      'POST',
      { ...json, host: 'mcp.example.com', origin: 'https://mcp.example.com' },
      JSON.stringify(INIT),
    );
    assert.equal(ownOrigin.status, 200);
  });

  it('without allowed_hosts accepts any Host but still refuses browser Origins not listed', async () => {
    const url = await serveAll('  allowed_origins: [https://console.example.com]\n');
    const { client } = await connectClient(url);
    cleanups.push(() => client.close());
    assert.ok((await client.listTools()).tools.some((t) => t.name === 'fx__add'));
    const anyHost = await raw(url, 'POST', { ...json, host: 'gateway.internal' }, JSON.stringify(INIT));
    assert.equal(anyHost.status, 200);
    const listed = await raw(
      url,
      'POST',
      { ...json, host: 'gateway.internal', origin: 'https://console.example.com' },
      JSON.stringify(INIT),
    );
    assert.equal(listed.status, 200);
    const foreign = await raw(
      url,
      'POST',
      { ...json, host: 'gateway.internal', origin: 'https://evil.example.com' },
      JSON.stringify(INIT),
    );
    assert.equal(foreign.status, 403);
    assert.match(
      JSON.parse(foreign.body).error.message,
      /Origin "https:\/\/evil\.example\.com" is not allowed/,
    );
  });
});
