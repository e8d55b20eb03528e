/** A request to a backend, from the gateway's side: retirement, span and metrics, and whose session it goes on. */
import type { z } from 'zod';
import type { BackendSpec } from '../config/model.js';
import { GatewayError } from '../errors.js';
import type { Telemetry } from '../telemetry/recorder.js';
import type { BackendCatalog } from './catalog-fetch.js';
import { instrumented } from './instrumented.js';
import type { UpstreamTokens } from './oauth/tokens.js';
import type { ClientSessions } from './sessions/client-sessions.js';
import { sendUpstream } from './sessions/send.js';
import { sharedSession, type SharedConnection } from './sessions/shared-session.js';
import type { UpstreamRequestOptions } from './sessions/upstream-request.js';
import { upstreamSpan } from './span.js';
import type { Retirement } from './supervision/retirement.js';

/** What a request reads of its backend. */
export interface RequestedBackend {
  readonly name: string;
  readonly state: string;
  readonly lastError?: string;
  readonly spec: BackendSpec;
  readonly era: { version?: string };
  readonly catalog: BackendCatalog;
  readonly tokens?: UpstreamTokens;
  readonly clientSessions?: ClientSessions;
  readonly telemetry: Telemetry;
  /** The shared connection, when there is one. */
  shared(): SharedConnection | undefined;
}

/** Sends one request upstream; throws GatewayError when down, timed out, disconnected, refused or removed. */
export async function requestBackend<S extends z.ZodType>(
  backend: RequestedBackend,
  retirement: Retirement,
  method: string,
  params: Record<string, unknown> | undefined,
  schema: S,
  opts: UpstreamRequestOptions,
): Promise<z.infer<S>> {
  retirement.enter();
  try {
    return await instrumented(
      backend.telemetry,
      {
        backend: backend.name,
        method,
        span: () => upstreamSpan(backend, method, params),
        trace: opts.trace,
        timing: opts.timing,
      },
      (withTrace) => send(backend, method, withTrace(params), schema, opts),
      (err) => retirement.cutOff(method) ?? err,
    );
  } finally {
    retirement.leave();
  }
}

/** The request on the caller's own upstream session (`per_client`) or on the shared connection. */
async function send<S extends z.ZodType>(
  backend: RequestedBackend,
  method: string,
  params: Record<string, unknown> | undefined,
  schema: S,
  opts: UpstreamRequestOptions,
): Promise<z.infer<S>> {
  // Read at each attempt: a retry after the upstream forgot its session goes on the new connection.
  const shared = (): SharedConnection => {
    const connection = backend.state === 'ready' ? backend.shared() : undefined;
    if (connection) return connection;
    throw new GatewayError(
      'backend_unavailable',
      `backend "${backend.name}" is ${backend.state}${backend.lastError ? ` (${backend.lastError})` : ''}`,
      backend.name,
    );
  };
  shared();
  const target = {
    backend: backend.name,
    timeoutMs: backend.spec.requestTimeoutMs,
    tools: backend.catalog.tools,
    tokens: backend.tokens,
  };
  const { origin } = opts;
  const sessions = backend.clientSessions;
  if (sessions && origin) {
    // A level set before first use is applied when the session opens; no need to open one just for it.
    if (method === 'logging/setLevel' && !sessions.has(origin.sessionId)) return {} as z.infer<S>;
    return sendUpstream(target, () => sessions.session(origin), method, params, schema, opts);
  }
  return sendUpstream(target, () => sharedSession(shared(), origin), method, params, schema, opts);
}
