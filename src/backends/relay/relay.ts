import { Client, ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/client';
import type {
  ClientCapabilities,
  ClientOptions,
  JSONRPCRequest,
  Transport,
} from '@modelcontextprotocol/client';
import type { Logger } from 'pino';
import { GatewayError } from '../../errors.js';
import { TRACING_OFF, type Tracing } from '../../telemetry/tracing.js';
import { VERSION } from '../../version.js';
import type { InFlight, UpstreamListener } from './origin.js';

/** Client capabilities declared to shared upstream sessions: the gateway relays these requests to its clients. */
export const RELAYED_CAPABILITIES: ClientCapabilities = {
  sampling: { context: {}, tools: {} },
  elicitation: { form: {}, url: {} },
  roots: { listChanged: true },
};

/** The relayed part of one downstream client's capabilities, declared to that client's own upstream session. */
export function relayedSubset(caps: ClientCapabilities | undefined): ClientCapabilities {
  const out: ClientCapabilities = {};
  if (caps?.sampling) out.sampling = caps.sampling;
  if (caps?.elicitation) out.elicitation = caps.elicitation;
  if (caps?.roots) out.roots = caps.roots;
  return out;
}

/** An SDK client for an upstream connection: it declares `capabilities` and leaves capability checks to the upstream. */
export function upstreamClient(
  capabilities: ClientCapabilities,
  options: Omit<ClientOptions, 'capabilities'> = {},
): Client {
  return new Client(
    { name: 'mcp-switchboard', version: VERSION },
    { capabilities, enforceStrictCapabilities: false, ...options },
  );
}

/** What the relay of one upstream connection needs to know. */
export interface RelayContext {
  backend: string;
  log: Logger;
  inFlight: InFlight;
  listener?: UpstreamListener;
  /** The downstream session a per-client connection belongs to; unset on the shared connection. */
  session?: string;
  /** Upper bound for a relayed request (the backend's request_timeout). */
  timeoutMs(): number;
  /** Traces relayed requests as client spans under the request that caused them. */
  tracing?: () => Tracing;
}

const RELAYED = new Set(['sampling/createMessage', 'elicitation/create', 'roots/list']);

/** The capability a client must have declared for a server-to-client request, when it lacks it. */
export function missingCapability(
  caps: ClientCapabilities | undefined,
  method: string,
  params: Record<string, unknown> | undefined,
): string | undefined {
  switch (method) {
    case 'sampling/createMessage':
      if (!caps?.sampling) return 'sampling';
      if ((params?.tools !== undefined || params?.toolChoice !== undefined) && !caps.sampling.tools) {
        return 'sampling.tools';
      }
      return undefined;
    case 'elicitation/create': {
      const e = caps?.elicitation;
      if (!e) return 'elicitation';
      if (params?.mode === 'url') return e.url ? undefined : 'elicitation.url';
      // An elicitation capability without modes means form mode (protocol 2025-06-18).
      return e.form || !e.url ? undefined : 'elicitation.form';
    }
    case 'roots/list':
      return caps?.roots ? undefined : 'roots';
    default:
      return undefined;
  }
}

/** How the gateway's refusals of an upstream's server-to-client requests begin (upstreams often echo them). */
export const RELAY_REFUSAL = 'switchboard cannot relay';

async function relayRequest(
  ctx: RelayContext,
  request: JSONRPCRequest,
  signal: AbortSignal,
): Promise<Record<string, unknown>> {
  const { method } = request;
  const params = request.params as Record<string, unknown> | undefined;
  if (!RELAYED.has(method)) {
    throw new ProtocolError(
      ProtocolErrorCode.MethodNotFound,
      `Method not found: ${method} (switchboard relays sampling/createMessage, elicitation/create and roots/list to clients)`,
    );
  }
  const found = ctx.inFlight.attribute();
  if ('error' in found) {
    // With no client request in flight this is routine (server-everything asks for roots right after
    // initialize); refusing one of several clients' requests is worth a warning.
    const level = found.ambiguous ? 'warn' : 'debug';
    ctx.log[level]({ method }, `server-to-client request refused: ${found.error}`);
    throw new GatewayError(
      'no_origin',
      `${RELAY_REFUSAL} ${method} from backend "${ctx.backend}": ${found.error}`,
      ctx.backend,
    ).toProtocolError();
  }
  const missing = missingCapability(found.origin.capabilities(), method, params);
  if (missing) {
    throw new GatewayError(
      'client_unsupported',
      `${RELAY_REFUSAL} ${method} from backend "${ctx.backend}": the client did not declare the "${missing}" capability`,
      ctx.backend,
    ).toProtocolError();
  }
  const tracing = ctx.tracing?.() ?? TRACING_OFF;
  if (!tracing.enabled) {
    // The client's own answer, error included, goes back upstream as it is.
    return found.origin.request(method, params, { signal, timeout: ctx.timeoutMs() });
  }
  // Under the upstream's own span when it sent one in _meta, else under the downstream request's span.
  const parent = tracing.extractMeta(params?._meta) ?? found.origin.trace;
  const scope = tracing.client(
    { method, attributes: { 'mcp.backend': ctx.backend, 'jsonrpc.request.id': String(request.id) } },
    parent,
  );
  try {
    const sent = scope ? tracing.injectMeta(params, scope.context) : params;
    const answer = await found.origin.request(method, sent, { signal, timeout: ctx.timeoutMs() });
    tracing.end(scope?.span);
    return answer;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    tracing.end(scope?.span, typeof code === 'number' ? String(code) : 'relay_failed', String(err));
    throw err;
  }
}

/**
 * The SDK hands a notification to its handler a microtask late but settles a response at once, dropping
 * the progress handler with it: when the last progress notification and the response arrive together,
 * that progress is lost. Handing responses over a microtask later keeps them behind. Call after connect.
 */
export function keepProgressBeforeResponses(transport: Transport): void {
  const deliver = transport.onmessage;
  if (!deliver) return;
  transport.onmessage = (message, extra) => {
    if ('id' in message && !('method' in message)) queueMicrotask(() => deliver(message, extra));
    else deliver(message, extra);
  };
}

/** Relays an upstream's server-to-client requests and client-facing notifications to the downstream side. */
export function installRelay(client: Client, ctx: RelayContext): void {
  // The fallback handler sees the raw request, so params pass through without being re-parsed (and stripped).
  client.fallbackRequestHandler = (request, reqCtx) =>
    relayRequest(ctx, request, reqCtx.mcpReq.signal) as ReturnType<
      NonNullable<Client['fallbackRequestHandler']>
    >;
  client.setNotificationHandler('notifications/message', (n) => {
    if (ctx.log.isLevelEnabled('debug')) {
      ctx.log.debug(
        { upstreamLogger: n.params.logger, level: n.params.level },
        JSON.stringify(n.params.data),
      );
    }
    const found = ctx.inFlight.attribute();
    ctx.listener?.onLog(ctx.backend, n.params, {
      session: ctx.session,
      via: 'origin' in found ? found.origin : undefined,
    });
  });
  client.setNotificationHandler('notifications/resources/updated', (n) => {
    ctx.listener?.onResourceUpdated(ctx.backend, n.params.uri, ctx.session);
  });
  // The end of a URL-mode elicitation belongs to the client that was asked, like the elicitation itself.
  client.setNotificationHandler('notifications/elicitation/complete', async (n) => {
    const found = ctx.inFlight.attribute();
    if ('origin' in found) await found.origin.notify(n.method, n.params);
    else ctx.log.warn(`notifications/elicitation/complete dropped: ${found.error}`);
  });
}
