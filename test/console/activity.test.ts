/**
 * The console's Activity panel in a real browser (Debian's Chromium driven by playwright-core): its charts move
 * when calls are made through the SDK client, and an error shows in the events list. Its screenshot (in
 * test-artifacts/console/) is what docs/activity.png shows.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { Gateway } from '../../src/gateway.js';
import { chromiumMissing, launchBrowser, type TestBrowser } from '../helpers/browser.js';
import { buildConsole } from '../../scripts/build-console.js';
import { fixtureStdio, ROOT, startGateway, waitFor } from '../helpers/gateway.js';
import { clientWith } from '../audit/helpers.js';

const missing = chromiumMissing('the Activity panel browser test');

const KEY = 'ops-key-0123456789';
const TIMEOUT = 20_000;

describe('console Activity panel in Chromium', { skip: missing }, () => {
  let gateway: Gateway;
  let url: URL;
  let browser: TestBrowser | undefined;
  let page: Page;
  let pageErrors: string[] = [];

  before(async () => {
    mkdirSync(join(ROOT, 'test-artifacts/console'), { recursive: true });
    await buildConsole();
    ({ gateway, url } = await startGateway(`gateway:
  auth:
    api_keys:
      - { name: ops, key: "${KEY}", operator: true }
      - { name: alice, key: "alice-key-0123456789" }
mcpServers:
${fixtureStdio('alpha')}${fixtureStdio('beta', '    single_session: true\n')}`));
    browser = await launchBrowser({ viewport: { width: 1366, height: 900 }, timeoutMs: TIMEOUT });
    ({ page, pageErrors } = browser);
  });

  after(async () => {
    await browser?.close();
    await gateway?.close();
  });

  /** The last value of each backend's series in one chart (null: no calls in the bucket). */
  const last = async (chart: string) =>
    JSON.parse((await page.locator(`[data-chart="${chart}"]`).getAttribute('data-last')) ?? '[]') as (
      number | null
    )[];

  it('charts calls as they are made and lists an error among the recent events', async () => {
    await page.goto(`${url.origin}/#/activity`);
    await page.fill('#key', KEY);
    await page.press('#key', 'Enter');
    await page.locator('#activity').waitFor();
    await page.getByText('No calls yet.').waitFor();
    assert.equal(await page.locator('[data-chart]').count(), 0);

    const client = await clientWith(url, 'alice-key-0123456789');
    for (let i = 0; i < 6; i++) await client.callTool({ name: 'alpha__add', arguments: { a: i, b: 1 } });
    for (let i = 0; i < 2; i++) await client.callTool({ name: 'beta__add', arguments: { a: i, b: 2 } });
    await page.locator('[data-chart="calls"] canvas').waitFor();
    const totals = async () =>
      JSON.parse((await page.locator('.charts').getAttribute('data-calls')) ?? '[]') as number[];
    await waitFor(async () => (await totals()).join() === '6,2', TIMEOUT, 'calls charted per backend');
    assert.ok(
      (await last('calls')).every((x) => x !== null && x > 0),
      'the latest calls/s are drawn',
    );
    assert.ok(
      (await last('errors')).every((x) => x === 0),
      'no errors yet',
    );

    const bad = await client.callTool({ name: 'alpha__add', arguments: { a: 'one' } });
    assert.equal(bad.isError, true);
    await waitFor(async () => ((await last('errors'))[0] ?? 0) > 0, TIMEOUT, 'the error rate charted');
    assert.deepEqual(await totals(), [7, 2], 'the calls chart moved');
    const row = page.locator('table.events tr[data-outcome="tool_error"]').first();
    await row.waitFor();
    assert.match(await row.innerText(), /alpha__add/);
    assert.match(await row.innerText(), /api_key:alice/);
    await page.locator('tr[data-sessions="2025/http"]').waitFor();
    await page.locator('tr[data-queue="beta"]').waitFor();

    // The filters ask GET /v1/audit: only beta's events remain.
    await page.fill('#audit-filters input[name="backend"]', 'beta');
    await page.click('#audit-filters button[type="submit"]');
    await page.waitForFunction(
      "[...document.querySelectorAll('table.events tbody tr')].every((r) => r.textContent.includes('beta'))",
    );
    await page.fill('#audit-filters input[name="backend"]', '');
    await page.click('#audit-filters button[type="submit"]');
    await page.locator('table.events tr[data-outcome="tool_error"]').first().waitFor();
    // docs/activity.png is a copy of this screenshot.
    await page.screenshot({ path: join(ROOT, 'test-artifacts/console/activity.png') });
    await client.close();
    assert.deepEqual(pageErrors, []);
  });
});
