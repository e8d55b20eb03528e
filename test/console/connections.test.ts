/**
 * The console's Connections panel in a real browser (Debian's Chromium driven by playwright-core) against a
 * gateway with `per_user_secret` backends (secrets in real Redis) in front of a real upstream: the signed-in
 * user's connections are listed, Revoke removes one, Connect shows the API's answer plainly, and another
 * user never sees them.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import type { Page } from 'playwright-core';
import type { Gateway } from '../../src/gateway.js';
import { chromiumMissing, launchBrowser, type TestBrowser } from '../helpers/browser.js';
import { buildConsole } from '../../scripts/build-console.js';
import { FIXTURE, freePort, ROOT, startGateway, startUpstream, stopProcess } from '../helpers/gateway.js';
import { deleteKeys, REDIS_URL, redisReachable, requireRedis, testPrefix } from '../queue/redis-helpers.js';

const missing = chromiumMissing('the console Connections browser tests');

const KEYS = { alice: 'alice-console-key-0123', bob: 'bob-console-key-01234' };
const SECRETS = { alice: 'alice-jira-secret', bob: 'bob-jira-secret' };
const ARTIFACTS = join(ROOT, 'test-artifacts/console');
const TIMEOUT = 20_000;

describe('the console Connections panel in Chromium', { skip: missing }, () => {
  let gateway: Gateway | undefined;
  let upstream: ChildProcess | undefined;
  let browser: TestBrowser | undefined;
  let page: Page;
  let base: string;
  let redis: Redis | undefined;
  let reachable = false;
  const prefix = testPrefix();
  const hash = `${prefix}:user-secrets:jira`;
  let pageErrors: string[] = [];
  const row = (backend: string) => page.locator(`tr[data-connection="${backend}"]`);

  before(async () => {
    reachable = await redisReachable();
    if (!reachable) return;
    redis = new Redis(REDIS_URL);
    await redis.hset(hash, 'key:alice', SECRETS.alice, 'key:bob', SECRETS.bob);
    mkdirSync(ARTIFACTS, { recursive: true });
    await buildConsole();
    const port = await freePort();
    upstream = await startUpstream(['--import', 'tsx', FIXTURE, 'http'], port, { FIXTURE_NAME: 'hdr' });
    ({ gateway } = await startGateway(`gateway:
  redis: { url: "${REDIS_URL}", prefix: ${prefix} }
  auth:
    api_keys:
      - { name: alice, key: "${KEYS.alice}" }
      - { name: bob, key: "${KEYS.bob}" }
httpServices:
  jira:
    base_url: http://127.0.0.1:${port}/mcp
    auth: { type: per_user_secret }
  wiki:
    base_url: http://127.0.0.1:${port}/mcp
    auth: { type: per_user_secret }
  plain:
    base_url: http://127.0.0.1:${port}/mcp
`));
    base = new URL(gateway.url).origin;
    browser = await launchBrowser({ viewport: { width: 1280, height: 720 }, timeoutMs: TIMEOUT });
    ({ page, pageErrors } = browser);
  });

  after(async () => {
    await browser?.close();
    await gateway?.close();
    if (upstream) await stopProcess(upstream);
    if (reachable) await deleteKeys(prefix);
    redis?.disconnect();
  });

  async function signIn(key: string): Promise<void> {
    await page.goto(`${base}/`);
    await page.locator('#key-form').waitFor();
    await page.fill('#key', key);
    await page.press('#key', 'Enter');
    await page.locator('header nav').waitFor();
    await page.locator('body').press('n');
    await page.locator('#connections table').waitFor();
  }

  it("lists the signed-in user's connections, with Revoke and Connect", async (t) => {
    if (!requireRedis(t, reachable)) return;
    await signIn(KEYS.alice);
    assert.equal(await page.locator('[data-principal]').innerText(), 'key:alice');
    await row('jira').locator('[data-connected="true"]').waitFor();
    await row('wiki').locator('[data-connected="false"]').waitFor();
    assert.equal(await row('plain').count(), 0, 'a backend with one identity for all has no connection');
    assert.equal(await row('jira').locator('[data-action="revoke"]').count(), 1);
    assert.equal(await row('wiki').locator('[data-action="connect"]').count(), 1);
    const text = await page.locator('body').innerText();
    for (const s of [...Object.values(SECRETS), 'key:bob']) assert.ok(!text.includes(s), `${s} shown`);
    await page.screenshot({ path: join(ARTIFACTS, '09-connections.png'), fullPage: true });
  });

  it('Connect shows the API’s answer plainly when it cannot start a connection', async (t) => {
    if (!requireRedis(t, reachable)) return;
    await row('wiki').locator('[data-action="connect"]').click();
    const alert = page.locator('#connections-status [role="alert"]');
    await alert.waitFor();
    const shown = await alert.innerText();
    const res = await fetch(`${base}/v1/me/connections/wiki`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEYS.alice}` },
    });
    assert.ok(!res.ok, `POST answered ${res.status}`);
    const { detail } = (await res.json()) as { detail: string };
    assert.match(shown, /^Connecting wiki failed: /);
    assert.ok(shown.includes(detail), `the problem's detail is shown: ${shown}`);
  });

  it("Revoke removes the user's connection, and only theirs", async (t) => {
    if (!requireRedis(t, reachable)) return;
    await row('jira').locator('[data-action="revoke"]').click();
    await page.getByText('Revoked your connection to jira.').waitFor();
    await row('jira').locator('[data-connected="false"]').waitFor();
    assert.equal(await redis!.hget(hash, 'key:alice'), null);
    assert.equal(await redis!.hget(hash, 'key:bob'), SECRETS.bob);
  });

  it("shows another user their own connections, never the first one's", async (t) => {
    if (!requireRedis(t, reachable)) return;
    await page.evaluate('sessionStorage.clear()');
    await signIn(KEYS.bob);
    assert.equal(await page.locator('[data-principal]').innerText(), 'key:bob');
    await row('jira').locator('[data-connected="true"]').waitFor();
    const text = await page.locator('body').innerText();
    for (const s of [...Object.values(SECRETS), 'key:alice']) assert.ok(!text.includes(s), `${s} shown`);
    assert.deepEqual(pageErrors, []);
  });
});
