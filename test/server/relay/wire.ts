/**
 * Helpers of the relay path tests: the requests both gateways (relay path on and off) are sent, and ways to
 * send them as raw messages: a raw 2025 HTTP session, raw 2026-07-28 POSTs, and any client transport (WebSocket,
 * legacy SSE, stdio) driven by hand, each returning every message of a request's answer as the client got it.
 */
import assert from 'node:assert/strict';
import type { Transport } from '@modelcontextprotocol/client';
import { relayCounts } from '../../../src/server/relay/relay-path.js';
import { waitFor } from '../../helpers/gateway.js';

export type Message = Record<string, unknown>;

/** A request, and the method whose relay path serves it (undefined: the SDK's path serves it). */
export interface Case {
  label: string;
  body: Message;
  relayed?: string;
}

const request = (id: number | string, method: string, params: unknown): Message => ({
  jsonrpc: '2.0',
  id,
  method,
  params,
});

/** A tools/call request. */
export const call = (id: number | string, name: unknown, args?: unknown, meta?: unknown) =>
  request(id, 'tools/call', {
    name,
    ...(args !== undefined && { arguments: args }),
    ...(meta !== undefined && { _meta: meta }),
  });

const T = 'tools/call';
const R = 'resources/read';
const P = 'prompts/get';
const C = 'completion/complete';

/** Every method's requests: plain ones (relayed) and ones the SDK serves, results, errors and progress. */
export const CASES: Case[] = [
  { label: 'plain text result', body: call(1, 'up__slow', { ms: 1 }), relayed: T },
  { label: 'structured content (checked by the SDK)', body: call(2, 'up__add', { a: 1, b: 2 }), relayed: T },
  { label: 'every kind of content, isError and _meta', body: call('r-3', 'up__rich', {}), relayed: T },
  { label: 'unknown tool', body: call(4, 'up__nope', {}), relayed: T },
  { label: 'arguments the upstream refuses', body: call(5, 'up__add', { a: 'x' }), relayed: T },
  { label: 'arguments not an object (the SDK path)', body: call(6, 'up__add', [1, 2]) },
  { label: 'no arguments', body: call(7, 'up__cancellations'), relayed: T },
  {
    label: 'progress relayed with the client token',
    body: call(8, 'up__slow', { ms: 20, steps: 2 }, { progressToken: 'p-8' }),
    relayed: T,
  },
  {
    label: 'a numeric progress token',
    body: call(9, 'up__slow', { ms: 20, steps: 2 }, { progressToken: 9 }),
    relayed: T,
  },
  {
    label: 'an envelope key in _meta (lifted off as the SDK lifts it)',
    body: call(
      13,
      'up__slow',
      { ms: 1 },
      { progressToken: 'e', 'io.modelcontextprotocol/logLevel': 'debug' },
    ),
    relayed: T,
  },
  { label: 'other _meta (the SDK path)', body: call(10, 'up__slow', { ms: 1 }, { 'x/y': 1 }) },
  { label: 'a name that is not a string (the SDK path)', body: call(11, 42, {}) },
  {
    label: 'arguments with a __proto__ key, which the SDK drops (the SDK path)',
    body: JSON.parse(
      '{"jsonrpc":"2.0","id":12,"method":"tools/call","params":{"name":"up__add","arguments":{"__proto__":{"a":5},"a":1,"b":2}}}',
    ) as Message,
  },
  { label: 'a static resource', body: request(20, R, { uri: 'fixture://static' }), relayed: R },
  {
    label: 'a templated resource, with a progress token',
    body: request(21, R, { uri: 'fixture://items/7', _meta: { progressToken: 'r' } }),
    relayed: R,
  },
  { label: 'an unknown resource', body: request(22, R, { uri: 'fixture://nope' }), relayed: R },
  { label: 'a URI that is not a string (the SDK path)', body: request(23, R, { uri: 7 }) },
  {
    label: 'a param the SDK strips (the SDK path)',
    body: request(24, R, { uri: 'fixture://static', cursor: 'c' }),
  },
  {
    label: 'a prompt',
    body: request(30, P, { name: 'up__greet', arguments: { name: 'Grace' } }),
    relayed: P,
  },
  {
    label: 'a prompt the upstream refuses (no arguments)',
    body: request(31, P, { name: 'up__greet' }),
    relayed: P,
  },
  { label: 'an unknown prompt', body: request(32, P, { name: 'up__nope', arguments: {} }), relayed: P },
  {
    label: 'an argument that is not a string (the SDK path)',
    body: request(33, P, { name: 'up__greet', arguments: { name: 1 } }),
  },
  {
    label: 'prompt arguments with a __proto__ key (the SDK path)',
    body: JSON.parse(
      '{"jsonrpc":"2.0","id":34,"method":"prompts/get","params":{"name":"up__greet","arguments":{"__proto__":"x","name":"Ada"}}}',
    ) as Message,
  },
  {
    label: 'completing a prompt argument',
    body: request(40, C, {
      ref: { type: 'ref/prompt', name: 'up__greet' },
      argument: { name: 'name', value: 'al' },
    }),
    relayed: C,
  },
  {
    label: 'completing with context',
    body: request(41, C, {
      ref: { type: 'ref/prompt', name: 'up__greet' },
      argument: { name: 'name', value: 'b' },
      context: { arguments: { other: 'x' } },
    }),
    relayed: C,
  },
  {
    label: 'completing a template argument',
    body: request(42, C, {
      ref: { type: 'ref/resource', uri: 'fixture://items/{id}' },
      argument: { name: 'id', value: '1' },
    }),
    relayed: C,
  },
  {
    label: 'completing an unknown prompt',
    body: request(43, C, {
      ref: { type: 'ref/prompt', name: 'up__nope' },
      argument: { name: 'n', value: '' },
    }),
    relayed: C,
  },
  {
    label: 'a ref with a title, which the SDK strips (the SDK path)',
    body: request(44, C, {
      ref: { type: 'ref/prompt', name: 'up__greet', title: 'T' },
      argument: { name: 'name', value: 'al' },
    }),
  },
  {
    label: 'an argument value that is not a string (the SDK path)',
    body: request(45, C, {
      ref: { type: 'ref/prompt', name: 'up__greet' },
      argument: { name: 'name', value: 1 },
    }),
  },
];

/** How many of `cases` each method's relay path serves. */
export function relayedOf(cases: Case[]): Record<string, number> {
  const n: Record<string, number> = {};
  for (const c of cases) if (c.relayed) n[c.relayed] = (n[c.relayed] ?? 0) + 1;
  return n;
}

/** The relay counts per method since `before` (a copy of `relayCounts.methods` taken earlier). */
export function relayedSince(before: Record<string, number>): Record<string, number> {
  const n: Record<string, number> = {};
  for (const [m, v] of Object.entries(relayCounts.methods))
    if (v - (before[m] ?? 0) > 0) n[m] = v - (before[m] ?? 0);
  return n;
}

/**
 * Sends every case through `a` (relay path on) and `b` (off), asserting the same answers, and that `a`'s relay
 * path served exactly the cases marked relayed.
 */
export async function sameAnswers(
  cases: Case[],
  a: (body: Message) => Promise<unknown>,
  b: (body: Message) => Promise<unknown>,
): Promise<void> {
  const before = { ...relayCounts.methods };
  for (const { label, body } of cases) {
    const [x, y] = [await a(body), await b(body)];
    assert.ok(JSON.stringify(x).includes('"id"'), `${label}: answered`);
    assert.deepEqual(x, y, label);
  }
  assert.deepEqual(relayedSince(before), relayedOf(cases));
}

const ACCEPT = { accept: 'application/json, text/event-stream', 'content-type': 'application/json' };

/** The JSON-RPC messages of an HTTP answer (an SSE stream or one JSON body). */
function messagesOf(text: string): Message[] {
  const messages = text
    .split('\n')
    .filter((l) => l.startsWith('data: '))
    .map((l) => JSON.parse(l.slice(6)) as Message);
  if (!messages.length && text.startsWith('{')) messages.push(JSON.parse(text) as Message);
  return messages;
}

/** A raw 2025 session over Streamable HTTP: initialize, then POSTs whose answers are read in full. */
export async function session(url: URL, version = '2025-11-25') {
  const headers: Record<string, string> = { ...ACCEPT };
  const init = await fetch(url, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: { protocolVersion: version, capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
    }),
  });
  assert.equal(init.status, 200);
  await init.text();
  headers['mcp-session-id'] = init.headers.get('mcp-session-id')!;
  headers['mcp-protocol-version'] = version;
  const note = await fetch(url, {
    method: 'POST',
    headers,
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  });
  assert.equal(note.status, 202);
  /** Posts one message and returns its status and every JSON-RPC message of its answer. */
  const post = async (
    body: unknown,
    signal?: AbortSignal,
  ): Promise<{ status: number; messages: Message[] }> => {
    const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body), signal });
    return { status: res.status, messages: messagesOf(await res.text()) };
  };
  return { post, headers };
}

/** The 2026-07-28 revision. */
export const MODERN = '2026-07-28';

/** A request as a 2026-07-28 client sends it: the envelope in `_meta`, and the standard headers. */
export function modern(body: Message): { body: Message; headers: Record<string, string> } {
  const params = body.params as Message | undefined;
  const envelope = {
    'io.modelcontextprotocol/protocolVersion': MODERN,
    'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' },
    'io.modelcontextprotocol/clientCapabilities': {},
  };
  const meta = (params?._meta ?? {}) as Message;
  const headers: Record<string, string> = {
    ...ACCEPT,
    'mcp-protocol-version': MODERN,
    'mcp-method': String(body.method),
  };
  const name = params?.name ?? params?.uri;
  if (typeof name === 'string') headers['mcp-name'] = name;
  return { body: { ...body, params: { ...params, _meta: { ...meta, ...envelope } } }, headers };
}

/** POSTs one 2026-07-28 request (no session) and returns its status and answer messages. */
export async function postModern(url: URL, body: Message): Promise<{ status: number; messages: Message[] }> {
  const m = modern(body);
  const res = await fetch(url, { method: 'POST', headers: m.headers, body: JSON.stringify(m.body) });
  return { status: res.status, messages: messagesOf(await res.text()) };
}

/**
 * A 2025 session driven by hand over a client transport (WebSocket, legacy SSE, stdio): `exchange` sends one
 * request and returns the messages that arrived until its answer (list changes and the WebSocket session notice
 * left out).
 */
export async function over(transport: Transport, version = '2025-11-25') {
  const inbox: Message[] = [];
  transport.onmessage = (m) => void inbox.push(m as Message);
  await transport.start();
  const exchange = async (body: Message): Promise<Message[]> => {
    const from = inbox.length;
    await transport.send(body as never);
    const answered = () => inbox.slice(from).some((m) => m.id === body.id && !('method' in m));
    await waitFor(answered, 20_000, `an answer to ${JSON.stringify(body)}`);
    return inbox
      .slice(from)
      .filter((m) => typeof m.method !== 'string' || !/list_changed$|^notifications\/session/.test(m.method));
  };
  const init = await exchange({
    jsonrpc: '2.0',
    id: 'init',
    method: 'initialize',
    params: { protocolVersion: version, capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
  });
  assert.ok(
    init.some((m) => m.result),
    JSON.stringify(init),
  );
  await transport.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  /** Sends a message without waiting for an answer. */
  const send = (m: Message) => transport.send(m as never);
  return { exchange, send, close: () => transport.close() };
}
