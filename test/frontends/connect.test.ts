/** `switchboard connect URL`: a stdio client reaches a running, authenticated gateway through the bridge. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client, type JSONRPCMessage } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import type { Gateway } from '../../src/gateway.js';
import { ROOT, fixtureStdio, startGateway, waitFor } from '../helpers/gateway.js';
import { INIT } from '../helpers/http.js';
import { alive, exercise, sdkProgressRace, tap } from './suite.js';

const CLI = join(ROOT, 'src/cli.ts');
const KEY = 'alice-key-0123456789';
const config = (backends: string) => `gateway:
  auth:
    api_keys:
      - { name: alice, key: "${KEY}" }
mcpServers:
${backends}`;

/** The environment of a launched bridge: the parent's, minus any credential it happens to carry. */
function env(extra: Record<string, string>): Record<string, string> {
  const base = { ...process.env, SWITCHBOARD_LOG_LEVEL: 'warn' } as Record<string, string>;
  delete base.SWITCHBOARD_API_KEY;
  delete base.SWITCHBOARD_TOKEN;
  return { ...base, ...extra };
}

describe('switchboard connect', () => {
  let gateway: Gateway;
  let url: URL;
  let file: string;
  let client: Client;
  let transport: StdioClientTransport;
  const errors: Error[] = [];
  let wire: JSONRPCMessage[];

  before(async () => {
    ({ gateway, url, file } = await startGateway(config(fixtureStdio('a'))));
    transport = new StdioClientTransport({
      command: process.execPath,
      args: ['--import', 'tsx', CLI, 'connect', url.href],
      cwd: ROOT,
      env: env({ SWITCHBOARD_API_KEY: KEY }),
      stderr: 'pipe',
    });
    client = new Client({ name: 'connect-test', version: '1.0.0' }, { capabilities: { sampling: {} } });
    client.onerror = (err) => void (sdkProgressRace(err) || errors.push(err));
    await client.connect(transport);
    wire = tap(transport);
  });
  after(async () => {
    await client?.close().catch(() => {});
    await gateway?.close();
  });

  it('relays tools, resources, prompts, progress and sampling both ways with the API key', async () => {
    await exercise(client, wire);
    assert.equal(gateway.sessions.size, 1, 'one /mcp session behind the bridge');
  });

  it('passes list_changed through from the gateway', async () => {
    let changed = 0;
    client.setNotificationHandler('notifications/tools/list_changed', () => void changed++);
    writeFileSync(file, config(`${fixtureStdio('a')}${fixtureStdio('b')}`));
    await gateway.reload();
    await waitFor(() => changed > 0, 20_000, 'tools/list_changed through the bridge');
    const names = (await client.listTools()).tools.map((t) => t.name);
    assert.ok(names.includes('b__add'), names.join(', '));
    assert.deepEqual(errors, []);
  });

  it('ends the gateway session and exits when the client closes stdin', async () => {
    const pid = transport.pid!;
    await client.close();
    await waitFor(() => !alive(pid), 10_000, 'bridge exited');
    await waitFor(() => gateway.sessions.size === 0, 10_000, 'session deleted at the gateway');
  });

  for (const [what, extra] of [
    ['a wrong API key', { SWITCHBOARD_API_KEY: 'not-the-key-0123456789' }],
    ['no credential', {}],
  ] as const) {
    it(`with ${what}: one clear stderr line, nothing on stdout, exit status 1`, async () => {
      const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'connect', url.href], {
        cwd: ROOT,
        env: env(extra),
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const status = new Promise((r) => child.once('close', r));
      child.stdin.write(`${JSON.stringify(INIT)}\n`);
      assert.equal(await status, 1);
      assert.equal(stdout, '');
      const lines = stderr.trim().split('\n');
      assert.equal(lines.length, 1, stderr);
      assert.match(
        lines[0]!,
        /^switchboard connect: \S+ refused the credential \(HTTP 401: Unauthorized: .+\)$/,
      );
      assert.doesNotMatch(stderr, /not-the-key/);
    });
  }
});
