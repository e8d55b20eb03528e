/**
 * A gateway with a default config (one stdio upstream) loads none of its optional packages: the legacy SSE
 * server, ws, undici, Redis and queue clients, sign-in, tracing and OTLP exporters, pino-pretty. Each front loads
 * its package on first use: checked in a real `switchboard serve` process whose module loads are recorded by a
 * module hook (test/fixtures/module-log).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { fixtureStdio, ROOT, stopProcess, waitFor, writeConfig } from '../helpers/gateway.js';

/** Packages a default config never needs (matched in the recorded module URLs). */
const OPTIONAL = [
  '/node_modules/@modelcontextprotocol/server-legacy/',
  '/node_modules/ws/',
  '/node_modules/undici/',
  '/node_modules/ioredis/',
  '/node_modules/bullmq/',
  '/node_modules/oidc-provider/',
  '/node_modules/openid-client/',
  '/node_modules/@opentelemetry/sdk-trace-base/',
  '/node_modules/@opentelemetry/exporter-trace-otlp-http/',
  '/node_modules/@opentelemetry/exporter-metrics-otlp-http/',
  '/node_modules/@opentelemetry/exporter-logs-otlp-http/',
  '/node_modules/@opentelemetry/sdk-logs/',
  '/node_modules/pino-pretty/',
  '/node_modules/playwright-core/',
];

describe('optional packages load on first use', () => {
  const log = join(mkdtempSync(join(tmpdir(), 'switchboard-modules-')), 'modules.txt');
  let child: ReturnType<typeof spawn>;
  let base: URL;
  const loaded = (): string[] => readFileSync(log, 'utf8').split('\n');
  const loads = (fragment: string): boolean => loaded().some((u) => u.includes(fragment));

  before(async () => {
    const file = writeConfig(`mcpServers:\n${fixtureStdio('a')}`);
    const register = join(ROOT, 'test/fixtures/module-log/register.mjs');
    child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--import',
        register,
        join(ROOT, 'src/cli.ts'),
        'serve',
        '--config',
        file,
        '--port',
        '0',
      ],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          MODULE_LOG: log,
          SWITCHBOARD_LOG_LEVEL: 'info',
          SWITCHBOARD_LOG_FORMAT: 'json',
        },
      },
    );
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.resume();
    const url = await waitFor(() => /listening on (\S+)/.exec(out)?.[1] ?? '', 60_000, 'gateway URL');
    base = new URL('/', url);
    await waitFor(
      async () => {
        const body = (await (await fetch(new URL('/readyz', base))).json()) as {
          backends: Record<string, { state: string }>;
        };
        return body.backends.a?.state === 'ready';
      },
      60_000,
      'backend a ready',
    );
  });
  after(async () => {
    if (child) await stopProcess(child);
  });

  it('a default config loads none of them, serving /mcp', async () => {
    const res = await fetch(new URL('/mcp', base), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } },
      }),
    });
    assert.equal(res.status, 200);
    await res.text();
    // The hook records: the SDK's server package is loaded by every gateway.
    assert.ok(loads('/node_modules/@modelcontextprotocol/server/'), 'the module log records loads');
    assert.deepEqual(
      OPTIONAL.filter((p) => loads(p)),
      [],
    );
  });

  it('GET /sse loads the legacy SSE server, and the stream opens', async () => {
    const ctl = new AbortController();
    const res = await fetch(new URL('/sse', base), { signal: ctl.signal });
    assert.equal(res.status, 200);
    const reader = res.body!.getReader();
    let buffered = '';
    while (!buffered.includes('event: endpoint')) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`stream ended: ${buffered}`);
      buffered += new TextDecoder().decode(value);
    }
    ctl.abort();
    assert.ok(loads('/node_modules/@modelcontextprotocol/server-legacy/'));
  });

  it('the first WebSocket upgrade loads ws, and the socket opens with the mcp subprotocol', async () => {
    const socket = new WebSocket(new URL('/ws', base).href.replace(/^http/, 'ws'), ['mcp']);
    const protocol = await new Promise<string>((resolve, reject) => {
      socket.once('open', () => resolve(socket.protocol));
      socket.once('error', reject);
    });
    socket.close();
    assert.equal(protocol, 'mcp');
    // The test process loads ws too, but only the gateway's hook writes the log.
    assert.ok(loads('/node_modules/ws/'));
  });
});
