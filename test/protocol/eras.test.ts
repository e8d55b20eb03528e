/**
 * Both protocol eras, end to end: {2025 client, 2026-07-28 client} × {2025 upstream, 2026-07-28 upstream} ×
 * {stdio, Streamable HTTP}, with real v2 SDK clients and fixture servers written with the v2 SDK; the whole
 * matrix runs with the relay path on (the default) and off (`gateway.relay_path: false`).
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client, LOG_LEVEL_META_KEY, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { Gateway } from '../../src/gateway.js';
import { relayCounts } from '../../src/server/relay/relay-path.js';
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

type ClientEra = 'legacy' | 'modern';

interface Upstream {
  label: string;
  era: '2025-11-25' | '2026-07-28';
  /** YAML of the backend named `up`. */
  yaml: () => Promise<string>;
}

const children: ChildProcess[] = [];
after(async () => {
  for (const c of children) await stopProcess(c);
});

async function httpUpstream(env: Record<string, string>): Promise<string> {
  const port = await freePort();
  children.push(
    await startUpstream(['--import', 'tsx', FIXTURE, 'http'], port, { FIXTURE_NAME: 'up', ...env }),
  );
  return `http://127.0.0.1:${port}/mcp`;
}

const UPSTREAMS: Upstream[] = [
  {
    label: 'stdio, 2025-11-25',
    era: '2025-11-25',
    yaml: async () => `mcpServers:\n${fixtureStdio('up')}`,
  },
  {
    label: 'stdio, 2026-07-28',
    era: '2026-07-28',
    yaml: async () =>
      `mcpServers:\n${fixtureStdio('up', '    protocol: "2026-07-28"\n', { FIXTURE_ERA: '2026' })}`,
  },
  {
    label: 'Streamable HTTP, 2025-11-25 (auto)',
    era: '2025-11-25',
    yaml: async () => `httpServices:\n  up:\n    base_url: ${await httpUpstream({})}\n`,
  },
  {
    label: 'Streamable HTTP, 2026-07-28 (auto)',
    era: '2026-07-28',
    yaml: async () => `httpServices:\n  up:\n    base_url: ${await httpUpstream({ FIXTURE_ERA: '2026' })}\n`,
  },
];

const CAPABILITIES = { elicitation: { form: {} }, sampling: {}, roots: { listChanged: true } };

/** A v2 SDK client of either era that answers elicitation, sampling and roots, recording notifications. */
async function connect(url: URL, era: ClientEra) {
  const client = new Client(
    { name: `eras-${era}`, version: '1.0.0' },
    { capabilities: CAPABILITIES, versionNegotiation: { mode: era === 'modern' ? 'auto' : 'legacy' } },
  );
  client.setRequestHandler('elicitation/create', async () => ({
    action: 'accept',
    content: { name: 'Ada' },
  }));
  client.setRequestHandler('sampling/createMessage', async () => ({
    role: 'assistant',
    content: { type: 'text', text: 'sampled' },
    model: 'test-model',
  }));
  client.setRequestHandler('roots/list', async () => ({ roots: [{ uri: 'file:///work', name: 'work' }] }));
  const seen = { logs: [] as string[], updated: [] as string[], toolsChanged: 0 };
  client.setNotificationHandler('notifications/message', (n) => void seen.logs.push(n.params.level));
  client.setNotificationHandler(
    'notifications/resources/updated',
    (n) => void seen.updated.push(n.params.uri),
  );
  client.setNotificationHandler('notifications/tools/list_changed', () => void seen.toolsChanged++);
  await client.connect(new StreamableHTTPClientTransport(url));
  assert.equal(client.getProtocolEra(), era, `the client speaks the ${era} era`);
  return { client, seen };
}

const json = <T>(r: unknown) => JSON.parse(text(r)) as T;

for (const [relay, upstream] of [true, false].flatMap((r) => UPSTREAMS.map((u) => [r, u] as const))) {
  describe(`upstream: ${upstream.label}, relay path ${relay ? 'on' : 'off'}`, () => {
    let gateway: Gateway;
    let url: URL;
    let relayedBefore = 0;
    before(async () => {
      relayedBefore = relayCounts.served;
      ({ gateway, url } = await startGateway(`gateway:\n  relay_path: ${relay}\n${await upstream.yaml()}`));
    });
    after(() => gateway?.close());

    it('negotiates the upstream era and shows it in /readyz', () => {
      const up = gateway.readiness().backends as Record<string, { state: string; protocol?: string }>;
      assert.equal(up.up?.state, 'ready');
      assert.equal(up.up?.protocol, upstream.era);
    });

    for (const era of ['legacy', 'modern'] as const) {
      describe(`${era === 'legacy' ? '2025-11-25' : '2026-07-28'} client`, () => {
        let c: Awaited<ReturnType<typeof connect>>;
        before(async () => {
          c = await connect(url, era);
        });
        after(() => c?.client.close());

        it('lists and calls tools, relaying progress', async () => {
          const names = (await c.client.listTools()).tools.map((t) => t.name);
          assert.ok(names.includes('up__add') && names.includes('smart_tool_discovery'));
          assert.equal(text(await c.client.callTool({ name: 'up__add', arguments: { a: 1, b: 2 } })), '3');
          const progress: number[] = [];
          const slow = await c.client.callTool(
            { name: 'up__slow', arguments: { ms: 60, steps: 3 } },
            { onprogress: (p) => progress.push(p.progress) },
          );
          assert.equal(text(slow), 'slept 60');
          assert.deepEqual(progress, [1, 2, 3]);
          // A 2025 client's plain calls take the relay path when it is on, and only then.
          if (!relay) assert.equal(relayCounts.served, relayedBefore, 'relay path off: nothing relayed');
          else if (era === 'legacy') assert.ok(relayCounts.served > relayedBefore, 'calls were relayed');
        });

        it('completes elicitation, sampling and roots round trips asked mid-call', async () => {
          const asks: [string, Record<string, unknown>, (r: unknown) => void][] = [
            [
              'elicitation/create',
              {
                message: 'name?',
                requestedSchema: { type: 'object', properties: { name: { type: 'string' } } },
              },
              (r) => assert.deepEqual(r, { action: 'accept', content: { name: 'Ada' } }),
            ],
            [
              'sampling/createMessage',
              { messages: [{ role: 'user', content: { type: 'text', text: 'hi' } }], maxTokens: 10 },
              (r) => assert.equal((r as { content: { text: string } }).content.text, 'sampled'),
            ],
            [
              'roots/list',
              {},
              (r) => assert.deepEqual(r, { roots: [{ uri: 'file:///work', name: 'work' }] }),
            ],
          ];
          // 2026-style (input_required) on every upstream; 2025-style pushes only where the upstream has a session.
          const tools = upstream.era === '2025-11-25' ? ['ask_input', 'ask_client'] : ['ask_input'];
          for (const tool of tools) {
            for (const [method, params, check] of asks) {
              const r = json<{ answer?: unknown; result?: unknown; error?: unknown }>(
                await c.client.callTool({ name: `up__${tool}`, arguments: { method, params } }),
              );
              assert.equal(r.error, undefined, `${tool} ${method}: ${JSON.stringify(r.error)}`);
              check(r.answer ?? r.result);
            }
          }
        });

        it('reads resources, gets prompts and completes arguments', async () => {
          const read = await c.client.readResource({ uri: 'fixture://items/7' });
          assert.deepEqual(read.contents, [{ uri: 'fixture://items/7', text: 'item 7' }]);
          const prompt = await c.client.getPrompt({ name: 'up__greet', arguments: { name: 'Grace' } });
          assert.deepEqual(prompt.messages[0]?.content, { type: 'text', text: 'Hello Grace' });
          const done = await c.client.complete({
            ref: { type: 'ref/prompt', name: 'up__greet' },
            argument: { name: 'name', value: 'al' },
          });
          assert.deepEqual(done.completion.values, ['alice', 'albert']);
        });

        it('cancels a call upstream when the client cancels it', async () => {
          const label = `cancel-${era}`;
          const abort = new AbortController();
          const call = c.client.callTool(
            { name: 'up__wait_for_cancel', arguments: { label, ms: 30_000 } },
            { signal: abort.signal, onprogress: () => abort.abort() },
          );
          await assert.rejects(call);
          await waitFor(
            async () =>
              json<string[]>(await c.client.callTool({ name: 'up__cancellations', arguments: {} })).includes(
                label,
              ),
            10_000,
            'the upstream saw the cancellation',
          );
        });

        it('delivers log messages at the level the client asked for', async () => {
          c.seen.logs.length = 0;
          const params = { name: 'up__log', arguments: { levels: ['debug', 'info', 'error'] } };
          if (era === 'legacy') {
            await c.client.setLoggingLevel('info');
            await c.client.callTool(params);
          } else {
            await c.client.callTool({ ...params, _meta: { [LOG_LEVEL_META_KEY]: 'info' } });
          }
          await waitFor(() => c.seen.logs.length >= 2, 5000, 'log messages');
          assert.deepEqual(c.seen.logs, ['info', 'error']);
        });

        it('tells a subscribed client that a resource was updated', async () => {
          const uri = 'fixture://static';
          if (era === 'legacy') await c.client.subscribeResource({ uri });
          else await c.client.listen({ resourceSubscriptions: [uri] });
          await waitFor(
            async () => {
              await c.client.callTool({ name: 'up__touch', arguments: { uri } });
              return c.seen.updated.includes(uri);
            },
            10_000,
            'notifications/resources/updated',
          );
        });

        it('tells the client when the upstream tool list changes', async () => {
          if (era === 'modern') await c.client.listen({ toolsListChanged: true });
          const before = c.seen.toolsChanged;
          const name = `added_${era}`;
          await c.client.callTool({ name: 'up__add_tool', arguments: { name } });
          await waitFor(() => c.seen.toolsChanged > before, 10_000, 'tools/list_changed');
          await waitFor(
            async () => (await c.client.listTools()).tools.some((t) => t.name === `up__${name}`),
            10_000,
            'the added tool is listed',
          );
        });
      });
    }
  });
}

describe('upstream era negotiation', () => {
  it('probes an `auto` stdio upstream once and reuses the verdict when the child restarts', async () => {
    const starts = join(mkdtempSync(join(tmpdir(), 'sb-starts-')), 'pids');
    writeFileSync(starts, '');
    const extra = '    protocol: auto\n    restart: { initial_delay: 100ms }\n';
    const { gateway, url } = await startGateway(
      `mcpServers:\n${fixtureStdio('up', extra, { FIXTURE_ERA: '2026', FIXTURE_STARTS: starts })}`,
    );
    const c = await connect(url, 'legacy');
    try {
      const pids = () => readFileSync(starts, 'utf8').trim().split('\n');
      assert.equal(gateway.pool.get('up')!.era.version, '2026-07-28');
      assert.equal(pids().length, 2, 'the first connect probed with server/discover in a second child');
      const crash = await c.client.callTool({ name: 'up__crash', arguments: {} });
      assert.equal(crash.isError, true);
      await waitFor(
        async () => !(await c.client.callTool({ name: 'up__add', arguments: { a: 1, b: 1 } })).isError,
        15_000,
        'the restarted child serves calls',
      );
      assert.equal(pids().length, 3, 'the restart started one child: no second probe');
      assert.equal(gateway.pool.get('up')!.era.version, '2026-07-28');
    } finally {
      await c.client.close();
      await gateway.close();
    }
  });
});
