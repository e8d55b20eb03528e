/** gateway.auth.policies: each principal sees and may use only what its rules permit, in both eras. */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { Gateway } from '../../../src/gateway.js';
import { fixtureStdio, startGateway, text, waitFor } from '../../helpers/gateway.js';
import { json, raw } from '../../helpers/http.js';
import { AUDIENCE, ISSUER, JwksServer, makeKey, sign, type SigningKey } from '../../helpers/jwt.js';

const ALICE = { authorization: 'Bearer alice-key-0123456789' };
const BOB = { authorization: 'Bearer bob-key-0123456789ab' };
const CAROL = { 'x-api-key': 'carol-key-0123456789' };

const policies = (bobTools: string) => `    policies:
      - name: admins
        match: { key: alice }
      - name: bob-limited
        match: { key: bob }
        allow: { tools: [${bobTools}], backends: docs }
        deny: { tools: ["fx__slow"] }
      - name: readers
        match: { group: readers }
        allow: { backends: [docs] }
`;

let gateway: Gateway;
let url: URL;
let file: string;
let jwks: JwksServer;
let key: SigningKey;
let yaml: (bobTools: string, fxExtra?: string) => string;
const clients: Client[] = [];

before(async () => {
  jwks = new JwksServer();
  key = await makeKey('k1');
  jwks.keys = [key.jwk];
  const jwksUrl = await jwks.start();
  yaml = (bobTools, fxExtra = '') => `gateway:
  auth:
    api_keys:
      - { name: alice, key: "alice-key-0123456789" }
      - { name: bob, key: "bob-key-0123456789ab" }
      - { name: carol, key: "carol-key-0123456789" }
    jwt: { issuer: "${ISSUER}", audience: ${AUDIENCE}, jwks_url: "${jwksUrl}" }
${policies(bobTools)}mcpServers:
${fixtureStdio('fx', fxExtra, { FIXTURE_INSTRUCTIONS: 'fx secrets inside' })}
${fixtureStdio('docs', '', { FIXTURE_INSTRUCTIONS: 'docs how-to' })}`;
  ({ gateway, url, file } = await startGateway(yaml('"fx__add", "fx__slow"')));
});
after(async () => {
  for (const c of clients) await c.close().catch(() => {});
  await gateway?.close();
  await jwks.close();
});

async function connect(headers: Record<string, string>, modern = false) {
  const client = new Client(
    { name: 'policy-test', version: '1.0.0' },
    modern ? { versionNegotiation: { mode: 'auto' } } : {},
  );
  const changed = { tools: 0 };
  client.setNotificationHandler('notifications/tools/list_changed', () => void changed.tools++);
  await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers } }));
  clients.push(client);
  return { client, changed };
}

const names = async (client: Client) => (await client.listTools()).tools.map((t) => t.name).sort();

/** The JSON-RPC error code of a rejected request. */
async function code(p: Promise<unknown>): Promise<number> {
  try {
    await p;
  } catch (err) {
    return (err as { code: number }).code;
  }
  assert.fail('expected a JSON-RPC error');
}

const discover = (client: Client, args: Record<string, unknown>) =>
  client.callTool({ name: 'smart_tool_discovery', arguments: args });
const found = (result: unknown) =>
  (result as { structuredContent: { tools: { name: string }[] } }).structuredContent.tools.map((t) => t.name);

for (const modern of [false, true]) {
  describe(`${modern ? '2026-07-28' : '2025'} era`, () => {
    it('lists, calls and discovers only the tools a policy permits', async () => {
      const { client: alice } = await connect(ALICE, modern);
      const { client: bob } = await connect(BOB, modern);
      const all = await names(alice);
      assert.ok(all.includes('fx__pid') && all.includes('docs__add'), all.join());
      const bobs = await names(bob);
      assert.ok(bobs.includes('fx__add') && bobs.includes('docs__pid'), bobs.join());
      assert.ok(bobs.includes('smart_tool_discovery'));
      assert.ok(!bobs.includes('fx__pid'), 'not allowed');
      assert.ok(!bobs.includes('fx__slow'), 'allowed, but denied: deny wins');
      assert.equal(text(await bob.callTool({ name: 'fx__add', arguments: { a: 2, b: 3 } })), '5');
      assert.equal(await code(bob.callTool({ name: 'fx__pid', arguments: {} })), -32003);
      await assert.rejects(bob.callTool({ name: 'fx__slow', arguments: {} }), /not permitted/);

      const search = await discover(bob, { request: 'process ids of this server', limit: 10 });
      assert.ok(!found(search).includes('fx__pid'), found(search).join());
      assert.ok(found(search).includes('docs__pid'), 'a permitted match is still found');
      assert.ok(
        found(await discover(alice, { request: 'process ids of this server', limit: 10 })).includes(
          'fx__pid',
        ),
      );
      assert.equal(await code(discover(bob, { tool_name: 'fx__pid' })), -32003, 'execute by name refused');
      const scoped = await discover(bob, { request: 'process ids', backend: 'fx' });
      assert.ok(!found(scoped).includes('fx__pid'));
    });

    it("hides a denied backend's resources and prompts, and refuses them", async () => {
      const { client: alice } = await connect(ALICE, modern);
      const { client: bob } = await connect(BOB, modern);
      assert.deepEqual(
        (await alice.listResources()).resources.map((r) => r.uri),
        ['fixture://static'],
        "fx's (docs offers the same URI: a collision reads from fx)",
      );
      assert.deepEqual((await bob.listResources()).resources, []);
      assert.equal((await alice.listResourceTemplates()).resourceTemplates.length, 2);
      assert.equal((await bob.listResourceTemplates()).resourceTemplates.length, 1, "docs' only");
      assert.deepEqual(
        (await bob.listPrompts()).prompts.map((p) => p.name),
        ['docs__greet'],
      );
      assert.equal(await code(bob.readResource({ uri: 'fixture://static' })), -32003);
      assert.equal(await code(bob.getPrompt({ name: 'fx__greet', arguments: { name: 'x' } })), -32003);
      const greeting = await bob.getPrompt({ name: 'docs__greet', arguments: { name: 'bob' } });
      assert.equal((greeting.messages[0]!.content as { text: string }).text, 'Hello bob');
      const ref = { type: 'ref/prompt' as const, name: 'fx__greet' };
      assert.equal(await code(bob.complete({ ref, argument: { name: 'name', value: 'al' } })), -32003);
      if (!modern) {
        assert.equal(await code(bob.subscribeResource({ uri: 'fixture://static' })), -32003);
        await alice.subscribeResource({ uri: 'fixture://static' });
      }
      assert.match(JSON.stringify(await alice.readResource({ uri: 'fixture://static' })), /static text/);
    });
  });
}

describe('principals and claims', () => {
  it('gives a principal that matches no rule nothing', async () => {
    const { client: carol } = await connect(CAROL);
    assert.deepEqual(await names(carol), []);
    assert.equal(await code(carol.callTool({ name: 'fx__add', arguments: { a: 1, b: 1 } })), -32003);
    assert.equal(await code(discover(carol, { request: 'add numbers' })), -32003);
  });

  it('matches JWT groups: a reader gets the docs backend only', async () => {
    const token = await sign(key, { sub: 'dave', groups: ['readers', 'staff'] });
    const { client: dave } = await connect({ authorization: `Bearer ${token}` }, true);
    const tools = await names(dave);
    assert.ok(tools.length > 1 && tools.every((t) => t.startsWith('docs__') || t === 'smart_tool_discovery'));
    assert.equal(await code(dave.callTool({ name: 'fx__add', arguments: { a: 1, b: 1 } })), -32003);
    const other = await sign(key, { sub: 'erin', groups: ['staff'] });
    const { client: erin } = await connect({ authorization: `Bearer ${other}` });
    assert.deepEqual(await names(erin), [], 'no group matches');
  });

  it("shows only usable backends' instructions, and marks 2026 lists private", async () => {
    const { client: bob } = await connect(BOB);
    assert.match(bob.getInstructions() ?? '', /fx secrets inside[^]*docs how-to/, 'bob may call fx__add');
    const token = await sign(key, { sub: 'dave', groups: ['readers'] });
    const DAVE = { authorization: `Bearer ${token}` };
    const { client: dave } = await connect(DAVE);
    assert.match(dave.getInstructions() ?? '', /docs how-to/);
    assert.doesNotMatch(dave.getInstructions() ?? '', /fx secrets/);
    const body = {
      jsonrpc: '2.0',
      id: 1,
      method: 'server/discover',
      params: {
        _meta: {
          'io.modelcontextprotocol/protocolVersion': '2026-07-28',
          'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' },
          'io.modelcontextprotocol/clientCapabilities': {},
        },
      },
    };
    const headers = {
      ...json,
      ...DAVE,
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': 'server/discover',
    };
    const res = await raw(url, 'POST', headers, JSON.stringify(body));
    assert.equal(res.status, 200, res.body);
    assert.match(res.body, /docs how-to/);
    assert.doesNotMatch(res.body, /fx secrets/);
    const { client: modern } = await connect(DAVE, true);
    const listed = (await modern.listTools()) as { cacheScope?: string };
    assert.equal(listed.cacheScope, 'private', 'a filtered list is never cached for others');
  });
});

describe('reload', () => {
  it('applies changed policies to open sessions and tells them their tools changed', async () => {
    const { client: bob, changed } = await connect(BOB);
    assert.ok(!(await names(bob)).includes('fx__pid'));
    writeFileSync(file, yaml('"fx__add", "fx__pid"'));
    await gateway.reload();
    await waitFor(() => changed.tools > 0, 10_000, 'tools/list_changed after a policy change');
    assert.ok((await names(bob)).includes('fx__pid'));
    assert.equal(text(await bob.callTool({ name: 'fx__pid', arguments: {} })).includes('pid'), true);
  });

  it('tells a session only about changes it can see', async () => {
    const { client: alice, changed: aliceChanged } = await connect(ALICE);
    const { client: bob, changed: bobChanged } = await connect(BOB);
    const before = await names(bob);
    // fx__crash is hidden from bob: excluding it changes alice's list only.
    writeFileSync(file, yaml('"fx__add", "fx__pid"', '    tools: { exclude: [crash] }\n'));
    await gateway.reload();
    await waitFor(() => aliceChanged.tools > 0, 10_000, "alice's tools/list_changed");
    assert.ok(!(await names(alice)).includes('fx__crash'));
    await bob.ping();
    assert.equal(bobChanged.tools, 0);
    assert.deepEqual(await names(bob), before);
  });
});
