import type { AuthInfo } from '@modelcontextprotocol/server';
import type { NextFunction, Request, Response } from 'express';
import type { RateLimitSettings } from '../../config/model.js';
import { log } from '../../log.js';
import type { RefusalCounter } from '../auth/gate.js';
import type { Buckets } from './rate-limit.js';
import { authOf, rpcError } from './replies.js';
import { principalOf } from '../../principal.js';

/** What the rate gate needs, read per request so a reload's settings apply at once. */
export interface RateGateDeps {
  /** The buckets (made on first use: in-process, or in Redis when the gateway has Redis). */
  buckets(): Promise<Buckets>;
  /** The principal's bucket, if it is limited. */
  limit(auth: AuthInfo): RateLimitSettings | undefined;
  /** Whether to serve (open) or refuse (closed) while the buckets cannot be read. */
  failMode(): 'open' | 'closed';
  /** Told of each refusal (the audit trail), with the request and a reason code. */
  refused?(auth: AuthInfo, req: Request, reason: 'exhausted' | 'limiter_unavailable'): void;
}

function refuse(res: Response, status: 429 | 503, retryAfterS: number, message: string): void {
  res.setHeader('Retry-After', String(retryAfterS));
  rpcError(res, status, -32000, message);
}

const every = (b: RateLimitSettings) => (b.perMs % 1000 === 0 ? `${b.perMs / 1000} s` : `${b.perMs} ms`);

/**
 * Express middleware for /mcp after authentication: one token per request from the principal's bucket;
 * an empty bucket is answered 429 with Retry-After (one log line per principal until it is served again).
 */
export function rateGate(deps: RateGateDeps, count?: RefusalCounter) {
  const limited = new Set<string>();
  return (req: Request, res: Response, next: NextFunction): void => {
    const auth = authOf(req);
    const bucket = auth && deps.limit(auth);
    if (!auth || !bucket) return next();
    const who = principalOf(auth);
    deps
      .buckets()
      .then((b) => b.take(who, bucket))
      .then((verdict) => {
        if (verdict.ok === true) {
          limited.delete(who);
          return next();
        }
        if (verdict.ok === 'unknown') {
          if (deps.failMode() === 'open') return next();
          count?.('rate_limit', 'limiter_unavailable');
          deps.refused?.(auth, req, 'limiter_unavailable');
          return refuse(res, 503, 1, 'Rate limiter unavailable (its Redis cannot be reached); retry later');
        }
        const seconds = Math.max(1, Math.ceil(verdict.retryAfterMs / 1000));
        count?.('rate_limit', 'exhausted');
        deps.refused?.(auth, req, 'exhausted');
        if (!limited.has(who) && limited.size < 10_000) {
          limited.add(who);
          log.warn({ principal: who, retryAfterS: seconds }, 'request refused: rate limit');
        }
        refuse(
          res,
          429,
          seconds,
          `Too many requests: rate limit of ${bucket.rate} per ${every(bucket)} (burst ${bucket.burst}) exceeded; retry after ${seconds} s`,
        );
      })
      .catch(next);
  };
}
