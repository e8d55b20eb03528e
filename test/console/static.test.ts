/** The console's static files: served by name only, and a plain 503 when the build is missing. */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import express, { type RequestHandler } from 'express';
import { consoleStatic } from '../../src/console/static.js';

const pass: RequestHandler = (_req, _res, next) => next();

async function serve(dir: string, path: string, run: (base: string) => Promise<void>): Promise<void> {
  const app = express();
  app.use(consoleStatic(path, pass, dir));
  app.use((_req, res) => void res.status(404).send('fell through'));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  try {
    await run(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    await new Promise((r) => server.close(r));
  }
}

describe('console static files', () => {
  it('answers 503 naming the fix when the console is not built', async () => {
    await serve(join(tmpdir(), 'switchboard-no-such-console'), '/', async (base) => {
      const res = await fetch(`${base}/`);
      assert.equal(res.status, 503);
      assert.match(await res.text(), /npm run build/);
      assert.equal((await fetch(`${base}/healthz`)).status, 404);
    });
  });

  it('serves only the built files, by name, and leaves every other path alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-console-'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>t</title>');
    writeFileSync(join(dir, 'app.js'), 'export {};');
    await serve(dir, '/', async (base) => {
      const page = await fetch(`${base}/`);
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-type') ?? '', /text\/html/);
      assert.equal((await fetch(`${base}/app.js`)).status, 200);
      for (const other of ['/mcp', '/app.css', '/..%2fetc%2fpasswd', '/index.html/x']) {
        const res = await fetch(`${base}${other}`);
        assert.equal(await res.text(), 'fell through', other);
      }
    });
  });
});
