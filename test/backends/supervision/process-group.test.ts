/**
 * stdio children run in process groups of their own: a signal sent to the gateway's shell job reaches the
 * gateway alone, and a gateway killed outright still takes its children (and theirs) with it.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isAlive } from '../../../src/backends/supervision/process-tree.js';
import {
  ROOT,
  connectClient,
  fixtureStdio,
  startGateway,
  treeOf,
  waitFor,
  writeConfig,
} from '../../helpers/gateway.js';

const CLI = join(ROOT, 'src/cli.ts');

/** `switchboard serve` in a process group of its own, as a shell runs a background job (`npm start &`). */
async function serveAsJob(env: Record<string, string>) {
  const file = writeConfig(`mcpServers:\n${fixtureStdio('a', '', { FIXTURE_GRANDCHILD: '1', ...env })}`);
  const args = ['--import', 'tsx', CLI, 'serve', '--config', file, '--port', '0', '--no-watch'];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SWITCHBOARD_LOG_LEVEL: 'info', SWITCHBOARD_LOG_FORMAT: 'json' },
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const line = await waitFor(() => /listening on (\S+)/.exec(out)?.[1] ?? '', 20_000, 'gateway URL');
  return { child, url: new URL(line), log: () => err };
}

describe('stdio children in their own process groups', () => {
  it("a SIGHUP to the gateway's job reloads the gateway and leaves its children running", async (t) => {
    const { child, url, log } = await serveAsJob({});
    t.after(() => void (child.exitCode === null && child.kill('SIGTERM')));
    const { client } = await connectClient(url);
    t.after(() => client.close());
    const pids = await treeOf(client);
    assert.ok(pids.every(isAlive));

    process.kill(-child.pid!, 'SIGHUP'); // what `kill -HUP %1` does to a shell job
    type Ready = { reload?: { count: number } };
    await waitFor(
      async () => ((await (await fetch(new URL('/readyz', url))).json()) as Ready).reload?.count === 1,
      10_000,
      'the gateway reloaded on SIGHUP',
    );
    assert.match(log(), /SIGHUP: reloading the config/);
    assert.equal(child.exitCode, null, 'the gateway runs on');
    assert.deepEqual(await treeOf(client), pids, 'the same child served before and after');
    assert.ok(pids.every(isAlive), 'child and grandchild untouched by the signal');
    assert.doesNotMatch(log(), /child process exited/);
  });

  it('a gateway killed with SIGKILL leaves no child behind, even one that ignores the end of its stdin', async (t) => {
    const { child, url } = await serveAsJob({ FIXTURE_IGNORE_EOF: '1' });
    t.after(() => void (child.exitCode === null && child.kill('SIGKILL')));
    const { client } = await connectClient(url);
    const pids = await treeOf(client);
    await client.close().catch(() => {});
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    await waitFor(() => pids.every((p) => !isAlive(p)), 10_000, `no process left of ${pids.join(', ')}`);
  });

  it('a child that exits by itself takes the rest of its process group with it', async (t) => {
    const { gateway, url } = await startGateway(
      `mcpServers:\n${fixtureStdio('a', '    restart: { initial_delay: 5s }\n', { FIXTURE_GRANDCHILD: '1' })}`,
    );
    t.after(() => gateway.close());
    const { client } = await connectClient(url);
    t.after(() => client.close());
    const [pid, grandchild] = await treeOf(client);
    await client.callTool({ name: 'a__crash', arguments: {} });
    await waitFor(() => !isAlive(pid!), 5000, 'the child exited');
    await waitFor(() => !isAlive(grandchild!), 5000, 'its grandchild, left in its group, is stopped too');
  });
});
