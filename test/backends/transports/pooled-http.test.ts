/** The pooled Streamable HTTP transport against real SDK servers over real HTTP, in both protocol eras. */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Client, SdkHttpError } from '@modelcontextprotocol/client';
import { McpServer, createMcpHandler } from '@modelcontextprotocol/server';
import { NodeStreamableHTTPServerTransport, toNodeHandler } from '@modelcontextprotocol/node';
import { z } from 'zod';
import { PooledHttpTransport } from '../../../src/backends/transports/pooled-http.js';
import { SseParser, type SseEvent } from '../../../src/backends/transports/sse-parser.js';
import { sessionExpired, unreachable } from '../../../src/backends/sessions/upstream-errors.js';
import { connectClient, freePort, startGateway, waitFor } from '../../helpers/gateway.js';

/** What the upstream saw and got, for assertions. */
interface Seen {
  posts: IncomingHttpHeaders[];
  gets: number;
  deletes: number;
  roots: unknown[];
}

function build(seen: Seen): McpServer {
  const server = new McpServer({ name: 'pooled-fixture', version: '1.0.0' });
  server.registerTool(
    'echo',
    { description: 'Echoes text', inputSchema: z.object({ text: z.string() }) },
    ({ text }) => ({ content: [{ type: 'text', text }] }),
  );
  server.registerTool(
    'steps',
    { description: 'Reports progress, then answers', inputSchema: z.object({ n: z.number() }) },
    async ({ n }, ctx) => {
      for (let i = 1; i <= n; i++) {
        const token = ctx.mcpReq._meta?.progressToken;
        if (token !== undefined) {
          await ctx.mcpReq.notify({
            method: 'notifications/progress',
            params: { progressToken: token, progress: i, total: n },
          });
        }
      }
      return { content: [{ type: 'text', text: `done ${n}` }] };
    },
  );
  server.registerTool('roots_later', { description: 'Asks for roots outside any call' }, () => {
    // Not related to a request: the SDK sends it on the session's standalone GET stream.
    setTimeout(() => {
      server.server
        .listRoots()
        .then((r) => void seen.roots.push(r.roots))
        .catch((err: unknown) => void seen.roots.push(String(err)));
    }, 50);
    return { content: [{ type: 'text', text: 'later' }] };
  });
  return server;
}

/** A 2025-era upstream (sessions), answering with SSE streams or with plain JSON. */
async function legacyUpstream(json: boolean) {
  const seen: Seen = { posts: [], gets: 0, deletes: 0, roots: [] };
  const sessions = new Map<string, NodeStreamableHTTPServerTransport>();
  const http = createServer((req, res) => {
    if (req.method === 'POST') seen.posts.push(req.headers);
    if (req.method === 'GET') seen.gets++;
    if (req.method === 'DELETE') seen.deletes++;
    const id = req.headers['mcp-session-id'] as string | undefined;
    let transport = id ? sessions.get(id) : undefined;
    if (id && !transport) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null }),
      );
      return;
    }
    void (async () => {
      if (!transport) {
        const t: NodeStreamableHTTPServerTransport = new NodeStreamableHTTPServerTransport({
          sessionIdGenerator: () => randomUUID(),
          enableJsonResponse: json,
          onsessioninitialized: (sid) => void sessions.set(sid, t),
          onsessionclosed: (sid) => void sessions.delete(sid),
        });
        transport = t;
        await build(seen).connect(t);
      }
      await transport.handleRequest(req, res);
    })();
  });
  const url = await listen(http);
  return { url, seen, sessions, http };
}

/** A 2026-07-28 upstream: per request, the SDK's createMcpHandler (checks Mcp-Method / Mcp-Name). */
async function modernUpstream() {
  const seen: Seen = { posts: [], gets: 0, deletes: 0, roots: [] };
  const serve = toNodeHandler(createMcpHandler(() => build(seen)));
  const http = createServer((req, res) => {
    if (req.method === 'POST') seen.posts.push(req.headers);
    void serve(req, res);
  });
  return { url: await listen(http), seen, http };
}

function listen(http: HttpServer): Promise<URL> {
  return new Promise((resolve) => {
    http.listen(0, '127.0.0.1', () => {
      const { port } = http.address() as AddressInfo;
      resolve(new URL(`http://127.0.0.1:${port}/mcp`));
    });
  });
}

function close(http: HttpServer): Promise<void> {
  http.closeAllConnections();
  return new Promise((resolve) => http.close(() => resolve()));
}

const text = (r: unknown) => (r as { content: { text: string }[] }).content[0]!.text;

for (const json of [false, true]) {
  describe(`pooled transport, 2025-11-25 upstream answering ${json ? 'JSON' : 'SSE'}`, () => {
    let up: Awaited<ReturnType<typeof legacyUpstream>>;
    before(async () => {
      up = await legacyUpstream(json);
    });
    after(async () => {
      await close(up.http);
    });

    it('initializes a session, calls tools with progress, and ends the session with DELETE', async () => {
      const transport = new PooledHttpTransport(up.url, { headers: { 'X-Team': 'platform' } });
      const client = new Client({ name: 't', version: '1' }, { versionNegotiation: { mode: 'legacy' } });
      await client.connect(transport);
      assert.ok(transport.sessionId, 'session id from the initialize answer');
      assert.equal(client.getNegotiatedProtocolVersion(), '2025-11-25');
      const r = await client.callTool({ name: 'echo', arguments: { text: 'hi' } });
      assert.equal(text(r), 'hi');
      const progress: number[] = [];
      const s = await client.callTool(
        { name: 'steps', arguments: { n: 3 } },
        { onprogress: (p) => void progress.push(p.progress) },
      );
      assert.equal(text(s), 'done 3');
      if (!json) assert.deepEqual(progress, [1, 2, 3]); // a JSON answer cannot carry notifications
      const last = up.seen.posts.at(-1)!;
      assert.equal(last['mcp-session-id'], transport.sessionId);
      assert.equal(last['mcp-protocol-version'], '2025-11-25');
      assert.equal(last['x-team'], 'platform');
      assert.match(String(last.accept), /application\/json/);
      assert.match(String(last.accept), /text\/event-stream/);
      const sessions = up.sessions.size;
      await transport.terminateSession();
      assert.equal(up.seen.deletes, 1);
      assert.equal(up.sessions.size, sessions - 1);
      assert.equal(transport.sessionId, undefined);
      await client.close();
    });

    it('answers a server-initiated request that arrives on the GET stream', async () => {
      const transport = new PooledHttpTransport(up.url);
      const client = new Client(
        { name: 't', version: '1' },
        { versionNegotiation: { mode: 'legacy' }, capabilities: { roots: {} } },
      );
      client.setRequestHandler('roots/list', () => ({ roots: [{ uri: 'file:///work', name: 'work' }] }));
      const gets = up.seen.gets;
      await client.connect(transport);
      await waitFor(() => up.seen.gets > gets, 5000, 'GET stream opened after initialized');
      const roots = up.seen.roots.length;
      await client.callTool({ name: 'roots_later', arguments: {} });
      await waitFor(() => up.seen.roots.length > roots, 5000, 'roots answer reached the upstream');
      assert.deepEqual(up.seen.roots.at(-1), [{ uri: 'file:///work', name: 'work' }]);
      await client.close();
    });

    it('reports a forgotten session as a 404 the backend recognises as session expiry', async () => {
      const transport = new PooledHttpTransport(up.url);
      const client = new Client({ name: 't', version: '1' }, { versionNegotiation: { mode: 'legacy' } });
      await client.connect(transport);
      up.sessions.delete(transport.sessionId!);
      const err = await client.callTool({ name: 'echo', arguments: { text: 'x' } }).then(
        () => assert.fail('expected a 404'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof SdkHttpError, String(err));
      assert.equal(err.status, 404);
      assert.equal(sessionExpired(err), true);
      await client.close();
    });
  });
}

describe('pooled transport, 2026-07-28 upstream', () => {
  let up: Awaited<ReturnType<typeof modernUpstream>>;
  before(async () => {
    up = await modernUpstream();
  });
  after(async () => {
    await close(up.http);
  });

  it('negotiates 2026-07-28 and sends Mcp-Method, Mcp-Name and the protocol version on every request', async () => {
    const transport = new PooledHttpTransport(up.url);
    const client = new Client({ name: 't', version: '1' }, { versionNegotiation: { mode: 'auto' } });
    await client.connect(transport);
    assert.equal(client.getNegotiatedProtocolVersion(), '2026-07-28');
    assert.equal(transport.sessionId, undefined);
    const r = await client.callTool({ name: 'echo', arguments: { text: 'modern' } });
    assert.equal(text(r), 'modern');
    const progress: number[] = [];
    const s = await client.callTool(
      { name: 'steps', arguments: { n: 2 } },
      { onprogress: (p) => void progress.push(p.progress) },
    );
    assert.equal(text(s), 'done 2');
    assert.deepEqual(progress, [1, 2]);
    const call = up.seen.posts.find((h) => h['mcp-method'] === 'tools/call')!;
    assert.equal(call['mcp-name'], 'echo');
    assert.equal(call['mcp-protocol-version'], '2026-07-28');
    // A name that is not a plain header value travels base64-encoded, as the spec says.
    const odd = await client.callTool({ name: 'no such tool é', arguments: {} }).catch((e: unknown) => e);
    assert.ok(odd, 'the upstream answered (an error for the unknown tool)');
    assert.equal(
      up.seen.posts.at(-1)!['mcp-name'],
      `=?base64?${Buffer.from('no such tool é').toString('base64')}?=`,
    );
    await client.close();
  });
});

describe('http_client through the gateway', () => {
  it('serves an upstream with the pooled transport (default) and with the SDK one (http_client: sdk)', async () => {
    const up = await legacyUpstream(true);
    const { gateway, url } = await startGateway(`
httpServices:
  pooled:
    base_url: ${up.url.href}
  fetched:
    base_url: ${up.url.href}
    http_client: sdk
`);
    try {
      const { client } = await connectClient(url);
      for (const name of ['pooled__echo', 'fetched__echo']) {
        const r = await client.callTool({ name, arguments: { text: name } });
        assert.equal(text(r), name);
      }
      await client.close();
    } finally {
      await gateway.close();
      await close(up.http);
    }
  });
});

describe('pooled transport failures', () => {
  it('reports an unreachable upstream the way fetch does, so the backend reconnects', async () => {
    const port = await freePort();
    const transport = new PooledHttpTransport(new URL(`http://127.0.0.1:${port}/mcp`));
    const client = new Client({ name: 't', version: '1' }, { versionNegotiation: { mode: 'legacy' } });
    const err = await client.connect(transport).then(
      () => assert.fail('expected a connection failure'),
      (e: unknown) => e,
    );
    assert.equal(unreachable(err), true, String(err));
    await client.close().catch(() => undefined);
  });
});

describe('SseParser', () => {
  const parse = (chunks: string[]) => {
    const events: SseEvent[] = [];
    const retries: number[] = [];
    const p = new SseParser(
      (e) => events.push(e),
      (ms) => retries.push(ms),
    );
    for (const c of chunks) p.push(c);
    return { events, retries };
  };

  it('parses events split anywhere, with LF, CRLF and CR line ends', () => {
    const stream =
      'id: 1\nevent: message\ndata: {"a":1}\n\n: comment\r\ndata: x\r\ndata: y\r\n\r\nretry: 250\rdata:z\r\r';
    const whole = parse([stream]);
    for (let cut = 1; cut < stream.length; cut++) {
      assert.deepEqual(parse([stream.slice(0, cut), stream.slice(cut)]), whole, `cut at ${cut}`);
    }
    assert.deepEqual(whole.events, [
      { event: 'message', data: '{"a":1}', id: '1' },
      { event: '', data: 'x\ny' },
      { event: '', data: 'z' },
    ]);
    assert.deepEqual(whole.retries, [250]);
  });

  it('emits nothing for a blank line without fields and keeps an unfinished event until its end', () => {
    const { events } = parse(['\n\n', 'data: part']);
    assert.deepEqual(events, []);
  });
});
