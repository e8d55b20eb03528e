/** Sessions and requestState are bound to the principal that made them: another principal cannot use them. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, StreamableHTTPClientTransport, withInputRequired } from '@modelcontextprotocol/client';
import { CallToolResultSchema } from '@modelcontextprotocol/core';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/server';
import type { Gateway } from '../../../src/gateway.js';
import { fixtureStdio, startGateway, text } from '../../helpers/gateway.js';
import { INIT, json, raw } from '../../helpers/http.js';

const ALICE = { authorization: 'Bearer alice-key-0123456789' };
const BOB = { 'x-api-key': 'bob-key-0123456789ab' };
const TOOLS_LIST = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' });

let gateway: Gateway;
let url: URL;
const clients: Client[] = [];

before(async () => {
  ({ gateway, url } = await startGateway(`gateway:
  auth:
    api_keys:
      - { name: alice, key: "alice-key-0123456789" }
      - { name: bob, key: "bob-key-0123456789ab" }
mcpServers:
${fixtureStdio('up')}`));
});
after(async () => {
  for (const c of clients) await c.close();
  await gateway?.close();
});

const inSession = (id: string, who: Record<string, string>) => ({
  ...json,
  ...who,
  'mcp-session-id': id,
  'mcp-protocol-version': LATEST_PROTOCOL_VERSION,
});

describe('2025 sessions', () => {
  it("answer another principal's request on a session with 404, exactly as for an unknown session", async () => {
    const init = await raw(url, 'POST', { ...json, ...ALICE }, JSON.stringify(INIT));
    assert.equal(init.status, 200, init.body);
    const id = init.headers['mcp-session-id'] as string;
    const hijack = await raw(url, 'POST', inSession(id, BOB), TOOLS_LIST);
    const unknown = await raw(url, 'POST', inSession(crypto.randomUUID(), BOB), TOOLS_LIST);
    assert.equal(hijack.status, 404);
    assert.equal(hijack.body, unknown.body, 'indistinguishable from an unknown session');
    assert.equal((await raw(url, 'GET', inSession(id, BOB))).status, 404, 'nor its event stream');
    assert.equal((await raw(url, 'DELETE', inSession(id, BOB))).status, 404, 'nor may it close it');
    const own = await raw(url, 'POST', inSession(id, ALICE), TOOLS_LIST);
    assert.equal(own.status, 200, 'the owner keeps using it');
    assert.equal(gateway.sessions.size, 1);
  });
});

describe('2026-07-28 requestState', () => {
  async function manualClient(headers: Record<string, string>): Promise<Client> {
    // Manual mode: the test sees input_required and retries by hand, as an attacker could.
    const client = new Client(
      { name: 'manual', version: '1.0.0' },
      {
        capabilities: { roots: {} },
        versionNegotiation: { mode: 'auto' },
        inputRequired: { autoFulfill: false },
      },
    );
    await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers } }));
    clients.push(client);
    return client;
  }

  const call = (client: Client, extra: Record<string, unknown> = {}) =>
    client.request(
      {
        method: 'tools/call',
        params: { name: 'up__ask_client', arguments: { method: 'roots/list' }, ...extra },
      },
      withInputRequired(CallToolResultSchema),
      { allowInputRequired: true },
    );

  it('minted for one principal is refused for another, and still resumes for its own', async () => {
    const alice = await manualClient(ALICE);
    const bob = await manualClient(BOB);
    const first = await call(alice);
    assert.equal('resultType' in first && first.resultType, 'input_required');
    const { inputRequests, requestState } = first as {
      inputRequests: Record<string, unknown>;
      requestState: string;
    };
    const key = Object.keys(inputRequests)[0]!;
    const answer = { inputResponses: { [key]: { roots: [{ uri: 'file:///bob', name: 'bob' }] } } };
    await assert.rejects(call(bob, { ...answer, requestState }), /another principal/);
    const done = await call(alice, { ...answer, requestState });
    assert.deepEqual(JSON.parse(text(done)), { result: { roots: [{ uri: 'file:///bob', name: 'bob' }] } });
  });
});
