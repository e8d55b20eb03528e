/** OAuth upstream credentials across hot reloads, and kept out of logs, /readyz and `validate` output. */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import {
  connectClient,
  fixtureStdio,
  ROOT,
  startGateway,
  text,
  waitFor,
  writeConfig,
} from '../../helpers/gateway.js';
import { AuthorizationServer } from '../../fixtures/oauth/authorization-server.js';
import { ProtectedUpstream } from '../../fixtures/oauth/protected-upstream.js';

const OLD_SECRET = 'old-secret-7f3a9c2e51d04b68';
const NEW_SECRET = 'new-secret-c41e08b7a9d2f365';
const WRONG_SECRET = 'wrong-secret-90ab12cd34ef5678';

let as: AuthorizationServer;
let upstream: ProtectedUpstream;

before(async () => {
  as = await new AuthorizationServer().start();
  upstream = await new ProtectedUpstream(as).start();
});
after(async () => {
  await upstream.stop();
  await as.stop();
});

function oauthBackend(name: string, secret: string): string {
  return `  ${name}:\n    base_url: ${upstream.mcpUrl}\n    restart: { initial_delay: 100ms, max_delay: 300ms }\n    auth: { type: oauth_client_credentials, client_id: switchboard, client_secret: "${secret}" }\n`;
}

describe('OAuth upstream credentials', () => {
  it('a reload with a changed client secret replaces only that backend', async () => {
    as.clients.set('switchboard', { secret: OLD_SECRET });
    const yaml = (secret: string) =>
      `httpServices:\n${oauthBackend('api', secret)}mcpServers:\n${fixtureStdio('other')}`;
    const { gateway, url, file } = await startGateway(yaml(OLD_SECRET));
    const { client } = await connectClient(url);
    try {
      const other = gateway.pool.get('other')!;
      const pid = other.pid;
      assert.ok(pid);
      assert.equal((await client.callTool({ name: 'api__whoami', arguments: {} })).isError, undefined);
      // The secret is rotated at the authorization server: the old one stops working.
      as.clients.set('switchboard', { secret: NEW_SECRET });
      upstream.revokeAll();
      const refused = await client.callTool({ name: 'api__whoami', arguments: {} });
      assert.equal(refused.isError, true);
      assert.match(text(refused), /invalid_client/);
      writeFileSync(file, yaml(NEW_SECRET));
      assert.equal((await gateway.reload()).last, 'ok');
      await waitFor(
        () => gateway.pool.get('api')?.state === 'ready',
        10_000,
        'api ready with the new secret',
      );
      const result = await client.callTool({ name: 'api__whoami', arguments: {} });
      assert.equal(result.isError, undefined, text(result));
      assert.equal(gateway.pool.get('other'), other, 'the other backend was not replaced');
      assert.equal(other.pid, pid, 'nor its child restarted');
      assert.equal(text(await client.callTool({ name: 'other__add', arguments: { a: 2, b: 3 } })), '5');
    } finally {
      await client.close();
      await gateway.close();
    }
  });

  it('never shows secrets or tokens in logs, /readyz, validate or validate --diff', async () => {
    as.clients.set('switchboard', { secret: NEW_SECRET });
    const file = writeConfig(
      `httpServices:\n${oauthBackend('api', NEW_SECRET)}${oauthBackend('bad', WRONG_SECRET)}`,
    );
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/cli.ts', 'serve', '--config', file, '--port', '0'],
      {
        cwd: ROOT,
        env: { ...process.env, SWITCHBOARD_LOG_LEVEL: 'debug' },
      },
    );
    let logs = '';
    child.stdout.on('data', (d: Buffer) => (logs += d.toString()));
    child.stderr.on('data', (d: Buffer) => (logs += d.toString()));
    let seen: string;
    try {
      const base = await waitFor(
        () => /listening on (http:\/\/\S+)\/mcp/.exec(logs)?.[1],
        30_000,
        'gateway up',
      );
      await waitFor(
        () => /backend ready/.test(logs) && /invalid_client/.test(logs),
        15_000,
        'both backends tried',
      );
      const client = new Client({ name: 'secrets-test', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(`${base}/mcp`)));
      await client.callTool({ name: 'api__whoami', arguments: {} });
      upstream.revokeAll();
      await client.callTool({ name: 'api__whoami', arguments: {} }); // refused once, then a new token
      const down = await client.callTool({ name: 'bad__whoami', arguments: {} });
      await client.close();
      const readyz = await (await fetch(`${base}/readyz`)).text();
      assert.match(readyz, /invalid_client/);
      const other = writeConfig(`httpServices:\n${oauthBackend('api', OLD_SECRET)}`);
      const validate = spawnSync(
        process.execPath,
        ['--import', 'tsx', 'src/cli.ts', 'validate', '--config', file],
        {
          cwd: ROOT,
          encoding: 'utf8',
        },
      );
      const diff = spawnSync(
        process.execPath,
        ['--import', 'tsx', 'src/cli.ts', 'validate', '--diff', file, other],
        { cwd: ROOT, encoding: 'utf8' },
      );
      assert.match(diff.stdout, /~ backend api: replaced .*changed: auth/);
      assert.match(logs, /upstream refused the access token \(401\)/);
      seen = [logs, readyz, text(down), validate.stdout, validate.stderr, diff.stdout, diff.stderr].join(
        '\n',
      );
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    assert.ok(upstream.tokens.size >= 2);
    for (const secret of [OLD_SECRET, NEW_SECRET, WRONG_SECRET, ...upstream.tokens]) {
      assert.equal(seen.includes(secret), false, `a secret or token leaked: ${secret.slice(0, 12)}…`);
    }
  });
});
