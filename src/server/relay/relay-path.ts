/**
 * The relay path (`gateway.relay_path`): a 2025 session's plain `tools/call` is served by the gateway's own
 * handler without the SDK server's per-message work (the type guards of its message dispatch, the zod parse of
 * the request twice and of the result once). Everything the SDK does that changes an answer is done the SDK's
 * way, with its own functions: the handler context (`buildContext`, the same `notify`/`send` bound to the
 * request), the abort controller in the server's own table (so `notifications/cancelled` and a closing session
 * abort it), the 2025 error encoding; a result that is not plain text content, and any `input_required` result,
 * goes through the SDK's own `tools/call` wrapper (validation, normalisation, the legacy input shim).
 * Anything else (other methods, `_meta` beyond a progress token, 2026-07-28 fields) takes the SDK's path.
 */
import type {
  JSONRPCMessage,
  MessageExtraInfo,
  RequestId,
  Server,
  Transport,
} from '@modelcontextprotocol/server';
import type { RequestRelay } from '../sessions/transport.js';
import type { Extra } from './peers.js';

/** A request handler as the SDK calls it. */
type Handler = (request: { method: string; params?: Record<string, unknown> }, ctx: Extra) => unknown;

/** What the relay path reads of an SDK `Server`: the pieces its own request dispatch uses (SDK 2.x). */
interface ServerInternals {
  _requestHandlerAbortControllers: Map<RequestId, AbortController>;
  _transport?: Transport;
  buildContext(ctx: object, info?: MessageExtraInfo): Extra;
  _wrapHandler(method: string, handler: Handler): Handler;
  _resolveOutboundCodec(method: string): unknown;
  _notificationViaCodec(codec: unknown, n: object, opts: object): Promise<void>;
  _requestWithSchemaViaCodec(codec: unknown, r: object, schema: unknown, opts: object): Promise<unknown>;
  _onerror(error: Error): void;
}

const relays = new WeakMap<Server, RequestRelay>();

/** Requests this process served on the relay path, and of those the results the SDK's wrapper checked. */
export const relayCounts = { served: 0, checked: 0 };

/** The relay of a downstream session's server, when the relay path is on for it. */
export function relayPathOf(server: Server): RequestRelay | undefined {
  return relays.get(server);
}

/** Whether this SDK build has every internal the relay path relies on (else the SDK serves everything). */
function hasInternals(server: Server): boolean {
  const s = server as unknown as Record<string, unknown>;
  return (
    s._requestHandlerAbortControllers instanceof Map &&
    ['buildContext', '_wrapHandler', '_resolveOutboundCodec', '_notificationViaCodec'].every(
      (k) => typeof s[k] === 'function',
    ) &&
    ['_requestWithSchemaViaCodec', '_onerror'].every((k) => typeof s[k] === 'function')
  );
}

type Json = Record<string, unknown>;

function isPlain(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Params the SDK's 2025 `tools/call` schema accepts and passes on unchanged: a name, object arguments, and
 * at most a progress token in `_meta` (anything else, e.g. a task or 2026-07-28 fields, takes the SDK's path).
 */
export function plainCallParams(params: unknown): params is { name: string } & Json {
  if (!isPlain(params) || typeof params.name !== 'string') return false;
  for (const key in params) {
    if (key === 'name') continue;
    if (key === 'arguments' && (params.arguments === undefined || isPlain(params.arguments))) continue;
    if (key === '_meta' && plainMeta(params._meta)) continue;
    return false;
  }
  return true;
}

function plainMeta(meta: unknown): boolean {
  if (!isPlain(meta)) return false;
  for (const key in meta) {
    if (key !== 'progressToken') return false;
    const token = meta.progressToken;
    if (typeof token !== 'string' && !Number.isSafeInteger(token)) return false;
  }
  return true;
}

/**
 * A `tools/call` result the SDK's 2025 result schema would pass as it is: only text content blocks of exactly
 * `type` and `text`, and `isError` a boolean. Anything else is validated by the SDK itself.
 */
export function plainTextResult(result: unknown): boolean {
  if (!isPlain(result) || !Array.isArray(result.content)) return false;
  for (const key in result) {
    if (key === 'content') continue;
    if (key === 'isError' && typeof result.isError === 'boolean') continue;
    return false;
  }
  for (const block of result.content as unknown[]) {
    if (!isPlain(block) || block.type !== 'text' || typeof block.text !== 'string') return false;
    for (const key in block) if (key !== 'type' && key !== 'text') return false;
  }
  return true;
}

/** The JSON-RPC error the SDK's 2025 dispatch answers a thrown error with. */
function errorResponse(id: RequestId, error: unknown): JSONRPCMessage {
  const e = (error ?? {}) as { code?: unknown; message?: string; data?: unknown };
  const thrown = Number.isSafeInteger(e.code) ? (e.code as number) : -32603;
  return {
    jsonrpc: '2.0',
    id,
    error: {
      code: thrown === -32002 ? -32602 : thrown,
      message: e.message ?? 'Internal error',
      ...(e.data !== undefined && { data: e.data }),
    },
  } as JSONRPCMessage;
}

/** A version string of the 2026-07-28 revision or later (dates compare as strings). */
const MODERN = '2026-07-28';

/**
 * Sets up the relay path for a 2025 session's server: `callTool` is the same handler its `tools/call` is
 * registered with. The SDK keeps serving every other message, and this one whenever the relay declines.
 */
export function installRelayPath(server: Server, callTool: Handler): void {
  if (!hasInternals(server)) return;
  const sdk = server as unknown as ServerInternals;
  const relay: RequestRelay = (message, extra) => {
    const m = message as { id?: RequestId; method?: string; params?: unknown };
    if (m.method !== 'tools/call' || m.id === undefined || !plainCallParams(m.params)) return false;
    const version = server.getNegotiatedProtocolVersion();
    const transport = sdk._transport;
    if (!version || version >= MODERN || !transport) return false;
    relayCounts.served++;
    serve(sdk, transport, callTool, m as { id: RequestId; method: string; params: Json }, extra);
    return true;
  };
  relays.set(server, relay);
}

/** Serves one relayed request as the SDK's `_onrequest` would, answering on `transport`. */
function serve(
  sdk: ServerInternals,
  transport: Transport,
  callTool: Handler,
  request: { id: RequestId; method: string; params: Json },
  extra: MessageExtraInfo | undefined,
): void {
  const { id } = request;
  const controller = new AbortController();
  sdk._requestHandlerAbortControllers.set(id, controller);
  const related = { relatedRequestId: id };
  const ctx = sdk.buildContext(
    {
      sessionId: transport.sessionId,
      mcpReq: {
        id,
        method: request.method,
        _meta: request.params._meta,
        requestState: () => undefined,
        signal: controller.signal,
        send: (r: { method: string }, schema: unknown, options?: object) =>
          sdk._requestWithSchemaViaCodec(sdk._resolveOutboundCodec(r.method), r, schema, {
            ...options,
            ...related,
          }),
        notify: (n: { method: string }, options?: object) =>
          sdk._notificationViaCodec(sdk._resolveOutboundCodec(n.method), n, { ...options, ...related }),
      },
      http: extra?.authInfo ? { authInfo: extra.authInfo } : undefined,
    },
    extra,
  );
  Promise.resolve()
    .then(() => callTool(request, ctx))
    .then(
      async (result) => {
        if (controller.signal.aborted) return;
        const value = plainTextResult(result)
          ? result
          : await sdkChecked(sdk, callTool, result, request, ctx);
        if (controller.signal.aborted) return;
        await transport.send({ result: value, jsonrpc: '2.0', id } as JSONRPCMessage);
      },
      async (error: unknown) => {
        if (controller.signal.aborted) return;
        await transport.send(errorResponse(id, error));
      },
    )
    .catch((error: unknown) => {
      // The SDK's wrapper refused the result (invalid, or input the client cannot give): its error, its way.
      if (!(error instanceof Relayed)) throw error;
      if (!controller.signal.aborted) return transport.send(errorResponse(id, error.cause));
    })
    .catch((error: unknown) => sdk._onerror(new Error(`Failed to send response: ${String(error)}`)))
    .finally(() => {
      if (sdk._requestHandlerAbortControllers.get(id) === controller)
        sdk._requestHandlerAbortControllers.delete(id);
    });
}

/** An error of the SDK's own `tools/call` wrapper, to be answered as the SDK answers it. */
class Relayed extends Error {}

/**
 * Runs a result the fast check did not pass through the SDK's own `tools/call` wrapper, as if the handler had
 * just returned it: request and result validation, normalisation, and (2025 client, `input_required` result)
 * the legacy shim, whose retries call the real handler.
 */
async function sdkChecked(
  sdk: ServerInternals,
  callTool: Handler,
  first: unknown,
  request: { method: string; params: Json },
  ctx: Extra,
): Promise<unknown> {
  relayCounts.checked++;
  let pending = true;
  const wrapped = sdk._wrapHandler('tools/call', (req, c) => {
    if (!pending) return callTool(req, c);
    pending = false;
    return first;
  });
  try {
    return await wrapped(request, ctx);
  } catch (err) {
    throw new Relayed('tools/call refused by the SDK', { cause: err });
  }
}
