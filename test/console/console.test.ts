/**
 * The web console in a real browser (Debian's Chromium driven by playwright-core) against a gateway with real
 * upstreams: key prompt, live backends, tool search, a generated form, calls with progress, images, errors,
 * the config panel, and an upstream process killed while the page watches. Screenshots go to test-artifacts/console/.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { Gateway } from '../../src/gateway.js';
import { chromiumMissing, launchBrowser, type TestBrowser } from '../helpers/browser.js';
import { buildConsole } from '../../scripts/build-console.js';
import {
  EVERYTHING,
  FIXTURE,
  fixtureStdio,
  freePort,
  ROOT,
  startGateway,
  startUpstream,
} from '../helpers/gateway.js';

const missing = chromiumMissing('the web console browser tests');

const KEY = 'console-test-key-0123456789';
const ARTIFACTS = join(ROOT, 'test-artifacts/console');
const TIMEOUT = 20_000;

describe('web console in Chromium', { skip: missing }, () => {
  let gateway: Gateway;
  let upstream: ChildProcess;
  let browser: TestBrowser | undefined;
  let page: Page;
  let base: string;
  let pageErrors: string[] = [];
  const consoleErrors: string[] = [];
  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  /** The state badge of a backend's row. */
  const state = (backend: string) => page.locator(`tr[data-backend="${backend}"] [data-state]`);

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await buildConsole();
    const port = await freePort();
    upstream = await startUpstream(['--import', 'tsx', FIXTURE, 'http'], port, { FIXTURE_NAME: 'remote' });
    ({ gateway } = await startGateway(`gateway:
  auth:
    api_keys:
      - { name: ops, key: "${KEY}", operator: true }
mcpServers:
${fixtureStdio('alpha', '    tools: { exclude: [crash] }\n')}${fixtureStdio('beta', '    restart: { initial_delay: 30s }\n')}  everything:
    command: ${JSON.stringify(process.execPath)}
    args: [${JSON.stringify(EVERYTHING)}, "stdio"]
httpServices:
  remote:
    base_url: http://127.0.0.1:${port}/mcp
toolsets:
  lean:
    tools: ["alpha__*"]
    overrides:
      alpha__add: { name: plus }
`));
    base = new URL(gateway.url).origin;
    browser = await launchBrowser({ viewport: { width: 1366, height: 820 }, timeoutMs: TIMEOUT });
    ({ page, pageErrors } = browser);
    page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  });

  after(async () => {
    await browser?.close();
    await gateway?.close();
    upstream?.kill();
  });

  it('shows nothing but a key prompt without a key, and refuses a wrong one', async () => {
    const refusals: number[] = [];
    page.on('response', (r) => r.url().includes('/v1/') && refusals.push(r.status()));
    await page.goto(`${base}/`);
    await page.locator('#key-form').waitFor();
    assert.equal(await page.locator('table.backends').count(), 0);
    const text = await page.locator('body').innerText();
    for (const name of ['alpha', 'everything', 'remote']) assert.ok(!text.includes(name), `${name} shown`);
    assert.ok(refusals.includes(401), 'the API answered 401');
    await shot('01-key-prompt');

    await page.fill('#key', 'not-the-key-000000');
    await page.press('#key', 'Enter');
    await page.getByText('The key was refused').waitFor();
    assert.equal(await page.locator('table.backends').count(), 0);
  });

  it('opens with the key and shows every backend with its state', async () => {
    await page.fill('#key', KEY);
    await page.press('#key', 'Enter');
    for (const b of ['alpha', 'beta', 'everything', 'remote']) {
      await page.locator(`tr[data-backend="${b}"] [data-state="ready"]`).waitFor();
    }
    const alpha = page.locator('tr[data-backend="alpha"]');
    assert.match(await alpha.innerText(), /stdio/);
    // 2025-11-25 is the current session-based revision; the operator sees what alpha's filter hides.
    assert.match(await alpha.innerText(), /2025-11-25 \(session-based\)/);
    assert.doesNotMatch(await page.locator('table.backends').innerText(), /legacy/);
    const upstream = gateway.catalog.backend('alpha')!.catalog.tools.length;
    assert.equal(await alpha.locator('td.num').first().innerText(), `${upstream - 1} of ${upstream}`);
    assert.match(await page.locator('tr[data-backend="remote"]').innerText(), /http/);
    await page.locator('.live[data-live="live"]').waitFor();
    // The key lives in the tab's sessionStorage: a reload does not ask again.
    await page.reload();
    await page.locator('tr[data-backend="alpha"] [data-state="ready"]').waitFor();
    assert.equal(await page.locator('#key-form').count(), 0);
    await shot('02-backends');
  });

  it('finds a tool by search, builds its form from the schema, calls it and shows the result', async () => {
    await page.keyboard.press('/');
    const search = page.locator('#tool-search');
    await page.locator('#tool-search:focus').waitFor();
    await page.keyboard.type('tiny image');
    await page.locator('.left p', { hasText: 'best first' }).waitFor();
    const first = page.locator('#tool-list li a').first();
    assert.equal(await first.getAttribute('data-tool'), 'everything__get-tiny-image');
    await search.fill('add two numbers');
    await page.locator('.left p', { hasText: '“add two numbers”' }).waitFor();
    const top = await first.getAttribute('data-tool');
    assert.match(top ?? '', /^(alpha|beta)__add$/);
    // Keyboard: down into the list, Enter opens the tool.
    await search.press('ArrowDown');
    await page.locator(`#tool-list a[data-tool="${top}"]:focus`).waitFor();
    await page.keyboard.press('Enter');
    await page.locator('#tool-detail h3 code', { hasText: top! }).waitFor();
    assert.match(await page.locator('#tool-detail pre.json').first().innerText(), /"required"/);
    await page.fill('[data-arg="a"]', '2');
    await page.fill('[data-arg="b"]', '40');
    await page.keyboard.press('Enter');
    const result = page.locator('#tool-detail .result[data-outcome="ok"]');
    await result.waitFor();
    assert.equal(await result.locator('pre.text').innerText(), '42');
    assert.match(await result.locator('.structured').innerText(), /"sum": 42/);
    await shot('03-tool-result');
  });

  it('shows progress while a call runs, then its result; Cancel stops one', async () => {
    await page.goto(`${base}/#/tools/alpha__slow`);
    await page.locator('#tool-detail h3 code', { hasText: 'alpha__slow' }).waitFor();
    await page.fill('[data-arg="ms"]', '1500');
    await page.fill('[data-arg="steps"]', '3');
    await page.click('#tool-detail button.primary');
    await page.locator('#tool-detail .progress', { hasText: 'of 3' }).waitFor();
    await shot('04-progress');
    await page.locator('#tool-detail .result', { hasText: 'slept 1500' }).waitFor();
    await page.locator('#tool-detail .progress').waitFor({ state: 'hidden' });

    // Cancel ends a long call at once and says so.
    await page.fill('[data-arg="ms"]', '60000');
    await page.fill('[data-arg="steps"]', '60');
    await page.click('#tool-detail button.primary');
    await page.locator('#tool-detail .progress', { hasText: 'of 60' }).waitFor();
    await page.click('#tool-detail button:has-text("Cancel")');
    await page.locator('#tool-detail [role="alert"]', { hasText: 'Cancelled' }).waitFor();
    await page.locator('#tool-detail .progress').waitFor({ state: 'hidden' });
    assert.equal(await page.locator('#tool-detail button.primary').isEnabled(), true);
  });

  it('renders an image result and shows input errors plainly', async () => {
    await page.goto(`${base}/#/tools/everything__get-tiny-image`);
    await page.locator('#tool-detail h3 code', { hasText: 'everything__get-tiny-image' }).waitFor();
    await page.click('#tool-detail button.primary');
    const img = page.locator('#tool-detail .result .block.image img');
    await img.waitFor();
    // The browser decoded it: the data URL is a real image.
    await page.waitForFunction("document.querySelector('#tool-detail .block.image img')?.naturalWidth > 0");
    await shot('05-image');

    await page.goto(`${base}/#/tools/alpha__add`);
    await page.locator('#tool-detail h3 code', { hasText: 'alpha__add' }).waitFor();
    await page.fill('[data-arg="a"]', '1');
    await page.click('#tool-detail button.primary');
    await page.locator('#tool-detail [role="alert"]', { hasText: 'b is required' }).waitFor();
  });

  it('shows the config with secrets redacted, its hash and reload status', async () => {
    await page.keyboard.press('c');
    const hash = page.locator('#config [data-hash]');
    await hash.waitFor();
    assert.equal(await hash.innerText(), gateway.readiness().configHash?.toString().slice(0, 12));
    const text = await page.locator('#config').innerText();
    assert.ok(!text.includes(KEY), 'the API key is not shown');
    // The file's own YAML keys, not the gateway's internal model.
    assert.match(text, /"mcpServers"/);
    assert.match(text, /"api_keys"/);
    assert.match(text, /"initial_delay": "30s"/);
    assert.doesNotMatch(text, /initialDelayMs|"backends"|apiKeys/);
    assert.match(text, /No reload since the gateway started/);
    await shot('06-config');
  });

  it('follows an upstream process that is killed, without a reload', async () => {
    await page.keyboard.press('b');
    await page.locator('tr[data-backend="beta"] [data-state="ready"]').waitFor();
    await page.evaluate('window.marker = 42');
    const pid = gateway.catalog.backend('beta')!.pid;
    assert.ok(pid, 'beta runs a child process');
    process.kill(pid, 'SIGKILL');
    await page.locator('tr[data-backend="beta"] [data-state="down"]').waitFor();
    await page.locator('tr[data-backend="beta"] td.error', { hasText: 'child process exited' }).waitFor();
    assert.equal(await state('alpha').getAttribute('data-state'), 'ready');
    const marker = await page.evaluate('window.marker');
    assert.equal(marker, 42, 'the page was not reloaded');
    await shot('07-backend-down');
    // The catalog follows too: the tool list (still searched) loses beta's tools, without a reload.
    await page.keyboard.press('t');
    await page.locator('#tool-list a[data-tool="alpha__add"]').waitFor();
    await page.locator('#tool-list a[data-tool="beta__add"]').waitFor({ state: 'detached' });
    assert.equal(await page.evaluate('window.marker'), 42, 'the page was not reloaded');
  });

  it('shows what one tool set exposes when it is picked, and calls its renamed tool', async () => {
    await page.keyboard.press('t');
    await page.locator('#tool-list a[data-tool="alpha__add"]').waitFor();
    await page.selectOption('#toolset', 'lean');
    await page.locator('#tool-list a[data-tool="plus"]').click();
    const listed = await page
      .locator('#tool-list a[data-tool]')
      .evaluateAll((as) => as.map((a) => a.getAttribute('data-tool')));
    assert.ok(!listed.some((t) => /^(beta|everything|remote)__|^alpha__add$/.test(t ?? '')), listed.join());
    await page.locator('#tool-detail h3 code', { hasText: 'plus' }).waitFor();
    await page.fill('[data-arg="a"]', '40');
    await page.fill('[data-arg="b"]', '2');
    await page.keyboard.press('Enter');
    const result = page.locator('#tool-detail .result[data-outcome="ok"]');
    assert.equal(await result.locator('pre.text').innerText(), '42');
    await shot('08-tool-set');
    await page.selectOption('#toolset', '');
    await page.locator('#tool-list a[data-tool="alpha__add"]').waitFor();
  });

  it('raised no script errors', () => {
    assert.deepEqual(pageErrors, []);
    assert.deepEqual(
      consoleErrors.filter((m) => !/401|403/.test(m)),
      [],
    );
  });
});
