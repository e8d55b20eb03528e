/** The gateway's own errors: stable codes, the backend concerned, and their JSON-RPC form. A leaf module. */
import { ProtocolError, ProtocolErrorCode, SdkError, SdkErrorCode } from '@modelcontextprotocol/server';

/** Stable codes for every error the gateway itself raises. */
export type GatewayErrorCode =
  | 'unknown_tool'
  | 'unknown_prompt'
  | 'unknown_resource'
  | 'backend_unavailable'
  | 'backend_disconnected'
  | 'backend_removed'
  | 'upstream_timeout'
  | 'upstream_error'
  | 'queue_full'
  | 'queue_timeout'
  | 'cancelled'
  | 'owner_lost'
  | 'redis_unavailable'
  | 'unsupported'
  | 'upstream_sessions_full'
  | 'no_origin'
  | 'client_unsupported'
  | 'invalid_arguments'
  | 'invalid_request_state'
  | 'shutting_down'
  | 'not_permitted'
  | 'user_credentials';

const JSONRPC_CODE: Record<GatewayErrorCode, number> = {
  unknown_tool: ProtocolErrorCode.InvalidParams,
  unknown_prompt: ProtocolErrorCode.InvalidParams,
  unknown_resource: -32002, // "Resource not found" in the MCP spec
  backend_unavailable: -32010,
  backend_disconnected: -32011,
  backend_removed: -32012,
  upstream_timeout: -32001, // the SDK's request-timeout code of the 2025 era, kept for clients that match on it
  upstream_error: ProtocolErrorCode.InternalError,
  queue_full: -32013,
  queue_timeout: -32014,
  cancelled: -32015,
  owner_lost: -32016,
  redis_unavailable: -32017,
  unsupported: ProtocolErrorCode.MethodNotFound,
  upstream_sessions_full: -32018,
  no_origin: -32019, // an upstream's server-to-client request that no downstream session can answer
  // The downstream client did not declare the capability the request needs. Not -32020..-32022: 2026-07-28
  // gives those to header mismatch, missing client capability and unsupported protocol version.
  client_unsupported: -32009,
  invalid_arguments: ProtocolErrorCode.InvalidParams,
  invalid_request_state: ProtocolErrorCode.InvalidParams,
  shutting_down: -32008, // the gateway stopped (SIGTERM) before the call finished within gateway.shutdown_grace
  not_permitted: -32003, // the client's principal may not use this tool, resource or prompt (gateway.auth.policies)
  user_credentials: -32007, // a backend acting as each user got no upstream credential for this caller
};

/** An error with a stable code and the backend it concerns, mapped to a JSON-RPC error for clients. */
export class GatewayError extends Error {
  constructor(
    readonly code: GatewayErrorCode,
    message: string,
    readonly backend?: string,
    /** The upstream's own JSON-RPC error code, when it is passed through. */
    readonly upstreamCode?: number,
    /** The upstream's own error `data`, passed through with it (e.g. -32021's requiredCapabilities). */
    readonly upstreamData?: unknown,
  ) {
    super(message);
    this.name = 'GatewayError';
  }

  /**
   * The JSON-RPC error sent downstream; `data` names the code and backend for programs and keeps the fields of
   * an upstream error's own object `data` (which a client may need, such as -32021's requiredCapabilities).
   */
  toProtocolError(): ProtocolError {
    const passed = this.code === 'upstream_error' && this.upstreamCode !== undefined;
    const code = passed ? this.upstreamCode! : JSONRPC_CODE[this.code];
    const own = { code: this.code, backend: this.backend };
    const upstream = this.upstreamData;
    const data =
      passed && typeof upstream === 'object' && upstream !== null && !Array.isArray(upstream)
        ? { ...upstream, ...own }
        : own;
    return new ProtocolError(code, this.message, data);
  }
}

/** Maps an error from an upstream request (SDK ProtocolError or SdkError, transport failure) to a GatewayError. */
export function fromUpstream(err: unknown, backend: string, method: string, timeoutMs: number): GatewayError {
  if (err instanceof GatewayError) return err;
  if (err instanceof SdkError && err.code === SdkErrorCode.RequestTimeout) {
    return new GatewayError(
      'upstream_timeout',
      `backend "${backend}" did not answer ${method} within ${timeoutMs} ms (request_timeout)`,
      backend,
    );
  }
  if (err instanceof SdkError && err.code === SdkErrorCode.ConnectionClosed) {
    return new GatewayError(
      'backend_disconnected',
      `backend "${backend}" disconnected during ${method}; the request may have run upstream and was not retried`,
      backend,
    );
  }
  if (err instanceof ProtocolError) {
    return new GatewayError(
      'upstream_error',
      `backend "${backend}": ${err.message}`,
      backend,
      err.code,
      err.data,
    );
  }
  const text = err instanceof Error ? err.message : String(err);
  return new GatewayError('upstream_error', `backend "${backend}" failed ${method}: ${text}`, backend);
}

/** A URL the user opens to grant what a request needs (URL-mode elicitation). */
export interface UrlElicitation {
  url: string;
  elicitationId: string;
  message: string;
}

/**
 * A backend acting as each user holds no grant for this caller: the user must open `elicitation.url` to
 * connect. Clients that can open URLs are asked to (-32042 or input_required); others get -32007 naming the page.
 */
export class ConnectRequired extends GatewayError {
  constructor(
    readonly elicitation: UrlElicitation,
    backend: string,
  ) {
    super('user_credentials', `${elicitation.message}: open ${elicitation.url}`, backend);
  }

  override toProtocolError(): ProtocolError {
    const { url, elicitationId } = this.elicitation;
    return new ProtocolError(JSONRPC_CODE.user_credentials, this.message, {
      code: this.code,
      backend: this.backend,
      url,
      elicitationId,
    });
  }
}
