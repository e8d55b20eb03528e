/** The real CLI process: on SIGTERM/SIGINT every child and its descendants are gone; bad configs exit 1 cleanly. */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isAlive } from '../../../src/backends/supervision/process-tree.js';
import { ROOT, connectClient, fixtureStdio, text, waitFor, writeConfig } from '../../helpers/gateway.js';

const CLI = join(ROOT, 'src/cli.ts');

async function serve(file: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve', '--config', file, '--port', '0'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SWITCHBOARD_LOG_LEVEL: 'warn' },
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  try {
    const line = await waitFor(
      () => /listening on (\S+)/.exec(out)?.[1] ?? '',
      20_000,
      'gateway prints its URL',
    );
    return { child, url: new URL(line) };
  } catch (err) {
    // SIGTERM, not SIGKILL: the gateway takes its children (and theirs) with it.
    child.kill('SIGTERM');
    throw err;
  }
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  describe(`gateway shutdown on ${signal}`, () => {
    it('terminates every stdio child and its descendants, leaving no orphans', async (t) => {
      const file = writeConfig(
        `mcpServers:\n${fixtureStdio('a', '', { FIXTURE_GRANDCHILD: '1' })}${fixtureStdio('b', '', { FIXTURE_GRANDCHILD: '1' })}`,
      );
      const { child, url } = await serve(file);
      t.after(() => void (child.exitCode === null && child.kill('SIGTERM')));
      const { client } = await connectClient(url);
      await waitFor(
        async () => {
          const names = (await client.listTools()).tools.map((t) => t.name);
          return names.includes('a__pid') && names.includes('b__pid');
        },
        20_000,
        'both up',
      );
      const pids: number[] = [];
      for (const b of ['a', 'b']) {
        const info = JSON.parse(text(await client.callTool({ name: `${b}__pid`, arguments: {} }))) as {
          pid: number;
          grandchild: number;
        };
        pids.push(info.pid, info.grandchild);
      }
      assert.ok(pids.every(isAlive), 'children and grandchildren running before shutdown');
      await client.close().catch(() => {});
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill(signal);
      assert.equal(await exited, 0, 'clean exit');
      await waitFor(() => pids.every((p) => !isAlive(p)), 5000, `no process left of ${pids.join(', ')}`);
    });
  });
}

describe('CLI validate and errors', () => {
  it('validate prints a one-line summary and exits 0 for the shipped config', () => {
    const res = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'validate'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    assert.equal(res.status, 0, res.stderr);
    assert.match(res.stdout, /^external-mcp-servers\.yaml: ok \(2 backends: 2 stdio, 0 http, 0 sse\)\n$/);
  });

  it('validate and serve exit 1 with file:line:col problems and no stack trace', () => {
    const file = writeConfig('gateway:\n  prot: 1\nmcpServers:\n  x: {}\n');
    for (const cmd of ['validate', 'serve']) {
      const res = spawnSync(process.execPath, ['--import', 'tsx', CLI, cmd, '--config', file], {
        encoding: 'utf8',
      });
      assert.equal(res.status, 1);
      assert.match(
        res.stderr,
        /external-mcp-servers\.yaml:2:3: gateway\.prot: unknown key "prot" \(did you mean "port"\?\)/,
      );
      assert.match(
        res.stderr,
        /external-mcp-servers\.yaml:4:6: mcpServers\.x: missing required key "command"/,
      );
      assert.doesNotMatch(res.stderr, /\n\s+at /, 'no stack trace');
    }
  });
});
