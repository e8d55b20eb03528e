import { setMaxListeners } from 'node:events';
import { createInterface } from 'node:readline';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { FetchLike, Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { Logger } from 'pino';
import type { BackendSpec, HttpSpec, SseSpec, StdioSpec } from '../config/model.js';
import type { Auth } from '../config/schema-types.js';

/** A freshly built SDK client transport plus what the backend needs to supervise it. */
export interface BuiltTransport {
  transport: Transport;
  /** Child process id, for stdio backends once started. */
  pid(): number | null;
}

/** Headers and URL after applying the upstream auth settings. */
export function applyAuth(
  url: string,
  headers: Record<string, string>,
  auth: Auth | undefined,
): { url: URL; headers: Record<string, string> } {
  const target = new URL(url);
  const out = { ...headers };
  switch (auth?.type) {
    case 'bearer':
      out.Authorization = `Bearer ${auth.token}`;
      break;
    case 'api_key':
      out[auth.header ?? 'X-API-Key'] = auth.key;
      break;
    case 'basic':
      out.Authorization = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
      break;
    case 'query_param':
      target.searchParams.set(auth.param, auth.value);
      break;
  }
  return { url: target, headers: out };
}

const raised = new WeakSet<AbortSignal>();

/**
 * The SDK's HTTP client transports pass one long-lived abort signal to every fetch; with many calls in
 * flight Node warns about "too many listeners" on it. The listeners are released per request, so the
 * limit is lifted for that one signal instead of printing warnings on the hot path.
 */
const fetchWithSharedSignal: FetchLike = (url, init) => {
  const signal = init?.signal;
  if (signal && !raised.has(signal)) {
    setMaxListeners(0, signal);
    raised.add(signal);
  }
  return fetch(url, init);
};

function stdioTransport(spec: StdioSpec, log: Logger): BuiltTransport {
  const env = spec.inheritEnv
    ? ({ ...process.env, ...spec.env } as Record<string, string>)
    : { ...getDefaultEnvironment(), ...spec.env };
  const transport = new StdioClientTransport({
    command: spec.command,
    args: spec.args,
    env,
    cwd: spec.cwd,
    stderr: 'pipe',
  });
  const stderr = transport.stderr;
  if (stderr) {
    createInterface({ input: stderr as unknown as NodeJS.ReadableStream, crlfDelay: Infinity }).on(
      'line',
      (line) => {
        if (line.trim()) log.info({ stream: 'stderr' }, line);
      },
    );
  }
  return { transport, pid: () => transport.pid };
}

function httpTransport(spec: HttpSpec): BuiltTransport {
  const { url, headers } = applyAuth(spec.url, spec.headers, spec.auth);
  const transport = new StreamableHTTPClientTransport(url, {
    requestInit: { headers },
    fetch: fetchWithSharedSignal,
  });
  return { transport, pid: () => null };
}

function sseTransport(spec: SseSpec): BuiltTransport {
  const { url, headers } = applyAuth(spec.url, spec.headers, spec.auth);
  const transport = new SSEClientTransport(url, { requestInit: { headers }, fetch: fetchWithSharedSignal });
  return { transport, pid: () => null };
}

/** Builds the SDK transport for a backend spec (a new one per connection attempt). */
export function createTransport(spec: BackendSpec, log: Logger): BuiltTransport {
  switch (spec.kind) {
    case 'stdio':
      return stdioTransport(spec, log);
    case 'http':
      return httpTransport(spec);
    case 'sse':
      return sseTransport(spec);
  }
}
