/** `switchboard stdio`: the whole gateway as a stdio MCP server, launched the way desktop clients launch it. */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client, type JSONRPCMessage } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { ROOT, fixtureStdio, text, waitFor, writeConfig } from '../helpers/gateway.js';
import { alive, exercise, sdkProgressRace, tap } from './suite.js';

const CLI = join(ROOT, 'src/cli.ts');

describe('switchboard stdio', () => {
  let client: Client;
  let transport: StdioClientTransport;
  let file: string;
  let stderr = '';
  const errors: Error[] = [];
  let wire: JSONRPCMessage[];

  before(async () => {
    file = writeConfig(`mcpServers:\n${fixtureStdio('a', '', { FIXTURE_GRANDCHILD: '1' })}`);
    transport = new StdioClientTransport({
      command: process.execPath,
      args: ['--import', 'tsx', CLI, 'stdio', '--config', file],
      cwd: ROOT,
      env: { ...process.env, SWITCHBOARD_LOG_LEVEL: 'info' } as Record<string, string>,
      stderr: 'pipe',
    });
    transport.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    client = new Client({ name: 'stdio-test', version: '1.0.0' }, { capabilities: { sampling: {} } });
    // Anything on stdout that is not a protocol message would surface here as a parse error.
    client.onerror = (err) => void (sdkProgressRace(err) || errors.push(err));
    await client.connect(transport);
    wire = tap(transport);
  });
  after(async () => {
    await client.close().catch(() => {});
  });

  it('serves tools, resources, prompts, progress and sampling from the backends', async () => {
    await exercise(client, wire);
  });

  it('tells the client when a config edit changes the tools', async () => {
    let changed = 0;
    client.setNotificationHandler('notifications/tools/list_changed', () => void changed++);
    writeFileSync(
      file,
      `mcpServers:\n${fixtureStdio('a', '', { FIXTURE_GRANDCHILD: '1' })}${fixtureStdio('b')}`,
    );
    await waitFor(() => changed > 0, 30_000, 'tools/list_changed after the config edit');
    const names = (await client.listTools()).tools.map((t) => t.name);
    assert.ok(names.includes('b__add'), `b's tools listed: ${names.join(', ')}`);
  });

  it('writes nothing but protocol to stdout and logs to stderr', () => {
    assert.deepEqual(errors, []);
    assert.match(stderr, /serving MCP on stdio/);
  });

  it('exits, children included, when stdin closes', async () => {
    const gatewayPid = transport.pid!;
    const { pid, grandchild } = JSON.parse(text(await client.callTool({ name: 'a__pid' }))) as {
      pid: number;
      grandchild: number;
    };
    for (const p of [gatewayPid, pid, grandchild]) assert.ok(alive(p), `process ${p} runs before`);
    await client.close();
    // The SDK would SIGTERM a process that stays after stdin closes; the log says which it was.
    await waitFor(() => /stdin closed: shutting down/.test(stderr), 10_000, 'shutdown on stdin close');
    assert.doesNotMatch(stderr, /SIGTERM: shutting down/);
    await waitFor(
      () => ![gatewayPid, pid, grandchild].some(alive),
      10_000,
      'gateway, backend and its child all gone',
    );
  });
});
