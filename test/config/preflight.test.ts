/** `validate` warns about stdio commands and script paths that do not exist where the child would run. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { preflight } from '../../src/config/preflight.js';
import { ROOT, writeConfig } from '../helpers/gateway.js';

const CLI = join(ROOT, 'src/cli.ts');

/** The `everything` block of examples/discovery-only.yaml, as a newcomer copies it into a config elsewhere. */
function examplesBlock(): string {
  const text = readFileSync(join(ROOT, 'examples/discovery-only.yaml'), 'utf8');
  const block = /^ {2}everything:\n(?: {4}.*\n)+/m.exec(text);
  assert.ok(block, 'examples/discovery-only.yaml has an everything block');
  return `mcpServers:\n${block[0]}`;
}

describe('validate: stdio paths (preflight)', () => {
  it('warns, with file:line:col, when an examples/ block is copied next to a config in another folder', () => {
    const file = writeConfig(examplesBlock());
    const res = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'validate', '--config', file], {
      encoding: 'utf8',
    });
    assert.equal(res.status, 0, 'warnings do not fail validation');
    assert.match(res.stdout, /: ok \(1 backends: 1 stdio, 0 http, 0 sse\); 1 warning\(s\)\n/);
    assert.match(
      res.stdout,
      /warning: \S+external-mcp-servers\.yaml:\d+:\d+: mcpServers\.everything\.args\.0: "\.\.\/node_modules\/@modelcontextprotocol\/server-everything\/dist\/index\.js" does not exist relative to the config file's folder /,
    );
  });

  it('says nothing about the shipped config and the examples run from the repository', () => {
    for (const f of [
      'external-mcp-servers.yaml',
      'examples/discovery-only.yaml',
      'examples/single-session.yaml',
    ]) {
      assert.deepEqual(preflight(loadConfig(join(ROOT, f))), [], f);
    }
  });

  it('checks commands on PATH and relative to cwd, explicit and script paths, and leaves package names alone', () => {
    const file = writeConfig(`
mcpServers:
  a: { command: no-such-command-sb, args: [-y, "@scope/pkg", --flag=x, https://x.example/y] }
  b: { command: ./bin/server, args: [./data.json, lib/main.py, run, server.py] }
  c: { command: ./bin/tool, args: [main.py], cwd: ./work }
`);
    const dir = dirname(file);
    mkdirSync(join(dir, 'work/bin'), { recursive: true });
    writeFileSync(join(dir, 'work/bin/tool'), '#!/bin/sh\n');
    chmodSync(join(dir, 'work/bin/tool'), 0o755);
    writeFileSync(join(dir, 'work/main.py'), '');
    const found = preflight(loadConfig(file)).map((p) => `${p.line}:${p.path}: ${p.message}`);
    assert.deepEqual(found, [
      `3:mcpServers.a.command: "no-such-command-sb" is not found on the PATH the child gets`,
      `4:mcpServers.b.command: "./bin/server" is not an executable file relative to the config file's folder ${dir} (the backend's cwd)`,
      `4:mcpServers.b.args.0: "./data.json" does not exist relative to the config file's folder ${dir} (the backend's cwd)`,
      `4:mcpServers.b.args.1: "lib/main.py" does not exist relative to the config file's folder ${dir} (the backend's cwd)`,
    ]);
  });
});
