/** Headless Chromium for the browser tests: where it is, a loud skip where it is not, a launch with a fresh profile. */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium, or CHROMIUM_PATH. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Says loudly, once, that browser tests are skipped; returns the skip reason (or false). */
export function chromiumMissing(what: string): string | false {
  if (existsSync(CHROMIUM)) return false;
  const bar = '!'.repeat(100);
  process.stderr.write(
    `\n${bar}\n!! SKIPPED: ${what}: no Chromium at ${CHROMIUM}.\n!! Install it (apt-get install -y chromium; .ci/run does) or set CHROMIUM_PATH.\n${bar}\n\n`,
  );
  return `no Chromium at ${CHROMIUM}`;
}

/** A launched browser: its context, its first page, the page's uncaught errors, and how to close it. */
export interface TestBrowser {
  context: BrowserContext;
  page: Page;
  pageErrors: string[];
  close(): Promise<void>;
}

/** A headless Chromium with a fresh profile (removed on close); its page's uncaught errors are collected. */
export async function launchBrowser(
  options: { viewport?: { width: number; height: number }; timeoutMs?: number } = {},
): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'switchboard-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    ...(options.viewport && { viewport: options.viewport }),
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(options.timeoutMs ?? 20_000);
  const pageErrors: string[] = [];
  page.on('pageerror', (err) => pageErrors.push(err.message));
  return {
    context,
    page,
    pageErrors,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
