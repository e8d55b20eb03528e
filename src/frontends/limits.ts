import type { AuthInfo } from '@modelcontextprotocol/server';
import { log } from '../log.js';
import type { SessionCluster } from '../server/sessions/cluster.js';
import type { Drain } from '../server/http/drain.js';
import type { RateGateDeps } from '../server/http/rate-gate.js';
import type { AttachedSessions } from './attached.js';
import { principalOf } from '../principal.js';

/** What the WebSocket and legacy SSE frontends share with /mcp: limits, rate buckets, drain and sessions. */
export interface FrontendDeps {
  attached: AttachedSessions;
  drain: Drain;
  rate: RateGateDeps;
  /** gateway.max_body_bytes (read once: the listener's setting needs a restart, as for /mcp). */
  maxBodyBytes: number;
  /** gateway.max_json_depth. */
  maxJsonDepth: number;
  /** gateway.max_sessions, for the sessions of this kind. */
  maxSessions(): number;
  /** A principal's own session cap (its policy's max_sessions, else max_sessions_per_principal). */
  sessionCap(auth: AuthInfo): number | undefined;
  /** Redis channels between replicas, when the gateway has Redis. */
  cluster?: SessionCluster;
}

/**
 * Why a new session for `auth` is refused (gateway.max_sessions, or the principal's cap counted over every
 * attached session), or undefined when it may open.
 */
export function sessionRefusal(deps: FrontendDeps, auth: AuthInfo | undefined): string | undefined {
  const { attached } = deps;
  if (attached.size >= deps.maxSessions()) {
    log.warn({ sessions: attached.size }, 'session refused: max_sessions reached');
    return `Too many sessions (max_sessions ${deps.maxSessions()}); retry later`;
  }
  const cap = auth && deps.sessionCap(auth);
  const principal = principalOf(auth);
  const mine = attached.countOf(principal);
  if (cap !== undefined && cap !== null && mine >= cap) {
    log.warn({ principal, sessions: mine }, 'session refused: per-principal cap reached');
    return `Too many sessions for this client (${cap}, gateway.auth max_sessions_per_principal or its policy's max_sessions); close one or retry later`;
  }
  return undefined;
}

/**
 * One token from the principal's rate bucket for a request on an open connection (as each POST /mcp takes
 * one): undefined when served, else the refusal message.
 */
export async function rateRefusal(
  rate: RateGateDeps,
  auth: AuthInfo | undefined,
): Promise<string | undefined> {
  const bucket = auth && rate.limit(auth);
  if (!auth || !bucket) return undefined;
  const verdict = await (await rate.buckets()).take(principalOf(auth), bucket);
  if (verdict.ok === true) return undefined;
  if (verdict.ok === 'unknown') {
    return rate.failMode() === 'open'
      ? undefined
      : 'Rate limiter unavailable (its Redis cannot be reached); retry later';
  }
  const seconds = Math.max(1, Math.ceil(verdict.retryAfterMs / 1000));
  log.debug({ principal: principalOf(auth) }, 'request refused: rate limit');
  return `Too many requests: rate limit of ${bucket.rate} per ${bucket.perMs} ms (burst ${bucket.burst}) exceeded; retry after ${seconds} s`;
}

/** The tool set a request's path names (`/ws/<set>`, `/sse/<set>`), '' for the whole catalog. */
export function setOf(req: { params: Record<string, string | string[] | undefined> }): string {
  const set = req.params.toolset;
  return typeof set === 'string' ? set : '';
}
