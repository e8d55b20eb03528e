import { GatewayError } from '../errors.js';

/** A failure's metric outcome: the gateway's error code (a fixed set), else `error`. */
export function outcomeOf(err: unknown): string {
  return err instanceof GatewayError ? err.code : 'error';
}

/**
 * A failure's `error.type` on a span: the JSON-RPC error code as a string when there is one (an upstream's
 * own code included), per the MCP conventions; else the gateway's error code.
 */
export function errorTypeOf(err: unknown): string {
  if (err instanceof GatewayError)
    return err.upstreamCode !== undefined ? String(err.upstreamCode) : err.code;
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? String(code) : 'error';
}

/** Whether a result is a tool result reporting failure (`isError: true`). */
export function isToolError(result: unknown): boolean {
  return (result as { isError?: unknown } | undefined)?.isError === true;
}
