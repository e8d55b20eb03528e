/**
 * The project's conformance fixture: an SDK server implementing what the official conformance suite's
 * server scenarios call (`npx conformance list --server`). Streamable HTTP on 127.0.0.1:$PORT/mcp, with
 * DNS-rebinding protection. Run: `node --import tsx test/conformance/fixture-server.ts`.
 */
import { randomUUID } from 'node:crypto';
import { CreateMessageResultSchema, ElicitResultSchema } from '@modelcontextprotocol/core';
import { NodeStreamableHTTPServerTransport, toNodeHandler, toWebRequest } from '@modelcontextprotocol/node';
import { createMcpExpressApp } from '@modelcontextprotocol/express';
import {
  completable,
  createMcpHandler,
  isLegacyRequest,
  McpServer,
  ResourceTemplate,
} from '@modelcontextprotocol/server';
import type { ElicitRequestFormParams, LoggingLevel, ServerContext } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { refuseUndeclared, register2026, type ListHooks } from './fixture-2026.js';

const PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';
const WAV = 'UklGRiQAAABXQVZFZm10IBAAAAABAAEAQB8AAIA+AAACABAAZGF0YQAAAAA=';
const LEVELS: LoggingLevel[] = [
  'debug',
  'info',
  'notice',
  'warning',
  'error',
  'critical',
  'alert',
  'emergency',
];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const text = (t: string) => ({ content: [{ type: 'text' as const, text: t }] });

function registerTools(server: McpServer, level: () => LoggingLevel | undefined): void {
  server.registerTool('test_simple_text', { description: 'Returns simple text' }, () =>
    text('This is a simple text response for testing.'),
  );
  server.registerTool('test_image_content', { description: 'Returns an image' }, () => ({
    content: [{ type: 'image', data: PNG, mimeType: 'image/png' }],
  }));
  server.registerTool('test_audio_content', { description: 'Returns audio' }, () => ({
    content: [{ type: 'audio', data: WAV, mimeType: 'audio/wav' }],
  }));
  server.registerTool('test_embedded_resource', { description: 'Returns an embedded resource' }, () => ({
    content: [
      {
        type: 'resource',
        resource: {
          uri: 'test://embedded-resource',
          mimeType: 'text/plain',
          text: 'This is an embedded resource content.',
        },
      },
    ],
  }));
  server.registerTool('test_multiple_content_types', { description: 'Returns mixed content' }, () => ({
    content: [
      { type: 'text', text: 'Multiple content types test:' },
      { type: 'image', data: PNG, mimeType: 'image/png' },
      {
        type: 'resource',
        resource: {
          uri: 'test://mixed-content-resource',
          mimeType: 'application/json',
          text: '{"test":"data","value":123}',
        },
      },
    ],
  }));
  server.registerTool('test_tool_with_logging', { description: 'Logs while it runs' }, async (extra) => {
    for (const [i, data] of [
      'Tool execution started',
      'Tool processing data',
      'Tool execution completed',
    ].entries()) {
      if (i > 0) await sleep(50);
      const min = level();
      if (min && LEVELS.indexOf('info') < LEVELS.indexOf(min)) continue;
      await extra.mcpReq.notify({ method: 'notifications/message', params: { level: 'info', data } });
    }
    return text('Logging tool completed');
  });
  server.registerTool('test_error_handling', { description: 'Always fails' }, () => {
    throw new Error('This tool intentionally returns an error for testing');
  });
  server.registerTool('test_tool_with_progress', { description: 'Reports progress' }, async (extra) => {
    const token = extra.mcpReq._meta?.progressToken;
    for (const progress of [0, 50, 100]) {
      if (token !== undefined) {
        await extra.mcpReq.notify({
          method: 'notifications/progress',
          params: { progressToken: token, progress, total: 100 },
        });
      }
      if (progress < 100) await sleep(50);
    }
    return text('Progress tool completed');
  });
  server.registerTool(
    'test_sampling',
    { description: 'Asks the client to sample', inputSchema: z.object({ prompt: z.string() }) },
    async ({ prompt }, ctx) => {
      if (!server.server.getClientCapabilities()?.sampling) {
        return { ...text('The client does not support sampling'), isError: true };
      }
      const result = await ctx.mcpReq.send(
        {
          method: 'sampling/createMessage',
          params: { messages: [{ role: 'user', content: { type: 'text', text: prompt } }], maxTokens: 100 },
        },
        CreateMessageResultSchema,
      );
      const content = result.content as { type: string; text?: string };
      return text(`LLM response: ${content.text ?? JSON.stringify(content)}`);
    },
  );
  const elicit = async (params: ElicitRequestFormParams, extra: ServerContext) => {
    if (!server.server.getClientCapabilities()?.elicitation) {
      return { ...text('The client does not support elicitation'), isError: true };
    }
    const r = await extra.mcpReq.send({ method: 'elicitation/create', params }, ElicitResultSchema);
    return text(`Elicitation completed: action=${r.action}, content=${JSON.stringify(r.content ?? {})}`);
  };
  server.registerTool(
    'test_elicitation',
    { description: 'Asks the user for input', inputSchema: z.object({ message: z.string() }) },
    ({ message }, ctx) =>
      elicit(
        {
          message,
          requestedSchema: {
            type: 'object',
            properties: {
              username: { type: 'string', description: "User's response" },
              email: { type: 'string', description: "User's email address" },
            },
            required: ['username', 'email'],
          },
        },
        ctx,
      ),
  );
  server.registerTool(
    'test_elicitation_sep1034_defaults',
    { description: 'Elicitation with defaults' },
    (extra) =>
      elicit(
        {
          message: 'Please review your information',
          requestedSchema: {
            type: 'object',
            properties: {
              name: { type: 'string', description: 'User name', default: 'John Doe' },
              age: { type: 'integer', description: 'User age', default: 30 },
              score: { type: 'number', description: 'User score', default: 95.5 },
              status: {
                type: 'string',
                description: 'User status',
                enum: ['active', 'inactive', 'pending'],
                default: 'active',
              },
              verified: { type: 'boolean', description: 'Verification status', default: true },
            },
          },
        },
        extra,
      ),
  );
  server.registerTool('test_elicitation_sep1330_enums', { description: 'Elicitation with enums' }, (extra) =>
    elicit(
      {
        message: 'Please choose',
        requestedSchema: {
          type: 'object',
          properties: {
            untitledSingle: { type: 'string', enum: ['option1', 'option2', 'option3'] },
            titledSingle: {
              type: 'string',
              oneOf: [
                { const: 'value1', title: 'First Option' },
                { const: 'value2', title: 'Second Option' },
                { const: 'value3', title: 'Third Option' },
              ],
            },
            legacyEnum: {
              type: 'string',
              enum: ['opt1', 'opt2', 'opt3'],
              enumNames: ['Option One', 'Option Two', 'Option Three'],
            },
            untitledMulti: {
              type: 'array',
              items: { type: 'string', enum: ['option1', 'option2', 'option3'] },
            },
            titledMulti: {
              type: 'array',
              items: {
                anyOf: [
                  { const: 'value1', title: 'First Choice' },
                  { const: 'value2', title: 'Second Choice' },
                  { const: 'value3', title: 'Third Choice' },
                ],
              },
            },
          },
        } as ElicitRequestFormParams['requestedSchema'],
      },
      extra,
    ),
  );
}

function registerResources(server: McpServer): void {
  server.registerResource(
    'static-text',
    'test://static-text',
    { description: 'A static text resource', mimeType: 'text/plain' },
    (uri) => ({
      contents: [
        { uri: uri.href, mimeType: 'text/plain', text: 'This is the content of the static text resource.' },
      ],
    }),
  );
  server.registerResource(
    'static-binary',
    'test://static-binary',
    { description: 'A static binary resource', mimeType: 'image/png' },
    (uri) => ({ contents: [{ uri: uri.href, mimeType: 'image/png', blob: PNG }] }),
  );
  server.registerResource(
    'watched-resource',
    'test://watched-resource',
    { description: 'A resource clients may subscribe to', mimeType: 'text/plain' },
    (uri) => ({ contents: [{ uri: uri.href, mimeType: 'text/plain', text: 'watched' }] }),
  );
  server.registerResource(
    'template-data',
    new ResourceTemplate('test://template/{id}/data', { list: undefined }),
    { description: 'Data by id', mimeType: 'application/json' },
    (uri, { id }) => ({
      contents: [
        {
          uri: uri.href,
          mimeType: 'application/json',
          text: JSON.stringify({ id: String(id), templateTest: true, data: `Data for ID: ${String(id)}` }),
        },
      ],
    }),
  );
  const subscribed = new Set<string>();
  server.server.setRequestHandler('resources/subscribe', (req) => (subscribed.add(req.params.uri), {}));
  server.server.setRequestHandler('resources/unsubscribe', (req) => (subscribed.delete(req.params.uri), {}));
}

function registerPrompts(server: McpServer): void {
  server.registerPrompt('test_simple_prompt', { description: 'A simple prompt' }, () => ({
    messages: [{ role: 'user', content: { type: 'text', text: 'This is a simple prompt for testing.' } }],
  }));
  server.registerPrompt(
    'test_prompt_with_arguments',
    {
      description: 'A prompt with arguments',
      argsSchema: z.object({
        arg1: completable(z.string().describe('First test argument'), (v) =>
          ['paris', 'park', 'party'].filter((x) => x.startsWith(v)),
        ),
        arg2: z.string().describe('Second test argument'),
      }),
    },
    ({ arg1, arg2 }) => ({
      messages: [
        {
          role: 'user',
          content: { type: 'text', text: `Prompt with arguments: arg1='${arg1}', arg2='${arg2}'` },
        },
      ],
    }),
  );
  server.registerPrompt(
    'test_prompt_with_embedded_resource',
    { description: 'A prompt embedding a resource', argsSchema: z.object({ resourceUri: z.string() }) },
    ({ resourceUri }) => ({
      messages: [
        {
          role: 'user',
          content: {
            type: 'resource',
            resource: {
              uri: resourceUri,
              mimeType: 'text/plain',
              text: 'Embedded resource content for testing.',
            },
          },
        },
        { role: 'user', content: { type: 'text', text: 'Please process the embedded resource above.' } },
      ],
    }),
  );
  server.registerPrompt('test_prompt_with_image', { description: 'A prompt with an image' }, () => ({
    messages: [
      { role: 'user', content: { type: 'image', data: PNG, mimeType: 'image/png' } },
      { role: 'user', content: { type: 'text', text: 'Please analyze the image above.' } },
    ],
  }));
}

/** One server instance per session, as the SDK's Streamable HTTP transport expects. */
function build(): McpServer {
  const server = new McpServer(
    { name: 'switchboard-conformance-fixture', version: '1.0.0' },
    { capabilities: { logging: {}, resources: { subscribe: true } } },
  );
  let level: LoggingLevel | undefined;
  server.server.setRequestHandler('logging/setLevel', (req) => ((level = req.params.level), {}));
  registerTools(server, () => level);
  registerResources(server);
  registerPrompts(server);
  register2026(server, hooks);
  refuseUndeclared(server);
  return server;
}

/** Servers of open 2025 sessions, told when a hook changes the lists (2026 listen streams hear `modern`). */
const sessionServers = new Set<McpServer>();
const hooks: ListHooks = {
  toolsChanged: () => {
    modern.notify.toolsChanged();
    for (const s of sessionServers) s.sendToolListChanged();
  },
  promptsChanged: () => {
    modern.notify.promptsChanged();
    for (const s of sessionServers) s.sendPromptListChanged();
  },
};

const app = createMcpExpressApp({ host: '127.0.0.1' });
const sessions = new Map<string, NodeStreamableHTTPServerTransport>();
// 2026-07-28 requests: one server per request through the SDK's per-request entry; the rest is 2025 traffic.
const modern = createMcpHandler(() => build(), { legacy: 'reject' });
const serveModern = toNodeHandler(modern);
app.all('/mcp', async (req, res) => {
  if (req.method === 'POST' && !(await isLegacyRequest(await toWebRequest(req, req.body), req.body))) {
    await serveModern(req, res, req.body);
    return;
  }
  const id = req.headers['mcp-session-id'] as string | undefined;
  let transport = id ? sessions.get(id) : undefined;
  if (id && !transport) {
    res.status(404).json({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null });
    return;
  }
  if (!transport) {
    const created = new NodeStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (sid) => void sessions.set(sid, created),
      onsessionclosed: (sid) => void sessions.delete(sid),
    });
    transport = created;
    const server = build();
    sessionServers.add(server);
    await server.connect(created);
    server.server.onclose = () => void sessionServers.delete(server);
  }
  await transport.handleRequest(req, res, req.body);
});
const port = Number(process.env.PORT ?? 3200);
app.listen(port, '127.0.0.1', () => console.error(`conformance fixture listening on ${port}`));
