/** The REST API in front of a single_session backend: a full queue is 503 with Retry-After. */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { Gateway } from '../../src/gateway.js';
import { stopProcess, waitFor, writeConfig } from '../helpers/gateway.js';
import { backendReadiness, singleBackendYaml, startSingleFixture } from '../queue/single-helpers.js';
import { firstText, rest } from './rest-helpers.js';

const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

describe('REST API and the single_session queue', () => {
  it('answers 503 with Retry-After when the queue is full, and the queued calls still run', async () => {
    const fixture = await startSingleFixture();
    cleanups.push(() => stopProcess(fixture.child));
    const file = writeConfig(singleBackendYaml(fixture.url, '    max_queue_size: 1\n'));
    // Memory mode: a REDIS_URL in the environment is ignored.
    const options = { overrides: { port: 0, host: '127.0.0.1' }, env: { ...process.env, REDIS_URL: '' } };
    const gateway = new Gateway(loadConfig(file, options), options);
    cleanups.push(() => gateway.close());
    await gateway.start();
    const base = new URL(gateway.url);
    await waitFor(async () => (await backendReadiness(base)).state === 'ready', 20_000, 'single ready');

    const call = (id: string, ms = 0) =>
      rest(base, 'POST', '/v1/tools/single__work/call', { body: { id, ms } });
    const running = call('A', 1500);
    await waitFor(async () => (await fixture.stats()).executions.includes('A'), 10_000, 'A running');
    const waiting = call('B');
    await waitFor(async () => (await backendReadiness(base)).queue?.depth === 1, 10_000, 'B waiting');

    const full = await call('C');
    assert.equal(full.status, 503, JSON.stringify(full.body));
    assert.equal(full.headers.get('retry-after'), '1');
    assert.match(full.headers.get('content-type') ?? '', /^application\/problem\+json/);
    assert.equal(full.body.code, 'queue_full');
    assert.equal(full.body.backend, 'single');
    assert.match(String(full.body.detail), /queue is full \(max_queue_size 1\)/);

    assert.equal(firstText((await running).body), 'done A');
    assert.equal(firstText((await waiting).body), 'done B');
    assert.deepEqual((await fixture.stats()).executions, ['A', 'B'], 'the refused call never ran');
  });
});
