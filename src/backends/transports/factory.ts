import { setMaxListeners } from 'node:events';
import { createInterface } from 'node:readline';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { SSEClientTransport, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { FetchLike, Transport } from '@modelcontextprotocol/client';
import type { Logger } from 'pino';
import { maskSecrets } from '../../log.js';
import { waitAtMost } from '../../time.js';
import type { BackendSpec, HttpSpec, SseSpec, StdioSpec } from '../../config/model.js';
import type { Auth } from '../../config/schema-types.js';
import type { Tracing } from '../../telemetry/tracing.js';
import { PooledHttpTransport, type HeaderSource } from './pooled-http.js';
import { PooledSseTransport } from './pooled-sse.js';
import { StdioUpstreamTransport } from './stdio.js';
import { StderrTail } from './stderr-tail.js';
import { adoptGroup, SETSID } from '../supervision/process-group.js';

export type { HeaderSource } from './pooled-http.js';
import type { UpstreamTokens } from '../oauth/tokens.js';
import type { UpstreamSlips } from '../slips.js';
import { RELAY_REFUSAL } from '../relay/relay.js';

/** A freshly built SDK client transport plus what the backend needs to supervise it. */
export interface BuiltTransport {
  transport: Transport;
  /** Child process id, for stdio backends once started. */
  pid(): number | null;
  /** stdio: the child's process group (its pid at start), still known once it has exited. */
  group?(): number | null;
  /** stdio: the last lines the child wrote to stderr (secrets masked). */
  stderr?: StderrTail;
  /** stdio: how the child ended (`exit code 1`, `signal SIGTERM`), once it has and when known. */
  exit?(): string | undefined;
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
    case 'per_user_secret':
      // The backend's own connection (catalog); a user's session overrides the header with the user's secret.
      if (auth.catalog_secret)
        out[auth.header ?? 'Authorization'] = `${auth.prefix ?? ''}${auth.catalog_secret}`;
      break;
    // OAuth types: the token comes from the transport's authProvider (UpstreamTokens), per request.
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
  // `auto` probes the era on a disposable sibling process, which only the SDK's own class supports; it cannot
  // be asked for a new process group, so `setsid` starts the child in one (same pid: it execs in place).
  const transport =
    spec.protocol === 'auto'
      ? new StdioClientTransport({
          command: SETSID ?? spec.command,
          args: SETSID ? [spec.command, ...spec.args] : spec.args,
          env,
          cwd: spec.cwd,
          stderr: 'pipe',
        })
      : new StdioUpstreamTransport({ command: spec.command, args: spec.args, env, cwd: spec.cwd });
  let group: number | null = null;
  if (transport instanceof StdioClientTransport && SETSID) {
    const start = transport.start.bind(transport);
    transport.start = async () => {
      await start();
      group = transport.pid;
      adoptGroup(group);
    };
  }
  const stderr = transport.stderr;
  const tail = new StderrTail();
  if (stderr) {
    createInterface({ input: stderr as unknown as NodeJS.ReadableStream, crlfDelay: Infinity }).on(
      'line',
      (line) => {
        if (!line.trim()) return;
        const masked = maskSecrets(line);
        tail.push(masked);
        // An upstream reporting the gateway's own refusal of its request (logged already) is no news.
        if (line.includes(RELAY_REFUSAL)) log.debug({ stream: 'stderr' }, masked);
        else log.info({ stream: 'stderr' }, masked);
      },
    );
  }
  const exit = transport instanceof StdioUpstreamTransport ? () => transport.exitStatus : () => undefined;
  const leader = () => (transport instanceof StdioUpstreamTransport ? transport.group : group);
  return { transport, pid: () => transport.pid, group: leader, stderr: tail, exit };
}

/**
 * A fetch that adds the current forwarded headers (they override configured ones of the same name) and,
 * with tracing on, the W3C trace context of the upstream request being sent (`traceparent`, `tracestate`).
 */
function withHeaders(source: HeaderSource | undefined, tracing: Tracing | undefined): FetchLike {
  if (!source && !tracing?.enabled) return fetchWithSharedSignal;
  return (url, init) => {
    const headers = new Headers(init?.headers);
    if (source) for (const [name, value] of Object.entries(source())) headers.set(name, value);
    tracing?.injectHeaders(headers);
    return fetchWithSharedSignal(url, { ...init, headers });
  };
}

/** The pooled transport's per-request headers: the forwarded ones and, with tracing on, the W3C trace context. */
function pooledHeaders(
  source: HeaderSource | undefined,
  tracing: Tracing | undefined,
): HeaderSource | undefined {
  if (!tracing?.enabled) return source;
  return () => {
    const headers = new Headers(source?.());
    tracing.injectHeaders(headers);
    return Object.fromEntries(headers);
  };
}

/** Fetch and authProvider options of an SDK HTTP transport: forwarded and trace headers, and OAuth tokens. */
function httpOptions(forwarded?: HeaderSource, tracing?: Tracing, tokens?: UpstreamTokens) {
  const fetch = withHeaders(forwarded, tracing);
  return tokens ? { fetch: tokens.wrapFetch(fetch), authProvider: tokens } : { fetch };
}

/** Streamable HTTP: the pooled transport, except where it lacks a feature (OAuth needs the SDK's authProvider). */
function httpTransport(
  spec: HttpSpec,
  forwarded?: HeaderSource,
  tracing?: Tracing,
  tokens?: UpstreamTokens,
  slips?: UpstreamSlips,
): BuiltTransport {
  const { url, headers } = applyAuth(spec.url, spec.headers, spec.auth);
  if (spec.httpClient === 'pool' && !tokens) {
    return {
      transport: new PooledHttpTransport(url, {
        headers,
        forwarded: pooledHeaders(forwarded, tracing),
        onJsonStream: () => slips?.report('json_stream'),
      }),
      pid: () => null,
    };
  }
  const transport = new StreamableHTTPClientTransport(url, {
    requestInit: { headers },
    ...httpOptions(forwarded, tracing, tokens),
  });
  return { transport, pid: () => null };
}

function sseTransport(
  spec: SseSpec,
  forwarded?: HeaderSource,
  tracing?: Tracing,
  tokens?: UpstreamTokens,
): BuiltTransport {
  const { url, headers } = applyAuth(spec.url, spec.headers, spec.auth);
  if (spec.httpClient === 'pool' && !tokens) {
    const transport = new PooledSseTransport(url, { headers, forwarded: pooledHeaders(forwarded, tracing) });
    return { transport, pid: () => null };
  }
  const transport = new SSEClientTransport(url, {
    requestInit: { headers },
    ...httpOptions(forwarded, tracing, tokens),
  });
  return { transport, pid: () => null };
}

/** Builds an upstream connection's transport (createTransport by default; tests inject in-process ones). */
export type TransportFactory = typeof createTransport;

/**
 * Builds the SDK transport for a backend spec (a new one per connection attempt); `tokens` is the backend's
 * OAuth token source, shared by all its connections; `slips` counts the upstream's recoverable slips.
 */
export function createTransport(
  spec: BackendSpec,
  log: Logger,
  forwarded?: HeaderSource,
  tracing?: Tracing,
  tokens?: UpstreamTokens,
  slips?: UpstreamSlips,
): BuiltTransport {
  switch (spec.kind) {
    case 'stdio':
      return stdioTransport(spec, log);
    case 'http':
      return httpTransport(spec, forwarded, tracing, tokens, slips);
    case 'sse':
      return sseTransport(spec, forwarded, tracing, tokens);
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
  const http = transport instanceof StreamableHTTPClientTransport || transport instanceof PooledHttpTransport;
  if (!http || !transport.sessionId) return;
  await waitAtMost(
    transport.terminateSession().catch(() => undefined),
    END_SESSION_WAIT_MS,
  );
}

/** How long a child process may take to answer initialize (package managers such as npx can be slow). */
const STDIO_STARTUP_TIMEOUT_MS = 60_000;

/** How long a new connection to the upstream may take to initialize: connect_timeout, or a stdio child's start-up allowance. */
export function connectTimeoutMs(spec: BackendSpec): number {
  return 'connectTimeoutMs' in spec ? spec.connectTimeoutMs : STDIO_STARTUP_TIMEOUT_MS;
}
