/** /metrics through the OpenTelemetry Prometheus exporter: it parses, and counters and histograms move with calls. */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@modelcontextprotocol/client';
import type { Gateway } from '../../src/gateway.js';
import { connectClient, fixtureStdio, startGateway, waitFor } from '../helpers/gateway.js';
import { scrape } from '../helpers/metrics.js';

let gateway: Gateway;
let url: URL;
let client: Client;

before(async () => {
  ({ gateway, url } = await startGateway(`
mcpServers:
${fixtureStdio('fx', '    restart: { initial_delay: 50ms, max_delay: 200ms }\n')}`));
  ({ client } = await connectClient(url));
});

after(async () => {
  await client?.close();
  await gateway?.close();
});

const call = (tool: string, outcome: string) => ({ backend: 'fx', tool, outcome });

describe('/metrics', () => {
  it('is Prometheus text the parser reads, with the gateway families typed as such', async () => {
    const m = await scrape(url);
    const types = Object.fromEntries(m.families.map((f) => [f.name, f.type]));
    assert.equal(types.switchboard_backend_up, 'GAUGE');
    assert.equal(types.switchboard_sessions, 'GAUGE');
    assert.equal(types.switchboard_tools, 'GAUGE');
    assert.equal(types.target_info, 'GAUGE');
    assert.equal(m.value('switchboard_sessions', { era: '2025-11-25' }), 1);
    assert.ok(m.value('switchboard_tools') > 0);
    assert.doesNotMatch(m.text, /session_id|mcp_session/, 'no session ids in labels');
  });

  it("reports the process's memory and CPU under the Node.js clients' names", async () => {
    const m = await scrape(url);
    const types = Object.fromEntries(m.families.map((f) => [f.name, f.type]));
    assert.equal(types.process_resident_memory_bytes, 'GAUGE');
    assert.equal(types.process_cpu_seconds_total, 'COUNTER');
    // The gateway runs in this test process: its figures are this process's.
    const rss = m.value('process_resident_memory_bytes');
    assert.ok(rss > 20e6 && rss < 4 * process.memoryUsage().rss, `rss ${rss}`);
    const used = m.value('nodejs_heap_size_used_bytes');
    assert.ok(used > 1e6 && used <= m.value('nodejs_heap_size_total_bytes'), `heap used ${used}`);
    assert.ok(m.value('nodejs_heap_space_size_used_bytes', { space: 'old' }) > 0);
    const cpu = m.value('process_cpu_seconds_total');
    assert.ok(
      cpu > 0 && cpu <= process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6,
      `cpu ${cpu}`,
    );
  });

  it('call histograms move as calls succeed and fail, labelled by backend, tool and outcome', async () => {
    const before = await scrape(url);
    const delta = async (name: string, labels: Record<string, string>) =>
      (await scrape(url)).value(name, labels) - before.value(name, labels);

    await client.callTool({ name: 'fx__add', arguments: { a: 1, b: 2 } });
    await client.callTool({ name: 'fx__add', arguments: { a: 3, b: 4 } });
    const bad = await client.callTool({ name: 'fx__add', arguments: { a: 'x', b: 1 } });
    assert.equal(bad.isError, true);
    await assert.rejects(client.callTool({ name: 'fx__nope', arguments: {} }), /Unknown tool/);

    const calls = 'switchboard_tool_call_duration_seconds_count';
    assert.equal(await delta(calls, call('fx__add', 'ok')), 2);
    assert.equal(await delta(calls, call('fx__add', 'tool_error')), 1);
    assert.equal(await delta(calls, { tool: '', outcome: 'unknown_tool' }), 1, 'no label for a made-up name');
    assert.ok((await delta('switchboard_tool_call_duration_seconds_sum', call('fx__add', 'ok'))) > 0);
    const upstream = { backend: 'fx', method: 'tools/call' };
    assert.equal(
      await delta('switchboard_upstream_request_duration_seconds_count', { ...upstream, outcome: 'ok' }),
      2,
    );
    assert.equal(
      await delta('switchboard_upstream_request_duration_seconds_count', {
        ...upstream,
        outcome: 'tool_error',
      }),
      1,
    );
    assert.equal(await delta('switchboard_tool_call_gateway_seconds_count', { backend: 'fx' }), 3);
    const m = await scrape(url);
    const added = m.value('switchboard_tool_call_gateway_seconds_sum', { backend: 'fx' });
    const total = m.value('switchboard_tool_call_duration_seconds_sum', { backend: 'fx' });
    assert.ok(added >= 0 && added < total, `gateway-added ${added} s is part of the total ${total} s`);
    const inf = m.value('switchboard_tool_call_duration_seconds_bucket', {
      ...call('fx__add', 'ok'),
      le: '+Inf',
    });
    assert.equal(inf, m.value(calls, call('fx__add', 'ok')), 'the +Inf bucket holds every call');
  });

  it('with tracing off, the OpenTelemetry tracing SDK is not loaded', async () => {
    assert.equal(gateway.telemetry.tracing.enabled, false);
    const sdk = /@opentelemetry[\\/](sdk-trace|exporter-trace-otlp-http|context-async-hooks)[\\/]/;
    const loaded = () => Object.keys(createRequire(import.meta.url).cache).filter((k) => sdk.test(k));
    assert.deepEqual(loaded(), []);
    await import('../../src/telemetry/tracing-sdk.js'); // the check above can fail: loading it shows up
    assert.ok(loaded().length > 0);
  });

  it('discovery queries are timed', async () => {
    const lexical = { ranker: 'lexical' };
    const before = (await scrape(url)).value('switchboard_discovery_query_seconds_count', lexical);
    await client.callTool({ name: 'smart_tool_discovery', arguments: { request: 'add numbers' } });
    const after = (await scrape(url)).value('switchboard_discovery_query_seconds_count', lexical);
    assert.equal(after, before + 1);
  });

  it('a crashed child: the call fails with its outcome, the restart is counted, the state gauge follows', async () => {
    const crashed = await client.callTool({ name: 'fx__crash', arguments: {} });
    assert.equal(crashed.isError, true);
    await waitFor(() => gateway.pool.get('fx')!.state === 'ready', 15_000, 'fx restarted');
    const m = await scrape(url);
    assert.equal(m.value('switchboard_backend_reconnects_total', { backend: 'fx', kind: 'stdio' }), 1);
    const outcomes = m
      .series('switchboard_tool_call_duration_seconds_count')
      .filter((s) => s.labels.tool === 'fx__crash');
    assert.deepEqual(
      outcomes.map((s) => [s.labels.outcome, s.value]),
      [['backend_disconnected', 1]],
    );
    assert.equal(m.value('switchboard_backend_up', { backend: 'fx', state: 'ready' }), 1);
    assert.equal(
      m.value('switchboard_backend_up', { backend: 'fx', state: 'down' }),
      0,
      'a state left reads 0',
    );
  });
});
