/**
 * The real CLI process on SIGTERM with calls in flight: they complete within gateway.shutdown_grace, new requests
 * get 503, /readyz turns not-ready, exit code 0 and no process of the tree survives; calls still running when the
 * grace runs out get a shutting_down JSON-RPC error; a second signal exits at once.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Client, ProtocolError, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { isAlive } from '../../src/backends/supervision/process-tree.js';
import { connectClient, fixtureStdio, serveCli, text, treeOf, waitFor } from '../helpers/gateway.js';
import { INIT, json, raw } from '../helpers/http.js';

async function readyz(url: URL): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(new URL('/readyz', url));
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const config = (grace: string, extra = '') =>
  `gateway:\n  shutdown_grace: ${grace}\nmcpServers:\n${fixtureStdio('a', extra, { FIXTURE_GRANDCHILD: '1' })}`;

describe('graceful shutdown of `switchboard serve`', () => {
  it('lets calls in flight finish, answers new requests 503, exits 0 and leaves no process behind', async (t) => {
    const { child, url, io, exited } = await serveCli(config('60s'));
    t.after(() => void child.kill('SIGKILL'));
    const { client } = await connectClient(url);
    // A 2026-07-28 client too: its call is a request of its own, with no session.
    const modern = new Client({ name: 'modern', version: '1' }, { versionNegotiation: { mode: 'auto' } });
    await modern.connect(new StreamableHTTPClientTransport(url));
    assert.equal(modern.getNegotiatedProtocolVersion(), '2026-07-28');
    const pids = await treeOf(client);
    // Two calls in flight, one per client; they end once the test lets them (by time: 1.5 s of upstream sleep).
    const calls = [
      client.callTool({ name: 'a__slow', arguments: { ms: 1500 } }),
      modern.callTool({ name: 'a__slow', arguments: { ms: 1500 } }),
    ];
    await waitFor(
      async () => (await readyz(url)).body.requestsInFlight === 2,
      10_000,
      'both calls in flight',
    );
    child.kill('SIGTERM');
    await waitFor(() => io.err.includes('shutting down'), 10_000, 'the shutdown log line');

    const refused = await raw(url, 'POST', json, JSON.stringify(INIT));
    assert.equal(refused.status, 503, refused.body);
    assert.equal(refused.headers.connection, 'close');
    assert.equal(refused.headers['retry-after'], '1');
    assert.match(refused.body, /shutting down/);
    const ready = await readyz(url);
    assert.equal(ready.status, 503);
    assert.equal(ready.body.status, 'draining');

    const results = await Promise.all(calls);
    for (const r of results) assert.equal(text(r), 'slept 1500');
    assert.equal(await exited, 0, io.err);
    await waitFor(() => pids.every((p) => !isAlive(p)), 5000, `no process left of ${pids.join(', ')}`);
    const lines = io.err
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { msg: string; requests?: number; level: number; completed?: number });
    const start = lines.find((l) => l.msg.startsWith('SIGTERM: shutting down'));
    assert.equal(start?.requests, 2, 'the start line counts the calls in flight');
    const end = lines.find((l) => l.msg === 'shutdown complete');
    assert.equal(end?.completed, 2);
  });

  it('answers a call still running when the grace runs out with a shutting_down error, then exits 0', async (t) => {
    const { child, url, io, exited } = await serveCli(config('300ms'));
    t.after(() => void child.kill('SIGKILL'));
    const { client } = await connectClient(url);
    const pids = await treeOf(client);
    const call = client.callTool({ name: 'a__slow', arguments: { ms: 120_000 } }).then(
      () => assert.fail('the call should not complete'),
      (err: unknown) => err,
    );
    await waitFor(async () => (await readyz(url)).body.requestsInFlight === 1, 10_000, 'call in flight');
    child.kill('SIGTERM');
    const err = await call;
    assert.ok(err instanceof ProtocolError, String(err));
    assert.equal(err.code, -32008);
    assert.match(err.message, /shutting down: tools\/call on backend "a" did not finish within the 300 ms/);
    assert.deepEqual(err.data, { code: 'shutting_down', backend: 'a' });
    assert.equal(await exited, 0, io.err);
    await waitFor(() => pids.every((p) => !isAlive(p)), 5000, `no process left of ${pids.join(', ')}`);
    assert.match(io.err, /shutdown grace \(gateway.shutdown_grace\) ran out/);
  });

  it('single-session queue: calls queued at SIGTERM still run in order within the grace', async (t) => {
    const { child, url, io, exited } = await serveCli(config('60s', '    single_session: true\n'));
    t.after(() => void child.kill('SIGKILL'));
    const { client } = await connectClient(url);
    await treeOf(client);
    const first = client.callTool({ name: 'a__slow', arguments: { ms: 1500 } });
    const queued = client.callTool({ name: 'a__slow', arguments: { ms: 10 } });
    await waitFor(
      async () => (await readyz(url)).body.requestsInFlight === 2,
      10_000,
      'one running, one queued',
    );
    child.kill('SIGTERM');
    assert.equal(text(await first), 'slept 1500');
    assert.equal(text(await queued), 'slept 10');
    assert.equal(await exited, 0, io.err);
  });

  it('single-session queue: when the grace runs out, the running and the queued call get shutting_down', async (t) => {
    const { child, url, io, exited } = await serveCli(config('300ms', '    single_session: true\n'));
    t.after(() => void child.kill('SIGKILL'));
    const { client } = await connectClient(url);
    await treeOf(client);
    const failure = (p: Promise<unknown>) =>
      p.then(
        () => assert.fail('the call should not complete'),
        (err: unknown) => err as ProtocolError,
      );
    const running = failure(client.callTool({ name: 'a__slow', arguments: { ms: 120_000 } }));
    const queued = failure(client.callTool({ name: 'a__slow', arguments: { ms: 10 } }));
    await waitFor(
      async () => (await readyz(url)).body.requestsInFlight === 2,
      10_000,
      'one running, one queued',
    );
    child.kill('SIGTERM');
    const [r, q] = await Promise.all([running, queued]);
    assert.equal(r.code, -32008, String(r));
    assert.match(r.message, /backend "a" did not finish within the 300 ms .*may have partly run upstream/);
    assert.equal(q.code, -32008, String(q));
    assert.match(
      q.message,
      /single-session backend "a" .* it was still waiting in the queue; it was removed and never ran/,
    );
    assert.equal(await exited, 0, io.err);
  });

  it('exits at once (code 1) on a second signal, killing the backend tree', async (t) => {
    const { child, url, io, exited } = await serveCli(config('10m'));
    t.after(() => void child.kill('SIGKILL'));
    const { client } = await connectClient(url);
    const pids = await treeOf(client);
    void client.callTool({ name: 'a__slow', arguments: { ms: 600_000 } }).catch(() => {});
    await waitFor(async () => (await readyz(url)).body.requestsInFlight === 1, 10_000, 'call in flight');
    child.kill('SIGTERM');
    await waitFor(() => io.err.includes('shutting down'), 10_000, 'the shutdown log line');
    child.kill('SIGINT');
    assert.equal(await exited, 1);
    assert.match(io.err, /SIGINT again: exiting now/);
    await waitFor(() => pids.every((p) => !isAlive(p)), 5000, `no process left of ${pids.join(', ')}`);
  });
});
