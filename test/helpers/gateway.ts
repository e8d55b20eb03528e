/** Test helpers: temp configs, an in-process gateway on an ephemeral port, SDK clients, real upstream processes. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { loadConfig } from '../../src/config/load.js';
import { Gateway } from '../../src/gateway.js';

/** The repository root. */
export const ROOT = resolve(import.meta.dirname, '../..');
/** The fixture MCP server's source. */
export const FIXTURE = join(ROOT, 'test/fixtures/servers/fixture.ts');
/** server-everything's entry point. */
export const EVERYTHING = join(ROOT, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js');

/** YAML for a stdio backend running the fixture server. */
export function fixtureStdio(name: string, extra = '', env: Record<string, string> = {}): string {
  const envYaml = Object.entries(env)
    .map(([k, v]) => `\n      ${k}: "${v}"`)
    .join('');
  return `  ${name}:
    command: ${JSON.stringify(process.execPath)}
    args: ["--import", "tsx", ${JSON.stringify(FIXTURE)}, "stdio"]
    cwd: ${JSON.stringify(ROOT)}
    env:
      FIXTURE_NAME: ${name}${envYaml}
${extra}`;
}

/** Writes YAML to a fresh temp dir and returns the file path. */
export function writeConfig(yaml: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-test-'));
  const file = join(dir, 'external-mcp-servers.yaml');
  writeFileSync(file, yaml);
  return file;
}

/** A port that was free a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => res(port));
    });
    srv.once('error', rej);
  });
}

/** Polls until fn returns a truthy value, or fails with the message after timeoutMs. */
export async function waitFor<T>(fn: () => T | Promise<T>, timeoutMs: number, message: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms: ${message}${last ? ` (last error: ${String(last)})` : ''}`,
  );
}

/** An in-process gateway on 127.0.0.1 and an ephemeral port, started from YAML. */
export async function startGateway(
  yaml: string,
  settle = true,
  seams?: ConstructorParameters<typeof Gateway>[2],
): Promise<{ gateway: Gateway; url: URL; file: string }> {
  const file = writeConfig(yaml);
  const options = { overrides: { port: 0, host: '127.0.0.1' } };
  const gateway = new Gateway(loadConfig(file, options), options, seams);
  await gateway.start();
  if (settle) await gateway.pool.settled();
  return { gateway, url: new URL(gateway.url), file };
}

/** Two in-process gateways on the same YAML, the relay path on and off (`gateway.relay_path`), to compare answers. */
export async function relayOnOff(yaml: string): Promise<{
  on: { gateway: Gateway; url: URL };
  off: { gateway: Gateway; url: URL };
}> {
  const on = await startGateway(`gateway:\n  relay_path: true\n${yaml}`);
  const off = await startGateway(`gateway:\n  relay_path: false\n${yaml}`).catch(async (err: unknown) => {
    await on.gateway.close();
    throw err;
  });
  return { on, off };
}

/** An SDK client connected over Streamable HTTP, counting list_changed notifications. */
export async function connectClient(url: URL, capabilities: Record<string, unknown> = {}) {
  const client = new Client({ name: 'switchboard-test', version: '1.0.0' }, { capabilities });
  const changed = { tools: 0, prompts: 0, resources: 0 };
  client.setNotificationHandler('notifications/tools/list_changed', () => void changed.tools++);
  client.setNotificationHandler('notifications/prompts/list_changed', () => void changed.prompts++);
  client.setNotificationHandler('notifications/resources/list_changed', () => void changed.resources++);
  const transport = new StreamableHTTPClientTransport(url);
  await client.connect(transport);
  return { client, changed, transport };
}

async function portOpen(port: number): Promise<boolean> {
  return new Promise((res) => {
    const sock = tcpConnect(port, '127.0.0.1');
    sock.once('connect', () => {
      sock.destroy();
      res(true);
    });
    sock.once('error', () => res(false));
  });
}

/** A real upstream process listening on a port (e.g. server-everything in streamableHttp mode). */
export async function startUpstream(
  args: string[],
  port: number,
  env: Record<string, string> = {},
): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  await waitFor(
    async () => child.exitCode === null && (await portOpen(port)),
    15_000,
    `upstream on ${port}: ${stderr}`,
  );
  return child;
}

/** Stops a child process and waits for it to exit. */
export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  await exited;
}

/** The text of a tool result's first content item. */
export function text(result: unknown): string {
  const content = (result as { content?: { type: string; text?: string }[] }).content ?? [];
  return content[0]?.text ?? '';
}

/**
 * `switchboard serve` as a child process with JSON logs at info, its output collected; resolves once it listens.
 * A gateway that fails to start is stopped with SIGTERM, so its backends' children go with it.
 */
export async function serveCli(yaml: string) {
  const file = writeConfig(yaml);
  const cli = join(ROOT, 'src/cli.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', cli, 'serve', '--config', file, '--port', '0'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SWITCHBOARD_LOG_LEVEL: 'info', SWITCHBOARD_LOG_FORMAT: 'json' },
  });
  const io = { out: '', err: '' };
  child.stdout!.on('data', (d: Buffer) => (io.out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (io.err += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  try {
    const line = await waitFor(() => /listening on (\S+)/.exec(io.out)?.[1] ?? '', 60_000, 'gateway URL');
    return { child, url: new URL(line), base: new URL('/', line), io, exited };
  } catch (err) {
    child.kill('SIGTERM');
    throw err;
  }
}

/** The fixture's process tree (server and grandchild) through a connected client. */
export async function treeOf(client: Client): Promise<number[]> {
  await waitFor(
    async () => (await client.listTools()).tools.some((t) => t.name === 'a__pid'),
    20_000,
    'backend up',
  );
  const info = JSON.parse(text(await client.callTool({ name: 'a__pid', arguments: {} }))) as {
    pid: number;
    grandchild: number;
  };
  return [info.pid, info.grandchild];
}
