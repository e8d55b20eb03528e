import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { Tool } from '@modelcontextprotocol/client';
import { diffConfigs, diffTools, formatConfigDiff, formatToolDiff, type ToolDiff } from './config/diff.js';
import { loadConfig } from './config/load.js';
import type { GatewayConfig } from './config/model.js';
import { Gateway } from './gateway.js';
import { VERSION } from './version.js';
import { listKind } from './backends/catalog-fetch.js';
import type { IncomingMessage } from 'node:http';
import { gatewayPath } from './cli-status.js';
import { authEnabled } from './config/auth.js';
import { Authenticator } from './server/auth/authenticator.js';
import { visibleTools } from './server/relay/handlers.js';

/** What `switchboard validate --diff / --against-running` compares. */
export interface DiffRequest {
  /** The config the running gateway uses (for backend and setting changes). */
  old?: string;
  /** The config about to be deployed. */
  next: string;
  /** A running gateway's URL (its base, /mcp or /readyz URL), for tool changes. */
  againstRunning?: string;
  /** A credential for the running gateway, when it authenticates clients (sent as a bearer token). */
  credential?: string;
  json: boolean;
  /** Upper bound on how long NEW's backends may take to start for the tool comparison. */
  startTimeoutMs?: number;
}

/** The tools a gateway at `url` lists right now to the holder of `credential`. */
async function runningTools(url: URL, credential: string | undefined): Promise<Tool[]> {
  const client = new Client({ name: 'switchboard-validate', version: VERSION });
  const headers: Record<string, string> = credential ? { authorization: `Bearer ${credential}` } : {};
  try {
    await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers } }));
    return (await listKind(client, 30_000, 'tools')) as Tool[];
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new Error(
      `cannot list the tools of ${url.href}: ${why} (see --url; --api-key when it authenticates)`,
      { cause: err },
    );
  } finally {
    await client.close().catch(() => {});
  }
}

/** Who the credential is under NEW's auth settings, so NEW's policies filter its list as the running one's did. */
async function principal(config: GatewayConfig, credential: string | undefined, warnings: string[]) {
  if (!credential || !authEnabled(config.gateway.auth)) return undefined;
  const request = { headers: { authorization: `Bearer ${credential}` } } as IncomingMessage;
  try {
    return await new Authenticator(config.gateway.auth).authenticate(request);
  } catch (err) {
    warnings.push(`the credential is not accepted by NEW's gateway.auth (${(err as Error).message})`);
    return undefined;
  }
}

/**
 * Starts a config's backends briefly and returns the tools its tools/list would show the credential's
 * principal (discovery's meta-tool included, as the running gateway lists it), with warnings: the backends
 * that did not come up.
 */
async function configuredTools(config: GatewayConfig, timeoutMs: number, credential: string | undefined) {
  const gateway = new Gateway(config);
  try {
    await gateway.startBackends(timeoutMs);
    const warnings = gateway.pool
      .all()
      .filter((b) => b.state !== 'ready')
      .map(
        (b) => `backend "${b.name}" did not start (${b.lastError ?? b.state}); its tools are not compared`,
      );
    const grant = gateway.access.grant(await principal(config, credential, warnings));
    return { tools: visibleTools(gateway.catalog, gateway.access, grant, gateway.discovery), warnings };
  } finally {
    await gateway.close();
  }
}

/** Prints what a reload to `next` would do; throws ConfigError when either file is invalid. */
export async function validateDiff(req: DiffRequest, out: (line: string) => void): Promise<void> {
  const next = loadConfig(req.next);
  const config = req.old ? diffConfigs(loadConfig(req.old), next) : undefined;
  let tools: (ToolDiff & { warnings: string[] }) | undefined;
  const running = req.againstRunning ? gatewayPath(req.againstRunning, '/mcp') : undefined;
  if (running) {
    const before = await runningTools(running, req.credential);
    const after = await configuredTools(next, req.startTimeoutMs ?? 30_000, req.credential);
    tools = { ...diffTools(before, after.tools, next.gateway.separator), warnings: after.warnings };
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
      `tools of ${running?.href} -> ${req.next}: ${lines.length ? `${lines.length} change(s)` : 'no changes'}`,
    );
    lines.forEach((l) => out(`  ${l}`));
    tools.warnings.forEach((w) => out(`  ! ${w}`));
  }
}
