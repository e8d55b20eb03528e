import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';

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
  | 'invalid_arguments';

const JSONRPC_CODE: Record<GatewayErrorCode, number> = {
  unknown_tool: ErrorCode.InvalidParams,
  unknown_prompt: ErrorCode.InvalidParams,
  unknown_resource: -32002, // "Resource not found" in the MCP spec
  backend_unavailable: -32010,
  backend_disconnected: -32011,
  backend_removed: -32012,
  upstream_timeout: ErrorCode.RequestTimeout,
  upstream_error: ErrorCode.InternalError,
  queue_full: -32013,
  queue_timeout: -32014,
  cancelled: -32015,
  owner_lost: -32016,
  redis_unavailable: -32017,
  unsupported: ErrorCode.MethodNotFound,
  upstream_sessions_full: -32018,
  no_origin: -32019, // an upstream's server-to-client request that no downstream session can answer
  client_unsupported: -32020, // the downstream client did not declare the capability the request needs
  invalid_arguments: ErrorCode.InvalidParams,
};

/** An error with a stable code and the backend it concerns, mapped to a JSON-RPC error for clients. */
export class GatewayError extends Error {
  constructor(
    readonly code: GatewayErrorCode,
    message: string,
    readonly backend?: string,
    /** The upstream's own JSON-RPC error code, when it is passed through. */
    readonly upstreamCode?: number,
  ) {
    super(message);
    this.name = 'GatewayError';
  }

  /** The JSON-RPC error sent downstream; `data` names the code and backend for programs. */
  toMcpError(): McpError {
    const code =
      this.code === 'upstream_error' && this.upstreamCode !== undefined
        ? this.upstreamCode
        : JSONRPC_CODE[this.code];
    const err = new McpError(code, this.message, { code: this.code, backend: this.backend });
    // McpError prefixes "MCP error <code>: "; clients show the message, so keep it as written.
    err.message = this.message;
    return err;
  }
}

/** Maps an error from an upstream request (SDK McpError, transport failure) to a GatewayError. */
export function fromUpstream(err: unknown, backend: string, method: string, timeoutMs: number): GatewayError {
  if (err instanceof GatewayError) return err;
  if (err instanceof McpError) {
    if (err.code === ErrorCode.RequestTimeout) {
      return new GatewayError(
        'upstream_timeout',
        `backend "${backend}" did not answer ${method} within ${timeoutMs} ms (request_timeout)`,
        backend,
      );
    }
    if (err.code === ErrorCode.ConnectionClosed) {
      return new GatewayError(
        'backend_disconnected',
        `backend "${backend}" disconnected during ${method}; the request may have run upstream and was not retried`,
        backend,
      );
    }
    const text = err.message.replace(/^MCP error -?\d+: /, '');
    return new GatewayError('upstream_error', `backend "${backend}": ${text}`, backend, err.code);
  }
  const text = err instanceof Error ? err.message : String(err);
  return new GatewayError('upstream_error', `backend "${backend}" failed ${method}: ${text}`, backend);
}
