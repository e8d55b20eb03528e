/** Upstreams that die, hang or lose our session: clear errors, tools leaving and returning, list_changed. */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isAlive } from '../../../src/backends/supervision/process-tree.js';
import { status } from '../../../src/cli-status.js';
import {
  EVERYTHING,
  FIXTURE,
  connectClient,
  fixtureStdio,
  freePort,
  startGateway,
  startUpstream,
  stopProcess,
  text,
  waitFor,
} from '../../helpers/gateway.js';

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

describe('stdio supervision', () => {
  it('drops the tools of a dead child, restarts it with backoff and brings them back with list_changed', async () => {
    // While this file exists, a (re)started fixture child waits before answering: the restart is held in
    // `connecting` until the test removes it, so the down-backend checks below always run.
    const hold = join(mkdtempSync(join(tmpdir(), 'sb-hold-')), 'hold');
    const { gateway, url } = await startGateway(
      `mcpServers:\n${fixtureStdio('fx', '    restart: { initial_delay: 200ms, max_delay: 1s }\n', { FIXTURE_HOLD_START: hold })}${fixtureStdio('other')}`,
    );
    const { client, changed } = await connectClient(url);
    cleanups.push(async () => {
      rmSync(hold, { force: true });
      await client.close();
      await gateway.close();
    });
    const before = JSON.parse(text(await client.callTool({ name: 'fx__pid', arguments: {} }))) as {
      pid: number;
    };
    const states: string[] = [];
    const fx = gateway.pool.get('fx')!;
    const watch = setInterval(() => states.at(-1) !== fx.state && states.push(fx.state), 5);
    cleanups.push(async () => clearInterval(watch));
    writeFileSync(hold, '');

    // The child exits without answering: the call in flight fails with an error naming the backend.
    const crash = await client.callTool({ name: 'fx__crash', arguments: {} });
    assert.equal(crash.isError, true);
    assert.match(text(crash), /backend "fx" disconnected during tools\/call/);

    await waitFor(() => changed.tools >= 1, 5000, 'tools/list_changed after the crash');
    // The backend went down, then (after the backoff) started a new child, which the hold file keeps waiting.
    await waitFor(() => fx.state === 'connecting', 5000, 'fx restarting (held)');
    assert.ok(states.includes('down'), `fx went through "down" (states seen: ${states.join(' → ')})`);

    // A call to a backend that is restarting waits for it (within the call's timeout) instead of failing.
    const names = async () => (await client.listTools()).tools.map((t) => t.name);
    assert.ok(!(await names()).includes('fx__add'), 'the tools of a restarting backend are not listed');
    const held = client.callTool({ name: 'fx__add', arguments: { a: 1, b: 1 } });
    await waitFor(() => gateway.dispatcher.connecting.waiting === 1, 5000, 'the call waiting for fx');
    // The other backend kept serving throughout.
    assert.equal(text(await client.callTool({ name: 'other__add', arguments: { a: 1, b: 2 } })), '3');
    rmSync(hold);
    assert.equal(text(await held), '2', 'served once the restart completed');

    await waitFor(async () => (await names()).includes('fx__add'), 10_000, 'fx tools back after restart');
    assert.ok(changed.tools >= 2, 'a second list_changed when the tools came back');
    const afterRestart = JSON.parse(text(await client.callTool({ name: 'fx__pid', arguments: {} }))) as {
      pid: number;
    };
    assert.notEqual(afterRestart.pid, before.pid, 'a new child process');
    assert.equal(isAlive(before.pid), false, 'the old child is gone');
  });

  it('gives up after max_attempts and reports the backend down with its last error', async () => {
    const { gateway, url } = await startGateway(`
mcpServers:
  broken:
    command: ${JSON.stringify(process.execPath)}
    args: ["-e", "process.exit(1)"]
    restart: { max_attempts: 2, initial_delay: 50ms }
${fixtureStdio('fx')}`);
    const { client } = await connectClient(url);
    cleanups.push(async () => {
      await client.close();
      await gateway.close();
    });
    await waitFor(() => gateway.pool.get('broken')!.lastError?.includes('gave up'), 5000, 'broken gives up');
    type Ready = { backends: Record<string, { state: string; lastError?: string }> };
    const { backends } = await fetch(new URL('/readyz', url)).then((r) => r.json() as Promise<Ready>);
    assert.equal(backends.broken!.state, 'down');
    assert.match(backends.broken!.lastError!, /gave up after 2 attempt/);
    assert.equal(backends.fx!.state, 'ready', 'one broken upstream does not take the others down');
    const res = await client.callTool({ name: 'broken__anything', arguments: {} });
    assert.equal(res.isError, true);
    assert.match(text(res), /backend "broken" is down/);
  });
});

describe('a child that dies during start-up', () => {
  // A block copied from examples/ into the root config: its path is relative to examples/, so node cannot find it.
  for (const protocol of ['2025-11-25', 'auto']) {
    it(`reports its stderr as the backend's last error in /readyz, /v1/backends and status (protocol ${protocol})`, async () => {
      const { gateway, url } = await startGateway(`
mcpServers:
  copied:
    command: ${JSON.stringify(process.execPath)}
    args: [../node_modules/@modelcontextprotocol/server-everything/dist/index.js, stdio]
    protocol: "${protocol}"
    restart: { max_attempts: 1 }
${fixtureStdio('fx')}`);
      cleanups.push(() => gateway.close());
      await waitFor(() => gateway.pool.get('copied')!.state === 'down', 10_000, 'copied down');
      const cause =
        /child process exited \(?.*during start-up: Error: Cannot find module '[^']*server-everything\/dist\/index\.js'/;
      type Ready = { backends: Record<string, { state: string; lastError?: string }> };
      const ready = await fetch(new URL('/readyz', url)).then((r) => r.json() as Promise<Ready>);
      assert.match(ready.backends.copied!.lastError!, cause);
      type Rows = { backends: { name: string; lastError?: string }[] };
      const rows = await fetch(new URL('/v1/backends', url)).then((r) => r.json() as Promise<Rows>);
      assert.match(rows.backends.find((b) => b.name === 'copied')!.lastError!, cause);
      const lines = await status({ url: url.href, json: false });
      assert.match(
        lines.find((l) => l.startsWith('copied'))!,
        /Cannot find module/,
      );
      assert.equal(ready.backends.fx!.state, 'ready');
    });
  }
});

describe('timeouts', () => {
  it('fails a call that exceeds request_timeout with an error naming backend and timeout, and keeps serving', async () => {
    const { gateway, url } = await startGateway(
      `mcpServers:\n${fixtureStdio('fx', '    request_timeout: 300ms\n')}`,
    );
    const { client } = await connectClient(url);
    cleanups.push(async () => {
      await client.close();
      await gateway.close();
    });
    const res = await client.callTool({ name: 'fx__slow', arguments: { ms: 2000 } });
    assert.equal(res.isError, true);
    assert.match(text(res), /backend "fx" did not answer tools\/call within 300 ms \(request_timeout\)/);
    assert.deepEqual(res._meta?.['switchboard/error'], { code: 'upstream_timeout', backend: 'fx' });
    assert.equal(text(await client.callTool({ name: 'fx__add', arguments: { a: 1, b: 1 } })), '2');
  });
});

describe('HTTP and SSE upstreams that go away', () => {
  let upstream: ChildProcess | undefined;
  after(async () => {
    if (upstream) await stopProcess(upstream);
  });

  it('re-initializes a Streamable HTTP upstream that forgot the session, transparently', async () => {
    const port = await freePort();
    upstream = await startUpstream(['--import', 'tsx', FIXTURE, 'http'], port);
    const { gateway, url } = await startGateway(
      `httpServices:\n  up:\n    base_url: http://127.0.0.1:${port}/mcp\n`,
    );
    const { client } = await connectClient(url);
    cleanups.push(async () => {
      await client.close();
      await gateway.close();
    });
    assert.equal(text(await client.callTool({ name: 'up__add', arguments: { a: 1, b: 1 } })), '2');
    await stopProcess(upstream);
    upstream = await startUpstream(['--import', 'tsx', FIXTURE, 'http'], port);
    // The restarted upstream answers 404 to the old session id; the gateway re-initializes and retries once.
    assert.equal(text(await client.callTool({ name: 'up__add', arguments: { a: 2, b: 2 } })), '4');
  });

  it('fails calls in flight when the SSE stream drops, then reconnects and re-initializes', async () => {
    const port = await freePort();
    let sse = await startUpstream([EVERYTHING, 'sse'], port);
    const { gateway, url } = await startGateway(`
sseServices:
  ev:
    base_url: http://127.0.0.1:${port}/sse
    reconnect_delay_ms: 100
    max_reconnect_delay_ms: 500
`);
    const { client, changed } = await connectClient(url);
    cleanups.push(async () => {
      await client.close();
      await gateway.close();
      await stopProcess(sse);
    });
    let progressed!: () => void;
    const running = new Promise<void>((r) => (progressed = r));
    const inFlight = client.callTool(
      { name: 'ev__trigger-long-running-operation', arguments: { duration: 5, steps: 5 } },
      { onprogress: () => progressed() },
    );
    await running; // the first progress notification: the call is running upstream
    await stopProcess(sse, 'SIGKILL');
    const failed = await inFlight;
    assert.equal(failed.isError, true);
    assert.match(text(failed), /backend "ev" (disconnected during tools\/call|is unreachable)/);
    await waitFor(() => changed.tools >= 1, 5000, 'ev tools removed');
    sse = await startUpstream([EVERYTHING, 'sse'], port);
    await waitFor(() => gateway.pool.get('ev')!.state === 'ready', 10_000, 'ev reconnected');
    const res = await client.callTool({ name: 'ev__echo', arguments: { message: 'back' } });
    assert.equal(text(res), 'Echo: back');
  });
});
