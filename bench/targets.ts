/** The servers under test: the upstream alone, switchboard in front of it (three transports), and peer gateways. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startOtlpSink } from './otlp-sink.js';
import { peerEntry } from './peers.js';
import { BUILD, freePort, ROOT, startProcess, stopProcess, waitFor, type Started } from './processes.js';

/** Every target the throughput cases can run. */
export const TARGETS = [
  'direct',
  'sb-stdio',
  'sb-stdio-traced',
  'sb-http',
  'sb-http-traced',
  'sb-sse',
  'direct-json',
  'sb-http-json',
  'supergateway',
  'mcp-proxy',
  'floor-stdio',
  'floor-http',
] as const;
/** The switchboard targets `--compare DIR` runs a twin of on the other build (`<target>-cmp`). */
export const COMPARABLE = ['sb-stdio', 'sb-http', 'sb-sse'] as const;
/** One of TARGETS, or a `-cmp` twin: the same case on another build of the gateway (`--compare DIR`). */
export type TargetName = (typeof TARGETS)[number] | `${(typeof COMPARABLE)[number]}-cmp`;

/** The upstream a target runs behind (direct: alone); its gateway-added CPU is measured against that upstream alone. */
export const BASELINE: Partial<Record<TargetName, TargetName>> = {
  'sb-stdio': 'direct',
  'sb-stdio-cmp': 'direct',
  'sb-http': 'direct',
  'sb-http-cmp': 'direct',
  'sb-sse': 'direct',
  'sb-sse-cmp': 'direct',
  'sb-http-json': 'direct-json',
  supergateway: 'direct',
  'mcp-proxy': 'direct',
  'floor-stdio': 'direct',
  'floor-http': 'direct',
};

/** The floor (bench/floor.ts) each switchboard target is held against: one bare process hop to the same upstream kind. */
export const FLOOR: Partial<Record<TargetName, TargetName>> = {
  'sb-stdio': 'floor-stdio',
  'sb-stdio-cmp': 'floor-stdio',
  'sb-http': 'floor-http',
  'sb-http-cmp': 'floor-http',
};

/** Upstream kinds: stdio child, Streamable HTTP answering SSE streams or plain JSON, legacy HTTP+SSE. */
export type UpstreamMode = 'stdio' | 'http' | 'http-json' | 'sse';

/** The compiled gateway entry points: the one under test and, optionally, another build to compare with. */
export const gatewayCli = { main: join(ROOT, 'dist/cli.js'), compare: '' };

/** A running server under test: its /mcp URL and the server-side process ids measured. */
export interface Target {
  url: string;
  pids: number[];
  stop(): Promise<void>;
}

/** The upstream as a child command line (plain node, transpiled; no tsx loader). */
export function upstreamCommand(mode: UpstreamMode, tools = 0): string[] {
  return [process.execPath, join(BUILD, 'upstream.js'), mode, '--tools', String(tools)];
}

/** Starts the upstream in an HTTP mode; resolves with its base URL (no path). */
export async function startUpstream(
  mode: Exclude<UpstreamMode, 'stdio'>,
  tools = 0,
): Promise<Started & { base: string }> {
  const [cmd, ...args] = upstreamCommand(mode, tools);
  const s = await startProcess(cmd!, args, /bench-upstream listening on (http:\/\/\S+)/);
  return { ...s, base: s.match[1]! };
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((res) => {
    const sock = tcpConnect(port, '127.0.0.1');
    sock.once('connect', () => {
      sock.destroy();
      res(true);
    });
    sock.once('error', () => res(false));
  });
}

/** Writes a gateway config to a fresh temp dir and returns its path. */
export function writeGatewayConfig(yaml: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'switchboard-bench-')), 'switchboard.yaml');
  writeFileSync(file, yaml);
  return file;
}

/** Node flags for the gateway process alone, from `BENCH_GATEWAY_NODE_ARGS` (space-separated), e.g. a heap size. */
function gatewayNodeArgs(): string[] {
  return (process.env.BENCH_GATEWAY_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
}

/** Starts the compiled gateway (`node dist/cli.js serve`) and waits until every backend is ready. */
export async function startGateway(
  yaml: string,
  opts: { nodeArgs?: string[]; readyTimeoutMs?: number; cli?: string; env?: Record<string, string> } = {},
): Promise<Started & { url: string }> {
  const file = writeGatewayConfig(yaml);
  const args = [
    ...(opts.nodeArgs ?? []),
    ...gatewayNodeArgs(),
    opts.cli ?? gatewayCli.main,
    'serve',
    '--config',
    file,
    '--port',
    '0',
  ];
  const s = await startProcess(process.execPath, args, /switchboard listening on (\S+)/, {
    env: { SWITCHBOARD_LOG_LEVEL: process.env.SWITCHBOARD_LOG_LEVEL ?? 'warn', ...opts.env },
  });
  const url = s.match[1]!;
  const readyz = url.replace(/\/mcp$/, '/readyz');
  await waitFor(
    async () => {
      const body = (await (await fetch(readyz)).json()) as { backends: Record<string, { state: string }> };
      return Object.values(body.backends).every((b) => b.state === 'ready');
    },
    opts.readyTimeoutMs ?? 60_000,
    `gateway backends ready (${readyz})`,
  ).catch(async (err: unknown) => {
    await stopProcess(s.child);
    throw err;
  });
  return { ...s, url };
}

const yamlString = (s: string) => JSON.stringify(s);

/** Gateway YAML with one backend named `bench` of the given kind, unprefixed so tool names match the upstream's. */
export function benchBackendYaml(kind: UpstreamMode, base = '', extra = '', compared = false): string {
  // Top-level YAML put before the backend (e.g. a `gateway:` block): BENCH_GATEWAY_YAML for every gateway,
  // BENCH_COMPARE_GATEWAY_YAML instead for the `--compare` build's.
  const env = compared ? process.env.BENCH_COMPARE_GATEWAY_YAML : process.env.BENCH_GATEWAY_YAML;
  const top = env ? `${env.trimEnd()}\n` : '';
  return top + backendYaml(kind, base, extra);
}

function backendYaml(kind: UpstreamMode, base: string, extra: string): string {
  if (kind === 'stdio') {
    const [cmd, ...args] = upstreamCommand('stdio');
    return `mcpServers:\n  bench:\n    prefix: false\n    command: ${yamlString(cmd!)}\n    args: ${JSON.stringify(args)}\n${extra}`;
  }
  const section = kind === 'sse' ? 'sseServices' : 'httpServices';
  const path = kind === 'sse' ? '/sse' : '/mcp';
  return `${section}:\n  bench:\n    prefix: false\n    base_url: ${yamlString(base + path)}\n${extra}`;
}

/**
 * Switchboard in front of the upstream. `traced`: with tracing on, exporting every span with OTLP/HTTP (the
 * production BatchSpanProcessor and exporter) to a local sink in the bench process, so tracing's own cost
 * is in the gateway's CPU and the sink's is not.
 */
async function switchboard(
  kind: UpstreamMode,
  nodeArgs?: string[],
  cli?: string,
  traced = false,
): Promise<Target> {
  const upstream = kind === 'stdio' ? undefined : await startUpstream(kind);
  const sink = traced ? await startOtlpSink() : undefined;
  try {
    const env = sink ? { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: sink.url } : undefined;
    const compared = cli !== undefined && cli === gatewayCli.compare;
    const yaml = benchBackendYaml(kind, upstream?.base, '', compared);
    const gw = await startGateway(yaml, { nodeArgs, cli, env });
    return {
      url: gw.url,
      pids: upstream ? [gw.pid, upstream.pid] : [gw.pid],
      stop: async () => {
        await stopProcess(gw.child);
        if (upstream) await stopProcess(upstream.child);
        if (sink) {
          await sink.stop();
          process.stderr.write(`bench: ${kind} traced: the OTLP sink received ${sink.spans()} spans\n`);
        }
      },
    };
  } catch (err) {
    if (upstream) await stopProcess(upstream.child);
    await sink?.stop();
    throw err;
  }
}

async function peer(name: 'supergateway' | 'mcp-proxy'): Promise<Target> {
  const port = await freePort();
  const upstream = upstreamCommand('stdio');
  const args =
    name === 'supergateway'
      ? [
          peerEntry(name),
          ...['--stdio', upstream.map((a) => JSON.stringify(a)).join(' ')],
          ...[
            '--outputTransport',
            'streamableHttp',
            '--stateful',
            '--port',
            String(port),
            '--logLevel',
            'none',
          ],
        ]
      : [
          peerEntry(name),
          '--host',
          '127.0.0.1',
          '--port',
          String(port),
          '--server',
          'stream',
          '--',
          ...upstream,
        ];
  const s = await startProcess(process.execPath, args, null);
  await waitFor(() => portOpen(port), 30_000, `${name} listening on ${port}`).catch(async (err: unknown) => {
    await stopProcess(s.child);
    throw new Error(`${String(err)}; output: ${s.output().slice(-500)}`);
  });
  return { url: `http://127.0.0.1:${port}/mcp`, pids: [s.pid], stop: () => stopProcess(s.child) };
}

/** A floor (bench/floor.ts): the least one process hop costs, in front of a stdio child or an HTTP upstream. */
async function floor(kind: 'stdio' | 'http'): Promise<Target> {
  const upstream = kind === 'http' ? await startUpstream('http') : undefined;
  const script = join(BUILD, 'floor.js');
  const args =
    kind === 'http'
      ? [script, 'http', '--upstream', upstream!.base]
      : [script, 'stdio', '--', ...upstreamCommand('stdio')];
  try {
    const s = await startProcess(process.execPath, args, /bench-floor listening on (http:\/\/\S+)/);
    return {
      url: `${s.match[1]!}/mcp`,
      pids: upstream ? [s.pid, upstream.pid] : [s.pid],
      stop: async () => {
        await stopProcess(s.child);
        if (upstream) await stopProcess(upstream.child);
      },
    };
  } catch (err) {
    if (upstream) await stopProcess(upstream.child);
    throw err;
  }
}

/** Starts one target. `nodeArgs` are passed to the gateway's node (e.g. --cpu-prof). */
export async function startTarget(name: TargetName, nodeArgs?: string[]): Promise<Target> {
  switch (name) {
    case 'direct':
    case 'direct-json': {
      const u = await startUpstream(name === 'direct' ? 'http' : 'http-json');
      return { url: `${u.base}/mcp`, pids: [u.pid], stop: () => stopProcess(u.child) };
    }
    case 'sb-stdio':
      return switchboard('stdio', nodeArgs);
    case 'sb-stdio-cmp':
      return switchboard('stdio', nodeArgs, gatewayCli.compare);
    case 'sb-stdio-traced':
      return switchboard('stdio', nodeArgs, undefined, true);
    case 'sb-http':
      return switchboard('http', nodeArgs);
    case 'sb-http-cmp':
      return switchboard('http', nodeArgs, gatewayCli.compare);
    case 'sb-http-traced':
      return switchboard('http', nodeArgs, undefined, true);
    case 'sb-sse':
      return switchboard('sse', nodeArgs);
    case 'sb-sse-cmp':
      return switchboard('sse', nodeArgs, gatewayCli.compare);
    case 'sb-http-json':
      return switchboard('http-json', nodeArgs);
    case 'supergateway':
    case 'mcp-proxy':
      return peer(name);
    case 'floor-stdio':
      return floor('stdio');
    case 'floor-http':
      return floor('http');
  }
}
