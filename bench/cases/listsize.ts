/**
 * What a discovery-only tool set saves: the tools/list result of /mcp (every tool) and of a discovery-only set
 * (/mcp/lean: the meta-tool only), in bytes of JSON and in tokens (o200k_base, js-tiktoken), for the catalog of
 * the shipped config (server-everything + server-memory over stdio), 1,000 synthetic tools of the bench upstream,
 * and 1,000 tools shaped like 25 published servers' (test/discovery/fixtures, listed in-process).
 * Runs on its own in seconds: `npx tsx bench/cases/listsize.ts`.
 */
import http from 'node:http';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Tool } from '@modelcontextprotocol/server';
import { Tiktoken } from 'js-tiktoken/lite';
import o200k from 'js-tiktoken/ranks/o200k_base';
import type { Backend } from '../../src/backends/backend.js';
import { parseConfig } from '../../src/config/load.js';
import { META_TOOL } from '../../src/discovery/meta-tool.js';
import { Gateway } from '../../src/gateway.js';
import { build } from '../../src/registry/catalog.js';
import { ROOT } from '../processes.js';
import { initialize, post } from '../rawmcp.js';

/** One catalog's tools/list result, in full and in a discovery-only set. */
export interface ListSizeRow {
  catalog: string;
  tools: number;
  full: { bytes: number; tokens: number };
  discoveryOnly: { bytes: number; tokens: number };
}

const LEAN = '\ntoolsets:\n  lean:\n    tools: "*"\n    discovery_only: true\n';
const encoder = new Tiktoken(o200k);

function measure(result: unknown): { bytes: number; tokens: number } {
  const json = JSON.stringify(result);
  return { bytes: Buffer.byteLength(json), tokens: encoder.encode(json).length };
}

/** tools/list over real HTTP, from a running gateway built from `yaml` (relative paths against `file`). */
async function overHttp(catalog: string, yaml: string, file: string): Promise<ListSizeRow> {
  const options = { overrides: { port: 0, host: '127.0.0.1' } };
  const gateway = new Gateway(parseConfig(yaml + LEAN, file, options), options);
  const agent = new http.Agent({ keepAlive: true });
  try {
    await gateway.start();
    await gateway.pool.settled();
    const list = async (url: URL) => {
      const reply = await post(
        url,
        agent,
        { jsonrpc: '2.0', id: 2, method: 'tools/list' },
        await initialize(url, agent),
      );
      if (!reply.message?.result)
        throw new Error(`tools/list on ${url.href}: ${JSON.stringify(reply.message)}`);
      return reply.message.result as { tools: Tool[] };
    };
    const full = await list(new URL(gateway.url));
    const lean = await list(new URL(`${gateway.url}/lean`));
    return { catalog, tools: full.tools.length, full: measure(full), discoveryOnly: measure(lean) };
  } finally {
    agent.destroy();
    await gateway.close();
  }
}

/** 1,000 tools cycled from the captured catalogs of published servers, each round a new backend prefix. */
function publishedShaped(count: number): ListSizeRow {
  const dir = join(ROOT, 'test/discovery/fixtures');
  const catalogs = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as { server?: string; tools?: Tool[] })
    .filter((c): c is { server: string; tools: Tool[] } => Array.isArray(c.tools) && !!c.server);
  const backends: Backend[] = [];
  let n = 0;
  for (let round = 0; n < count; round++) {
    for (const c of catalogs) {
      const tools = c.tools.slice(0, count - n);
      n += tools.length;
      const name = `${c.server}${round || ''}`;
      const spec = { prefix: name, tools: { include: [], exclude: [] } };
      const catalog = { tools, prompts: [], resources: [], resourceTemplates: [], capabilities: {} };
      backends.push({ name, state: 'ready', spec, catalog } as unknown as Backend);
      if (n >= count) break;
    }
  }
  const tools = build(backends, '__', 1).lists.tools;
  return {
    catalog: `${count.toLocaleString('en')} tools of ${catalogs.length} published servers (in-process)`,
    tools: tools.length + 1,
    full: measure({ tools: [META_TOOL, ...tools] }),
    discoveryOnly: measure({ tools: [META_TOOL] }),
  };
}

/** Every catalog's row. */
export async function listSizes(): Promise<ListSizeRow[]> {
  const shipped = join(ROOT, 'external-mcp-servers.yaml');
  const synthetic = `mcpServers:
  synth:
    command: ${JSON.stringify(process.execPath)}
    args: ["--import", "tsx", ${JSON.stringify(join(ROOT, 'bench/upstream.ts'))}, "stdio", "--tools", "1000"]
    cwd: ${JSON.stringify(ROOT)}
`;
  return [
    await overHttp('shipped config (everything + memory)', readFileSync(shipped, 'utf8'), shipped),
    await overHttp('1,000 synthetic tools (bench upstream)', synthetic, join(ROOT, 'bench/listsize.yaml')),
    publishedShaped(1000),
  ];
}

/** The rows as a markdown table. */
export function listSizeTable(rows: ListSizeRow[]): string {
  const pct = (a: number, b: number) => `${(100 * (1 - b / a)).toFixed(1)}%`;
  const lines = [
    '| catalog | tools listed | /mcp bytes | /mcp tokens | discovery-only bytes | discovery-only tokens | tokens saved |',
    '|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.catalog} | ${r.tools} | ${r.full.bytes.toLocaleString('en')} | ${r.full.tokens.toLocaleString('en')} | ${r.discoveryOnly.bytes.toLocaleString('en')} | ${r.discoveryOnly.tokens.toLocaleString('en')} | ${(r.full.tokens - r.discoveryOnly.tokens).toLocaleString('en')} (${pct(r.full.tokens, r.discoveryOnly.tokens)}) |`,
    ),
  ];
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.env.SWITCHBOARD_LOG_LEVEL ??= 'warn';
  listSizes().then(
    (rows) => {
      process.stdout.write(
        `## tools/list size: whole catalog vs a discovery-only tool set\n\n${listSizeTable(rows)}\n`,
      );
      process.exit(0);
    },
    (err: unknown) => {
      process.stderr.write(`listsize: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
