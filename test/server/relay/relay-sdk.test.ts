/**
 * The relay path against the SDK's own dispatch on bare SDK servers (no gateway): for both eras and every
 * relayed method, handler outcomes the gateway's handlers rarely produce (results the SDK rewrites, validates,
 * refuses or fills in; `input_required`; configured cache hints; thrown errors with codes and data) give the
 * same answer with the relay path installed as without it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InMemoryTransport, ProtocolError, Server, type JSONRPCMessage } from '@modelcontextprotocol/server';
import { installRelayPath, relayCounts, type Handler } from '../../../src/server/relay/relay-path.js';
import {
  completeResult,
  plainCallParams,
  plainCompleteParams,
  plainPromptParams,
  plainReadParams,
  plainTextResult,
} from '../../../src/server/relay/relay-checks.js';
import { modern, MODERN, type Message } from './wire.js';

type Outcome = { result: unknown } | { error: Error };

/** What the handlers do next (the same for the relayed server and the plain one). */
let next: Outcome = { result: {} };
const handler: Handler = () => {
  if ('error' in next) throw next.error;
  return next.result;
};

const CHECKS = {
  'tools/call': [plainCallParams, plainTextResult],
  'resources/read': [plainReadParams, completeResult],
  'prompts/get': [plainPromptParams, completeResult],
  'completion/complete': [plainCompleteParams, completeResult],
} as const;

const PARAMS: Record<keyof typeof CHECKS, Message> = {
  'tools/call': { name: 't', arguments: {} },
  'resources/read': { uri: 'x://r' },
  'prompts/get': { name: 'p' },
  'completion/complete': { ref: { type: 'ref/prompt', name: 'p' }, argument: { name: 'a', value: '' } },
};

/** A bare server of one era with a handler for each relayed method, the relay path on or off, and a client end. */
async function serverOf(relay: boolean, version: string) {
  const server = new Server(
    { name: 's', version: '1' },
    {
      capabilities: { tools: {}, resources: {}, prompts: {}, completions: {} },
      cacheHints: { 'resources/read': { ttlMs: 5000, cacheScope: 'public' } },
    },
  );
  for (const method of Object.keys(CHECKS))
    server.setRequestHandler(method as 'tools/call', handler as never);
  if (relay) {
    installRelayPath(
      server,
      Object.fromEntries(
        Object.entries(CHECKS).map(([m, [plainParams, passes]]) => [m, { handler, plainParams, passes }]),
      ),
    );
  }
  const [client, end] = InMemoryTransport.createLinkedPair();
  await server.connect(end);
  (server as unknown as { _negotiatedProtocolVersion: string })._negotiatedProtocolVersion = version;
  const inbox: Message[] = [];
  const answered = new Map<unknown, () => void>();
  client.onmessage = (m) => {
    inbox.push(m as Message);
    if (!('method' in m) && 'id' in m) answered.get(m.id)?.();
    // A request to the client (the legacy input shim's) is declined.
    if ('method' in m && 'id' in m)
      void client.send({ jsonrpc: '2.0', id: m.id, result: { action: 'decline' } } as JSONRPCMessage);
  };
  await client.start();
  let id = 0;
  return async (method: string, params: Message): Promise<Message[]> => {
    const rid = ++id;
    const body: Message = { jsonrpc: '2.0', id: rid, method, params };
    const sent = version === MODERN ? modern(body).body : body;
    const from = inbox.length;
    const answer = new Promise<void>((resolve) => answered.set(rid, resolve));
    await client.send(sent as JSONRPCMessage);
    await answer;
    return inbox.slice(from);
  };
}

const text = { content: [{ type: 'text', text: 'a' }] };
const ask = {
  resultType: 'input_required',
  inputRequests: {
    q: {
      method: 'elicitation/create',
      params: { message: 'm', requestedSchema: { type: 'object', properties: {} } },
    },
  },
};
const OUTCOMES: [string, Outcome][] = [
  ['a plain text result', { result: text }],
  ['an empty result', { result: {} }],
  ['a result with resultType complete', { result: { ...text, resultType: 'complete' } }],
  ['a result with cache fields', { result: { contents: [], ttlMs: 7, cacheScope: 'private' } }],
  ['a content block with an extra key', { result: { content: [{ type: 'text', text: 'a', x: 1 }] } }],
  ['an invalid result', { result: { content: 'x' } }],
  ['null', { result: null }],
  ['an input_required result', { result: ask }],
  ['a result of another kind', { result: { resultType: 'other' } }],
  ['a prompt result', { result: { messages: [{ role: 'user', content: { type: 'text', text: 'hi' } }] } }],
  ['a completion', { result: { completion: { values: ['a'], total: 1, hasMore: false } } }],
  ['a thrown protocol error with data', { error: new ProtocolError(-32002, 'not found', { uri: 'x://r' }) }],
  ['a thrown plain error', { error: new Error('boom') }],
];

for (const version of ['2025-11-25', MODERN]) {
  describe(`relay path vs the SDK's dispatch on a bare server (${version})`, () => {
    it('answers every outcome of every method the same', async () => {
      const relayed = await serverOf(true, version);
      const plain = await serverOf(false, version);
      const served = relayCounts.served;
      let n = 0;
      for (const [method, params] of Object.entries(PARAMS)) {
        for (const [label, outcome] of OUTCOMES) {
          next = outcome;
          const x = await relayed(method, params);
          const y = await plain(method, params);
          assert.deepEqual(x, y, `${method}: ${label}`);
          n++;
        }
      }
      assert.equal(relayCounts.served - served, n, 'every request was relayed');
    });
  });
}
