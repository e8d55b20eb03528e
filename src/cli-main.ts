/** The `switchboard` command line (started by src/cli.ts once the garbage collector's defaults are set). */
import { parseArgs } from 'node:util';
import { validateDiff } from './cli-diff.js';
import { reload } from './cli-reload.js';
import { status, StatusError } from './cli-status.js';
import { ConfigError, formatProblem } from './config/errors.js';
import { loadConfig } from './config/load.js';
import type { GatewayConfig } from './config/model.js';
import type { SettingOverrides } from './config/normalise.js';
import { preflight } from './config/preflight.js';
import { watchConfig } from './config/watch.js';
import { connectStdio } from './frontends/connect.js';
import { serveStdio } from './frontends/stdio.js';
import { Gateway } from './gateway.js';
import { killChildren, shutdown } from './runtime/shutdown.js';
import { log } from './log.js';
import { VERSION } from './version.js';

const USAGE = `switchboard ${VERSION}: one MCP endpoint in front of many MCP servers

Usage:
  switchboard serve    [--config PATH] [--host H] [--port N]   start the gateway (reloads on file change and SIGHUP)
  switchboard stdio    [--config PATH] [--toolset NAME]         serve the gateway (or one tool set) as a stdio MCP server
  switchboard connect  URL [--api-key KEY | --token T]           bridge stdio to a running gateway's /mcp
  switchboard validate [--config PATH]                          check a config file
  switchboard validate --diff OLD NEW                           what a reload from OLD to NEW would do
  switchboard validate --against-running URL [--config NEW] [--api-key KEY]
                                                                tool changes NEW would make to a running gateway
  switchboard tools    [--config PATH] [--json]                 start the backends, print the merged catalog, exit
  switchboard status   [--url URL] [--json] [--api-key KEY]     backends, sessions and reloads of a running gateway
  switchboard reload   [--url URL] [--api-key KEY]              make a running gateway re-read its config file now

Options:
  -c, --config PATH   config file (default ./external-mcp-servers.yaml)
      --host H        listen address (default 127.0.0.1; env SWITCHBOARD_HOST)
  -p, --port N        listen port (default 8080; env SWITCHBOARD_PORT)
      --no-watch      serve, stdio: do not watch the config file (SIGHUP still reloads)
      --toolset NAME  stdio: serve this tool set (toolsets: in the config) instead of the whole catalog
      --json          machine-readable output (tools, status, validate --diff)
      --url URL       status, reload: the gateway's URL (default http://HOST:PORT from --config, or 127.0.0.1:8080)
      --api-key KEY   status, reload: an operator credential when gateway.auth is on (an API key with operator:
                      true, or a token with the operator scope); validate --against-running: a client credential;
                      also SWITCHBOARD_API_KEY, or SWITCHBOARD_TOKEN for a JWT
                      connect: API key (env SWITCHBOARD_API_KEY; prefer the env, argv is visible)
      --token T       connect: bearer token (env SWITCHBOARD_TOKEN)

  -h, --help          this help

Signals (to the gateway's pid, e.g. from /readyz or \`switchboard status\`; stdio children run in process groups
of their own and never get them): SIGHUP reloads the config, like \`switchboard reload\`. SIGTERM/SIGINT stop
serve gracefully: new requests get 503, calls in flight finish within gateway.shutdown_grace (default 25s),
then exit 0; a second signal exits at once with code 1.
`;

function overrides(values: { host?: string; port?: string }): SettingOverrides {
  const host = values.host ?? process.env.SWITCHBOARD_HOST;
  const port = values.port ?? process.env.SWITCHBOARD_PORT;
  if (port !== undefined && !/^\d{1,5}$/.test(port)) throw new UsageError(`invalid port "${port}"`);
  return { host: host || undefined, port: port === undefined ? undefined : Number(port) };
}

class UsageError extends Error {}

function gatewayUrl(text: string | undefined): URL {
  if (!text) throw new UsageError('connect needs the gateway URL, e.g. http://127.0.0.1:8080/mcp');
  try {
    return new URL(text);
  } catch {
    throw new UsageError(`invalid URL "${text}"`);
  }
}

function load(path: string, o: SettingOverrides = {}): GatewayConfig {
  const config = loadConfig(path, { overrides: o });
  if (config.gateway.logLevel && !process.env.SWITCHBOARD_LOG_LEVEL) log.level = config.gateway.logLevel;
  return config;
}

async function serve(path: string, o: SettingOverrides, watch: boolean): Promise<void> {
  const gateway = new Gateway(load(path, o), { overrides: o });
  let stopping = false;
  let watcher: { close(): void } | undefined;
  const stop = (signal: string) => {
    if (stopping) {
      log.warn(`${signal} again: exiting now (exit code 1); backend processes killed`);
      killChildren(gateway);
      process.exit(1);
    }
    stopping = true;
    watcher?.close();
    shutdown(gateway, signal).then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err: String(err) }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGHUP', () => {
    log.info('SIGHUP: reloading the config');
    void gateway.reload();
  });
  await gateway.start();
  if (watch) watcher = watchConfig(gateway.config.file, () => void gateway.reload());
  const backends = gateway.config.backends.length;
  process.stdout.write(
    `switchboard listening on ${gateway.url} (${backends} backend${backends === 1 ? '' : 's'})\n`,
  );
}

function validate(path: string): void {
  const c = load(path);
  const kinds = ['stdio', 'http', 'sse'].map((k) => `${c.backends.filter((b) => b.kind === k).length} ${k}`);
  const disabled = c.disabled.length ? `, ${c.disabled.length} disabled` : '';
  const warnings = preflight(c);
  const warned = warnings.length ? `; ${warnings.length} warning(s)` : '';
  process.stdout.write(
    `${path}: ok (${c.backends.length} backends: ${kinds.join(', ')}${disabled})${warned}\n`,
  );
  for (const w of warnings) process.stdout.write(`warning: ${formatProblem(w)}\n`);
}

async function diff(
  values: { config: string; json: boolean; diff: boolean; 'against-running'?: string; 'api-key'?: string },
  files: string[],
): Promise<void> {
  if (values.diff && files.length !== 2) throw new UsageError('--diff needs two files: OLD NEW');
  // NEW's backends start briefly for the tool comparison: their routine log lines are not the output.
  if (!process.env.SWITCHBOARD_LOG_LEVEL) log.level = 'warn';
  await validateDiff(
    {
      old: values.diff ? files[0] : undefined,
      next: values.diff ? files[1]! : (files[0] ?? values.config),
      againstRunning: values['against-running'],
      credential: running(values).credential,
      json: values.json,
    },
    (line) => process.stdout.write(`${line}\n`),
  );
}

async function tools(path: string, json: boolean): Promise<void> {
  const gateway = new Gateway(load(path));
  await gateway.startBackends();
  const snapshot = gateway.catalog.snapshot();
  const rows = snapshot.tools.map((e) => ({
    name: e.exposed,
    backend: e.backend,
    description: e.item.description ?? '',
  }));
  if (json) {
    const down = gateway.pool.all().filter((b) => b.state !== 'ready');
    const backends = Object.fromEntries(
      gateway.pool
        .all()
        .map((b) => [b.name, { state: b.state, protocol: b.era.version, error: b.lastError }]),
    );
    process.stdout.write(
      `${JSON.stringify({ tools: rows, backends, collisions: snapshot.collisions, down: down.length }, null, 2)}\n`,
    );
  } else {
    const width = Math.max(4, ...rows.map((r) => r.name.length));
    for (const r of rows) {
      const desc = r.description.split('\n')[0]!.slice(0, 100);
      process.stdout.write(`${r.name.padEnd(width)}  ${r.backend.padEnd(12)}  ${desc}\n`);
    }
    for (const b of gateway.pool.all()) {
      if (b.state === 'ready')
        process.stderr.write(`backend "${b.name}": ready, protocol ${b.era.version}\n`);
      else process.stderr.write(`backend "${b.name}" is ${b.state}: ${b.lastError ?? ''}\n`);
    }
    for (const c of snapshot.collisions) process.stderr.write(`collision: ${c.message}\n`);
  }
  await gateway.close();
}

/** The URL `status` asks when --url is not given: the config's host and port (loopback for a wildcard bind). */
function statusUrl(path: string, o: SettingOverrides): string {
  let host = o.host ?? '127.0.0.1';
  let port = o.port ?? 8080;
  try {
    const g = loadConfig(path, { overrides: o }).gateway;
    host = g.host;
    port = g.port;
  } catch {
    // No readable config here: the defaults (and SWITCHBOARD_HOST/PORT) are the best guess.
  }
  if (host === '0.0.0.0' || host === '::') host = '127.0.0.1';
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** The gateway `status` and `reload` talk to, and the operator credential to send it. */
function running(values: { config: string; url?: string; 'api-key'?: string }) {
  const url = values.url ?? statusUrl(values.config, overrides({}));
  const credential =
    values['api-key'] ?? (process.env.SWITCHBOARD_API_KEY || process.env.SWITCHBOARD_TOKEN || undefined);
  return { url, credential };
}

async function showStatus(values: { config: string; json: boolean; url?: string; 'api-key'?: string }) {
  for (const line of await status({ ...running(values), json: values.json }))
    process.stdout.write(`${line}\n`);
}

/** The command being run, for error messages. */
let ran = 'serve';

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c', default: 'external-mcp-servers.yaml' },
      host: { type: 'string' },
      port: { type: 'string', short: 'p' },
      json: { type: 'boolean', default: false },
      'no-watch': { type: 'boolean', default: false },
      diff: { type: 'boolean', default: false },
      'against-running': { type: 'string' },
      url: { type: 'string' },
      'api-key': { type: 'string' },
      token: { type: 'string' },
      toolset: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
      version: { type: 'boolean', short: 'v', default: false },
    },
  });
  const [command = 'serve'] = positionals;
  ran = command;
  if (values.help) return void process.stdout.write(USAGE);
  if (values.version) return void process.stdout.write(`${VERSION}\n`);
  switch (command) {
    case 'serve':
      return serve(values.config, overrides(values), !values['no-watch']);
    case 'stdio':
      return serveStdio(new Gateway(load(values.config)), {
        watch: !values['no-watch'],
        ...(values.toolset !== undefined && { toolset: values.toolset }),
      });
    case 'connect':
      return connectStdio({
        url: gatewayUrl(positionals[1]),
        apiKey: values['api-key'] ?? process.env.SWITCHBOARD_API_KEY,
        token: values.token ?? process.env.SWITCHBOARD_TOKEN,
      });
    case 'validate':
      if (values.diff || values['against-running']) return diff(values, positionals.slice(1));
      return validate(values.config);
    case 'tools':
      return tools(values.config, values.json);
    case 'status':
      return showStatus(values);
    case 'reload':
      return void process.stdout.write(`${await reload(running(values))}\n`);
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(
      `${err.message}\n${err.problems.length} problem(s) in the config; nothing was started\n`,
    );
  } else if (err instanceof StatusError) {
    process.stderr.write(`switchboard ${ran}: ${err.message}\n`);
  } else if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    process.stderr.write(`switchboard: ${(err as Error).message}\n\n${USAGE}`);
  } else if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    process.stderr.write(
      `switchboard: cannot listen: ${(err as Error).message} (use --port or SWITCHBOARD_PORT)\n`,
    );
  } else {
    process.stderr.write(`switchboard: ${err instanceof Error ? err.message : String(err)}\n`);
  }
  process.exit(1);
});
