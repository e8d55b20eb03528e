/** `GET /ws`: MCP over a WebSocket through the shared suite, plus auth, Origin, limits, keep-alive and re-attach. */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/client';
import WebSocket from 'ws';
import {
  WebSocketClientTransport,
  WebSocketUpgradeError,
  type WebSocketClientOptions,
} from '../../src/frontends/ws-client.js';
import type { Gateway } from '../../src/gateway.js';
import { fixtureStdio, startGateway, text, waitFor } from '../helpers/gateway.js';
import { ALICE, BOB, expectListChanged, inFlight, keyed, serveCli, startWith, treeOf } from './helpers.js';
import { alive, exercise, sdkProgressRace, tap } from './suite.js';

const MAX_BODY = 65_536;
const settings = `  max_body_bytes: ${MAX_BODY}\n  allowed_origins: ["http://app.example"]\n`;

describe('WebSocket frontend (GET /ws)', () => {
  let gateway: Gateway;
  let base: URL;
  let file: string;
  let ws: URL;
  const errors: Error[] = [];

  async function connect(options: WebSocketClientOptions, url = ws) {
    const transport = new WebSocketClientTransport(url, options);
    const client = new Client({ name: 'ws-test', version: '1.0.0' }, { capabilities: { sampling: {} } });
    client.onerror = (err) => void (sdkProgressRace(err) || errors.push(err));
    await client.connect(transport);
    return { client, transport, wire: tap(transport) };
  }

  before(async () => {
    ({ gateway, base, file } = await startWith(keyed(fixtureStdio('a'), settings), {
      pingMs: 150,
      graceMs: 10_000,
    }));
    ws = new URL('/ws', base.href.replace(/^http/, 'ws'));
  });
  after(async () => {
    await gateway?.close();
  });
  /** Closes a client and waits until its gateway session is gone. */
  async function done(client: Client) {
    await client.close();
    await waitFor(() => gateway.ws?.size === 0, 5000, 'the session closed with its client');
  }

  it('serves the shared suite and list_changed, with the API key in a header', async () => {
    const { client, transport, wire } = await connect({ headers: { 'x-api-key': ALICE } });
    assert.equal(transport.socket?.protocol, 'mcp', 'the mcp subprotocol is negotiated');
    assert.match(transport.session ?? '', /^ws:/);
    await exercise(client, wire);
    assert.equal(gateway.ws?.size, 1);

    await expectListChanged(gateway, client, file, settings, 'over the WebSocket');
    assert.deepEqual(errors, []);

    await done(client);
  });

  it('takes a browser credential from the subprotocol list, from an allowed Origin', async () => {
    const { client, transport } = await connect({
      subprotocolToken: ALICE,
      headers: { origin: 'http://app.example' },
    });
    assert.equal(transport.socket?.protocol, 'mcp', 'only mcp is echoed, never the credential');
    assert.equal(text(await client.callTool({ name: 'a__add', arguments: { a: 1, b: 1 } })), '2');
    await done(client);
  });

  for (const [what, options, status, pattern] of [
    ['no credential', {}, 401, /^Unauthorized: no credentials/],
    ['a wrong key', { headers: { 'x-api-key': 'wrong-key-0123456789' } }, 401, /^Unauthorized/],
    ['a wrong subprotocol token', { subprotocolToken: 'wrong-key-0123456789' }, 401, /^Unauthorized/],
    [
      'a foreign Origin',
      { headers: { 'x-api-key': ALICE, origin: 'http://evil.example' } },
      403,
      /Origin "http:\/\/evil.example" is not allowed \(gateway.allowed_origins\)/,
    ],
  ] as const) {
    it(`refuses the upgrade with ${what}: HTTP ${status} and a clear message`, async () => {
      const transport = new WebSocketClientTransport(ws, options as WebSocketClientOptions);
      const err = await transport.start().then(
        () => assert.fail('upgrade accepted'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof WebSocketUpgradeError, String(err));
      assert.equal(err.status, status);
      assert.match(err.message.replace(/^.*HTTP \d+: /, ''), pattern);
    });
  }

  it('refuses a subprotocol list without mcp', async () => {
    const socket = new WebSocket(ws, ['graphql-ws'], { headers: { 'x-api-key': ALICE } });
    socket.on('error', () => {}); // the refusal, read below
    const status = await new Promise<number>((resolve) => {
      socket.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      socket.once('open', () => resolve(101));
    });
    socket.terminate();
    assert.equal(status, 400);
  });

  it('answers a plain GET /ws 426, and any other Upgrade request with a body 400 (never a hang)', async () => {
    const plain = await fetch(new URL('/ws', base), { headers: { 'x-api-key': ALICE } });
    assert.equal(plain.status, 426);
    assert.match(((await plain.json()) as { error: { message: string } }).error.message, /WebSocket upgrade/);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(new URL('/mcp', base), {
        method: 'POST',
        headers: {
          connection: 'Upgrade',
          upgrade: 'h2c',
          'content-type': 'application/json',
          'x-api-key': ALICE,
        },
      });
      req.once('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.once('error', reject);
      req.end(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }));
    });
    assert.equal(status, 400);
  });

  it('answers an oversized frame with a JSON-RPC error naming the limit, and the session goes on', async () => {
    const { client, transport, wire } = await connect({ headers: { 'x-api-key': ALICE } });
    const big = {
      jsonrpc: '2.0',
      id: 'big-1',
      method: 'tools/call',
      params: { name: 'a__add', arguments: { a: 1, b: 2, pad: 'x'.repeat(MAX_BODY) } },
    };
    transport.socket!.send(JSON.stringify(big));
    type Refusal = { id: unknown; error: { code: number; message: string } };
    const answer = (await waitFor(
      () => wire.find((m) => 'id' in m && m.id === 'big-1') as Refusal | undefined,
      5000,
      'the refusal',
    )) as Refusal;
    assert.equal(answer.error.code, -32600);
    assert.equal(answer.error.message, `Message larger than ${MAX_BODY} bytes (gateway.max_body_bytes)`);
    // Not JSON at all: a parse error, and still the same session.
    transport.socket!.send('{not json');
    await waitFor(
      () => wire.some((m) => 'error' in m && m.error.code === -32700 && /^Parse error/.test(m.error.message)),
      5000,
      'the parse error',
    );
    assert.equal(text(await client.callTool({ name: 'a__add', arguments: { a: 2, b: 2 } })), '4');
    errors.length = 0; // the SDK client complains about the answers to ids it never sent: expected here
    await done(client);
  });

  it('re-attaches after a dropped socket: the same session, and what was sent meanwhile arrives', async () => {
    const { client, transport, wire } = await connect({ headers: { 'x-api-key': ALICE } });
    const id = transport.session!;
    const first = transport.socket!;
    const from = wire.length;
    const call = client.callTool(
      { name: 'a__slow', arguments: { ms: 600, steps: 3 } },
      { onprogress: () => {} },
    );
    await waitFor(() => wire.length > from, 5000, 'the call running (first progress)');
    first.terminate(); // no close frame: a dropped connection
    assert.equal(text(await call), 'slept 600');
    assert.notEqual(transport.socket, first, 're-attached on a new socket');
    assert.equal(transport.session, id);
    assert.equal(gateway.ws?.size, 1);
    assert.equal(text(await client.callTool({ name: 'a__add', arguments: { a: 3, b: 4 } })), '7');

    // Another principal cannot take the session, and is told it does not exist.
    const url = new URL(ws);
    url.searchParams.set('session', id);
    const bob = new WebSocketClientTransport(url, { headers: { 'x-api-key': BOB } });
    const err = await bob.start().then(
      () => assert.fail("bob attached to alice's session"),
      (e: unknown) => e,
    );
    assert.ok(err instanceof WebSocketUpgradeError);
    assert.equal(err.status, 404);
    assert.match(err.message, /Session not found/);
    assert.equal(text(await client.callTool({ name: 'a__add', arguments: { a: 1, b: 4 } })), '5');
    await done(client);
  });

  it('terminates a socket that stops answering pings, keeping its session for re-attach', async () => {
    const socket = new WebSocket(ws, ['mcp'], { headers: { 'x-api-key': ALICE }, autoPong: false });
    const code = await new Promise<number>((resolve) => socket.once('close', resolve));
    assert.equal(code, 1006, 'terminated without a close frame');
    assert.equal(gateway.ws?.size, 1, 'the session waits for re-attach');
  });
});

describe('WebSocket frontend in `switchboard serve`', () => {
  it('finishes a call in flight on SIGTERM, then exits 0 leaving no process behind', async (t) => {
    const yaml = keyed(fixtureStdio('a', '', { FIXTURE_GRANDCHILD: '1' }), '  shutdown_grace: 30s\n');
    const { child, base, exited } = await serveCli(yaml);
    t.after(() => void child.kill('SIGKILL'));
    const transport = new WebSocketClientTransport(new URL('/ws', base.href.replace(/^http/, 'ws')), {
      headers: { 'x-api-key': ALICE },
      reattachAttempts: 0,
    });
    const client = new Client({ name: 'ws-exit', version: '1.0.0' });
    await client.connect(transport);
    const pids = [child.pid!, ...(await treeOf(client))];
    const call = client.callTool({ name: 'a__slow', arguments: { ms: 800 } });
    await waitFor(async () => (await inFlight(base)) === 1, 10_000, 'the call counted in flight');
    child.kill('SIGTERM');
    assert.equal(text(await call), 'slept 800');
    assert.equal(await exited, 0);
    await waitFor(() => !pids.some(alive), 10_000, 'gateway, backend and its child all gone');
    await client.close();
  });
});

describe('WebSocket and legacy SSE limits', () => {
  let gateway: Gateway;
  let base: URL;
  before(async () => {
    ({ gateway, url: base } = await startGateway(`gateway:
  auth:
    api_keys:
      - { name: alice, key: "${ALICE}" }
      - { name: bob, key: "${BOB}" }
    rate_limit: { rate: 1, per: 1m, burst: 4 }
    max_sessions_per_principal: 1
    policies:
      - { match: { key: bob }, rate_limit: { rate: 1000, burst: 1000 } }
      - { match: { principal: "*" } }
mcpServers: {}
`));
  });
  after(() => gateway?.close());
  const wsUrl = () => new URL('/ws', base.href.replace(/^http/, 'ws'));

  it('takes a rate-limit token per request on the socket; a refused request leaves the session open', async () => {
    // The upgrade, initialize and tools/list take three of alice's four tokens.
    const client = new Client({ name: 'rate', version: '1.0.0' });
    await client.connect(new WebSocketClientTransport(wsUrl(), { headers: { 'x-api-key': ALICE } }));
    await client.listTools();
    await client.ping();
    await assert.rejects(
      client.ping(),
      /Too many requests: rate limit of 1 per 60000 ms \(burst 4\) exceeded/,
    );
    assert.equal(gateway.ws?.size, 1, 'the session stays');
    await client.close();
  });

  it('caps a principal over WebSocket and legacy SSE sessions together', async () => {
    const client = new Client({ name: 'cap', version: '1.0.0' });
    await client.connect(new WebSocketClientTransport(wsUrl(), { headers: { 'x-api-key': BOB } }));
    const second = new WebSocketClientTransport(wsUrl(), { headers: { 'x-api-key': BOB } });
    const err = await second.start().then(
      () => assert.fail('a second session opened'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof WebSocketUpgradeError);
    assert.equal(err.status, 503);
    assert.match(err.message, /Too many sessions for this client \(1,/);
    const sse = await fetch(new URL('/sse', base), { headers: { 'x-api-key': BOB } });
    assert.equal(sse.status, 503);
    await sse.body?.cancel();
    await client.close();
  });
});

describe('WebSocket client transport', () => {
  it('leaves out a header whose value is undefined (the docs example with SWITCHBOARD_API_KEY unset)', async () => {
    const { gateway, url } = await startGateway(`mcpServers:\n${fixtureStdio('a')}`);
    try {
      const ws = new URL('/ws', url.href.replace(/^http/, 'ws'));
      const transport = new WebSocketClientTransport(ws, { headers: { 'X-API-Key': undefined } });
      const client = new Client({ name: 'ws-example', version: '1.0.0' });
      await client.connect(transport);
      assert.ok((await client.listTools()).tools.some((t) => t.name === 'a__add'));
      await client.close();
    } finally {
      await gateway.close();
    }
  });
});
