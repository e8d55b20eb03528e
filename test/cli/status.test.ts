/** `switchboard status` (the real CLI) against a running gateway: table, --json, operator auth, refusals. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { Gateway } from '../../src/gateway.js';
import { ROOT, fixtureStdio, freePort, startGateway, writeConfig } from '../helpers/gateway.js';

const CLI = join(ROOT, 'src/cli.ts');
const OPS_KEY = 'ops-key-0123456789abcdef';
const USER_KEY = 'user-key-0123456789abcdef';

/** Runs the CLI without blocking this process's event loop (the gateway under test lives here). */
function cli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', CLI, ...args],
      {
        cwd: ROOT,
        env: { ...process.env, SWITCHBOARD_API_KEY: '', SWITCHBOARD_TOKEN: '', ...env },
      },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('switchboard status', () => {
  let gateway: Gateway;
  let url: URL;
  let file: string;

  before(async () => {
    const started = await startGateway(
      `gateway:
  auth:
    api_keys:
      - { name: ops, key: "${OPS_KEY}", operator: true }
      - { name: user, key: "${USER_KEY}" }
mcpServers:
${fixtureStdio('a')}`,
    );
    ({ gateway, url, file } = started);
  });
  after(() => gateway.close());

  it('prints the table: backend kind, state, era, tools, uptime; sessions by era; config hash', async () => {
    const client = new Client({ name: 'status-test', version: '1' });
    await client.connect(
      new StreamableHTTPClientTransport(url, {
        requestInit: { headers: { authorization: `Bearer ${USER_KEY}` } },
      }),
    );
    const res = await cli(['status', '--url', url.href, '--api-key', OPS_KEY]);
    await client.close();
    assert.equal(res.code, 0, res.stderr);
    const lines = res.stdout.split('\n');
    assert.match(lines[0]!, new RegExp(`^${url.origin}: ready \\(switchboard \\S+, pid ${process.pid}, up `));
    const hash = createHash('sha256').update(readFileSync(file)).digest('hex');
    assert.ok(lines.includes(`config:   ${file} (sha256 ${hash.slice(0, 12)})`), res.stdout);
    assert.ok(lines.includes('reload:   none since start'), res.stdout);
    assert.match(
      res.stdout,
      /^sessions: 1 session\(s\) \(2025-11-25 era\), 0 listen stream\(s\) \(2026-07-28\)/m,
    );
    const header = lines.findIndex((l) => l.startsWith('BACKEND'));
    assert.match(lines[header]!, /^BACKEND\s+KIND\s+STATE\s+ERA\s+TOOLS\s+QUEUE\s+UPTIME\s+LAST ERROR$/);
    const row = lines[header + 1]!.split(/\s{2,}/);
    const tools = gateway.catalog.backend('a')!.catalog.tools.length;
    assert.deepEqual(row.slice(0, 6), ['a', 'stdio', 'ready', '2025-11-25', String(tools), '-']);
    assert.match(row[6]!, /^\d+(ms|s|m\d+s)/);
  });

  it('--json prints the /readyz document, with uptime and config hash', async () => {
    await gateway.reload();
    const res = await cli(['status', '--json', '--url', url.href], { SWITCHBOARD_API_KEY: OPS_KEY });
    assert.equal(res.code, 0, res.stderr);
    const doc = JSON.parse(res.stdout) as {
      status: string;
      configHash: string;
      backends: Record<string, { state: string; uptimeMs: number; protocol: string }>;
      reload: { last: string; count: number };
      eras: Record<string, Record<string, number>>;
    };
    assert.equal(doc.status, 'ready');
    assert.equal(doc.configHash, gateway.config.hash);
    assert.equal(doc.backends.a?.state, 'ready');
    assert.equal(doc.backends.a?.protocol, '2025-11-25');
    assert.ok((doc.backends.a?.uptimeMs ?? -1) >= 0);
    assert.equal(doc.reload.last, 'ok');
    assert.equal(typeof doc.eras['2025-11-25']?.sessions, 'number');
  });

  it('finds the gateway from --config (host and port) when --url is not given', async () => {
    const config = writeConfig(`gateway:\n  port: ${url.port}\nmcpServers: {}\n`);
    const res = await cli(['status', '--config', config, '--json'], { SWITCHBOARD_API_KEY: OPS_KEY });
    assert.equal(res.code, 0, res.stderr);
    assert.equal((JSON.parse(res.stdout) as { pid: number }).pid, process.pid);
  });

  it('exits 1 with one line without the detail (no credential: status only) or when refused (not an operator: 403)', async () => {
    const none = await cli(['status', '--url', url.href]);
    assert.equal(none.code, 1);
    assert.equal(none.stdout, '');
    assert.match(
      none.stderr,
      /^switchboard status: http:\/\/\S+\/readyz answered only its status \("ready"\): authentication is on; .*--api-key or SWITCHBOARD_API_KEY.*\n$/,
    );
    const user = await cli(['status', '--url', url.href], { SWITCHBOARD_API_KEY: USER_KEY });
    assert.equal(user.code, 1);
    assert.match(user.stderr, /^switchboard status: \S+ refused: HTTP 403 .*operator.*\n$/);
  });

  it('exits 1 with one line when nothing listens there', async () => {
    const port = await freePort();
    const res = await cli(['status', '--url', `http://127.0.0.1:${port}/mcp`]);
    assert.equal(res.code, 1);
    assert.equal(
      res.stderr,
      `switchboard status: cannot reach http://127.0.0.1:${port}/readyz: ECONNREFUSED (is the gateway running? see --url)\n`,
    );
  });
});
