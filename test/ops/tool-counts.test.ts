/**
 * One tool count everywhere: what a caller may use (the backend's `tools` filters and the caller's policies
 * applied), with the upstream's own count beside it for operators, in /readyz, `switchboard status`,
 * /v1/backends (the console) and tools/list.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { status } from '../../src/cli-status.js';
import type { Gateway } from '../../src/gateway.js';
import { fixtureStdio, startGateway } from '../helpers/gateway.js';

const OPS = 'ops-key-0123456789abcdef';
const USER = 'user-key-0123456789abcdef';

type Ready = { tools: number; backends: Record<string, { tools: number; upstreamTools: number }> };
type Rows = { backends: { name: string; tools: number; upstreamTools?: number }[] };

describe('tool counts', () => {
  let gateway: Gateway;
  let url: URL;
  before(async () => {
    ({ gateway, url } = await startGateway(`gateway:
  auth:
    api_keys:
      - { name: ops, key: "${OPS}", operator: true }
      - { name: user, key: "${USER}" }
    policies:
      - { match: { principal: ops } }
      - { match: { principal: user }, allow: { tools: [a__add, b__add, b__echo] } }
mcpServers:
${fixtureStdio('a', '    tools: { exclude: [crash, slow] }\n')}${fixtureStdio('b')}`));
  });
  after(() => gateway.close());

  /** The tool names a principal's tools/list shows. */
  async function listed(key: string): Promise<string[]> {
    const client = new Client({ name: 'counts', version: '1' });
    await client.connect(
      new StreamableHTTPClientTransport(url, {
        requestInit: { headers: { authorization: `Bearer ${key}` } },
      }),
    );
    try {
      return (await client.listTools()).tools.map((t) => t.name);
    } finally {
      await client.close();
    }
  }
  const get = async <T>(path: string, key: string) =>
    (await (await fetch(new URL(path, url), { headers: { authorization: `Bearer ${key}` } })).json()) as T;
  const of = (names: string[], backend: string) => names.filter((n) => n.startsWith(`${backend}__`)).length;

  it('/readyz counts what the operator may use, and tools/list as the operator gets it', async () => {
    const names = await listed(OPS);
    const upstream = gateway.catalog.backend('b')!.catalog.tools.length;
    const ready = await get<Ready>('/readyz', OPS);
    assert.equal(ready.tools, names.length, 'the top-level count is the length of tools/list');
    assert.ok(names.includes('smart_tool_discovery'));
    assert.equal(ready.backends.a!.tools, of(names, 'a'));
    assert.equal(ready.backends.a!.upstreamTools, upstream, 'a runs the same fixture as b');
    assert.equal(ready.backends.a!.tools, upstream - 2, 'two tools filtered out of a');
    assert.equal(ready.backends.b!.tools, upstream);

    const lines = await status({ url: url.href, credential: OPS, json: false });
    assert.ok(
      lines.includes(
        `tools:    ${names.length} in tools/list (${names.length - 1} of backends + 1 of the gateway: smart_tool_discovery)`,
      ),
      lines.join('\n'),
    );
    const row = (b: string) => lines.find((l) => l.startsWith(`${b} `))!.split(/\s{2,}/);
    assert.equal(row('a')[4], `${upstream - 2} of ${upstream}`);
    assert.equal(row('b')[4], String(upstream));
  });

  it('/v1/backends (the console) counts what the caller may use; the upstream count only for operators', async () => {
    const names = await listed(USER);
    const rows = await get<Rows>('/v1/backends', USER);
    for (const b of ['a', 'b']) {
      const row = rows.backends.find((r) => r.name === b)!;
      assert.equal(row.tools, of(names, b), b);
      assert.equal(row.upstreamTools, undefined, 'a client is not told what its policy hides');
    }
    const ops = await get<Rows>('/v1/backends', OPS);
    assert.equal(
      ops.backends.find((r) => r.name === 'a')!.upstreamTools,
      gateway.catalog.backend('a')!.catalog.tools.length,
    );
  });
});
