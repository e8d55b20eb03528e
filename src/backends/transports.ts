import { setMaxListeners } from 'node:events';
import { createInterface } from 'node:readline';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { SSEClientTransport, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { FetchLike, Transport } from '@modelcontextprotocol/client';
import type { Logger } from 'pino';
import { maskSecrets } from '../log.js';
import { waitAtMost } from '../time.js';
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
        if (line.trim()) log.info({ stream: 'stderr' }, maskSecrets(line));
      },
    );
  }
  return { transport, pid: () => transport.pid };
}

/** Headers read at each request, e.g. a client's forwarded Authorization, which may change during its session. */
export type HeaderSource = () => Record<string, string>;

/** A fetch that adds the current forwarded headers; they override configured ones of the same name. */
function withHeaders(source: HeaderSource | undefined): FetchLike {
  if (!source) return fetchWithSharedSignal;
  return (url, init) => {
    const headers = new Headers(init?.headers);
    for (const [name, value] of Object.entries(source())) headers.set(name, value);
    return fetchWithSharedSignal(url, { ...init, headers });
  };
}

function httpTransport(spec: HttpSpec, forwarded?: HeaderSource): BuiltTransport {
  const { url, headers } = applyAuth(spec.url, spec.headers, spec.auth);
  const transport = new StreamableHTTPClientTransport(url, {
    requestInit: { headers },
    fetch: withHeaders(forwarded),
  });
  return { transport, pid: () => null };
}

function sseTransport(spec: SseSpec, forwarded?: HeaderSource): BuiltTransport {
  const { url, headers } = applyAuth(spec.url, spec.headers, spec.auth);
  const transport = new SSEClientTransport(url, { requestInit: { headers }, fetch: withHeaders(forwarded) });
  return { transport, pid: () => null };
}

/** Builds the SDK transport for a backend spec (a new one per connection attempt). */
export function createTransport(spec: BackendSpec, log: Logger, forwarded?: HeaderSource): BuiltTransport {
  switch (spec.kind) {
    case 'stdio':
      return stdioTransport(spec, log);
    case 'http':
      return httpTransport(spec, forwarded);
    case 'sse':
      return sseTransport(spec, forwarded);
  }
}

/** How long closing waits for a Streamable HTTP upstream to acknowledge the end of our session. */
const END_SESSION_WAIT_MS = 2000;

/**
 * Ends a Streamable HTTP upstream session with DELETE before the connection closes, so the upstream frees it
 * at once (a single-session upstream would otherwise refuse our next session until it noticed); other
 * transports, and upstreams that refuse or do not answer, are left to the close that follows.
 */
export async function endSession(transport: Transport | undefined): Promise<void> {
  if (!(transport instanceof StreamableHTTPClientTransport) || !transport.sessionId) return;
  await waitAtMost(
    transport.terminateSession().catch(() => undefined),
    END_SESSION_WAIT_MS,
  );
}
