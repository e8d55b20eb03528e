/** Legacy HTTP+SSE (`GET /sse` + `POST /messages`, 2024-11-05) through the shared suite, plus auth, Origin and limits. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, SSEClientTransport } from '@modelcontextprotocol/client';
import type { Gateway } from '../../src/gateway.js';
import { fixtureStdio, text, waitFor } from '../helpers/gateway.js';
import { ALICE, BOB, expectListChanged, inFlight, keyed, serveCli, startWith, treeOf } from './helpers.js';
import { alive, exercise, sdkProgressRace, tap } from './suite.js';

const MAX_BODY = 65_536;
const settings = `  max_body_bytes: ${MAX_BODY}\n`;

/** The first event of a raw GET /sse: the endpoint with the session id. */
async function openRaw(base: URL, key: string) {
  const ctl = new AbortController();
  const res = await fetch(new URL('/sse', base), { headers: { 'x-api-key': key }, signal: ctl.signal });
  assert.equal(res.status, 200);
  const reader = res.body!.getReader();
  let buffered = '';
  while (!/event: endpoint\ndata: (\S+)\n\n/.test(buffered)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`stream ended: ${buffered}`);
    buffered += new TextDecoder().decode(value);
  }
  const endpoint = /event: endpoint\ndata: (\S+)\n\n/.exec(buffered)![1]!;
  return { endpoint: new URL(endpoint, base), close: () => ctl.abort() };
}

describe('legacy SSE frontend (GET /sse, POST /messages)', () => {
  let gateway: Gateway;
  let base: URL;
  let file: string;
  const errors: Error[] = [];

  async function connect(key: string) {
    const transport = new SSEClientTransport(new URL('/sse', base), {
      requestInit: { headers: { 'x-api-key': key } },
    });
    // A client of that era: it offers 2024-11-05 only.
    const client = new Client(
      { name: 'sse-test', version: '1.0.0' },
      { capabilities: { sampling: {} }, supportedProtocolVersions: ['2024-11-05'] },
    );
    client.onerror = (err) => void (sdkProgressRace(err) || errors.push(err));
    await client.connect(transport);
    return { client, transport, wire: tap(transport) };
  }

  before(async () => {
    ({ gateway, base, file } = await startWith(keyed(fixtureStdio('a'), settings)));
  });
  after(async () => {
    await gateway?.close();
  });

  it('serves the shared suite and list_changed with protocol 2024-11-05', async () => {
    const { client, wire } = await connect(ALICE);
    assert.equal(client.getNegotiatedProtocolVersion(), '2024-11-05');
    await exercise(client, wire);
    assert.equal(gateway.sse?.size, 1);

    await expectListChanged(gateway, client, file, settings, 'on the SSE stream');
    assert.deepEqual(errors, []);
    await client.close();
    await waitFor(() => gateway.sse?.size === 0, 5000, 'the session ends with its stream');
  });

  it('refuses GET /sse without a valid credential (401) and from a foreign Origin (403)', async () => {
    const sse = new URL('/sse', base);
    const none = await fetch(sse);
    assert.equal(none.status, 401);
    assert.match(
      ((await none.json()) as { error: { message: string } }).error.message,
      /^Unauthorized: no credentials/,
    );
    const wrong = await fetch(sse, { headers: { 'x-api-key': 'wrong-key-0123456789' } });
    assert.equal(wrong.status, 401);
    await wrong.body?.cancel();
    const foreign = await fetch(sse, { headers: { 'x-api-key': ALICE, origin: 'http://evil.example' } });
    assert.equal(foreign.status, 403);
    assert.match(
      ((await foreign.json()) as { error: { message: string } }).error.message,
      /Origin "http:\/\/evil.example" is not allowed/,
    );
    assert.equal(gateway.sse?.size, 0);
  });

  it('refuses an oversized or malformed POST with a clear error, and the session goes on', async () => {
    const { client } = await connect(ALICE);
    const raw = await openRaw(base, ALICE);
    const post = (body: string, key = ALICE) =>
      fetch(raw.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': key },
        body,
      });
    const big = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'a__add', arguments: { pad: 'x'.repeat(MAX_BODY) } },
    });
    const tooBig = await post(big);
    assert.equal(tooBig.status, 413);
    assert.equal(
      ((await tooBig.json()) as { error: { message: string } }).error.message,
      `Request body larger than ${MAX_BODY} bytes (gateway.max_body_bytes)`,
    );
    const notRpc = await post('{"hello":"world"}');
    assert.equal(notRpc.status, 400);
    assert.match(
      ((await notRpc.json()) as { error: { message: string } }).error.message,
      /not a JSON-RPC 2.0 message/,
    );

    // Another principal posting to alice's session is told it does not exist.
    const ping = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' });
    const bob = await post(ping, BOB);
    assert.equal(bob.status, 404);
    assert.match(((await bob.json()) as { error: { message: string } }).error.message, /Session not found/);
    assert.equal((await post(ping)).status, 202, 'alice still may');
    raw.close();

    assert.equal(text(await client.callTool({ name: 'a__add', arguments: { a: 2, b: 5 } })), '7');
    await client.close();
    await waitFor(() => gateway.sse?.size === 0, 5000, 'both sessions ended with their streams');
  });
});

describe('legacy SSE frontend in `switchboard serve`', () => {
  it('finishes a call in flight on SIGTERM, then exits 0 leaving no process behind', async (t) => {
    const yaml = keyed(fixtureStdio('a', '', { FIXTURE_GRANDCHILD: '1' }), '  shutdown_grace: 30s\n');
    const { child, base, exited } = await serveCli(yaml);
    t.after(() => void child.kill('SIGKILL'));
    const client = new Client({ name: 'sse-exit', version: '1.0.0' });
    await client.connect(
      new SSEClientTransport(new URL('/sse', base), { requestInit: { headers: { 'x-api-key': ALICE } } }),
    );
    const pids = [child.pid!, ...(await treeOf(client))];
    const call = client.callTool({ name: 'a__slow', arguments: { ms: 800 } });
    await waitFor(async () => (await inFlight(base)) === 1, 10_000, 'the call counted in flight');
    child.kill('SIGTERM');
    assert.equal(text(await call), 'slept 800');
    assert.equal(await exited, 0);
    await waitFor(() => !pids.some(alive), 10_000, 'gateway, backend and its child all gone');
    await client.close(); // else the SDK's event source would keep trying the gone gateway
  });
});
