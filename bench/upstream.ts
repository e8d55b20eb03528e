/**
 * The benchmark's upstream, written with the SDK: `node upstream.js stdio|http|http-json|sse [--port N] [--tools N]`.
 * Tools: `echo(text)` and `sleep(ms)`, plus `--tools N` synthetic tools for catalog-scale runs.
 * HTTP modes listen on 127.0.0.1 (Streamable HTTP at /mcp, answering with an SSE stream per request, or with
 * plain JSON in `http-json` mode; legacy SSE at /sse + /messages) and print
 * `bench-upstream listening on http://127.0.0.1:PORT` on stderr once ready.
 * Self-contained (no local imports) so the bench can transpile it to plain JavaScript for child processes.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import type { Express } from 'express';
import { McpServer } from '@modelcontextprotocol/server';
import type { NodeStreamableHTTPServerTransport } from '@modelcontextprotocol/node';
import type { SSEServerTransport } from '@modelcontextprotocol/server-legacy/sse';
import { z } from 'zod';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { port: { type: 'string', default: '0' }, tools: { type: 'string', default: '0' } },
});
const mode = positionals[0] ?? 'stdio';
const extraTools = Math.min(100_000, Math.max(0, Number(values.tools) || 0));

function build(): McpServer {
  const server = new McpServer({ name: 'bench-upstream', version: '1.0.0' });
  server.registerTool(
    'echo',
    { description: 'Returns its text argument', inputSchema: z.object({ text: z.string() }) },
    ({ text }) => ({ content: [{ type: 'text', text }] }),
  );
  server.registerTool(
    'sleep',
    {
      description: 'Waits ms milliseconds, then answers',
      inputSchema: z.object({ ms: z.number().int().min(0).max(60_000) }),
    },
    async ({ ms }) => {
      await new Promise((r) => setTimeout(r, ms));
      return { content: [{ type: 'text', text: `slept ${ms}` }] };
    },
  );
  for (let i = 1; i <= extraTools; i++) {
    const name = `tool_${String(i).padStart(4, '0')}`;
    server.registerTool(
      name,
      {
        description: `Synthetic tool ${i} of ${extraTools} for catalog-scale benchmarks`,
        inputSchema: z.object({ text: z.string().optional() }),
      },
      ({ text }) => ({ content: [{ type: 'text', text: `${name} ${text ?? ''}` }] }),
    );
  }
  return server;
}

// HTTP-only modules are loaded only in HTTP modes, so the stdio child stays as small as a minimal server can be.
async function streamableHttp(app: Express, json: boolean): Promise<void> {
  const sdk = await import('@modelcontextprotocol/node');
  const sessions = new Map<string, NodeStreamableHTTPServerTransport>();
  app.all('/mcp', async (req, res) => {
    const id = req.headers['mcp-session-id'] as string | undefined;
    let transport = id ? sessions.get(id) : undefined;
    if (id && !transport) {
      res
        .status(404)
        .json({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null });
      return;
    }
    if (!transport) {
      const t: NodeStreamableHTTPServerTransport = new sdk.NodeStreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        enableJsonResponse: json,
        onsessioninitialized: (sid) => void sessions.set(sid, t),
        onsessionclosed: (sid) => void sessions.delete(sid),
      });
      transport = t;
      await build().connect(t);
    }
    await transport.handleRequest(req, res, req.body);
  });
}

async function sse(app: Express): Promise<void> {
  const sdk = await import('@modelcontextprotocol/server-legacy/sse');
  const sessions = new Map<string, SSEServerTransport>();
  app.get('/sse', async (_req, res) => {
    const transport = new sdk.SSEServerTransport('/messages', res);
    sessions.set(transport.sessionId, transport);
    res.on('close', () => sessions.delete(transport.sessionId));
    await build().connect(transport);
  });
  app.post('/messages', async (req, res) => {
    const transport = sessions.get(String(req.query.sessionId));
    if (!transport) return void res.status(404).send('unknown session');
    await transport.handlePostMessage(req, res, req.body);
  });
}

// A clean exit on SIGTERM lets `node --cpu-prof` write its profile.
process.on('SIGTERM', () => process.exit(0));
if (mode === 'stdio') {
  const { StdioServerTransport } = await import('@modelcontextprotocol/server/stdio');
  await build().connect(new StdioServerTransport());
} else if (mode === 'http' || mode === 'http-json' || mode === 'sse') {
  const { default: express } = await import('express');
  const app = express();
  app.use(express.json({ limit: '4mb' }));
  if (mode === 'sse') await sse(app);
  else await streamableHttp(app, mode === 'http-json');
  const server = app.listen(Number(values.port), '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    process.stderr.write(`bench-upstream listening on http://127.0.0.1:${port}\n`);
  });
  server.requestTimeout = 0;
  server.keepAliveTimeout = 65_000;
} else {
  process.stderr.write(`usage: upstream.js stdio|http|http-json|sse [--port N] [--tools N]\n`);
  process.exit(2);
}
