/**
 * The relay path's fast checks against the SDK's own validation, in both eras: params they take are passed to
 * the handler unchanged by the SDK's request schemas, and tools/call results they pass are returned unchanged
 * by its result validation; what they refuse includes everything the SDK would change or reject.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Server } from '@modelcontextprotocol/server';
import {
  completeResult,
  plainCallParams,
  plainCompleteParams,
  plainPromptParams,
  plainReadParams,
  plainTextResult,
} from '../../../src/server/relay/relay-checks.js';
import { MODERN } from './wire.js';

type Wrapped = (req: unknown, ctx: unknown) => Promise<unknown>;
const ctx = { mcpReq: { requestState: () => undefined } };
const ERAS = ['2025-11-25', MODERN];

/** A bare server of an era whose handlers record the request the SDK's validation hands them. */
function serverOf(version: string) {
  const server = new Server(
    { name: 's', version: '1' },
    { capabilities: { tools: {}, resources: {}, prompts: {}, completions: {} } },
  );
  const seen: unknown[] = [];
  const record = (result: unknown) => (req: unknown) => {
    seen.push(req);
    return result;
  };
  server.setRequestHandler('tools/call', record({ content: [] }) as never);
  server.setRequestHandler('resources/read', record({ contents: [] }) as never);
  server.setRequestHandler('prompts/get', record({ messages: [] }) as never);
  server.setRequestHandler('completion/complete', record({ completion: { values: [] } }) as never);
  const sdk = server as unknown as {
    _negotiatedProtocolVersion?: string;
    _requestHandlers: Map<string, Wrapped>;
    _wrapHandler(m: string, h: () => unknown): Wrapped;
  };
  sdk._negotiatedProtocolVersion = version;
  /** The params the handler of `method` is given for `params` (the SDK's request validation). */
  const handed = async (method: string, params: unknown) => {
    seen.length = 0;
    await sdk._requestHandlers.get(method)!({ method, params }, ctx);
    return (seen[0] as { params: unknown }).params;
  };
  /** What the SDK's tools/call wrapper returns for `result`. */
  const validated = (result: unknown) =>
    sdk._wrapHandler('tools/call', () => result)({ method: 'tools/call', params: { name: 't' } }, ctx);
  return { handed, validated };
}

const PLAIN: [string, (p: unknown) => boolean, unknown[]][] = [
  [
    'tools/call',
    plainCallParams,
    [
      { name: 't' },
      { name: 't', arguments: { a: [1], b: { c: null } }, _meta: { progressToken: 'x' } },
      { _meta: { progressToken: 3 }, name: 't' },
    ],
  ],
  ['resources/read', plainReadParams, [{ uri: 'x://a' }, { uri: '', _meta: { progressToken: 1 } }]],
  [
    'prompts/get',
    plainPromptParams,
    [{ name: 'p' }, { name: 'p', arguments: {} }, { arguments: { a: 'b', c: '' }, name: 'p' }],
  ],
  [
    'completion/complete',
    plainCompleteParams,
    [
      { ref: { type: 'ref/prompt', name: 'p' }, argument: { name: 'a', value: 'v' } },
      {
        ref: { uri: 'x://{id}', type: 'ref/resource' },
        argument: { value: '', name: 'id' },
        context: { arguments: { k: 'v' } },
        _meta: { progressToken: 'c' },
      },
      { ref: { type: 'ref/prompt', name: 'p' }, argument: { name: 'a', value: 'v' }, context: {} },
    ],
  ],
];

const proto = (json: string) => JSON.parse(json) as unknown;
const REFUSED: [(p: unknown) => boolean, unknown[]][] = [
  [
    plainCallParams,
    [
      { name: 't', _meta: { progressToken: 1.5 } },
      { name: 't', _meta: { traceparent: 'x' } },
      { name: 't', task: {} },
      { name: 't', requestState: 's' },
      { name: 't', inputResponses: {} },
      { name: 't', arguments: [] },
      proto('{"name":"t","arguments":{"__proto__":{"a":1}}}'),
      { name: 1 },
      undefined,
    ],
  ],
  [plainReadParams, [{ uri: 1 }, { uri: 'x', cursor: 'c' }, {}, { uri: 'x', _meta: [] }]],
  [
    plainPromptParams,
    [
      { name: 'p', arguments: { a: 1 } },
      { name: 'p', arguments: [] },
      proto('{"name":"p","arguments":{"__proto__":"x"}}'),
      { name: 'p', requestState: 's' },
    ],
  ],
  [
    plainCompleteParams,
    [
      { ref: { type: 'ref/prompt', name: 'p', title: 'T' }, argument: { name: 'a', value: 'v' } },
      { ref: { type: 'ref/other', name: 'p' }, argument: { name: 'a', value: 'v' } },
      { ref: { type: 'ref/prompt', uri: 'p' }, argument: { name: 'a', value: 'v' } },
      { ref: { type: 'ref/prompt', name: 'p' }, argument: { name: 'a', value: 1 } },
      { ref: { type: 'ref/prompt', name: 'p' }, argument: { name: 'a', value: 'v', x: 1 } },
      { ref: { type: 'ref/prompt', name: 'p' }, argument: { name: 'a', value: 'v' }, context: { x: {} } },
      { ref: { type: 'ref/prompt', name: 'p' } },
    ],
  ],
];

for (const version of ERAS) {
  describe(`the relay path's fast checks agree with the SDK (${version})`, () => {
    it('takes only params the SDK hands the handler unchanged', async () => {
      const { handed } = serverOf(version);
      for (const [method, check, cases] of PLAIN) {
        for (const params of cases) {
          assert.ok(check(params), `${method} ${JSON.stringify(params)}`);
          assert.deepEqual(await handed(method, params), params, `${method} ${JSON.stringify(params)}`);
        }
      }
      for (const [check, cases] of REFUSED) {
        for (const params of cases) assert.ok(!check(params), `${check.name} ${JSON.stringify(params)}`);
      }
    });

    it('passes as they are only tools/call results the SDK validation returns unchanged', async () => {
      const { validated } = serverOf(version);
      const plain = [
        { content: [] },
        { content: [{ type: 'text', text: 'a' }] },
        {
          content: [
            { type: 'text', text: '' },
            { type: 'text', text: 'b' },
          ],
          isError: true,
        },
        { isError: false, content: [{ text: 'c', type: 'text' }] },
      ];
      for (const r of plain) {
        assert.ok(plainTextResult(r), JSON.stringify(r));
        assert.deepEqual(await validated(r), r);
      }
      const other = [
        { content: [{ type: 'text', text: 'a', extra: 1 }] },
        { content: [{ type: 'image', data: 'x', mimeType: 'image/png' }] },
        { content: [], structuredContent: { a: 1 } },
        { content: [], _meta: { x: 1 } },
        { content: [], isError: 'yes' },
        { content: [], resultType: 'complete' },
        {},
        { content: 'x' },
        null,
      ];
      for (const r of other) assert.ok(!plainTextResult(r), JSON.stringify(r));
    });
  });
}

describe('results of the other methods', () => {
  it('pass unless they are not objects or carry a resultType (the SDK validates none of them)', () => {
    assert.ok(completeResult({ contents: [{ uri: 'x', blob: 'AA==', extra: 1 }] }));
    assert.ok(completeResult({ messages: [] }));
    assert.ok(completeResult({ completion: { values: ['a'] } }));
    assert.ok(!completeResult({ resultType: 'input_required', inputRequests: {} }));
    assert.ok(!completeResult({ contents: [], resultType: 'complete' }));
    assert.ok(!completeResult(null));
    assert.ok(!completeResult([]));
  });
});
