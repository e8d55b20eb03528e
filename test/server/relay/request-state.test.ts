/** The sealed requestState of input_required results: the codec's checks, and forged, replayed and misused states through a gateway. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, StreamableHTTPClientTransport, withInputRequired } from '@modelcontextprotocol/client';
import { CallToolResultSchema } from '@modelcontextprotocol/core';
import type { Gateway } from '../../../src/gateway.js';
import { GatewayError } from '../../../src/errors.js';
import { RequestStateCodec, type StateBinding } from '../../../src/server/relay/request-state.js';
import { fixtureStdio, startGateway, text } from '../../helpers/gateway.js';

const KEY = 'k'.repeat(32);
const CALL: StateBinding = { method: 'tools/call', target: 'up__ask_client', principal: '' };

function rejectsWith(reason: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof GatewayError, String(err));
    assert.equal(err.code, 'invalid_request_state');
    assert.match(err.message, reason);
    return true;
  };
}

describe('RequestStateCodec', () => {
  const codec = new RequestStateCodec(KEY);
  const state = codec.mint({ kind: 'parked', nonce: 'n1' }, CALL);

  it('opens what it sealed, for the same request and principal', () => {
    assert.deepEqual(codec.open(state, CALL), { kind: 'parked', nonce: 'n1' });
  });

  it('refuses an altered payload or signature, and a state sealed with another key', () => {
    const [v, body, mac] = state.split('.') as [string, string, string];
    const sealed = JSON.parse(Buffer.from(body, 'base64url').toString()) as { p: { nonce: string } };
    sealed.p.nonce = 'n2'; // another parked call's nonce, under the original signature
    const altered = `${v}.${Buffer.from(JSON.stringify(sealed)).toString('base64url')}.${mac}`;
    assert.throws(() => codec.open(altered, CALL), rejectsWith(/signature does not verify/));
    assert.throws(
      () =>
        codec.open(
          `${v}.${body}.${mac.endsWith('AA') ? mac.slice(0, -2) + 'BB' : mac.slice(0, -2) + 'AA'}`,
          CALL,
        ),
      rejectsWith(/signature/),
    );
    const other = new RequestStateCodec('o'.repeat(32)).mint({ kind: 'parked', nonce: 'n1' }, CALL);
    assert.throws(() => codec.open(other, CALL), rejectsWith(/another gateway key/));
    assert.throws(() => codec.open('not-a-state', CALL), rejectsWith(/malformed/));
  });

  it('refuses a state used for another request or by another principal', () => {
    assert.throws(
      () => codec.open(state, { ...CALL, target: 'up__add' }),
      rejectsWith(/issued for tools\/call "up__ask_client", not tools\/call "up__add"/),
    );
    assert.throws(
      () => codec.open(state, { ...CALL, principal: 'mallory' }),
      rejectsWith(/another principal/),
    );
  });

  it('refuses an expired state', () => {
    const expired = new RequestStateCodec(KEY, -1).mint({ kind: 'parked', nonce: 'n1' }, CALL);
    assert.throws(() => codec.open(expired, CALL), rejectsWith(/expired at \d{4}-/));
  });
});

describe('requestState through the gateway (2026 client, 2025 upstream asking mid-call)', () => {
  let gateway: Gateway;
  let client: Client;
  before(async () => {
    ({ gateway } = await startGateway(`mcpServers:\n${fixtureStdio('up')}`));
    // Manual mode: the test sees input_required and retries by hand, as an attacker could.
    client = new Client(
      { name: 'manual', version: '1.0.0' },
      {
        capabilities: { roots: {} },
        versionNegotiation: { mode: 'auto' },
        inputRequired: { autoFulfill: false },
      },
    );
    await client.connect(new StreamableHTTPClientTransport(new URL(gateway.url)));
  });
  after(async () => {
    await client?.close();
    await gateway?.close();
  });

  const call = (name: string, extra: Record<string, unknown> = {}) =>
    client.request(
      { method: 'tools/call', params: { name, arguments: { method: 'roots/list' }, ...extra } },
      withInputRequired(CallToolResultSchema),
      { allowInputRequired: true },
    );

  it('parks the call, refuses forged and misdirected states, resumes once, and refuses a replay', async () => {
    const first = await call('up__ask_client');
    assert.equal('resultType' in first && first.resultType, 'input_required');
    const { inputRequests, requestState } = first as {
      inputRequests: Record<string, unknown>;
      requestState: string;
    };
    assert.deepEqual(Object.values(inputRequests), [{ method: 'roots/list', params: {} }]);
    assert.equal(gateway.input.bridge.size, 1, 'the upstream call waits in the gateway');
    const key = Object.keys(inputRequests)[0]!;
    const answer = { inputResponses: { [key]: { roots: [{ uri: 'file:///srv', name: 'srv' }] } } };

    const forged = requestState.slice(0, -3) + (requestState.endsWith('AAA') ? 'BBB' : 'AAA');
    await assert.rejects(
      call('up__ask_client', { ...answer, requestState: forged }),
      /signature does not verify/,
    );
    await assert.rejects(
      call('up__add', { ...answer, requestState }),
      /issued for tools\/call "up__ask_client", not tools\/call "up__add"/,
    );

    const done = await call('up__ask_client', { ...answer, requestState });
    assert.deepEqual(JSON.parse(text(done)), { result: { roots: [{ uri: 'file:///srv', name: 'srv' }] } });
    assert.equal(gateway.input.bridge.size, 0);

    await assert.rejects(call('up__ask_client', { ...answer, requestState }), /no longer waiting/);
    // The gateway keeps serving the client after every refusal.
    assert.equal(text(await client.callTool({ name: 'up__add', arguments: { a: 2, b: 2 } })), '4');
  });
});
