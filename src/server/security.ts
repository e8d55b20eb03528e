import type { NextFunction, Request, Response } from 'express';
import { log } from '../log.js';
import { rpcError } from './replies.js';

/** What the DNS-rebinding checks accept. */
export interface OriginPolicy {
  /** Host header names accepted; undefined = any. */
  allowedHosts?: string[];
  /** Origins accepted besides those whose host is an allowed host. */
  allowedOrigins: string[];
}

function deny(res: Response, message: string): void {
  rpcError(res, 403, -32000, message);
}

function compile(policy: OriginPolicy) {
  return {
    policy,
    hosts: policy.allowedHosts && new Set(policy.allowedHosts.map((h) => h.toLowerCase())),
    origins: new Set(policy.allowedOrigins.map((o) => o.toLowerCase().replace(/\/$/, ''))),
  };
}

/**
 * DNS-rebinding protection: the Host header must name an allowed host, and a browser's Origin must be
 * listed or point at an allowed host. Requests without Origin (non-browser clients) pass the Origin check.
 * A policy getter is read per request, so a config reload applies; its sets are rebuilt when it returns a new object.
 */
export function originGuard(policy: OriginPolicy | (() => OriginPolicy)) {
  const current = typeof policy === 'function' ? policy : () => policy;
  let compiled = compile(current());
  return (req: Request, res: Response, next: NextFunction): void => {
    if (compiled.policy !== current()) compiled = compile(current());
    const { hosts, origins } = compiled;
    if (hosts) {
      let hostname = '';
      try {
        hostname = new URL(`http://${req.headers.host ?? ''}`).hostname.toLowerCase();
      } catch {
        // unparsable: rejected below
      }
      if (!hostname || !hosts.has(hostname)) {
        log.warn({ host: req.headers.host }, 'request refused: Host not allowed (DNS-rebinding protection)');
        return deny(
          res,
          `Forbidden: Host "${req.headers.host ?? ''}" is not allowed (gateway.allowed_hosts)`,
        );
      }
    }
    const origin = req.headers.origin;
    if (origin && origin !== 'null' && !origins.has('*')) {
      let ok = origins.has(origin.toLowerCase());
      if (!ok && hosts) {
        try {
          ok = hosts.has(new URL(origin).hostname.toLowerCase());
        } catch {
          ok = false;
        }
      }
      if (!ok) {
        log.warn({ origin }, 'request refused: Origin not allowed (DNS-rebinding protection)');
        return deny(res, `Forbidden: Origin "${origin}" is not allowed (gateway.allowed_origins)`);
      }
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Vary', 'Origin');
      res.setHeader(
        'Access-Control-Expose-Headers',
        'Mcp-Session-Id, Mcp-Protocol-Version, WWW-Authenticate',
      );
    } else if (origin === 'null') {
      return deny(res, 'Forbidden: Origin "null" is not allowed');
    }
    next();
  };
}
