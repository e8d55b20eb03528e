import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { Tool } from '@modelcontextprotocol/client';
import { diffConfigs, diffTools, formatConfigDiff, formatToolDiff, type ToolDiff } from './config/diff.js';
import { loadConfig } from './config/load.js';
import type { GatewayConfig } from './config/model.js';
import { Gateway } from './gateway.js';
import { VERSION } from './version.js';
import { waitAtMost } from './time.js';
import { listKind } from './backends/catalog-fetch.js';

/** What `switchboard validate --diff / --against-running` compares. */
export interface DiffRequest {
  /** The config the running gateway uses (for backend and setting changes). */
  old?: string;
  /** The config about to be deployed. */
  next: string;
  /** A running gateway's /mcp URL, for tool changes. */
  againstRunning?: string;
  json: boolean;
  /** Upper bound on how long NEW's backends may take to start for the tool comparison. */
  startTimeoutMs?: number;
}

/** The tools a gateway at `url` lists right now. */
async function runningTools(url: string): Promise<Tool[]> {
  const client = new Client({ name: 'switchboard-validate', version: VERSION });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  try {
    return (await listKind(client, 30_000, 'tools')) as Tool[];
  } finally {
    await client.close();
  }
}

/** Starts a config's backends briefly and returns the tools it would expose, with the backends that did not come up. */
async function configuredTools(config: GatewayConfig, timeoutMs: number) {
  const gateway = new Gateway(config);
  try {
    await gateway.pool.reconcile(config.backends);
    await waitAtMost(gateway.pool.settled(), timeoutMs);
    gateway.rebuild();
    const down = gateway.pool
      .all()
      .filter((b) => b.state !== 'ready')
      .map(
        (b) => `backend "${b.name}" did not start (${b.lastError ?? b.state}); its tools are not compared`,
      );
    return { tools: gateway.snapshot().lists.tools, down };
  } finally {
    await gateway.close();
  }
}

/** Prints what a reload to `next` would do; throws ConfigError when either file is invalid. */
export async function validateDiff(req: DiffRequest, out: (line: string) => void): Promise<void> {
  const next = loadConfig(req.next);
  const config = req.old ? diffConfigs(loadConfig(req.old), next) : undefined;
  let tools: (ToolDiff & { warnings: string[] }) | undefined;
  if (req.againstRunning) {
    const before = await runningTools(req.againstRunning);
    const after = await configuredTools(next, req.startTimeoutMs ?? 30_000);
    tools = { ...diffTools(before, after.tools), warnings: after.down };
  }
  if (req.json) return out(JSON.stringify({ config, tools }, null, 2));
  if (config) {
    const lines = formatConfigDiff(config);
    out(`${req.old} -> ${req.next}: ${lines.length ? `${lines.length} change(s)` : 'no changes'}`);
    lines.forEach((l) => out(`  ${l}`));
  }
  if (tools) {
    const lines = formatToolDiff(tools);
    out(
      `tools of ${req.againstRunning} -> ${req.next}: ${lines.length ? `${lines.length} change(s)` : 'no changes'}`,
    );
    lines.forEach((l) => out(`  ${l}`));
    tools.warnings.forEach((w) => out(`  ! ${w}`));
  }
}
