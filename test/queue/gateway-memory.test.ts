/** Single-session backends through one in-process gateway (memory queue): serialisation, FIFO, limits. */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { ProtocolError } from '@modelcontextprotocol/client';
import type { Client } from '@modelcontextprotocol/client';
import { loadConfig } from '../../src/config/load.js';
import { Gateway } from '../../src/gateway.js';
import type { QueuedRequest, SubmitOptions } from '../../src/queue/types.js';
import { connectClient, stopProcess, text, waitFor, writeConfig } from '../helpers/gateway.js';
import {
  backendReadiness,
  errorCode,
  singleBackendYaml,
  startSingleFixture,
  work,
} from './single-helpers.js';
import { scrape } from '../helpers/metrics.js';

const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** An in-process gateway in memory mode (REDIS_URL from the environment ignored) with `single` ready. */
async function gatewayFor(yaml: string): Promise<{ gateway: Gateway; url: URL; file: string }> {
  const file = writeConfig(yaml);
  const options = { overrides: { port: 0, host: '127.0.0.1' }, env: { ...process.env, REDIS_URL: '' } };
  const gateway = new Gateway(loadConfig(file, options), options);
  cleanups.push(() => gateway.close());
  await gateway.start();
  const url = new URL(gateway.url);
  await waitFor(async () => (await backendReadiness(url)).state === 'ready', 20_000, 'single ready');
  return { gateway, url, file };
}

async function clients(url: URL, n: number): Promise<Client[]> {
  const out = await Promise.all(Array.from({ length: n }, () => connectClient(url)));
  for (const c of out) cleanups.push(() => c.client.close());
  return out.map((c) => c.client);
}

describe('single_session in one gateway (in-process queue)', () => {
  it('runs 200 concurrent calls from 20 clients one at a time, in the order the gateway admitted them', async () => {
    const fixture = await startSingleFixture();
    cleanups.push(() => stopProcess(fixture.child));
    const { gateway, url } = await gatewayFor(singleBackendYaml(fixture.url));
    const queue = gateway.queues.get('single')!.queue;
    const admitted: string[] = [];
    const submit = queue.submit.bind(queue);
    queue.submit = (req: QueuedRequest, opts?: SubmitOptions) => {
      admitted.push(String((req.params?.arguments as { id: string }).id));
      return submit(req, opts);
    };

    const all = await clients(url, 20);
    const results = await Promise.all(
      all.flatMap((client, c) => Array.from({ length: 10 }, (_, i) => work(client, `c${c}-${i}`, { ms: 2 }))),
    );
    assert.equal(
      results.filter((r) => !r.isError).length,
      200,
      JSON.stringify(results.find((r) => r.isError)),
    );
    const stats = await fixture.stats();
    assert.equal(stats.maxConcurrentCalls, 1);
    assert.equal(stats.sessionsOpened, 1);
    assert.equal(stats.refusedSessions, 0);
    assert.equal(stats.executions.length, 200);
    assert.deepEqual(stats.executions, admitted, 'executed in admission order');
    const ready = await backendReadiness(url);
    assert.equal(ready.queue?.mode, 'memory');
    assert.equal(ready.queue?.owner, true);
  });

  it('rejects a call when the queue is full, times out waits and whole calls, with clear errors', async () => {
    const fixture = await startSingleFixture();
    cleanups.push(() => stopProcess(fixture.child));
    const yaml = singleBackendYaml(
      fixture.url,
      '    max_queue_size: 2\n    queue_timeout: 500ms\n    request_timeout: 2s\n',
    );
    const { url } = await gatewayFor(yaml);
    const [client] = await clients(url, 1);

    const running = work(client!, 'A', { ms: 1200 });
    await waitFor(async () => (await fixture.stats()).executions.includes('A'), 5000, 'A running');
    const waiting = [work(client!, 'B'), work(client!, 'C')];
    await waitFor(async () => (await backendReadiness(url)).queue?.depth === 2, 5000, 'two waiting');

    const full = await work(client!, 'D');
    assert.equal(errorCode(full), 'queue_full');
    assert.match(text(full), /backend "single" queue is full \(max_queue_size 2\)/);
    // Outside tools/call the same error is a JSON-RPC error with the gateway's code.
    await assert.rejects(client!.readResource({ uri: 'fixture://static' }), (err: unknown) => {
      assert.ok(err instanceof ProtocolError);
      assert.equal(err.code, -32013);
      assert.match(err.message, /queue is full/);
      return true;
    });

    for (const r of await Promise.all(waiting)) {
      assert.equal(errorCode(r), 'queue_timeout');
      assert.match(text(r), /backend "single": call waited 500 ms in the queue without starting/);
    }
    assert.equal(text(await running), 'done A');

    const slow = await work(client!, 'E', { ms: 3000 });
    assert.equal(errorCode(slow), 'upstream_timeout');
    assert.match(text(slow), /did not finish within 2000 ms \(request_timeout, queue wait included\)/);

    const stats = await fixture.stats();
    assert.deepEqual(stats.executions, ['A', 'E'], 'timed-out and rejected calls never ran');
    assert.equal(stats.maxConcurrentCalls, 1);

    const metrics = await scrape(url);
    const single = { backend: 'single' };
    assert.equal(metrics.value('switchboard_queue_depth', { ...single, mode: 'memory' }), 0);
    // Only A and E started, and neither waited behind another call; A ran 1,200 ms and E until its 2 s timeout.
    assert.equal(metrics.value('switchboard_queue_wait_seconds_count', single), 2, 'two calls started');
    assert.equal(
      metrics.value('switchboard_queue_wait_seconds_bucket', { ...single, le: '0.5' }),
      2,
      'no started call waited 500 ms for another',
    );
    assert.equal(metrics.value('switchboard_queue_run_seconds_count', single), 2);
    assert.ok(metrics.value('switchboard_queue_run_seconds_sum', single) >= 1.2 + 1.9, 'A ran 1.2 s, E ~2 s');
    assert.equal(
      metrics.value('switchboard_queue_run_seconds_bucket', { ...single, le: '1' }),
      0,
      'neither ran under a second',
    );
    assert.equal(metrics.value('switchboard_queue_calls_total', { ...single, outcome: 'rejected' }), 2);
  });

  it('on a reload that replaces the backend, lets the running call finish and closes the old session before opening the new one', async () => {
    const fixture = await startSingleFixture();
    cleanups.push(() => stopProcess(fixture.child));
    const { gateway, url, file } = await gatewayFor(singleBackendYaml(fixture.url));
    const [client] = await clients(url, 1);
    const running = work(client!, 'during', { ms: 800 });
    await waitFor(async () => (await fixture.stats()).executions.includes('during'), 5000, 'running');
    writeFileSync(file, singleBackendYaml(fixture.url, '    max_queue_size: 5\n'));
    const status = await gateway.reload();
    assert.equal(status.last, 'ok');
    assert.equal(text(await running), 'done during');
    const after = await waitFor(
      async () => {
        const r = await work(client!, 'after');
        return r.isError ? undefined : r;
      },
      10_000,
      'calls work on the new instance',
    );
    assert.equal(text(after), 'done after');
    const stats = await fixture.stats();
    assert.equal(stats.sessionsOpened, 2);
    assert.equal(stats.maxConcurrentSessions, 1, 'never two sessions at once');
    assert.equal(stats.refusedSessions, 0);
    assert.equal(gateway.queues.get('single')?.backend, gateway.catalog.backend('single'));
  });
});
