/**
 * `npm run conformance:authorization`: the official MCP conformance suite's authorization-server scenarios
 * (`conformance authorization`: authorization-server-metadata-endpoint, authorization-code-grant) against
 * switchboard's sign-in authorization server. It starts the test identity provider
 * (test/fixtures/oauth/identity-provider.ts), a gateway with gateway.auth.sign_in, registers a public client by
 * dynamic registration with the suite's callback as redirect URI, runs the suite, and plays the user in Debian's
 * Chromium when the suite prints the authorization URL (login at the identity provider, then Allow).
 *
 * The suite comes from tools/conformance-next (Node 22 and @modelcontextprotocol/conformance, installed on first
 * use), or from CONFORMANCE_DIR (a folder with node_modules/node and node_modules/@modelcontextprotocol/conformance).
 * It needs a release with the `authorization` command (0.2.0-alpha.12 or later): older ones are refused clearly.
 * Exits non-zero when a check fails or a scenario produced no result.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { loadConfig } from '../src/config/load.js';
import { Gateway } from '../src/gateway.js';
import { IDP_CLIENT, startIdentityProvider } from '../test/fixtures/oauth/identity-provider.js';
import { freePort, writeConfig } from '../test/helpers/gateway.js';

const ROOT = resolve(import.meta.dirname, '..');
const NEXT = process.env.CONFORMANCE_DIR ?? join(ROOT, 'tools/conformance-next');
const NODE22 = join(NEXT, 'node_modules/node/bin/node');
const SUITE = join(NEXT, 'node_modules/@modelcontextprotocol/conformance/dist/index.js');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCENARIOS = ['authorization-server-metadata-endpoint', 'authorization-code-grant'];

interface Check {
  id: string;
  status: string;
  errorMessage?: string;
}

function suiteReady(): void {
  if (!process.env.CONFORMANCE_DIR && !(existsSync(NODE22) && existsSync(SUITE))) {
    console.log('installing the conformance suite and Node 22 under tools/conformance-next (first use) ...');
    const npm = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: NEXT, stdio: 'inherit' });
    if (npm.status !== 0) throw new Error('npm ci in tools/conformance-next failed');
  }
  if (!existsSync(NODE22) || !existsSync(SUITE))
    throw new Error(`no conformance suite with Node 22 under ${NEXT}`);
  const version = (JSON.parse(readFileSync(join(SUITE, '../../package.json'), 'utf8')) as { version: string })
    .version;
  const help = spawnSync(NODE22, [SUITE, '--help'], { encoding: 'utf8' });
  if (!/\bauthorization\b/.test(help.stdout)) {
    console.error(
      `@modelcontextprotocol/conformance ${version} (in ${NEXT}) has no "authorization" command: it needs 0.2.0-alpha.12 or later. ` +
        'Update tools/conformance-next, or point CONFORMANCE_DIR at an install of a newer release.',
    );
    process.exit(2);
  }
  console.log(
    `conformance ${version}, Node ${spawnSync(NODE22, ['--version'], { encoding: 'utf8' }).stdout.trim()}`,
  );
}

async function main(): Promise<void> {
  suiteReady();
  if (!existsSync(CHROMIUM))
    throw new Error(`no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`);
  const port = await freePort();
  const callbackPort = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const idp = await startIdentityProvider([`${issuer}/oauth/callback`]);
  const file = writeConfig(`gateway:
  auth:
    sign_in:
      idp: { issuer: "${idp.issuer}", client_id: ${IDP_CLIENT.id}, client_secret: ${IDP_CLIENT.secret}, scopes: [openid, email, profile, groups] }
mcpServers: {}
`);
  const overrides = { overrides: { port, host: '127.0.0.1' } };
  const gateway = new Gateway(loadConfig(file, overrides), overrides);
  await gateway.start();
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  const out = mkdtempSync(join(tmpdir(), 'switchboard-conformance-authorization-'));
  let failed = 0;
  try {
    const reg = await fetch(`${issuer}/oauth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_name: 'MCP conformance suite',
        redirect_uris: [`http://127.0.0.1:${callbackPort}/callback`],
        token_endpoint_auth_method: 'none',
      }),
    });
    const { client_id } = (await reg.json()) as { client_id: string };
    // One run for all scenarios: authorization-code-grant reads the metadata the first scenario fetched.
    const args = [
      SUITE,
      'authorization',
      '--url',
      issuer,
      '--client-id',
      client_id,
      '--port',
      String(callbackPort),
      '-o',
      out,
    ];
    const child = spawn(NODE22, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    const played: Promise<void>[] = [];
    child.stdout.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk);
      text += chunk.toString();
      const url = /^(http:\/\/127\.0\.0\.1:\d+\/oauth\/authorize\?\S+)$/m.exec(text)?.[1];
      if (url && played.length === 0) played.push(playUser(browser, url));
    });
    const code = await new Promise<number>((r) => child.once('exit', (c) => r(c ?? 1)));
    await Promise.all(played);
    for (const scenario of SCENARIOS) {
      const checks = checksOf(out, scenario);
      if (!checks?.length) {
        console.error(`${scenario}: no results (suite exit ${code})`);
        failed++;
        continue;
      }
      for (const c of checks) {
        console.log(
          `${c.status === 'SUCCESS' ? 'ok  ' : c.status.padEnd(4)} ${scenario} / ${c.id}${c.errorMessage ? `: ${c.errorMessage}` : ''}`,
        );
        if (c.status === 'FAILURE') failed++;
      }
    }
  } finally {
    await browser.close();
    await gateway.close();
    await idp.stop();
  }
  console.log(failed ? `\n${failed} check(s) failed` : '\nevery check passed');
  process.exit(failed ? 1 : 0);
}

/** The user: logs in at the identity provider and allows the client on the gateway's consent page. */
async function playUser(browser: import('playwright-core').Browser, url: string): Promise<void> {
  const page = await browser.newPage();
  page.setDefaultTimeout(20_000);
  try {
    await page.goto(url);
    await page.fill('input[name=username]', 'alice');
    await page.fill('input[name=password]', 'alice-pass');
    await Promise.all([page.waitForNavigation(), page.click('button[type=submit]:not([name=cancel])')]);
    await Promise.all([page.waitForNavigation(), page.click('button[value=allow]')]);
  } finally {
    await page.close();
  }
}

function checksOf(out: string, scenario: string): Check[] | undefined {
  const dirs = existsSync(out) ? readdirSync(out, { recursive: true, encoding: 'utf8' }) : [];
  const hit = dirs
    .filter((d) => d.includes(scenario) && d.endsWith('checks.json'))
    .sort()
    .pop();
  return hit ? (JSON.parse(readFileSync(join(out, hit), 'utf8')) as Check[]) : undefined;
}

await main();
