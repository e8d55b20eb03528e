/** Seeded generators of malformed /mcp requests for the fuzz test. */

/** One request to send. */
export interface FuzzCase {
  kind: string;
  method: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  /** A message without an id (or a response): 202 Accepted is a fine answer. */
  notification?: boolean;
}

/** What the generators need to know about the gateway under test. */
export interface FuzzContext {
  /** A live 2025-era session id. */
  session: string;
  protocol: string;
  maxBody: number;
}

type Random = () => number;
const int = (r: Random, n: number) => Math.floor(r() * n);
const pick = <T>(r: Random, xs: readonly T[]): T => xs[int(r, xs.length)]!;

const NOT_STRINGS = [42, -1, 1.5, true, false, null, [], ['fx__add'], {}, { name: 'fx__add' }] as const;
const NOT_RECORDS = ['a=1', '', 7, true, [1, 2], ['a', 'b']] as const;
const GARBAGE = [
  '{',
  '}',
  '{"jsonrpc":',
  'null',
  '[1,2',
  '"str',
  'tru',
  '{"a":1,}',
  "{'a':1}",
  '\u0000',
  'NaN',
];

function junk(r: Random, max: number): string {
  const n = 1 + int(r, max);
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(32 + int(r, 95));
  return s;
}

/** Wrong params for the methods whose handlers validate them; never a well-formed request. */
function badParams(r: Random): { method: string; params: unknown } {
  const method = pick(r, [
    'tools/call',
    'resources/read',
    'prompts/get',
    'completion/complete',
    'logging/setLevel',
    'initialize',
  ] as const);
  const any = () => pick(r, [...NOT_STRINGS, ...NOT_RECORDS]);
  switch (method) {
    case 'tools/call':
      return pick(r, [
        () => ({ method, params: { name: pick(r, NOT_STRINGS), arguments: { a: 1, b: 2 } } }),
        () => ({ method, params: { name: 'fx__add', arguments: pick(r, NOT_RECORDS) } }),
        () => ({ method, params: { name: `fx__${junk(r, 40)}`, arguments: {} } }),
        () => ({ method, params: { arguments: {} } }),
        () => ({ method, params: any() }),
      ])();
    case 'resources/read':
      return pick(r, [
        () => ({ method, params: { uri: pick(r, NOT_STRINGS) } }),
        () => ({ method, params: { uri: `nope://${junk(r, 30)}` } }),
        () => ({ method, params: {} }),
      ])();
    case 'prompts/get':
      return pick(r, [
        () => ({ method, params: { name: pick(r, NOT_STRINGS) } }),
        () => ({ method, params: { name: `fx__${junk(r, 20)}`, arguments: pick(r, NOT_RECORDS) } }),
      ])();
    case 'completion/complete':
      return {
        method,
        params: pick(r, [
          { ref: any(), argument: any() },
          { ref: { type: 'ref/prompt', name: pick(r, NOT_STRINGS) }, argument: { name: 'x', value: 'y' } },
          { ref: { type: 'ref/nope', uri: 'x' }, argument: { name: 'x', value: 'y' } },
          {},
        ]),
      };
    case 'logging/setLevel':
      return { method, params: { level: pick(r, ['loud', 'WARN', '', 42, null, ['debug']]) } };
    case 'initialize':
      return {
        method,
        params: pick(r, [
          {
            protocolVersion: pick(r, NOT_STRINGS),
            capabilities: {},
            clientInfo: { name: 'f', version: '1' },
          },
          { protocolVersion: '2025-06-18', capabilities: pick(r, NOT_RECORDS), clientInfo: null },
          {},
        ]),
      };
  }
}

function message(r: Random, method: string, params: unknown): Record<string, unknown> {
  return { jsonrpc: '2.0', id: 1 + int(r, 1e6), method, params };
}

/** One seeded malformed request. */
export function fuzzCase(r: Random, ctx: FuzzContext): FuzzCase {
  const session = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-session-id': ctx.session,
    'mcp-protocol-version': ctx.protocol,
  };
  const post = (
    kind: string,
    body: string | Buffer,
    headers: Record<string, string> = session,
  ): FuzzCase => ({
    kind,
    method: 'POST',
    headers,
    body,
  });
  const call = (extra: string) =>
    `{"jsonrpc":"2.0","id":${1 + int(r, 1e6)},"method":"tools/call","params":{"name":"fx__add","arguments":${extra}}}`;
  const kind = int(r, 18);
  switch (kind) {
    case 0:
      return post('invalid-json', pick(r, GARBAGE) + junk(r, 20));
    case 1: {
      const whole = JSON.stringify(message(r, 'tools/call', { name: 'fx__add', arguments: { a: 1, b: 2 } }));
      return post('truncated', whole.slice(0, 1 + int(r, whole.length - 1)));
    }
    case 2:
    case 3:
    case 4: {
      const { method, params } = badParams(r);
      const headers: Record<string, string> = { ...session };
      if (method === 'initialize' && r() < 0.5) delete headers['mcp-session-id'];
      return post(`params:${method}`, JSON.stringify(message(r, method, params)), headers);
    }
    case 5: {
      const shape = pick(r, [
        { jsonrpc: '1.0', id: 1, method: 'tools/list' },
        { jsonrpc: '2.0', id: {}, method: 'tools/list' },
        { jsonrpc: '2.0', id: 1, method: 42 },
        { jsonrpc: '2.0', id: 1 },
        { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'fx__add' }, extra: [] },
        { jsonrpc: '2.0', method: 'tools/call', params: { name: 'fx__add' } },
        { jsonrpc: '2.0', id: 99999, result: { x: 1 } },
        { jsonrpc: '2.0', id: 99999, error: { code: 'x' } },
        42,
        'tools/call',
        null,
      ]);
      const notification =
        typeof shape === 'object' && shape !== null && (!('id' in shape) || 'result' in shape);
      return { ...post('wrong-shape', JSON.stringify(shape)), notification };
    }
    case 6: {
      const n = 1 + int(r, ctx.maxBody - 200);
      const huge = 'x'.repeat(n);
      return post(
        'huge-string',
        pick(r, [
          () => JSON.stringify(message(r, 'tools/call', { name: huge, arguments: {} })),
          () => JSON.stringify(message(r, 'resources/read', { uri: `nope://${huge}` })),
          () => JSON.stringify(message(r, huge.slice(0, 5000), {})),
        ])(),
      );
    }
    case 7: {
      const depth = 65 + int(r, 10_000);
      return post('deep', call('['.repeat(depth) + ']'.repeat(depth)));
    }
    case 8: {
      const bad = Buffer.from([0xff, 0xfe, 0xc0, 0x80, 0xed, 0xa0, 0x80].slice(0, 1 + int(r, 7)));
      const [head, tail] = pick(r, [
        ['{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"', '","arguments":{}}}'],
        ['{"jsonrpc":"2.0","id":1,"method":"', '"}'],
        ['{"jsonrpc":"2.0","id":1,', '}'],
      ]);
      return post('bad-utf8', Buffer.concat([Buffer.from(head), bad, Buffer.from(tail)]));
    }
    case 9:
      return post(
        'unknown-method',
        JSON.stringify(message(r, pick(r, ['foo', 'tools/nope', junk(r, 30)]), {})),
      );
    case 10: {
      const items = Array.from({ length: int(r, 4) }, () => message(r, 'tools/list', {}));
      return post('batch', JSON.stringify(items));
    }
    case 11:
      return post('bad-session', JSON.stringify(message(r, 'tools/list', {})), {
        ...session,
        'mcp-session-id': pick(r, ['', 'x', junk(r, 80), '00000000-0000-0000-0000-000000000000']),
      });
    case 12:
      return post('bad-version', JSON.stringify(message(r, 'tools/list', {})), {
        ...session,
        'mcp-protocol-version': pick(r, ['1999-01-01', 'latest', junk(r, 20), '2025-06-18x']),
      });
    case 13: {
      const headers: Record<string, string> = {
        ...session,
        'content-type': pick(r, ['text/plain', 'application/xml', 'multipart/form-data; boundary=x']),
      };
      if (r() < 0.3) headers.accept = pick(r, ['text/html', 'application/json']);
      return post('content-type', JSON.stringify(message(r, 'tools/list', {})), headers);
    }
    case 14:
      return post('oversize', call(`{"pad":"${'y'.repeat(ctx.maxBody + int(r, 4096))}"}`));
    case 15: {
      const envelope = r() < 0.5;
      const params: Record<string, unknown> = {
        name: pick(r, [42, null, 'fx__nope']),
        arguments: pick(r, NOT_RECORDS),
      };
      if (envelope) params._meta = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' };
      return post('modern', JSON.stringify(message(r, 'tools/call', params)), {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2026-07-28',
        'mcp-method': pick(r, ['tools/call', 'tools/list', junk(r, 10)]),
        'mcp-name': pick(r, ['fx__add', '', junk(r, 10)]),
      });
    }
    case 16:
      return {
        kind: 'get-delete',
        method: pick(r, ['GET', 'DELETE']),
        headers: {
          ...session,
          accept: pick(r, ['text/html', 'text/event-stream']),
          'mcp-session-id': junk(r, 40),
        },
      };
    default:
      return post('empty', pick(r, ['', ' ', '\n']));
  }
}
