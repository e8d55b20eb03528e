/**
 * Tool sets with policies (a principal sees the intersection, and only the sets it may use) and across
 * reloads (a set added, changed, removed: each set's sessions told only when their set's view changed).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { Gateway } from '../../src/gateway.js';
import { fixtureStdio, startGateway, text, waitFor } from '../helpers/gateway.js';

const ALICE = { authorization: 'Bearer alice-key-0123456789' };
const BOB = { authorization: 'Bearer bob-key-0123456789ab' };

const yaml = (sets: string) => `gateway:
  auth:
    api_keys:
      - { name: alice, key: "alice-key-0123456789" }
      - { name: bob, key: "bob-key-0123456789ab" }
    policies:
      - name: admins
        match: { key: alice }
      - name: bob-limited
        match: { key: bob }
        allow: { tools: ["a__add", "a__slow", "a__pid"] }
mcpServers:
${fixtureStdio('a')}${fixtureStdio('b')}
toolsets:
${sets}`;

const SETS = `  coding:
    tools: ["a__*"]
    overrides:
      a__slow: { name: nap }
  data:
    tools: ["b__*"]
  lean:
    tools: ["b__add"]
`;

let gateway: Gateway;
let url: URL;
let file: string;
const clients: Client[] = [];

before(async () => {
  ({ gateway, url, file } = await startGateway(yaml(SETS)));
});
after(async () => {
  for (const c of clients) await c.close().catch(() => {});
  await gateway?.close();
});

async function connect(set: string, headers: Record<string, string>, modern = false) {
  const client = new Client(
    { name: 'sets-policy', version: '1.0.0' },
    modern ? { versionNegotiation: { mode: 'auto' } } : {},
  );
  const changed = { tools: 0 };
  client.setNotificationHandler('notifications/tools/list_changed', () => void changed.tools++);
  const endpoint = new URL(`${url.href}/${set}`);
  await client.connect(new StreamableHTTPClientTransport(endpoint, { requestInit: { headers } }));
  clients.push(client);
  return { client, changed };
}

const names = async (client: Client) => (await client.listTools()).tools.map((t) => t.name).sort();

async function post(set: string, headers: Record<string, string>) {
  const res = await fetch(`${url.href}/${set}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...headers,
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
  });
  return {
    status: res.status,
    message: ((await res.json()) as { error: { message: string } }).error.message,
  };
}

describe('tool sets and policies', () => {
  it('shows a principal the intersection of its policy and the set, renamed tools under their catalog names', async () => {
    const { client: bob } = await connect('coding', BOB);
    assert.deepEqual(await names(bob), ['a__add', 'a__pid', 'nap', 'smart_tool_discovery']);
    assert.equal(text(await bob.callTool({ name: 'nap', arguments: { ms: 1 } })), 'slept 1');
    await assert.rejects(bob.callTool({ name: 'a__crash', arguments: {} }), /not permitted/);
    const { client: alice } = await connect('coding', ALICE, true);
    assert.ok((await names(alice)).includes('a__crash'));
  });

  it('names in a 404 only the sets the caller may use, and refuses the others as unknown', async () => {
    const bob = await post('data', BOB);
    assert.equal(bob.status, 404);
    assert.match(bob.message, /Unknown tool set "data"; tool sets you may use: \/mcp\/coding$/);
    const alice = await post('nope', ALICE);
    assert.match(alice.message, /tool sets you may use: \/mcp\/coding, \/mcp\/data, \/mcp\/lean$/);
  });
});

describe('tool sets across reloads', () => {
  it('adds, changes and removes sets, telling only the sessions whose set changed', async () => {
    const coding = await connect('coding', ALICE);
    const data = await connect('data', ALICE);
    const lean = await connect('lean', ALICE);
    const listening = await connect('data', ALICE, true);
    await listening.client.listen({ toolsListChanged: true });
    assert.equal((await post('ops', ALICE)).status, 404);

    const changedData = SETS.replace('lean:\n    tools: ["b__add"]\n', 'ops:\n    tools: a__pid\n').replace(
      'tools: ["b__*"]',
      'tools: ["b__*"]\n    exclude_tools: b__crash',
    );
    writeFileSync(file, yaml(changedData));
    await gateway.reload();
    await waitFor(() => data.changed.tools > 0, 10_000, 'data told its list changed');
    await waitFor(() => listening.changed.tools > 0, 10_000, 'the 2026 listen stream of data told');
    await waitFor(() => lean.changed.tools > 0, 10_000, 'the removed set told its list changed');
    assert.ok(!(await names(data.client)).includes('b__crash'));
    assert.ok(!(await names(listening.client)).includes('b__crash'));
    assert.equal((await post('lean', ALICE)).status, 404, 'the removed set is gone');
    const ops = await connect('ops', ALICE);
    assert.deepEqual(await names(ops.client), ['a__pid', 'smart_tool_discovery']);

    // Coding's view did not change: it is told only of the next reload, which changes it.
    writeFileSync(file, yaml(changedData.replace('a__slow: { name: nap }', 'a__slow: { name: siesta }')));
    await gateway.reload();
    await waitFor(() => coding.changed.tools > 0, 10_000, 'coding told its list changed');
    assert.equal(coding.changed.tools, 1, 'coding was not told of the reload that did not change it');
    assert.equal(data.changed.tools, 1, 'data was not told of the reload that changed only coding');
    assert.ok((await names(coding.client)).includes('siesta'));
  });
});
