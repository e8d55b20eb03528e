/**
 * The relay path (`gateway.relay_path`): a plain `tools/call`, `resources/read`, `prompts/get` or
 * `completion/complete` is served by the gateway's own handler without the SDK server's per-message work (the
 * type guards of its message dispatch, the zod parses of the request and of a tools/call result), on every
 * front (each transport the server connects to) and in both eras (a 2025 session's server and a 2026-07-28
 * request's). Everything the SDK does that changes an answer is done the SDK's way, with its own functions:
 * the envelope lift and check, the handler context (`buildContext`, the same `notify`/`send` bound to the
 * request), the abort controller in the server's own table (so `notifications/cancelled` and a closing
 * session abort it), the era codec's result and error encoding; a result the per-method check does not pass
 * goes through the SDK's own wrapper of that method (validation, normalisation, cache hints, the
 * `input_required` seam and legacy shim). Anything else takes the SDK's path.
 */
import type {
  JSONRPCMessage,
  MessageExtraInfo,
  RequestId,
  Server,
  Transport,
} from '@modelcontextprotocol/server';
import type { Extra } from './peers.js';
import { ENVELOPE_KEYS, type Json } from './relay-checks.js';

/** A request handler as the SDK calls it. */
export type Handler = (request: { method: string; params?: Json }, ctx: Extra) => unknown;

/** One method the relay path serves: its handler (the one registered with the SDK) and its fast checks. */
export interface RelayMethod {
  handler: Handler;
  /** Params the SDK's request schema passes to the handler unchanged. */
  plainParams(params: unknown): boolean;
  /** A result the SDK's wrapper of the method returns unchanged. */
  passes(result: unknown): boolean;
}

/** What the relay path reads of an SDK era codec (SDK 2.x). */
interface Codec {
  era: string;
  hasRequestMethod(method: string): boolean;
  checkInboundEnvelope(material: { envelope?: Json }): string | undefined;
  encodeResult(method: string, result: unknown, serverInfo: unknown): unknown;
  encodeErrorCode(code: number): number;
}

/** What the relay path reads of an SDK `Server`: the pieces its own request dispatch uses (SDK 2.x). */
interface ServerInternals {
  _requestHandlerAbortControllers: Map<RequestId, AbortController>;
  _transport?: Transport;
  _cacheHints?: Record<string, unknown>;
  buildContext(ctx: object, info?: MessageExtraInfo): Extra;
  _wrapHandler(method: string, handler: Handler): Handler;
  _negotiatedWireCodec(): Codec;
  _outboundServerInfo(): unknown;
  _resolveOutboundCodec(method: string): unknown;
  _assertOutboundRequestInEra(codec: unknown, method: string): void;
  _notificationViaCodec(codec: unknown, n: object, opts: object): Promise<void>;
  _requestWithSchemaViaCodec(codec: unknown, r: object, schema: unknown, opts: object): Promise<unknown>;
  request(r: object, options: object): Promise<unknown>;
  _onerror(error: Error): void;
}

/** Takes a client request off the SDK's dispatch when the relay path serves it; false = the SDK serves it. */
type RequestRelay = (message: JSONRPCMessage, extra?: MessageExtraInfo) => boolean;

/** Requests this process served on the relay path (in all and per method), and the results the SDK's wrapper checked. */
export const relayCounts = { served: 0, checked: 0, methods: {} as Record<string, number> };

const INTERNALS = [
  'buildContext',
  '_wrapHandler',
  '_negotiatedWireCodec',
  '_outboundServerInfo',
  '_resolveOutboundCodec',
  '_assertOutboundRequestInEra',
  '_notificationViaCodec',
  '_requestWithSchemaViaCodec',
  '_onerror',
];

/** Whether this SDK build has every internal the relay path relies on (else the SDK serves everything). */
function hasInternals(server: Server): boolean {
  const s = server as unknown as Record<string, unknown>;
  return (
    s._requestHandlerAbortControllers instanceof Map && INTERNALS.every((k) => typeof s[k] === 'function')
  );
}

/** The JSON-RPC error the SDK's dispatch answers a thrown error with. */
function errorResponse(codec: Codec, id: RequestId, error: unknown): JSONRPCMessage {
  const e = (error ?? {}) as { code?: unknown; message?: string; data?: unknown };
  const thrown = Number.isSafeInteger(e.code) ? (e.code as number) : -32603;
  return {
    jsonrpc: '2.0',
    id,
    error: {
      code: codec.encodeErrorCode(thrown),
      message: e.message ?? 'Internal error',
      ...(e.data !== undefined && { data: e.data }),
    },
  } as JSONRPCMessage;
}

/** Params with the 2026-07-28 envelope keys lifted off `_meta`, as the SDK's dispatch lifts them. */
function lift(params: Json): { params: Json; envelope?: Json } {
  const meta = params._meta as Json | undefined;
  if (!meta) return { params };
  let envelope: Json | undefined;
  for (const key of ENVELOPE_KEYS) if (key in meta) (envelope ??= {})[key] = meta[key];
  if (!envelope) return { params };
  const rest = { ...meta };
  for (const key in envelope) delete rest[key];
  const next = { ...params };
  if (Object.keys(rest).length > 0) next._meta = rest;
  else delete next._meta;
  return { params: next, envelope };
}

/**
 * Sets up the relay path for a downstream server: `methods` maps each method it may take to the handler the
 * method is registered with and its checks. Every transport the server connects to from now on hands the
 * relay its messages first (`attachRelay`); the SDK keeps serving every message the relay declines.
 */
export function installRelayPath(server: Server, methods: Record<string, RelayMethod>): void {
  if (!hasInternals(server)) return;
  const sdk = server as unknown as ServerInternals;
  const relay: RequestRelay = (message, extra) => {
    const m = message as { id?: RequestId; method?: unknown; params?: unknown };
    if (m.id === undefined || typeof m.method !== 'string' || !Object.hasOwn(methods, m.method)) return false;
    const method = methods[m.method]!;
    if (!method.plainParams(m.params)) return false;
    const version = server.getNegotiatedProtocolVersion();
    const transport = sdk._transport;
    if (!version || !transport) return false;
    // A request classified by the 2026 entry must name this server's revision (else the SDK refuses it).
    const classification = (extra as { classification?: { revision?: string } } | undefined)?.classification;
    if (classification !== undefined && classification.revision !== version) return false;
    const codec = sdk._negotiatedWireCodec();
    if (!codec.hasRequestMethod(m.method)) return false;
    const { params, envelope } = lift(m.params as Json);
    if (codec.checkInboundEnvelope(envelope ? { envelope } : {}) !== undefined) return false;
    relayCounts.served++;
    relayCounts.methods[m.method] = (relayCounts.methods[m.method] ?? 0) + 1;
    serve({ sdk, codec, transport, method, id: m.id, name: m.method, params, envelope }, extra);
    return true;
  };
  const connect = server.connect.bind(server);
  server.connect = async (transport: Transport) => {
    await connect(transport);
    attachRelay(relay, transport);
  };
}

/**
 * Puts a server's relay in front of the SDK on a transport the server has just connected to (the SDK's
 * `connect` set its `onmessage`): a message the relay takes skips the SDK's dispatch. Every front's transport
 * gets it so, /mcp's sessions, the 2026 per-request transport, /ws, /sse, stdio and REST alike.
 */
function attachRelay(relay: RequestRelay, transport: Transport): void {
  const sdk = transport.onmessage;
  if (!sdk) return;
  const onmessage = (message: JSONRPCMessage, extra?: MessageExtraInfo) => {
    if (!relay(message, extra)) sdk(message, extra);
  };
  transport.onmessage = onmessage as Transport['onmessage'];
}

/** One relayed request and what serving it needs. */
interface Relayed {
  sdk: ServerInternals;
  codec: Codec;
  transport: Transport;
  method: RelayMethod;
  id: RequestId;
  name: string;
  /** The params as the handler sees them (the envelope lifted off). */
  params: Json;
  envelope?: Json;
}

const isStandardSchema = (v: unknown) =>
  (typeof v === 'object' || typeof v === 'function') && v !== null && '~standard' in v;

/** Serves one relayed request as the SDK's `_onrequest` would, answering on its transport. */
function serve(r: Relayed, extra: MessageExtraInfo | undefined): void {
  const { sdk, codec, transport, method, id, name, params, envelope } = r;
  const controller = new AbortController();
  sdk._requestHandlerAbortControllers.set(id, controller);
  const related = { relatedRequestId: id };
  const ctx = sdk.buildContext(
    {
      sessionId: transport.sessionId,
      mcpReq: {
        id,
        method: name,
        _meta: params._meta,
        ...(envelope && { envelope }),
        requestState: () => undefined,
        signal: controller.signal,
        send: (req: { method: string }, schemaOrOptions?: unknown, options?: object) => {
          const out = sdk._resolveOutboundCodec(req.method);
          sdk._assertOutboundRequestInEra(out, req.method);
          if (!isStandardSchema(schemaOrOptions))
            return sdk.request(req, { ...(schemaOrOptions as object), ...related });
          return sdk._requestWithSchemaViaCodec(out, req, schemaOrOptions, { ...options, ...related });
        },
        notify: (n: { method: string }, options?: object) =>
          sdk._notificationViaCodec(sdk._resolveOutboundCodec(n.method), n, { ...options, ...related }),
      },
      http: extra?.authInfo ? { authInfo: extra.authInfo } : undefined,
    },
    extra,
  );
  const request = { method: name, params };
  const aborted = () => controller.signal.aborted;
  Promise.resolve()
    .then(() => method.handler(request, ctx))
    .then(
      async (result) => {
        if (aborted()) return;
        const value =
          method.passes(result) && sdk._cacheHints?.[name] === undefined
            ? result
            : await sdkChecked(sdk, name, method.handler, result, request, ctx);
        if (aborted()) return;
        let encoded: unknown;
        try {
          encoded = codec.encodeResult(name, value, sdk._outboundServerInfo());
        } catch (error) {
          sdk._onerror(new Error(`Failed to encode result for ${name}: ${String(error)}`));
          return transport.send(errorResponse(codec, id, { message: 'Internal error' }));
        }
        await transport.send({ result: encoded, jsonrpc: '2.0', id } as JSONRPCMessage);
      },
      async (error: unknown) => {
        if (aborted()) return;
        await transport.send(errorResponse(codec, id, error));
      },
    )
    .catch((error: unknown) => {
      // The SDK's wrapper refused the result (invalid, or input the client cannot give): its error, its way.
      if (!(error instanceof Refused)) throw error;
      if (!aborted()) return transport.send(errorResponse(codec, id, error.cause));
    })
    .catch((error: unknown) => sdk._onerror(new Error(`Failed to send response: ${String(error)}`)))
    .finally(() => {
      if (sdk._requestHandlerAbortControllers.get(id) === controller)
        sdk._requestHandlerAbortControllers.delete(id);
    });
}

/** An error of the SDK's own wrapper of a method, to be answered as the SDK answers it. */
class Refused extends Error {}

/**
 * Runs a result the fast check did not pass through the SDK's own wrapper of the method, as if the handler had
 * just returned it: (tools/call) request and result validation and normalisation, the configured cache hint,
 * and the `input_required` seam (a 2025 client: the legacy shim, whose retries call the real handler).
 */
async function sdkChecked(
  sdk: ServerInternals,
  name: string,
  handler: Handler,
  first: unknown,
  request: { method: string; params: Json },
  ctx: Extra,
): Promise<unknown> {
  relayCounts.checked++;
  let pending = true;
  const wrapped = sdk._wrapHandler(name, (req, c) => {
    if (!pending) return handler(req, c);
    pending = false;
    return first;
  });
  try {
    return await wrapped(request, ctx);
  } catch (err) {
    throw new Refused(`${name} refused by the SDK`, { cause: err });
  }
}
