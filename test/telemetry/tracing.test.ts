/** Traces through the gateway, seen by an in-memory span exporter: span trees, attributes, W3C trace context. */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { loadConfig } from '../../src/config/load.js';
import { Gateway } from '../../src/gateway.js';
import {
  FIXTURE,
  connectClient,
  fixtureStdio,
  freePort,
  startUpstream,
  stopProcess,
  text,
  waitFor,
  writeConfig,
} from '../helpers/gateway.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_ID = '00f067aa0ba902b7';
const TRACEPARENT = `00-${TRACE_ID}-${PARENT_ID}-01`;

const exporter = new InMemorySpanExporter();
let gateway: Gateway;
let url: URL;
let upstream: ChildProcess;
const clients: Client[] = [];

const id = (s: ReadableSpan) => s.spanContext().spanId;
const parentOf = (s: ReadableSpan) => s.parentSpanContext?.spanId;

/** The spans of the one trace whose server span is named `name`, once that span has ended. */
async function traceOf(name: string): Promise<{ server: ReadableSpan; spans: ReadableSpan[] }> {
  const found = await waitFor(
    () => exporter.getFinishedSpans().find((s) => s.name === name && s.kind === SpanKind.SERVER),
    5000,
    `server span "${name}" exported`,
  );
  const server = found!;
  const traceId = server.spanContext().traceId;
  return { server, spans: exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId) };
}

function childrenOf(parent: ReadableSpan, spans: ReadableSpan[]): ReadableSpan[] {
  return spans.filter((s) => parentOf(s) === id(parent));
}

const parsed = (result: unknown) => JSON.parse(text(result)) as Record<string, unknown>;
const traceparentOf = (s: ReadableSpan) => `00-${s.spanContext().traceId}-${id(s)}-01`;

before(async () => {
  const port = await freePort();
  upstream = await startUpstream(['--import', 'tsx', FIXTURE, 'http'], port, { FIXTURE_NAME: 'web' });
  const file = writeConfig(`
mcpServers:
${fixtureStdio('fx')}${fixtureStdio('q', '    single_session: true\n')}
httpServices:
  web:
    base_url: http://127.0.0.1:${port}/mcp
`);
  const options = { overrides: { port: 0, host: '127.0.0.1' } };
  gateway = new Gateway(loadConfig(file, options), options, { tracing: { exporter, processor: 'simple' } });
  await gateway.start();
  await gateway.pool.settled();
  url = new URL(gateway.url);
});

after(async () => {
  for (const c of clients) await c.close().catch(() => {});
  await gateway?.close();
  if (upstream) await stopProcess(upstream);
});

async function client(capabilities: Record<string, unknown> = {}): Promise<Client> {
  const { client: c } = await connectClient(url, capabilities);
  clients.push(c);
  return c;
}

describe('spans of a tools/call', () => {
  it('a direct call to a stdio upstream: a server span and a client span under it; traceparent in _meta', async () => {
    const c = await client();
    const result = await c.callTool({ name: 'fx__meta', arguments: {} });
    const { server, spans } = await traceOf('tools/call fx__meta');
    assert.equal(server.attributes['mcp.method.name'], 'tools/call');
    assert.equal(server.attributes['gen_ai.tool.name'], 'fx__meta');
    assert.equal(server.attributes['mcp.protocol.version'], '2025-11-25');
    assert.equal(server.attributes['network.transport'], 'tcp');
    assert.match(String(server.attributes['mcp.session.id']), /^[0-9a-f-]{36}$/);
    assert.match(String(server.attributes['jsonrpc.request.id']), /^\d+$/);
    assert.equal(server.parentSpanContext, undefined, 'a new trace: no incoming context');
    const [upstreamSpan, ...rest] = childrenOf(server, spans);
    assert.equal(rest.length, 0, spans.map((s) => s.name).join());
    assert.equal(upstreamSpan!.name, 'tools/call meta');
    assert.equal(upstreamSpan!.kind, SpanKind.CLIENT);
    assert.equal(upstreamSpan!.attributes['network.transport'], 'pipe');
    assert.equal(upstreamSpan!.attributes['mcp.backend'], 'fx');
    const seen = parsed(result) as { meta: Record<string, unknown> };
    assert.equal(
      seen.meta.traceparent,
      traceparentOf(upstreamSpan!),
      'the stdio upstream got our span in _meta',
    );
    // The call's audit event carries the trace id of its server span.
    const audited = gateway.audit.recent({ tool: 'fx__meta' }, 1)[0];
    assert.equal(audited?.trace_id, server.spanContext().traceId);
  });

  it('failures set error.type: a tool error result, and a JSON-RPC error', async () => {
    const c = await client();
    const bad = await c.callTool({ name: 'fx__add', arguments: { a: 'x', b: 1 } });
    assert.equal(bad.isError, true);
    const { server, spans } = await traceOf('tools/call fx__add');
    assert.equal(server.attributes['error.type'], 'tool_error');
    assert.equal(server.status.code, 2, 'status ERROR');
    assert.equal(childrenOf(server, spans)[0]!.attributes['error.type'], 'tool_error');

    await assert.rejects(c.callTool({ name: 'fx__no_such_tool', arguments: {} }), /Unknown tool/);
    // A name outside the catalog is the client's own text: it does not name the span.
    const unknown = await waitFor(
      () => exporter.getFinishedSpans().find((s) => s.name === 'tools/call' && s.attributes['error.type']),
      5000,
      'span of the unknown tool',
    );
    assert.equal(unknown!.attributes['error.type'], '-32602');
    assert.equal(unknown!.attributes['gen_ai.tool.name'], undefined);
  });

  it('continues the trace of params._meta.traceparent', async () => {
    const c = await client();
    await c.callTool({ name: 'fx__pid', arguments: {}, _meta: { traceparent: TRACEPARENT } });
    const { server } = await traceOf('tools/call fx__pid');
    assert.equal(server.spanContext().traceId, TRACE_ID);
    assert.equal(parentOf(server), PARENT_ID);
  });

  it('continues the trace of the HTTP traceparent header', async () => {
    const other = '0af7651916cd43dd8448eb211c80319c';
    const c = new Client({ name: 'traced', version: '1.0.0' });
    await c.connect(
      new StreamableHTTPClientTransport(url, {
        requestInit: { headers: { traceparent: `00-${other}-b7ad6b7169203331-01` } },
      }),
    );
    clients.push(c);
    await c.callTool({ name: 'fx__odd_name', arguments: {} });
    const { server } = await traceOf('tools/call fx__odd_name');
    assert.equal(server.spanContext().traceId, other);
    assert.equal(parentOf(server), 'b7ad6b7169203331');
  });

  it('an HTTP upstream gets traceparent as a header and in _meta', async () => {
    const c = await client();
    const result = await c.callTool({ name: 'web__meta', arguments: {} });
    const { server, spans } = await traceOf('tools/call web__meta');
    const [up] = childrenOf(server, spans);
    assert.equal(up!.attributes['network.transport'], 'tcp');
    assert.equal(up!.attributes['server.address'], '127.0.0.1');
    const seen = parsed(result) as { meta: Record<string, unknown>; traceparent: string | null };
    assert.equal(seen.traceparent, traceparentOf(up!), 'HTTP header');
    assert.equal(seen.meta.traceparent, traceparentOf(up!), '_meta');
  });

  it('a queued call (single_session): a "queue wait" span beside the upstream client span', async () => {
    const c = await client();
    await c.callTool({ name: 'q__meta', arguments: {} });
    const { server, spans } = await traceOf('tools/call q__meta');
    const children = childrenOf(server, spans);
    const wait = children.find((s) => s.name === 'queue wait');
    const up = children.find((s) => s.name === 'tools/call meta');
    assert.ok(wait && up, children.map((s) => s.name).join());
    assert.equal(wait.kind, SpanKind.INTERNAL);
    assert.equal(wait.attributes['mcp.backend'], 'q');
    assert.equal(up.kind, SpanKind.CLIENT);
  });

  it('a relayed sampling request: a client span under the call, with traceparent in its _meta', async () => {
    const c = await client({ sampling: {} });
    const metas: unknown[] = [];
    c.setRequestHandler('sampling/createMessage', (req) => {
      metas.push(req.params._meta);
      return { role: 'assistant', model: 'm', content: { type: 'text', text: 'sampled' } };
    });
    const params = { messages: [{ role: 'user', content: { type: 'text', text: 'hi' } }], maxTokens: 5 };
    const result = await c.callTool({
      name: 'fx__ask_client',
      arguments: { method: 'sampling/createMessage', params },
    });
    assert.match(text(result), /sampled/);
    const { server, spans } = await traceOf('tools/call fx__ask_client');
    const relayed = spans.find((s) => s.name === 'sampling/createMessage');
    assert.ok(relayed, spans.map((s) => s.name).join());
    assert.equal(relayed.kind, SpanKind.CLIENT);
    const up = childrenOf(server, spans).find((s) => s.name === 'tools/call ask_client');
    assert.ok(up);
    assert.ok(
      parentOf(relayed) === id(server) || parentOf(relayed) === id(up),
      'the relayed request belongs to the call',
    );
    assert.equal((metas[0] as { traceparent?: string }).traceparent, traceparentOf(relayed));
  });

  it('a smart_tool_discovery search has a "discovery query" span', async () => {
    const c = await client();
    await c.callTool({ name: 'smart_tool_discovery', arguments: { request: 'add two numbers' } });
    const { server, spans } = await traceOf('tools/call smart_tool_discovery');
    const query = childrenOf(server, spans).find((s) => s.name === 'discovery query');
    assert.ok(query, spans.map((s) => s.name).join());
  });
});

describe('a 2026-07-28 request', () => {
  it('gets a server span with its protocol version and no session', async () => {
    const c = new Client({ name: 'modern', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
    await c.connect(new StreamableHTTPClientTransport(url));
    clients.push(c);
    assert.equal(c.getNegotiatedProtocolVersion(), '2026-07-28');
    await c.callTool({ name: 'fx__slow', arguments: { ms: 1 } });
    const { server, spans } = await traceOf('tools/call fx__slow');
    assert.equal(server.attributes['mcp.protocol.version'], '2026-07-28');
    assert.equal(server.attributes['mcp.session.id'], undefined);
    assert.equal(childrenOf(server, spans)[0]?.name, 'tools/call slow');
  });
});
