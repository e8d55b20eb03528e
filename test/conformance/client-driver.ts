/**
 * The client under test for `conformance client --command`: starts switchboard with the suite's URL (the
 * last argument) as its only upstream, then drives it with an SDK client that calls every tool. The suite
 * thereby grades switchboard's upstream side: initialize, tool calls, elicitation relay, SSE resumption.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { Tool } from '@modelcontextprotocol/client';

process.env.SWITCHBOARD_LOG_LEVEL ??= 'warn';
const { loadConfig } = await import('../../src/config/load.js');
const { Gateway } = await import('../../src/gateway.js');

const upstream = process.argv.at(-1);
if (!upstream?.startsWith('http')) {
  console.error('usage: client-driver.ts <upstream MCP URL>');
  process.exit(2);
}

/**
 * Arguments that satisfy a tool's input schema well enough for a test call: the required properties only
 * (optional ones stay absent, which the custom-header scenario checks), and a non-ASCII string where a
 * property is mirrored into an `Mcp-Param-*` header (which must then be base64-encoded).
 */
function sampleArguments(tool: Tool): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  const props = (tool.inputSchema.properties ?? {}) as Record<
    string,
    { type?: string; 'x-mcp-header'?: string }
  >;
  const required = tool.inputSchema.required;
  for (const [name, schema] of Object.entries(props)) {
    if (required && !required.includes(name)) continue;
    const text = schema['x-mcp-header'] ? 'tëst' : 'test';
    args[name] =
      schema.type === 'number' || schema.type === 'integer' ? 1 : schema.type === 'boolean' ? true : text;
  }
  return args;
}

/**
 * Upstream credentials for the suite's auth scenarios (MCP_CONFORMANCE_CONTEXT: a client id with a secret or a
 * private key); auth scenarios without credentials get a client the authorization server does not check.
 */
function upstreamAuth(): string {
  const scenario = process.env.MCP_CONFORMANCE_SCENARIO ?? '';
  const context = JSON.parse(process.env.MCP_CONFORMANCE_CONTEXT ?? '{}') as {
    client_id?: string;
    client_secret?: string;
    private_key_pem?: string;
    signing_algorithm?: string;
  };
  const id = JSON.stringify(context.client_id ?? 'switchboard-conformance');
  if (context.private_key_pem) {
    const key = JSON.stringify(context.private_key_pem);
    return `    auth: { type: oauth_private_key_jwt, client_id: ${id}, private_key: ${key}, algorithm: ${context.signing_algorithm ?? 'RS256'} }\n`;
  }
  if (context.client_secret || scenario.startsWith('auth/')) {
    const secret = JSON.stringify(context.client_secret ?? 'switchboard-conformance-secret');
    return `    auth: { type: oauth_client_credentials, client_id: ${id}, client_secret: ${secret} }\n`;
  }
  return '';
}

const dir = mkdtempSync(join(tmpdir(), 'switchboard-conformance-'));
const file = join(dir, 'switchboard.yaml');
writeFileSync(
  file,
  `httpServices:\n  upstream:\n    base_url: ${JSON.stringify(upstream)}\n    prefix: false\n    restart: { max_attempts: 1 }\n${upstreamAuth()}`,
);
const gateway = new Gateway(loadConfig(file, { overrides: { host: '127.0.0.1', port: 0 } }));
let code = 0;
try {
  await gateway.start();
  await gateway.pool.settled();
  const client = new Client(
    { name: 'switchboard-conformance-driver', version: '1.0.0' },
    {
      capabilities: {
        sampling: {},
        elicitation: { form: { applyDefaults: true } },
        roots: { listChanged: true },
      },
    },
  );
  // Accepting with no content lets the SDK fill in the schema's defaults (SEP-1034).
  client.setRequestHandler('elicitation/create', () => ({ action: 'accept', content: {} }));
  client.setRequestHandler('sampling/createMessage', () => ({
    role: 'assistant',
    model: 'conformance-driver',
    content: { type: 'text', text: 'sampled through switchboard' },
  }));
  client.setRequestHandler('roots/list', () => ({ roots: [] }));
  await client.connect(new StreamableHTTPClientTransport(new URL(gateway.url)));
  const { tools } = await client.listTools();
  for (const tool of tools) {
    // The schema-preservation scenario asks for another tool's inputSchema back, as the client received it.
    const echoed = tools.find((t) => t.name !== tool.name && t.name !== 'smart_tool_discovery')?.inputSchema;
    const args = tool.name === 'json_schema_echo' ? { schema: echoed } : sampleArguments(tool);
    const result = await client.callTool({ name: tool.name, arguments: args });
    console.log(`${tool.name}: ${JSON.stringify(result.content)}`);
  }
  await client.close();
} catch (err) {
  console.error(err);
  code = 1;
} finally {
  await gateway.close();
}
process.exit(code);
