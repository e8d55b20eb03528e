/** Tool sets on the other fronts: /sse/<set> (2024-11-05 clients), /ws/<set>, /v1/<set> and `switchboard stdio --toolset`. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { Client, SSEClientTransport, type Transport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { WebSocketClientTransport, WebSocketUpgradeError } from '../../src/frontends/ws-client.js';
import type { Gateway } from '../../src/gateway.js';
import { fixtureStdio, ROOT, startGateway, text, waitFor, writeConfig } from '../helpers/gateway.js';
import { sdkProgressRace, tap } from '../frontends/suite.js';

const yaml = (rename: string) => `mcpServers:
${fixtureStdio('a')}${fixtureStdio('b')}
toolsets:
  coding:
    tools: ["a__*"]
    overrides:
      a__slow: { name: ${rename} }
`;

describe('tool sets on /sse/<set> and /ws/<set>', () => {
  let gateway: Gateway;
  let base: URL;
  let file: string;
  const clients: Client[] = [];
  before(async () => {
    ({ gateway, url: base, file } = await startGateway(yaml('nap')));
  });
  after(async () => {
    for (const c of clients) await c.close().catch(() => {});
    await gateway?.close();
  });

  async function connect(transport: Transport, legacy = false) {
    const client = new Client(
      { name: 'sets-fronts', version: '1.0.0' },
      legacy ? { supportedProtocolVersions: ['2024-11-05'] } : {},
    );
    const changed = { tools: 0 };
    client.setNotificationHandler('notifications/tools/list_changed', () => void changed.tools++);
    client.onerror = (err) => assert.ok(sdkProgressRace(err), String(err));
    await client.connect(transport);
    clients.push(client);
    return { client, changed, wire: tap(transport) };
  }

  const fronts = {
    sse: () => connect(new SSEClientTransport(new URL('/sse/coding', base)), true),
    ws: () => connect(new WebSocketClientTransport(new URL('/ws/coding', base.href.replace(/^http/, 'ws')))),
  };

  for (const [front, open] of Object.entries(fronts)) {
    it(`serves the set on /${front}/<set>: its tools, a renamed tool called with progress`, async () => {
      const { client, wire } = await open();
      const names = (await client.listTools()).tools.map((t) => t.name);
      assert.ok(names.includes('nap') && names.includes('a__add'), names.join());
      assert.ok(!names.includes('a__slow') && !names.some((n) => n.startsWith('b__')));
      // On the wire (see test/frontends/suite.ts): the SDK may handle progress after the response it precedes.
      const from = wire.length;
      const r = await client.callTool(
        { name: 'nap', arguments: { ms: 30, steps: 2 } },
        { onprogress: () => {} },
      );
      assert.equal(text(r), 'slept 30');
      const progress = wire
        .slice(from)
        .flatMap((m) => ('method' in m && m.method === 'notifications/progress' ? [m.params?.progress] : []));
      assert.deepEqual(progress, [1, 2]);
      await assert.rejects(client.callTool({ name: 'b__add', arguments: { a: 1, b: 1 } }), /Unknown tool/);
    });

    it(`answers an unknown set on /${front}/<set> with 404 naming the sets`, async () => {
      const res = await fetch(new URL(`/${front}/nope`, base));
      assert.equal(res.status, 404);
      const { message } = ((await res.json()) as { error: { message: string } }).error;
      assert.match(message, new RegExp(`tool sets you may use: /${front}/coding$`));
    });
  }

  it('serves the set over REST at /v1/<set>/… with its own OpenAPI document', async () => {
    const get = async (path: string) => {
      const res = await fetch(new URL(path, base));
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const tools = (await get('/v1/coding/tools')).body.tools as { name: string; backend: string }[];
    assert.ok(tools.some((t) => t.name === 'nap' && t.backend === 'a'));
    assert.ok(!tools.some((t) => t.name.startsWith('b__')));
    const res = await fetch(new URL('/v1/coding/tools/nap/call', base), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ms: 5 }),
    });
    assert.equal(res.status, 200);
    assert.equal(text(await res.json()), 'slept 5');
    const doc = (await get('/v1/coding/openapi.json')).body as {
      paths: Record<string, unknown>;
      info: { title: string };
    };
    assert.ok('/v1/coding/tools/nap/call' in doc.paths && '/v1/coding/tools' in doc.paths);
    assert.ok(!Object.keys(doc.paths).some((p) => p.includes('b__')));
    assert.match(doc.info.title, /tool set coding/);
    const unknown = await get('/v1/nope/tools');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.code, 'unknown_toolset');
    assert.match(String(unknown.body.detail), /tool sets you may use: \/v1\/coding$/);
    const all = (await get('/v1/tools')).body.tools as { name: string }[];
    assert.ok(
      all.some((t) => t.name === 'b__add'),
      'the main REST API is unchanged',
    );
  });

  it('re-attaches a WebSocket session only on the path of its set', async () => {
    const wsBase = base.href.replace(/^http/, 'ws');
    const transport = new WebSocketClientTransport(new URL('/ws/coding', wsBase));
    const { client } = await connect(transport);
    const id = transport.session!;
    const other = new URL('/ws', wsBase);
    other.searchParams.set('session', id);
    const err = await new WebSocketClientTransport(other).start().then(
      () => assert.fail('attached to a set session on /ws'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof WebSocketUpgradeError);
    assert.equal(err.status, 404);
    const first = transport.socket!;
    first.terminate();
    assert.ok((await client.listTools()).tools.some((t) => t.name === 'nap'));
    assert.notEqual(transport.socket, first, 're-attached on its own path');
    assert.equal(transport.session, id);
  });

  it('tells the sets sessions on every front when the set changes on reload', async () => {
    const sse = await fronts.sse();
    const ws = await fronts.ws();
    writeFileSync(file, yaml('siesta'));
    await gateway.reload();
    await waitFor(() => sse.changed.tools > 0 && ws.changed.tools > 0, 10_000, 'list_changed on both');
    for (const { client } of [sse, ws]) {
      assert.ok((await client.listTools()).tools.some((t) => t.name === 'siesta'));
    }
  });
});

describe('switchboard stdio --toolset', () => {
  const CLI = join(ROOT, 'src/cli.ts');
  const file = writeConfig(yaml('nap'));
  const args = (set: string) => [
    '--import',
    'tsx',
    CLI,
    'stdio',
    '--no-watch',
    '--config',
    file,
    '--toolset',
    set,
  ];

  it('serves one set over stdio', async () => {
    const client = new Client({ name: 'sets-stdio', version: '1.0.0' });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: args('coding'),
        cwd: ROOT,
        env: { ...process.env, SWITCHBOARD_LOG_LEVEL: 'warn' } as Record<string, string>,
      }),
    );
    try {
      const names = (await client.listTools()).tools.map((t) => t.name);
      assert.ok(names.includes('nap') && !names.some((n) => n.startsWith('b__')), names.join());
      assert.equal(text(await client.callTool({ name: 'nap', arguments: { ms: 1 } })), 'slept 1');
    } finally {
      await client.close();
    }
  });

  it('refuses an unknown set, naming those of the config', () => {
    const run = spawnSync(process.execPath, args('nope'), { cwd: ROOT, input: '', encoding: 'utf8' });
    assert.equal(run.status, 1);
    assert.match(run.stderr, /unknown tool set "nope" \(--toolset\); the config has: coding/);
  });
});
