/** The pooled legacy SSE transport against a real SDK SSE server, and its refusals on the wire. */
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Client, SseError } from '@modelcontextprotocol/client';
import { McpServer } from '@modelcontextprotocol/server';
import { SSEServerTransport } from '@modelcontextprotocol/server-legacy/sse';
import { z } from 'zod';
import { PooledSseTransport } from '../../../src/backends/transports/pooled-sse.js';

/** Listens on an ephemeral loopback port and returns its base URL. */
async function listen(server: HttpServer): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('PooledSseTransport', () => {
  let server: HttpServer;
  let base: string;
  const posts: IncomingHttpHeaders[] = [];
  const streams = new Map<string, SSEServerTransport>();
  before(async () => {
    server = createServer((req, res) => {
      const url = new URL(req.url!, 'http://x');
      if (req.method === 'GET' && url.pathname === '/sse') {
        const transport = new SSEServerTransport('/messages', res);
        streams.set(transport.sessionId, transport);
        const mcp = new McpServer({ name: 'legacy-fixture', version: '1.0.0' });
        mcp.registerTool(
          'echo',
          { description: 'Echoes text', inputSchema: z.object({ text: z.string() }) },
          ({ text }) => ({ content: [{ type: 'text', text }] }),
        );
        void mcp.connect(transport);
        return;
      }
      if (req.method === 'POST' && url.pathname === '/messages') {
        posts.push(req.headers);
        const transport = streams.get(url.searchParams.get('sessionId') ?? '');
        if (!transport) return void res.writeHead(404).end('no such session');
        return void transport.handlePostMessage(req, res);
      }
      if (url.pathname === '/foreign') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        return void res.write('event: endpoint\ndata: http://elsewhere.example/messages\n\n');
      }
      if (url.pathname === '/html')
        return void res.writeHead(200, { 'content-type': 'text/html' }).end('<p>');
      res.writeHead(404).end();
    });
    base = await listen(server);
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('connects, calls tools over pooled connections and sends the configured and negotiated headers', async () => {
    const transport = new PooledSseTransport(new URL(`${base}/sse`), { headers: { 'X-Team': 'blue' } });
    const client = new Client({ name: 't', version: '1' });
    await client.connect(transport);
    try {
      for (let i = 0; i < 5; i++) {
        const result = await client.callTool({ name: 'echo', arguments: { text: `hi ${i}` } });
        assert.deepEqual(result.content, [{ type: 'text', text: `hi ${i}` }]);
      }
      const last = posts.at(-1)!;
      assert.equal(last['x-team'], 'blue');
      assert.equal(last['content-type'], 'application/json');
      assert.equal(last['mcp-protocol-version'], client.getNegotiatedProtocolVersion());
    } finally {
      await client.close();
    }
  });

  it('reports the end of the event stream as an SseError', async () => {
    const transport = new PooledSseTransport(new URL(`${base}/sse`));
    const client = new Client({ name: 't', version: '1' });
    const errors: Error[] = [];
    await client.connect(transport);
    client.onerror = (err) => void errors.push(err);
    try {
      for (const s of streams.values()) await s.close();
      const deadline = Date.now() + 5000;
      while (!errors.some((e) => e instanceof SseError) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
      const dropped = errors.find((e) => e instanceof SseError);
      assert.ok(dropped, errors.map(String).join());
      assert.match(dropped.message, /event stream ended/);
    } finally {
      await client.close();
    }
  });

  it('refuses a non-200 answer, a wrong content type and an endpoint on another origin', async () => {
    const cases: [string, RegExp, number | undefined][] = [
      ['/missing', /Non-200 status code \(404\)/, 404],
      ['/html', /Invalid content type, expected "text\/event-stream" \(got "text\/html"\)/, undefined],
      ['/foreign', /Endpoint origin does not match connection origin: http:\/\/elsewhere.example/, undefined],
    ];
    for (const [path, message, code] of cases) {
      const transport = new PooledSseTransport(new URL(`${base}${path}`));
      await assert.rejects(transport.start(), (err: Error) => {
        assert.match(err.message, message);
        if (code !== undefined) assert.equal((err as SseError).code, code);
        return true;
      });
      await transport.close();
    }
  });
});
