/** The real CLI: `serve` reloads on SIGHUP and on file changes; `validate --diff / --against-running` explain a reload. */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { validateDiff } from '../../src/cli-diff.js';
import { reload } from '../../src/cli-reload.js';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  ROOT,
  connectClient,
  fixtureStdio,
  startGateway,
  stopProcess,
  waitFor,
  writeConfig,
} from '../helpers/gateway.js';

const CLI = join(ROOT, 'src/cli.ts');
const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function serve(file: string, ...flags: string[]): Promise<{ child: ChildProcess; url: URL }> {
  const args = ['--import', 'tsx', CLI, 'serve', '--config', file, '--port', '0', ...flags];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SWITCHBOARD_LOG_LEVEL: 'warn' },
  });
  cleanups.push(() => stopProcess(child));
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const line = await waitFor(
    () => /listening on (\S+)/.exec(out)?.[1] ?? '',
    20_000,
    'gateway prints its URL',
  );
  return { child, url: new URL(line) };
}

type Ready = { reload?: { last: string; count: number } };
const readyz = (url: URL) => fetch(new URL('/readyz', url)).then((r) => r.json() as Promise<Ready>);

function cli(...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, SWITCHBOARD_LOG_LEVEL: 'warn' },
    timeout: 60_000,
  });
}

/** Like cli(), without blocking this process (which may host the gateway the CLI talks to). */
function cliAsync(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    cwd: ROOT,
    env: { ...process.env, SWITCHBOARD_LOG_LEVEL: 'warn' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.once('close', (status) => resolve({ status, stdout, stderr })));
}

describe('switchboard serve', () => {
  it('watches the file by default; with --no-watch reloads only on SIGHUP', async () => {
    const file = writeConfig(`mcpServers:\n${fixtureStdio('a')}`);
    // Two gateways on one file: the watching one is the positive control for the one started with --no-watch.
    const [watching, unwatched] = await Promise.all([serve(file), serve(file, '--no-watch')]);
    const w = await connectClient(watching.url);
    const u = await connectClient(unwatched.url);
    cleanups.push(() => w.client.close());
    cleanups.push(() => u.client.close());
    const names = async (client: typeof w.client) => (await client.listTools()).tools.map((t) => t.name);
    await waitFor(async () => (await names(u.client)).includes('a__add'), 20_000, 'A up');

    writeFileSync(file, `mcpServers:\n${fixtureStdio('a')}${fixtureStdio('b')}`);
    await waitFor(
      async () => (await names(w.client)).includes('b__add'),
      20_000,
      'B after the edit (watching)',
    );
    assert.equal((await readyz(watching.url)).reload?.count, 1);
    assert.equal((await readyz(unwatched.url)).reload, undefined, 'no reload without the watch');
    assert.ok(!(await names(u.client)).includes('b__add'));

    unwatched.child.kill('SIGHUP');
    await waitFor(async () => (await names(u.client)).includes('b__add'), 20_000, 'B after SIGHUP');
    assert.deepEqual((await readyz(unwatched.url)).reload?.last, 'ok');
    assert.equal((await readyz(unwatched.url)).reload?.count, 1, 'one reload: the SIGHUP, never the watch');
    assert.equal(unwatched.child.exitCode, null, 'still running');
  });
});

describe('switchboard validate --diff', () => {
  const OLD = `gateway:\n  port: 8080\nmcpServers:\n${fixtureStdio('a')}${fixtureStdio('b')}`;

  it('prints backends added, removed and changed, and settings live or needing a restart', () => {
    const old = writeConfig(OLD);
    const next = writeConfig(
      `gateway:\n  port: 9090\n  separator: "-"\nmcpServers:\n${fixtureStdio('a', '    tools: { exclude: [crash] }\n')}${fixtureStdio('c')}`,
    );
    const res = cli('validate', '--diff', old, next);
    assert.equal(res.status, 0, res.stderr);
    assert.match(res.stdout, /\+ backend c: added/);
    assert.match(res.stdout, /- backend b: removed/);
    assert.match(res.stdout, /~ backend a: updated in place; changed: tools/);
    assert.match(res.stdout, /gateway\.port: 8080 -> 9090 \(needs a restart/);
    assert.match(res.stdout, /gateway\.separator: "__" -> "-" \(applied live\)/);
    assert.match(res.stdout, /! separator "__" -> "-" renames every prefixed tool/);

    const json = cli('validate', '--diff', old, next, '--json');
    const parsed = JSON.parse(json.stdout) as { config: { added: string[]; removed: string[] } };
    assert.deepEqual([parsed.config.added, parsed.config.removed], [['c'], ['b']]);
  });

  it('fails with located problems when NEW is invalid', () => {
    const res = cli('validate', '--diff', writeConfig(OLD), writeConfig(`${OLD}  c: [oops\n`));
    assert.equal(res.status, 1);
    assert.match(res.stderr, /external-mcp-servers\.yaml:\d+:\d+: YAML:/);
  });

  it('--against-running lists the tool changes NEW would make to a running gateway', async () => {
    const { gateway, url } = await startGateway(`mcpServers:\n${fixtureStdio('a')}`);
    cleanups.push(() => gateway.close());
    const next = writeConfig(
      `mcpServers:\n${fixtureStdio('a', '    tools: { exclude: [crash] }\n')}${fixtureStdio('b', '    tools: { include: [add] }\n')}`,
    );
    // The base URL, as `status --url` takes it.
    const res = await cliAsync('validate', '--against-running', new URL('/', url).href, next);
    assert.equal(res.status, 0, res.stderr);
    assert.match(res.stdout, /^tools of http:\/\/127\.0\.0\.1:\d+\/mcp -> \S+: 2 change\(s\)\n/);
    assert.match(res.stdout, /\+ tool b__add/);
    assert.match(res.stdout, /- tool a__crash/);
    assert.doesNotMatch(res.stdout, /tool a__add/);
    assert.doesNotMatch(res.stdout, /smart_tool_discovery|renamed/, 'the meta-tool is listed on both sides');
  });

  it("--against-running compares what the credential's principal sees, under the same policies", async () => {
    const KEY = 'bot-key-0123456789abcdef';
    const yaml = `gateway:
  auth:
    api_keys: [{ name: bot, key: ${KEY} }]
    policies: [{ match: { principal: bot }, allow: { tools: [a__add, a__echo] } }]
mcpServers:\n${fixtureStdio('a')}`;
    const { gateway, url } = await startGateway(yaml);
    cleanups.push(() => gateway.close());
    const lines: string[] = [];
    await validateDiff(
      { next: writeConfig(yaml), againstRunning: url.href, credential: KEY, json: false },
      (l) => lines.push(l),
    );
    assert.match(lines.join('\n'), /: no changes$/);
    await assert.rejects(
      validateDiff({ next: writeConfig(yaml), againstRunning: url.href, json: false }, () => {}),
      /cannot list the tools of http:\/\/127\.0\.0\.1:\d+\/mcp: .*--api-key/,
    );
  });
});

describe('switchboard tools', () => {
  it('prints the merged catalog and each backend with the protocol era it negotiated', () => {
    const file = writeConfig(
      `mcpServers:\n${fixtureStdio('old')}${fixtureStdio('new', '    protocol: auto\n', { FIXTURE_ERA: '2026' })}`,
    );
    const r = cli('tools', '--config', file, '--json');
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as {
      tools: { name: string }[];
      backends: Record<string, { state: string; protocol?: string }>;
    };
    assert.ok(out.tools.some((t) => t.name === 'old__add') && out.tools.some((t) => t.name === 'new__add'));
    assert.deepEqual(out.backends.old, { state: 'ready', protocol: '2025-11-25' });
    assert.deepEqual(out.backends.new, { state: 'ready', protocol: '2026-07-28' });
  });
});

describe('switchboard reload', () => {
  const OPERATOR = 'operator-key-0123456789abcdef';
  const CLIENT = 'client-key-0123456789abcdef';
  const auth = `gateway:\n  auth:\n    api_keys:\n      - { name: ops, key: ${OPERATOR}, operator: true }\n      - { name: bot, key: ${CLIENT} }\n`;

  it('makes a running gateway re-read its file (POST /v1/config/reload), with an operator credential', async () => {
    const { gateway, url, file } = await startGateway(`${auth}mcpServers:\n${fixtureStdio('a')}`);
    cleanups.push(() => gateway.close());
    writeFileSync(file, `${auth}mcpServers:\n${fixtureStdio('a')}${fixtureStdio('b')}`);
    const base = new URL('/', url).href;

    // The refusals through the command's own function (each CLI start costs seconds on a loaded machine).
    await assert.rejects(
      reload({ url: base }),
      /^Error: \S+\/v1\/config\/reload refused: HTTP 401 .*pass an operator credential/,
    );
    await assert.rejects(
      reload({ url: base, credential: CLIENT }),
      /refused: HTTP 403 .*needs operator rights/,
    );
    assert.equal(gateway.pool.get('b'), undefined, 'refused requests reloaded nothing');

    const res = await cliAsync('reload', '--url', url.href, '--api-key', OPERATOR);
    assert.equal(res.status, 0, res.stderr);
    assert.match(
      res.stdout,
      /^http:\/\/127\.0\.0\.1:\d+: config reloaded \(sha256 [0-9a-f]{12}\); 1 reload\(s\) since start\n$/,
    );
    assert.ok(gateway.pool.get('b'), 'backend b added by the reload');

    writeFileSync(file, `${auth}mcpServers:\n  b: { command: x, nope: 1 }\n`);
    await assert.rejects(
      reload({ url: base, credential: OPERATOR }),
      /^Error: reload refused: the config file was refused .*running configuration was kept\n.*external-mcp-servers\.yaml:\d+:\d+: mcpServers\.b\.nope: unknown key/,
    );
    assert.ok(gateway.pool.get('b'), 'the running config was kept');
  });

  it('keeps the Host/Origin guard and takes only POST', async () => {
    const { gateway, url } = await startGateway(`mcpServers:\n${fixtureStdio('a')}`);
    cleanups.push(() => gateway.close());
    const endpoint = new URL('/v1/config/reload', url);
    const foreign = await fetch(endpoint, { method: 'POST', headers: { Origin: 'https://evil.example' } });
    assert.equal(foreign.status, 403);
    const get = await fetch(endpoint);
    assert.equal(get.status, 405);
    assert.equal(get.headers.get('allow'), 'POST');
    assert.equal(gateway.readiness().reload, undefined, 'nothing reloaded');
    const ok = await fetch(endpoint, { method: 'POST' });
    assert.equal(ok.status, 200);
    assert.equal(((await ok.json()) as { reload: { last: string } }).reload.last, 'ok');
  });
});
