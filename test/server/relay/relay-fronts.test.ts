/**
 * The relay path on every front besides /mcp: the same requests over a real WebSocket (/ws), the legacy SSE
 * front (/sse), stdio (an attached stdio transport in process, where the relay counts can be read, and a real
 * child `switchboard stdio`) and the REST API get the same answers from a gateway with the relay path on as
 * from one with it off, and the relay path served the plain ones.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { SSEClientTransport, type JSONRPCMessage, type Transport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { ReadBuffer, serializeMessage } from '@modelcontextprotocol/server';
import { StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import { WebSocketClientTransport } from '../../../src/frontends/ws-client.js';
import type { Gateway } from '../../../src/gateway.js';
import { relayCounts } from '../../../src/server/relay/relay-path.js';
import { fixtureStdio, ROOT, startGateway, waitFor, writeConfig } from '../../helpers/gateway.js';
import { call, CASES, over, relayedSince, sameAnswers, type Message } from './wire.js';

const yaml = (relay: boolean) => `gateway:\n  relay_path: ${relay}\nmcpServers:\n${fixtureStdio('up')}`;

/** The client end of an in-process stdio pair: newline-delimited JSON over two streams. */
class PipeTransport implements Transport {
  onmessage?: Transport['onmessage'];
  onclose?: () => void;
  private readonly buffer = new ReadBuffer();
  constructor(
    private readonly toServer: PassThrough,
    fromServer: PassThrough,
  ) {
    fromServer.on('data', (chunk: Buffer) => {
      this.buffer.append(chunk);
      for (let m = this.buffer.readMessage(); m; m = this.buffer.readMessage()) this.onmessage?.(m);
    });
  }
  async start(): Promise<void> {}
  async send(message: JSONRPCMessage): Promise<void> {
    this.toServer.write(serializeMessage(message));
  }
  async close(): Promise<void> {
    this.toServer.end();
  }
}

describe('relay path on the other fronts (relay on vs off)', () => {
  let on: { gateway: Gateway; url: URL };
  let off: { gateway: Gateway; url: URL };
  before(async () => {
    on = await startGateway(yaml(true));
    off = await startGateway(yaml(false));
  });
  after(async () => {
    await on?.gateway.close();
    await off?.gateway.close();
  });

  const ws = (g: { url: URL }) => new URL('/ws', g.url.href.replace(/^http/, 'ws'));

  it('WebSocket (/ws): same answers, plain requests relayed', async () => {
    const a = await over(new WebSocketClientTransport(ws(on)));
    const b = await over(new WebSocketClientTransport(ws(off)));
    await sameAnswers(CASES, a.exchange, b.exchange);
    await a.close();
    await b.close();
  });

  it('legacy SSE (/sse, 2024-11-05): same answers, plain requests relayed', async () => {
    const a = await over(new SSEClientTransport(new URL('/sse', on.url)), '2024-11-05');
    const b = await over(new SSEClientTransport(new URL('/sse', off.url)), '2024-11-05');
    await sameAnswers(CASES, a.exchange, b.exchange);
    await a.close();
    await b.close();
  });

  it('stdio (an attached stdio transport in process): same answers, plain requests relayed', async () => {
    const pair = async (g: Gateway) => {
      const [toServer, fromServer] = [new PassThrough(), new PassThrough()];
      await g.attached.open(new StdioServerTransport(toServer, fromServer), 'stdio');
      return over(new PipeTransport(toServer, fromServer));
    };
    const a = await pair(on.gateway);
    const b = await pair(off.gateway);
    await sameAnswers(CASES, a.exchange, b.exchange);
    await a.close();
    await b.close();
  });

  it('REST (/v1): same answers, its calls relayed', async () => {
    const before = { ...relayCounts.methods };
    const requests: [string, string, unknown?][] = [
      ['POST', '/v1/tools/up__slow/call', { ms: 1 }],
      ['POST', '/v1/tools/up__add/call', { a: 2, b: 3 }],
      ['POST', '/v1/tools/up__nope/call', {}],
      ['GET', '/v1/resources/read?uri=fixture%3A%2F%2Fitems%2F3'],
      ['GET', '/v1/resources/read?uri=fixture%3A%2F%2Fnope'],
      ['POST', '/v1/prompts/up__greet', { name: 'Lin' }],
      ['POST', '/v1/prompts/up__nope', {}],
    ];
    const send = async (g: { url: URL }, [method, path, body]: [string, string, unknown?]) => {
      const res = await fetch(new URL(path, g.url), {
        method,
        ...(body !== undefined && {
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        }),
      });
      return { status: res.status, body: (await res.json()) as unknown };
    };
    for (const r of requests) {
      const [x, y] = [await send(on, r), await send(off, r)];
      assert.deepEqual(x, y, r.join(' '));
    }
    // The REST client's own calls went through the relay path (those the gateway refuses before calling excepted).
    const relayed = relayedSince(before);
    assert.ok((relayed['tools/call'] ?? 0) >= 2, JSON.stringify(relayed));
    assert.ok((relayed['resources/read'] ?? 0) >= 1, JSON.stringify(relayed));
    assert.ok((relayed['prompts/get'] ?? 0) >= 1, JSON.stringify(relayed));
  });

  it('WebSocket: a client cancellation reaches the upstream on the relay path (last: the upstream remembers it)', async () => {
    const a = await over(new WebSocketClientTransport(ws(on)));
    const served = relayCounts.served;
    await a.send(call('c-1', 'up__wait_for_cancel', { label: 'ws-relay-cancel', ms: 30_000 }));
    await waitFor(() => relayCounts.served > served, 10_000, 'the call is on the relay path');
    await a.send({
      jsonrpc: '2.0',
      method: 'notifications/cancelled',
      params: { requestId: 'c-1', reason: 'test' },
    });
    await waitFor(
      async () => {
        const answer = await a.exchange(call(`c-${Date.now()}`, 'up__cancellations', {}));
        const result = answer.at(-1)?.result as { content: { text: string }[] } | undefined;
        return JSON.parse(result?.content[0]?.text ?? '[]').includes('ws-relay-cancel');
      },
      10_000,
      'the upstream saw the cancellation',
    );
    await a.close();
  });
});

describe('relay path in a child `switchboard stdio` (relay on vs off)', () => {
  const children: { close(): Promise<void> }[] = [];
  after(async () => {
    for (const c of children) await c.close().catch(() => {});
  });

  it('gives the same answers either way', async () => {
    const start = async (relay: boolean) => {
      const transport = new StdioClientTransport({
        command: process.execPath,
        args: ['--import', 'tsx', join(ROOT, 'src/cli.ts'), 'stdio', '--config', writeConfig(yaml(relay))],
        cwd: ROOT,
        env: { ...process.env, SWITCHBOARD_LOG_LEVEL: 'warn' } as Record<string, string>,
        stderr: 'ignore',
      });
      const session = await over(transport);
      children.push(session);
      // The first session waits for the backends; a catalog with the fixture's tools is ready.
      await waitFor(
        async () =>
          JSON.stringify(await session.exchange(call(`w-${Date.now()}`, 'up__slow', { ms: 1 }))).includes(
            'slept',
          ),
        30_000,
        'the backend is listed',
      );
      return session;
    };
    const [a, b] = await Promise.all([start(true), start(false)]);
    for (const { label, body } of CASES) {
      const [x, y] = [await a.exchange(body as Message), await b.exchange(body as Message)];
      assert.deepEqual(x, y, label);
    }
  });
});
