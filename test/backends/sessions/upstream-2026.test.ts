/**
 * A 2026-07-28 upstream that slips the way real ones do (listen never acknowledged, NDJSON under
 * application/json, no resultType), behind the gateway: the backend is ready at once, answers are normalised
 * and counted, list changes and the caller's capabilities get through, and malformed 2026 requests are
 * answered as the spec says. Real SDK clients over real HTTP; the upstream is a hand-written HTTP server.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { Gateway } from '../../../src/gateway.js';
import { connectClient, startGateway, text, waitFor } from '../../helpers/gateway.js';
import { startRaw2026, type RawOptions, type RawUpstream } from '../../fixtures/servers/raw-2026.js';

const opened: { gateway: Gateway; raw: RawUpstream }[] = [];
after(async () => {
  for (const o of opened) {
    await o.gateway.close();
    await o.raw.close();
  }
});

async function setup(options: RawOptions) {
  const raw = await startRaw2026(options);
  const started = Date.now();
  const { gateway, url } = await startGateway(
    `httpServices:\n  raw:\n    base_url: ${raw.url}\n    prefix: false\n`,
  );
  opened.push({ gateway, raw });
  return { raw, gateway, url, readyMs: Date.now() - started };
}

/** A 2026-07-28 SDK client of the gateway. */
async function modernClient(url: URL, capabilities: Record<string, unknown> = {}): Promise<Client> {
  const client = new Client(
    { name: 'modern-test', version: '1.0.0' },
    { capabilities, versionNegotiation: { mode: { pin: '2026-07-28' } } },
  );
  await client.connect(new StreamableHTTPClientTransport(url));
  return client;
}

const META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientCapabilities': {},
};

/** POSTs one 2026-07-28 request by hand; returns the HTTP status and the JSON-RPC answer. */
async function post(url: URL, method: string, params: Record<string, unknown>, id: number) {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': '2026-07-28',
    'mcp-method': method,
  };
  if (typeof params.name === 'string') headers['mcp-name'] = params.name;
  const res = await fetch(url, {
    method: 'POST',
    headers,
    body: JSON.stringify({ jsonrpc: '2.0', id, method, params }),
  });
  const raw = await res.text();
  const line =
    raw
      .split('\n')
      .find((l) => l.startsWith('data:'))
      ?.slice(5) ?? raw;
  return {
    status: res.status,
    body: JSON.parse(line) as {
      id?: unknown;
      result?: unknown;
      error?: { code: number; data?: Record<string, unknown> };
    },
  };
}

async function metric(gateway: Gateway, kind: string): Promise<number> {
  const res = await fetch(new URL('/metrics', gateway.url));
  const line = (await res.text())
    .split('\n')
    .find((l) => l.startsWith('switchboard_upstream_slips_total') && l.includes(`kind="${kind}"`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe('a 2026-07-28 upstream that never acknowledges subscriptions/listen', () => {
  it('is ready within 2 s: the listen stream comes up in the background', async () => {
    const { raw, gateway, readyMs } = await setup({ listen: 'never' });
    assert.equal(gateway.pool.get('raw')?.state, 'ready');
    assert.ok(readyMs < 2000, `ready after ${readyMs} ms`);
    await waitFor(() => raw.listeners === 1, 2000, 'the gateway opened a listen stream upstream');
  });

  it('answers a 2025 client resources/subscribe at once', async () => {
    const { url } = await setup({ listen: 'never' });
    const { client } = await connectClient(url);
    const started = Date.now();
    await client.subscribeResource({ uri: 'raw://doc' });
    assert.ok(Date.now() - started < 2000, `subscribe took ${Date.now() - started} ms`);
    await client.close();
  });
});

describe('a 2026-07-28 upstream that streams NDJSON and omits resultType', () => {
  it('completes its results, logs once and counts each in switchboard_upstream_slips_total', async () => {
    const { gateway, url } = await setup({ listen: 'ndjson', omitResultType: true });
    const client = await modernClient(url);
    for (const n of [1, 2]) {
      const result = await client.callTool({ name: 'echo', arguments: { text: `hi ${n}` } });
      assert.equal(text(result), `echo: hi ${n}`);
    }
    assert.equal(await metric(gateway, 'missing_result_type'), 2);
    assert.ok((await metric(gateway, 'json_stream')) >= 2);
    await client.close();
  });

  it("relays the upstream's tools/list_changed onto an open subscriptions/listen stream", async () => {
    const { raw, url } = await setup({ listen: 'ndjson' });
    await waitFor(() => raw.listeners === 1, 2000, 'upstream listen stream open');
    const client = await modernClient(url);
    let told = 0;
    client.setNotificationHandler('notifications/tools/list_changed', () => void told++);
    const sub = await client.listen({ toolsListChanged: true });
    raw.announceToolsChanged();
    await waitFor(() => told > 0, 3000, 'tools/list_changed on the gateway listen stream');
    await sub.close();
    await client.close();
  });

  it('mirrors Mcp-Method and the x-mcp-header arguments into headers upstream', async () => {
    const { raw, url } = await setup({ listen: 'ndjson' });
    const client = await modernClient(url);
    await client.callTool({ name: 'echo', arguments: { text: 'x', region: 'Zürich' } });
    const call = raw.seen.find((s) => s.method === 'tools/call');
    assert.equal(call?.headers['mcp-method'], 'tools/call');
    assert.equal(call?.headers['mcp-name'], 'echo');
    assert.equal(call?.headers['mcp-param-region'], `=?base64?${Buffer.from('Zürich').toString('base64')}?=`);
    await client.close();
  });
});

describe("the caller's client capabilities reach a 2026-07-28 upstream", () => {
  it('a 2026 call without the needed capability gets the upstream -32021 with its data and HTTP 400', async () => {
    const { url } = await setup({ listen: 'ndjson' });
    const { status, body } = await post(
      url,
      'tools/call',
      { name: 'needs_elicitation', arguments: {}, _meta: META },
      7,
    );
    assert.equal(status, 400);
    assert.equal(body.id, 7);
    assert.equal(body.error?.code, -32021);
    assert.deepEqual(body.error?.data?.requiredCapabilities, { elicitation: {} });
  });

  it('a 2026 call and a 2025 session that declared it are served', async () => {
    const { raw, url } = await setup({ listen: 'ndjson' });
    const modern = await modernClient(url, { elicitation: { form: {} } });
    assert.equal(text(await modern.callTool({ name: 'needs_elicitation', arguments: {} })), 'echo: ');
    const { client } = await connectClient(url, { elicitation: { form: {} } });
    assert.equal(text(await client.callTool({ name: 'needs_elicitation', arguments: {} })), 'echo: ');
    const calls = raw.seen.filter((s) => s.method === 'tools/call');
    for (const c of calls) {
      const caps = (c.params._meta as Record<string, unknown>)['io.modelcontextprotocol/clientCapabilities'];
      assert.deepEqual(caps, { elicitation: { form: {} } });
    }
    await modern.close();
    await client.close();
  });
});

describe('malformed 2026-07-28 requests', () => {
  it('a request without the _meta envelope gets -32602, HTTP 400 and its own id', async () => {
    const { url } = await setup({ listen: 'ndjson' });
    const missing = await post(url, 'server/discover', {}, 101);
    assert.equal(missing.status, 400);
    assert.equal(missing.body.id, 101);
    assert.equal(missing.body.error?.code, -32602);
    const noVersion = await post(
      url,
      'server/discover',
      { _meta: { 'io.modelcontextprotocol/clientCapabilities': {} } },
      102,
    );
    assert.equal(noVersion.status, 400);
    assert.equal(noVersion.body.id, 102);
    assert.equal(noVersion.body.error?.code, -32602);
  });
});
