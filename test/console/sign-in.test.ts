/**
 * Console sign-in through the gateway's own authorization server, in a real browser (Debian's Chromium driven by
 * playwright-core): a gateway with `sign_in` in front of a real OpenID provider, the console's "Sign in" button,
 * the login and consent pages, back in the console with the token MCP clients get; its Connections panel lists
 * the signed-in user's `per_user_secret` connection (secrets in real Redis), and an MCP SDK client signed in as
 * the same user has the same typed principal. A wrong `state` is refused, and "Sign out" forgets the token.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { decodeJwt } from 'jose';
import type { Client } from '@modelcontextprotocol/client';
import type { Page } from 'playwright-core';
import { buildConsole } from '../../scripts/build-console.js';
import { FIXTURE, freePort, ROOT, startUpstream, stopProcess, writeConfig } from '../helpers/gateway.js';
import { deleteKeys, REDIS_URL, redisReachable, requireRedis, testPrefix } from '../queue/redis-helpers.js';
import {
  Callbacks,
  chromiumMissing,
  connectWithSignIn,
  launchBrowser,
  startSignInStack,
  TestOAuthProvider,
  type SignInStack,
} from '../authserver/helpers.js';

const skip = chromiumMissing('the console sign-in browser tests');
const ARTIFACTS = join(ROOT, 'test-artifacts/console');
const SECRET = 'alice-jira-secret-for-sign-in';
/** The key the console keeps in the tab (a pasted key, or the token sign-in got). */
const stored = (page: Page) =>
  page.evaluate<string | null>(`sessionStorage.getItem('switchboard.console.key')`);

/** Logs in at the identity provider and allows the console, until the console's header shows. */
async function loginInBrowser(
  page: Page,
  user = 'alice',
  decision: 'allow' | 'deny' = 'allow',
): Promise<void> {
  const next = page
    .locator('input[name=username], button[value=allow], header nav, #key-form .error')
    .first();
  for (let step = 0; step < 6; step++) {
    await next.waitFor();
    if (await page.locator('header nav, #key-form .error').count()) return;
    if (await page.locator('input[name=username]').count()) {
      await page.fill('input[name=username]', user);
      await page.fill('input[name=password]', `${user}-pass`);
      await Promise.all([page.waitForNavigation(), page.click('button[type=submit]:not([name=cancel])')]);
    } else {
      await Promise.all([page.waitForNavigation(), page.click(`button[value=${decision}]`)]);
    }
  }
  throw new Error(`the console was not reached; the browser shows ${page.url()}`);
}

/** Opens the console, presses "Sign in" and goes through the login and consent pages. */
async function signInAt(page: Page, base: string, ...as: [user?: string, decision?: 'allow' | 'deny']) {
  await page.goto(`${base}/`);
  await page.locator('#key-form #sign-in').click();
  await loginInBrowser(page, ...as);
}

describe('console sign-in through the gateway (Chromium)', { skip }, () => {
  let stack: SignInStack | undefined;
  let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined;
  let upstream: ChildProcess | undefined;
  let redis: Redis | undefined;
  let reachable = false;
  let consolePrincipal = '';
  const clients: Client[] = [];
  const callbacks = new Callbacks();
  const prefix = testPrefix();
  const pageErrors: string[] = [];

  before(async () => {
    reachable = await redisReachable();
    if (!reachable) return;
    await buildConsole();
    await callbacks.start();
    const port = await freePort();
    upstream = await startUpstream(['--import', 'tsx', FIXTURE, 'http'], port, { FIXTURE_NAME: 'hdr' });
    // With Redis, sign-in needs a configured signing key (replicas must agree).
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const keyFile = writeConfig(privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());
    stack = await startSignInStack({
      signIn: `      signing_keys: [{ key_file: ${JSON.stringify(keyFile)} }]\n`,
      gateway: `  redis: { url: "${REDIS_URL}", prefix: ${prefix} }\n`,
      extra: `
httpServices:
  jira:
    base_url: http://127.0.0.1:${port}/mcp
    auth: { type: per_user_secret }
  wiki:
    base_url: http://127.0.0.1:${port}/mcp
    auth: { type: per_user_secret }
`,
    });
    redis = new Redis(REDIS_URL);
    await redis.hset(`${prefix}:user-secrets:jira`, `jwt:${stack.base}:alice`, SECRET);
    browser = await launchBrowser();
    browser.page.on('pageerror', (err) => pageErrors.push(err.message));
  });
  after(async () => {
    for (const c of clients) await c.close().catch(() => undefined);
    await browser?.close();
    await stack?.close();
    if (upstream) await stopProcess(upstream);
    await callbacks.close();
    if (reachable) await deleteKeys(prefix);
    redis?.disconnect();
  });

  it('signs in with the Sign in button and lists the user’s connections', async (t) => {
    if (!requireRedis(t, reachable)) return;
    const { page } = browser!;
    const base = stack!.base;
    await signInAt(page, base);
    assert.equal(page.url(), `${base}/`, 'code and state left the address bar');
    const token = await stored(page);
    assert.ok(token, 'the token is kept as a pasted key is');
    const claims = decodeJwt(token);
    assert.equal(claims.iss, base);
    assert.equal(claims.aud, `${base}/mcp`, 'the token MCP clients get: audience /mcp');
    assert.equal(claims.sub, 'alice');
    assert.equal(claims.client_id, 'switchboard-console');
    assert.equal(await page.locator('#sign-out').innerText(), 'Sign out');
    await page.locator('body').press('n');
    consolePrincipal = await page.locator('[data-principal]').innerText();
    assert.equal(consolePrincipal, `jwt:${base}:alice`);
    const row = (b: string) => page.locator(`tr[data-connection="${b}"]`);
    await row('jira').locator('[data-connected="true"]').waitFor();
    await row('wiki').locator('[data-connected="false"]').waitFor();
    assert.ok(!(await page.locator('body').innerText()).includes(SECRET), 'the secret is never shown');
    assert.deepEqual(pageErrors, []);
  });

  it('gives an MCP client signed in as the same user the same principal', async (t) => {
    if (!requireRedis(t, reachable)) return;
    const provider = new TestOAuthProvider(callbacks.uri('callback'));
    const client = await connectWithSignIn(stack!.mcp, provider, browser!.page, callbacks, 'modern');
    clients.push(client);
    const token = provider.saved!.access_token;
    assert.notEqual(decodeJwt(token).client_id, 'switchboard-console');
    const res = await fetch(`${stack!.base}/v1/me/connections`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const body = (await res.json()) as {
      principal: string;
      connections: { backend: string; connected: boolean }[];
    };
    assert.equal(res.status, 200);
    assert.equal(body.principal, consolePrincipal);
    assert.deepEqual(body.connections.map((c) => [c.backend, c.connected]).sort(), [
      ['jira', true],
      ['wiki', false],
    ]);
  });

  it('refuses an answer whose state this tab did not send, and leaves no code in the address bar', async (t) => {
    if (!requireRedis(t, reachable)) return;
    const { page } = browser!;
    const base = stack!.base;
    await page.goto(`${base}/`);
    await page.evaluate('sessionStorage.clear()');
    await page.goto(`${base}/?code=forged-code&state=not-mine`);
    const alert = page.locator('#key-form [role="alert"]');
    await alert.waitFor();
    assert.match(await alert.innerText(), /state mismatch/);
    await page.locator('#key-form #sign-in').waitFor();
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, '10-sign-in-prompt.png') });
    assert.equal(page.url(), `${base}/`);
    assert.equal(await stored(page), null);
    // A sign-in started here (its request held back), answered with another state, is refused the same way.
    await page.route('**/oauth/authorize?**', (route) => route.abort());
    const started = page.waitForRequest((r) => r.url().startsWith(`${base}/oauth/authorize?`));
    await page.locator('#key-form #sign-in').click();
    const sent = new URL((await started).url());
    await page.unroute('**/oauth/authorize?**');
    assert.equal(sent.searchParams.get('code_challenge_method'), 'S256');
    assert.equal(sent.searchParams.get('redirect_uri'), `${base}/`);
    assert.ok(sent.searchParams.get('state'));
    await page.goto(`${base}/?code=forged-code&state=tampered`);
    await alert.waitFor();
    assert.match(await alert.innerText(), /state mismatch/);
  });

  it('says so when the user declines the console on the consent page', async (t) => {
    if (!requireRedis(t, reachable)) return;
    const { page, context } = browser!;
    await context.clearCookies();
    await signInAt(page, stack!.base, 'bob', 'deny');
    assert.match(
      await page.locator('#key-form [role="alert"]').innerText(),
      /^Sign-in failed: access_denied/,
    );
    assert.equal(page.url(), `${stack!.base}/`);
    assert.equal(await stored(page), null);
  });

  it('signs out, and asks again when the token is refused', async (t) => {
    if (!requireRedis(t, reachable)) return;
    const { page } = browser!;
    const base = stack!.base;
    await signInAt(page, base);
    await page.locator('#sign-out').click();
    await page.locator('#key-form #sign-in').waitFor();
    assert.equal(await stored(page), null);
    // A token the gateway no longer takes (here: its signature broken) brings the prompt back, saying so.
    await signInAt(page, base);
    await page.evaluate(
      `sessionStorage.setItem('switchboard.console.key', sessionStorage.getItem('switchboard.console.key') + 'x')`,
    );
    await page.reload();
    const alert = page.locator('#key-form [role="alert"]');
    await alert.waitFor();
    assert.match(await alert.innerText(), /^Your sign-in is no longer accepted \(sign in again\)/);
    await page.locator('#key-form #sign-in').waitFor();
    assert.equal(await stored(page), null);
  });
});

describe('the console as a client of the gateway’s authorization server', () => {
  const challenge = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
  const authorize = (base: string, redirect: string) =>
    fetch(
      `${base}/oauth/authorize?${new URLSearchParams({
        response_type: 'code',
        client_id: 'switchboard-console',
        redirect_uri: redirect,
        code_challenge: challenge,
        code_challenge_method: 'S256',
        state: 'some-state',
      })}`,
      { redirect: 'manual' },
    );

  it('accepts only the console page as redirect URI, and exists only while the console is served', async () => {
    const on = await startSignInStack({ gateway: '  console: { path: /console }\n' });
    try {
      const ok = await authorize(on.base, `${on.base}/console/`);
      assert.equal(ok.status, 303, await ok.text());
      assert.match(ok.headers.get('location') ?? '', /\/oauth\/interaction\//);
      for (const other of [`${on.base}/`, 'http://evil.example/console/', `${on.base}/console/x`]) {
        const refused = await authorize(on.base, other);
        assert.equal(refused.status, 400, other);
        assert.match(await refused.text(), /redirect_uri did not match/);
      }
    } finally {
      await on.close();
    }
    const off = await startSignInStack({ gateway: '  console: { enabled: false }\n' });
    try {
      const refused = await authorize(off.base, `${off.base}/`);
      assert.equal(refused.status, 400);
      assert.match(await refused.text(), /invalid_client/);
    } finally {
      await off.close();
    }
  });
});
