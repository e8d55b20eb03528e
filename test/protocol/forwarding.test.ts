/** Through the gateway: progress, cancellation, logging, subscriptions, list_changed, roots and content, against real upstreams. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { Client } from '@modelcontextprotocol/client';
import type { LoggingMessageNotification } from '@modelcontextprotocol/client';
import type { Gateway } from '../../src/gateway.js';
import { RICH_CONTENT } from '../fixtures/servers/protocol-tools.js';
import { EVERYTHING, connectClient, fixtureStdio, startGateway, text, waitFor } from '../helpers/gateway.js';

type Connected = Awaited<ReturnType<typeof connectClient>>;

/** Records what a client is sent besides answers: log messages and resource updates. */
function record(client: Client) {
  const logs: LoggingMessageNotification['params'][] = [];
  const updates: string[] = [];
  client.setNotificationHandler('notifications/message', (n) => void logs.push(n.params));
  client.setNotificationHandler('notifications/resources/updated', (n) => void updates.push(n.params.uri));
  return { logs, updates };
}

async function json<T>(client: Client, name: string, args: Record<string, unknown> = {}): Promise<T> {
  return JSON.parse(text(await client.callTool({ name, arguments: args }))) as T;
}

describe('protocol pass-through (shared upstream sessions)', () => {
  let gateway: Gateway;
  let url: URL;
  const clients: Connected[] = [];
  const connect = async (caps: Record<string, unknown> = {}) => {
    const c = await connectClient(url, caps);
    clients.push(c);
    return c;
  };

  before(async () => {
    ({ gateway, url } = await startGateway(`
mcpServers:
${fixtureStdio('fx')}
  every:
    command: ${JSON.stringify(process.execPath)}
    args: [${JSON.stringify(EVERYTHING)}, stdio]
`));
  });

  after(async () => {
    for (const c of clients) await c.client.close().catch(() => {});
    await gateway?.close();
  });

  it("relays server-everything's progress with the client's own token", async () => {
    const { client } = await connect();
    const progress: { progress: number; total?: number }[] = [];
    const result = await client.callTool(
      { name: 'every__trigger-long-running-operation', arguments: { duration: 0.6, steps: 3 } },
      { onprogress: (p) => void progress.push({ progress: p.progress, total: p.total }) },
    );
    assert.match(text(result), /Long running operation completed/);
    assert.deepEqual(progress, [
      { progress: 1, total: 3 },
      { progress: 2, total: 3 },
      { progress: 3, total: 3 },
    ]);
  });

  it('cancels the upstream request when the client cancels, without failing the backend', async () => {
    const { client } = await connect();
    const abort = new AbortController();
    const call = client.callTool(
      { name: 'fx__wait_for_cancel', arguments: { label: 'c1', ms: 30_000 } },
      { signal: abort.signal },
    );
    setTimeout(() => abort.abort('user pressed stop'), 300);
    await assert.rejects(call);
    await waitFor(
      async () => (await json<string[]>(client, 'fx__cancellations')).includes('c1'),
      5000,
      'the upstream saw notifications/cancelled',
    );
    const fx = gateway.pool.get('fx')!;
    assert.equal(fx.state, 'ready');
    assert.equal(fx.lastError, undefined);
  });

  it('forwards logging/setLevel and delivers log messages by session level, tagged with the backend', async () => {
    const a = await connect();
    const b = await connect();
    const c = await connect();
    const [ra, rb, rc] = [record(a.client), record(b.client), record(c.client)];
    await a.client.setLoggingLevel('warning');
    await b.client.setLoggingLevel('debug');
    const levels = await json<string[]>(a.client, 'fx__log_levels');
    assert.equal(
      levels.at(-1),
      'debug',
      'the shared upstream session is set to the most verbose level asked',
    );

    await a.client.callTool({
      name: 'fx__log',
      arguments: { levels: ['debug', 'info', 'warning', 'error'], logger: 'db' },
    });
    await waitFor(() => ra.logs.length >= 2 && rb.logs.length >= 4, 5000, 'log messages delivered');
    assert.deepEqual(
      ra.logs.map((l) => [l.level, l.logger]),
      [
        ['warning', 'fx/db'],
        ['error', 'fx/db'],
      ],
    );
    assert.deepEqual(
      rb.logs.map((l) => l.level),
      ['debug', 'info', 'warning', 'error'],
    );
    assert.equal(rc.logs.length, 0, 'a session that set no level gets no upstream log messages');
  });

  it('sends list_changed only for the list that changed', async () => {
    const { client, changed } = await connect();
    const before = { ...changed };
    await client.callTool({ name: 'fx__add_tool', arguments: { name: 'runtime_tool' } });
    await waitFor(() => changed.tools > before.tools, 5000, 'tools/list_changed');
    assert.ok((await client.listTools()).tools.some((t) => t.name === 'fx__runtime_tool'));
    await client.callTool({ name: 'fx__add_prompt', arguments: { name: 'runtime_prompt' } });
    await waitFor(() => changed.prompts > before.prompts, 5000, 'prompts/list_changed');
    assert.ok((await client.listPrompts()).prompts.some((p) => p.name === 'fx__runtime_prompt'));
    assert.equal(changed.tools, before.tools + 1, 'adding a prompt did not announce tools');
    assert.equal(changed.resources, before.resources, 'resources did not change');
  });

  it('routes subscriptions, counts them per URI and delivers updates only to subscribers', async () => {
    const a = await connect();
    const b = await connect();
    const c = await connect();
    const [ra, rb, rc] = [record(a.client), record(b.client), record(c.client)];
    const uri = 'fixture://static';
    await a.client.subscribeResource({ uri });
    await b.client.subscribeResource({ uri });
    const seen = () => json<{ now: string[]; log: string[] }>(c.client, 'fx__subscriptions');
    assert.deepEqual((await seen()).log, [`+${uri}`], 'one upstream subscribe for two sessions');

    await c.client.callTool({ name: 'fx__touch', arguments: { uri } });
    await waitFor(() => ra.updates.length === 1 && rb.updates.length === 1, 5000, 'updates delivered');
    assert.deepEqual(ra.updates, [uri]);
    assert.equal(rc.updates.length, 0, 'a session that did not subscribe gets no update');

    await a.client.unsubscribeResource({ uri });
    assert.deepEqual((await seen()).log, [`+${uri}`], 'still subscribed upstream for the other session');
    await b.transport.terminateSession();
    await waitFor(async () => (await seen()).log.length === 2, 5000, 'unsubscribed upstream');
    assert.deepEqual((await seen()).log, [`+${uri}`, `-${uri}`]);
  });

  it("delivers server-everything's resource updates to the subscriber only", async () => {
    const a = await connect();
    const c = await connect();
    const [ra, rc] = [record(a.client), record(c.client)];
    const uri = (await a.client.listResources()).resources.find((r) => r.uri.startsWith('demo://'))!.uri;
    await a.client.subscribeResource({ uri });
    await a.client.callTool({ name: 'every__toggle-subscriber-updates', arguments: {} });
    try {
      await waitFor(() => ra.updates.includes(uri), 8000, 'server-everything update delivered');
      assert.equal(rc.updates.length, 0);
    } finally {
      await a.client.callTool({ name: 'every__toggle-subscriber-updates', arguments: {} });
    }
  });

  it("forwards a client's roots/list_changed to the upstreams serving it", async () => {
    const { client } = await connect({ roots: { listChanged: true } });
    const before = await json<number>(client, 'fx__roots_changed');
    await client.sendRootsListChanged();
    await waitFor(
      async () => (await json<number>(client, 'fx__roots_changed')) > before,
      5000,
      'upstream saw roots/list_changed',
    );
  });

  it('relays the end of a URL-mode elicitation to the client whose call it belongs to', async () => {
    const { client } = await connect({ elicitation: { form: {}, url: {} } });
    const ids: string[] = [];
    client.setNotificationHandler(
      'notifications/elicitation/complete',
      (n) => void ids.push(n.params.elicitationId),
    );
    await client.callTool({ name: 'fx__elicitation_complete', arguments: { id: 'e-1' } });
    assert.deepEqual(ids, ['e-1']);
  });

  it('passes every kind of content, structuredContent, isError and _meta through untouched', async () => {
    const { client } = await connect();
    const rich = await client.callTool({ name: 'fx__rich', arguments: {} });
    assert.deepEqual(rich.content, RICH_CONTENT);
    assert.deepEqual(rich.structuredContent, { answer: 42, nested: { ok: true } });
    assert.equal(rich.isError, true);
    assert.deepEqual(rich._meta, { 'fixture/trace': 'abc' });

    const direct = new Client({ name: 'direct', version: '1.0.0' });
    await direct.connect(
      new StdioClientTransport({ command: process.execPath, args: [EVERYTHING, 'stdio'] }),
    );
    try {
      const calls: [string, Record<string, unknown>][] = [
        ['get-tiny-image', {}],
        ['get-resource-links', { count: 4 }],
        ['get-structured-content', { location: 'Chicago' }],
        ['get-annotated-message', { messageType: 'error', includeImage: true }],
      ];
      for (const [name, args] of calls) {
        const expected = await direct.callTool({ name, arguments: args });
        const through = await client.callTool({ name: `every__${name}`, arguments: args });
        assert.deepEqual(through, expected, name);
      }
    } finally {
      await direct.close();
    }
  });
});

describe('upstream session state after a restart', () => {
  let gateway: Gateway;
  let url: URL;
  let session: Connected;

  before(async () => {
    ({ gateway, url } = await startGateway(
      `mcpServers:\n${fixtureStdio('rx', '    restart: { initial_delay: 100ms, max_delay: 500ms }\n')}`,
    ));
    session = await connectClient(url);
  });

  after(async () => {
    await session?.client.close();
    await gateway?.close();
  });

  it('restores the log level and subscriptions on a restarted upstream', async () => {
    const { client } = session;
    await client.setLoggingLevel('critical');
    await client.subscribeResource({ uri: 'fixture://static' });
    const before = await json<{ pid: number }>(client, 'rx__pid');
    const crash = await client.callTool({ name: 'rx__crash', arguments: {} });
    assert.equal(crash.isError, true);
    await waitFor(
      async () => (await json<{ pid: number }>(client, 'rx__pid')).pid !== before.pid,
      10_000,
      'rx restarted',
    );
    const subs = await json<{ now: string[] }>(client, 'rx__subscriptions');
    assert.ok(subs.now.includes('fixture://static'));
    // The new child process has seen exactly one logging/setLevel: the session's level, restored by the gateway.
    assert.deepEqual(await json<string[]>(client, 'rx__log_levels'), ['critical']);
  });
});
