import { ProtocolError, ProtocolErrorCode, type CallToolResult } from '@modelcontextprotocol/client';
import type { NextFunction, Request, Response } from 'express';
import type { GatewayErrorCode } from '../../errors.js';
import { hideConnectIds, log } from '../../log.js';

/** An RFC 9457 problem details object, with the gateway's error code and backend when known. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  /** The gateway's stable error code (src/errors.ts), or the refusal's kind. */
  code: string;
  backend?: string;
  /** Validation errors of a 400. */
  errors?: unknown[];
  [extension: string]: unknown;
}

/** Problem codes of the REST layer besides the gateway's own. */
type RestCode =
  | GatewayErrorCode
  | 'bad_request'
  | 'unauthenticated'
  | 'forbidden'
  | 'rate_limited'
  | 'payload_too_large'
  | 'unavailable'
  | 'discovery_off'
  | 'unknown_toolset'
  | 'unknown_backend'
  | 'not_revocable'
  | 'method_not_allowed'
  | 'config_invalid'
  | 'internal_error';

/** The HTTP status of each code. */
const STATUS: Record<RestCode, number> = {
  unknown_tool: 404,
  unknown_toolset: 404,
  unknown_prompt: 404,
  unknown_resource: 404,
  backend_unavailable: 502,
  backend_disconnected: 502,
  backend_removed: 502,
  upstream_timeout: 504,
  upstream_error: 502,
  queue_full: 503,
  queue_timeout: 503,
  cancelled: 503,
  owner_lost: 503,
  redis_unavailable: 503,
  unsupported: 501,
  upstream_sessions_full: 503,
  no_origin: 502,
  // An upstream asked the caller for something (sampling, elicitation) a REST caller cannot give.
  client_unsupported: 501,
  invalid_arguments: 400,
  invalid_request_state: 400,
  shutting_down: 503,
  not_permitted: 403,
  user_credentials: 403,
  bad_request: 400,
  unauthenticated: 401,
  forbidden: 403,
  rate_limited: 429,
  payload_too_large: 413,
  unavailable: 503,
  discovery_off: 404,
  unknown_backend: 404,
  // A connection the gateway cannot remove itself (a personal secret in a mounted file).
  not_revocable: 409,
  method_not_allowed: 405,
  // A reload asked for (POST /v1/config/reload) found the file invalid; the running config is kept.
  config_invalid: 422,
  internal_error: 500,
};

/** Codes whose problem carries `Retry-After`: the same request may succeed shortly. */
const RETRY_AFTER_S: Partial<Record<RestCode, number>> = {
  queue_full: 1,
  queue_timeout: 1,
  owner_lost: 1,
  redis_unavailable: 1,
  upstream_sessions_full: 1,
  shutting_down: 1,
};

const TYPE_BASE = 'urn:switchboard:problem:';

/** The code named by a string, if it is one of ours. */
function known(code: unknown): RestCode | undefined {
  return typeof code === 'string' && code in STATUS ? (code as RestCode) : undefined;
}

/** Builds a problem for a code; extra members (backend, errors) are added as given. */
export function problem(code: RestCode, detail: string, extra: Partial<Problem> = {}): Problem {
  const title = code.charAt(0).toUpperCase() + code.slice(1).replace(/_/g, ' ');
  return { type: `${TYPE_BASE}${code}`, title, status: STATUS[code], detail, code, ...extra };
}

/** Sends a problem as `application/problem+json`, with Retry-After where a retry may help. */
export function sendProblem(res: Response, p: Problem, retryAfterS?: number): void {
  // Gateway-side failures were logged where they happened (dispatcher, queue); a refusal is logged here.
  const line = { path: res.req.path, status: p.status, code: p.code, detail: hideConnectIds(p.detail) };
  if (p.status < 500) log.info(line, 'REST request refused');
  else log.debug(line, 'REST request failed');
  const retry = retryAfterS ?? RETRY_AFTER_S[p.code as RestCode];
  if (retry !== undefined && !res.getHeader('Retry-After')) res.setHeader('Retry-After', String(retry));
  res.status(p.status).type('application/problem+json').send(JSON.stringify(p));
}

/** The problem of a tool result the gateway itself produced for a failure (backend down, timeout, queue). */
export function fromToolError(result: CallToolResult): Problem | undefined {
  const meta = result._meta?.['switchboard/error'] as { code?: string; backend?: string } | undefined;
  const code = result.isError ? known(meta?.code) : undefined;
  if (!code) return undefined;
  const text = result.content.find((c) => c.type === 'text');
  const detail = text && 'text' in text ? text.text : code;
  return problem(code, detail, meta?.backend ? { backend: meta.backend } : {});
}

/** The problem of a failed session request: a gateway error (code in `data`), an upstream's, or the SDK's. */
export function fromError(err: unknown): Problem {
  if (err instanceof ProtocolError) {
    const data = err.data as { code?: unknown; backend?: unknown } | undefined;
    const backend = typeof data?.backend === 'string' ? { backend: data.backend } : {};
    let code = known(data?.code);
    // An upstream's own error passes its JSON-RPC code through: bad parameters are the caller's mistake.
    if (code === 'upstream_error' && err.code === ProtocolErrorCode.InvalidParams) code = 'invalid_arguments';
    if (code === 'upstream_error' && err.code === -32002) code = 'unknown_resource';
    if (!code) code = err.code === ProtocolErrorCode.InvalidParams ? 'bad_request' : 'internal_error';
    return problem(code, err.message, backend);
  }
  return problem('internal_error', err instanceof Error ? err.message : String(err));
}

/** What the shared gates (Origin, auth, rate limit, drain, body parsing) refuse with, by HTTP status. */
const GATE_CODE: Record<number, RestCode> = {
  400: 'bad_request',
  401: 'unauthenticated',
  403: 'forbidden',
  413: 'payload_too_large',
  415: 'bad_request',
  429: 'rate_limited',
  503: 'unavailable',
};

/**
 * Express middleware for REST routes: the gates shared with /mcp answer refusals as JSON-RPC errors; for a
 * REST caller the same refusal (status and headers such as WWW-Authenticate and Retry-After kept) is sent
 * as a problem.
 */
export function problemsFromGates(_req: Request, res: Response, next: NextFunction): void {
  const json = res.json.bind(res);
  res.json = (body: unknown) => {
    const rpc = body as { jsonrpc?: unknown; error?: { message?: unknown; data?: { code?: unknown } } };
    if (rpc?.jsonrpc !== '2.0' || !rpc.error) return json(body);
    const status = res.statusCode;
    const code = known(rpc.error.data?.code) ?? GATE_CODE[status] ?? 'internal_error';
    const p = problem(code, String(rpc.error.message), { status });
    res.type('application/problem+json').send(JSON.stringify(p));
    return res;
  };
  next();
}

/** The routes answered with problems (REST and the console's API), for the app-wide gates in front of them. */
export const PROBLEM_ROUTES = { paths: ['/v1', '/openapi.json'], handler: problemsFromGates };
