import { StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import { watchConfig } from '../config/watch.js';
import type { GatewayConfig } from '../config/model.js';
import type { AttachedSessions } from './attached.js';
import { log } from '../log.js';

/** How long the first session waits for backends' first connection attempt, at most (later ones arrive as list_changed). */
const STARTUP_SETTLE_MS = 10_000;

/** What the stdio frontend runs: the gateway without its HTTP listener. */
export interface StdioGateway {
  readonly config: GatewayConfig;
  readonly attached: Pick<AttachedSessions, 'open'>;
  /** The tool sets (`toolsets:`); a set `--toolset` names must be one of them. */
  readonly toolsets: { get(name: string): unknown };
  /** Starts the backends, waits up to `settleMs` for their first connection attempts, and builds the catalog. */
  startBackends(settleMs?: number): Promise<void>;
  reload(): Promise<unknown>;
  close(): Promise<void>;
}

/** Options of the stdio frontend. */
export interface StdioOptions {
  /** Reload when the config file changes (SIGHUP reloads either way). */
  watch: boolean;
  /** Called once the gateway has stopped (stdin closed or a signal): the process exits with the code. */
  exit?: (code: number) => void;
  /** Serve this tool set (`toolsets:`) instead of the whole catalog. */
  toolset?: string;
}

/**
 * Runs the gateway as one stdio MCP session (`switchboard stdio`): backends, catalog, discovery and reloads
 * as in `serve`, but no HTTP listener; stdout carries only protocol messages (logs go to stderr). When stdin
 * closes, or on SIGINT/SIGTERM, every backend (and its children) is stopped before the process exits.
 */
export async function serveStdio(gateway: StdioGateway, options: StdioOptions): Promise<void> {
  const set = options.toolset ?? '';
  if (set && !gateway.toolsets.get(set)) {
    const known = (gateway.config.toolsets ?? []).map((t) => t.name).join(', ') || 'none';
    throw new Error(`unknown tool set "${set}" (--toolset); the config has: ${known}`);
  }
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let watcher: { close(): void } | undefined;
  let stopping: Promise<void> | undefined;
  const stop = (why: string) =>
    (stopping ??= (async () => {
      log.info(`${why}: shutting down`);
      watcher?.close();
      let code = 0;
      try {
        await gateway.close();
      } catch (err) {
        log.error({ err: String(err) }, 'shutdown failed');
        code = 1;
      }
      exit(code);
    })());
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGHUP', () => {
    log.info('SIGHUP: reloading the config');
    void gateway.reload();
  });

  await gateway.startBackends(STARTUP_SETTLE_MS);
  if (options.watch) watcher = watchConfig(gateway.config.file, () => void gateway.reload());

  const server = await gateway.attached.open(new StdioServerTransport(), 'stdio', undefined, undefined, set);
  const released = server.onclose;
  server.onclose = () => {
    released?.();
    void stop('stdin closed');
  };
  const n = gateway.config.backends.length;
  log.info(`switchboard serving MCP on stdio (${n} backend${n === 1 ? '' : 's'})`);
}
