/** Case 5: catalog scale, B backends × T tools: merge time, time to ready, and tools/list latency. */
import http from 'node:http';
import type { Tool } from '@modelcontextprotocol/server';
import type { Backend } from '../../src/backends/backend.js';
import { build } from '../../src/registry/catalog.js';
import { stopProcess } from '../processes.js';
import { initialize, post } from '../rawmcp.js';
import { round, summarise, type Latency } from '../stats.js';
import { startGateway, startUpstream } from '../targets.js';

/** What the catalog case measured. */
export interface CatalogResult {
  backends: number;
  toolsPerBackend: number;
  tools: number;
  /** Median and max of the registry's snapshot build over all backends, in-process (ms). */
  mergeMs: { median: number; max: number };
  /** From spawning the gateway until every backend is ready and the merged list is complete (ms). */
  readyMs: number;
  /** tools/list round trip over bare HTTP, sequential: request sent to the reply's last byte received (ms). */
  toolsList: Latency & { samples: number; bytes: number; listed: number };
  note?: string;
}

function fakeBackend(name: string, tools: Tool[]): Backend {
  return {
    name,
    state: 'ready',
    spec: { prefix: name, tools: { include: [], exclude: [] } },
    catalog: { tools, prompts: [], resources: [], resourceTemplates: [], capabilities: { tools: {} } },
  } as unknown as Backend;
}

function mergeTimes(tools: Tool[], backends: number, runs: number): { median: number; max: number } {
  const all = Array.from({ length: backends }, (_, i) =>
    fakeBackend(`b${String(i).padStart(3, '0')}`, tools),
  );
  const times: number[] = [];
  for (let i = 0; i < runs + 3; i++) {
    const start = performance.now();
    build(all, '__', i);
    if (i >= 3) times.push(performance.now() - start);
  }
  const s = summarise(times);
  return { median: s.p50, max: s.max };
}

async function listLatency(url: URL, samples: number, expected: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const session = await initialize(url, agent);
    const times: number[] = [];
    let bytes = 0;
    let listed = 0;
    for (let i = 0; i < samples + 10; i++) {
      const r = await post(url, agent, { jsonrpc: '2.0', id: i + 1, method: 'tools/list' }, session);
      const n = (r.message?.result as { tools?: unknown[] } | undefined)?.tools?.length ?? 0;
      // The gateway may add tools of its own (e.g. smart_tool_discovery) to the backends' ones.
      if (n < expected) throw new Error(`tools/list returned ${n} tools, expected at least ${expected}`);
      if (i >= 10) times.push(r.ms);
      bytes = r.bytes;
      listed = n;
    }
    return { ...summarise(times), samples, bytes, listed };
  } finally {
    agent.destroy();
  }
}

/** Runs the catalog case: one HTTP upstream with T tools, configured B times as separate backends. */
export async function catalog(
  backends: number,
  toolsPerBackend: number,
  samples: number,
): Promise<CatalogResult> {
  // The upstream always has echo and sleep; synthetic tools make up the rest of toolsPerBackend.
  const upstream = await startUpstream('http', Math.max(0, toolsPerBackend - 2));
  const tools = backends * toolsPerBackend;
  try {
    const agent = new http.Agent({ keepAlive: true });
    const upUrl = new URL(`${upstream.base}/mcp`);
    const session = await initialize(upUrl, agent);
    const listed = await post(upUrl, agent, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, session);
    agent.destroy();
    const upstreamTools = (listed.message?.result as { tools: Tool[] }).tools;
    const mergeMs = mergeTimes(upstreamTools, backends, 20);

    const lines = Array.from(
      { length: backends },
      (_, i) =>
        `  b${String(i).padStart(3, '0')}:\n    base_url: ${JSON.stringify(`${upstream.base}/mcp`)}\n`,
    );
    const start = performance.now();
    const gw = await startGateway(`httpServices:\n${lines.join('')}`, { readyTimeoutMs: 180_000 });
    try {
      const readyz = gw.url.replace(/\/mcp$/, '/readyz');
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        const body = (await (await fetch(readyz)).json()) as { tools: number };
        if (body.tools >= tools) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      const readyMs = round(performance.now() - start, 0);
      const toolsList = await listLatency(new URL(gw.url), samples, tools);
      return { backends, toolsPerBackend, tools, mergeMs, readyMs, toolsList };
    } finally {
      await stopProcess(gw.child);
    }
  } finally {
    await stopProcess(upstream.child);
  }
}
