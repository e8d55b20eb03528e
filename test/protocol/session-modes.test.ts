/** session_mode per_client: one upstream session per client, opened on first use, closed with the client or when idle. */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { isAlive } from '../../src/backends/supervision/process-tree.js';
import type { Gateway } from '../../src/gateway.js';
import {
  FIXTURE,
  fixtureStdio,
  freePort,
  startGateway,
  startUpstream,
  stopProcess,
  text,
  waitFor,
} from '../helpers/gateway.js';

type Session = { client: Client; transport: StreamableHTTPClientTransport };

describe('session_mode: per_client', () => {
  let gateway: Gateway;
  let url: URL;
  let upstream: ChildProcess;
  const sessions: Session[] = [];
  const connect = async (headers: Record<string, string> = {}, capabilities = {}): Promise<Session> => {
    const client = new Client({ name: 'per-client-test', version: '1.0.0' }, { capabilities });
    const transport = new StreamableHTTPClientTransport(url, { requestInit: { headers } });
    await client.connect(transport);
    sessions.push({ client, transport });
    return { client, transport };
  };
  const call = async (client: Client, name: string, args: Record<string, unknown> = {}) =>
    JSON.parse(text(await client.callTool({ name, arguments: args }))) as unknown;
  const perClient = (name: string) => gateway.pool.get(name)!.clientSessions!;

  before(async () => {
    const port = await freePort();
    upstream = await startUpstream(['--import', 'tsx', FIXTURE, 'http'], port, { FIXTURE_NAME: 'hdr' });
    ({ gateway, url } = await startGateway(`
mcpServers:
${fixtureStdio('pc', '    session_mode: per_client\n')}
${fixtureStdio('sh')}
${fixtureStdio('idle', '    session_mode: per_client\n    idle_timeout: 400ms\n')}
${fixtureStdio('cap', '    session_mode: per_client\n    max_sessions: 1\n')}
httpServices:
  hdr:
    base_url: http://127.0.0.1:${port}/mcp
    headers: { X-Static: configured }
    session_mode: per_client
    forward_headers: [X-User]
`));
  });

  after(async () => {
    for (const s of sessions) await s.client.close().catch(() => {});
    await gateway?.close();
    if (upstream) await stopProcess(upstream);
  });

  it('keeps separate upstream state per client, opened on first use', async () => {
    const a = await connect();
    const b = await connect();
    const before = perClient('pc').size;
    assert.equal(await call(a.client, 'pc__counter'), 1);
    assert.equal(perClient('pc').size, before + 1, 'opened on first use');
    assert.equal(await call(a.client, 'pc__counter'), 2);
    assert.equal(await call(b.client, 'pc__counter'), 1);
    assert.equal(await call(a.client, 'pc__counter'), 3);
    assert.equal(perClient('pc').size, before + 2);
    // The shared backend, for contrast, counts both clients together.
    assert.equal(await call(a.client, 'sh__counter'), 1);
    assert.equal(await call(b.client, 'sh__counter'), 2);
  });

  it("closes a client's upstream session (and its process) when the client's session ends", async () => {
    const a = await connect();
    const { pid } = (await call(a.client, 'pc__pid')) as { pid: number };
    const open = perClient('pc').size;
    assert.ok(isAlive(pid));
    await a.transport.terminateSession();
    await waitFor(() => !isAlive(pid), 5000, 'per-client child terminated');
    assert.equal(perClient('pc').size, open - 1);
  });

  it('closes an upstream session idle longer than idle_timeout and reopens it on next use', async () => {
    const a = await connect();
    const first = (await call(a.client, 'idle__pid')) as { pid: number };
    await waitFor(() => !isAlive(first.pid), 5000, 'idle per-client child closed');
    assert.equal(perClient('idle').size, 0);
    const second = (await call(a.client, 'idle__pid')) as { pid: number };
    assert.notEqual(second.pid, first.pid);
    assert.equal(await call(a.client, 'idle__counter'), 1, 'a fresh upstream session');
  });

  it('refuses clients beyond max_sessions with a clear error', async () => {
    const a = await connect();
    const b = await connect();
    assert.equal(await call(a.client, 'cap__counter'), 1);
    const refused = await b.client.callTool({ name: 'cap__counter', arguments: {} });
    assert.equal(refused.isError, true);
    assert.match(text(refused), /backend "cap" already has 1 upstream sessions open \(max_sessions\)/);
    assert.deepEqual(refused._meta, {
      'switchboard/error': { code: 'upstream_sessions_full', backend: 'cap' },
    });
    await a.transport.terminateSession();
    await waitFor(() => perClient('cap').size === 0, 5000, 'slot released');
    assert.equal(await call(b.client, 'cap__counter'), 1);
  });

  it("passes each client's forward_headers to its own upstream session", async () => {
    const alice = await connect({ 'X-User': 'alice' });
    const bob = await connect({ 'X-User': 'bob' });
    const seenA = (await call(alice.client, 'hdr__headers')) as Record<string, string>;
    const seenB = (await call(bob.client, 'hdr__headers')) as Record<string, string>;
    assert.equal(seenA['x-user'], 'alice');
    assert.equal(seenB['x-user'], 'bob');
    assert.equal(seenA['x-static'], 'configured');
  });

  it("applies a level set before first use when the client's upstream session opens", async () => {
    const a = await connect();
    await a.client.setLoggingLevel('notice');
    assert.deepEqual(await call(a.client, 'pc__log_levels'), ['notice']);
  });

  it('relays server-to-client requests to the owning client, declaring only its capabilities', async () => {
    const capable = await connect({}, { sampling: {} });
    capable.client.setRequestHandler('sampling/createMessage', () => ({
      role: 'assistant',
      model: 'm',
      content: { type: 'text', text: 'per-client sample' },
    }));
    const params = { messages: [{ role: 'user', content: { type: 'text', text: 'hi' } }], maxTokens: 5 };
    const answered = (await call(capable.client, 'pc__ask_client', {
      method: 'sampling/createMessage',
      params,
    })) as { result?: { content: { text: string } } };
    assert.equal(answered.result?.content.text, 'per-client sample');

    const plain = await connect();
    const refused = (await call(plain.client, 'pc__ask_client', {
      method: 'sampling/createMessage',
      params,
    })) as {
      error?: { code: number };
    };
    assert.equal(refused.error?.code, -32009);
  });
});
