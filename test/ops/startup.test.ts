/**
 * Readiness means the backends have come up: /readyz says `starting` (503) until every enabled backend has had
 * its first connection attempt, or gateway.startup_timeout has passed; a call to a backend still connecting
 * waits for it within the call's timeout instead of failing at once.
 */
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Gateway } from '../../src/gateway.js';
import { connectClient, fixtureStdio, startGateway, text, waitFor } from '../helpers/gateway.js';

const cleanups: (() => Promise<unknown> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** A file whose existence holds the fixture backend before it answers initialize. */
function holdFile(): string {
  const file = join(tmpdir(), `switchboard-hold-${process.pid}-${Math.random().toString(36).slice(2)}`);
  writeFileSync(file, '');
  cleanups.push(() => rmSync(file, { force: true }));
  return file;
}

/** A gateway whose `fx` backend is held in `connecting` until the hold file is removed; not waited for. */
async function heldGateway(
  hold: string,
  gatewayYaml = '',
  backendYaml = '',
): Promise<{ gateway: Gateway; url: URL }> {
  const { gateway, url } = await startGateway(
    `gateway:\n${gatewayYaml || '  log_level: warn\n'}mcpServers:\n${fixtureStdio('fx', backendYaml, { FIXTURE_HOLD_START: hold })}`,
    false,
  );
  cleanups.push(() => gateway.close());
  return { gateway, url };
}

async function readyz(url: URL): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(new URL('/readyz', url));
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('/readyz at start', () => {
  it('answers 503 starting until every backend has had its first connection attempt', async () => {
    const hold = holdFile();
    const { url } = await heldGateway(hold);
    const starting = await readyz(url);
    assert.equal(starting.status, 503);
    assert.equal(starting.body.status, 'starting');
    assert.equal((starting.body.backends as Record<string, { state: string }>).fx!.state, 'connecting');
    rmSync(hold);
    await waitFor(
      async () => (await readyz(url)).status === 200,
      60_000,
      '/readyz ready once the backend connected',
    );
    const ready = await readyz(url);
    assert.equal(ready.body.status, 'ready');
    assert.equal((ready.body.backends as Record<string, { state: string }>).fx!.state, 'ready');
  });

  it('says ready after gateway.startup_timeout even while a backend still connects', async () => {
    const hold = holdFile();
    const { gateway, url } = await heldGateway(hold, '  startup_timeout: 400ms\n');
    assert.equal((await readyz(url)).status, 503);
    await waitFor(async () => (await readyz(url)).status === 200, 10_000, 'ready after the start-up bound');
    assert.equal(gateway.pool.get('fx')!.state, 'connecting', 'the backend is still held');
  });
});

describe('a call to a backend still connecting', () => {
  it('waits for it and is served once it is ready', async () => {
    const hold = holdFile();
    const { gateway, url } = await heldGateway(hold);
    const { client } = await connectClient(url);
    cleanups.push(() => client.close());
    const call = client.callTool({ name: 'fx__add', arguments: { a: 2, b: 3 } });
    let settled = false;
    void call.finally(() => (settled = true));
    // The call is held, not refused: it waits while the backend connects.
    await waitFor(() => gateway.dispatcher.connecting.waiting === 1, 10_000, 'the call waiting');
    assert.equal(settled, false, 'the call did not fail at once');
    assert.equal(gateway.pool.get('fx')!.state, 'connecting');
    rmSync(hold);
    const result = await call;
    assert.notEqual(result.isError, true, text(result));
    assert.equal(text(result), '5');
  });

  it("fails with the backend's state when it is still connecting at the end of the call's timeout", async () => {
    const hold = holdFile();
    const { url } = await heldGateway(hold, '', '    request_timeout: 800ms\n');
    const { client } = await connectClient(url);
    cleanups.push(() => client.close());
    const t0 = performance.now();
    const result = await client.callTool({ name: 'fx__add', arguments: { a: 2, b: 3 } });
    const waited = performance.now() - t0;
    assert.equal(result.isError, true);
    assert.match(text(result), /backend "fx" is connecting; tool "fx__add" is unavailable/);
    assert.ok(waited >= 700, `waited ${Math.round(waited)} ms, the call's timeout is 800 ms`);
  });
});
