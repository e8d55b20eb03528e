import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { hideConnectIds, log } from '../../log.js';
import { rpcError } from './replies.js';

/** What the DNS-rebinding checks accept. */
export interface OriginPolicy {
  /** Host header names accepted; undefined = any. */
  allowedHosts?: string[];
  /** Origins accepted besides those whose host is an allowed host. */
  allowedOrigins: string[];
}

/** An IPv6 address as a Host header writes it: in brackets (an allowed host may be given without them). */
function hostName(h: string): string {
  const lower = h.toLowerCase();
  return lower.includes(':') && !lower.startsWith('[') ? `[${lower}]` : lower;
}

function compile(policy: OriginPolicy) {
  return {
    policy,
    hosts: policy.allowedHosts && new Set(policy.allowedHosts.map(hostName)),
    origins: new Set(policy.allowedOrigins.map((o) => o.toLowerCase().replace(/\/$/, ''))),
  };
}

/** Why a request fails the checks (the 403's message and what to log), or the Origin to allow by CORS. */
type Verdict = { refused: string; log: Record<string, unknown> } | { refused?: undefined; cors?: string };

/**
 * The same policy with any Origin accepted (the Host still checked): for routes browser-based clients call
 * across origins by design (public metadata, OAuth endpoints). A getter, rebuilt when the policy changes.
 */
export function anyOrigin(policy: () => OriginPolicy): () => OriginPolicy {
  let from: OriginPolicy | undefined;
  let derived: OriginPolicy | undefined;
  return () => {
    const p = policy();
    if (p !== from) {
      from = p;
      derived = { ...p, allowedOrigins: ['*'] };
    }
    return derived!;
  };
}

/** The DNS-rebinding checks of one policy source (a getter follows config reloads). */
export interface OriginChecks {
  /** Refuses (403) a request whose Host or Origin is not allowed; once passed, it passes this guard again at once. */
  guard: RequestHandler;
  /** Whether a request passes the checks (nothing is answered, nothing logged). */
  passes(req: Request): boolean;
}

/**
 * DNS-rebinding protection: the Host header must name an allowed host, and a browser's Origin must be
 * listed or point at an allowed host. Requests without Origin (non-browser clients) pass the Origin check.
 * A policy getter is read per request, so a config reload applies; its sets are rebuilt when it returns a new object.
 */
export function originChecks(policy: OriginPolicy | (() => OriginPolicy)): OriginChecks {
  const current = typeof policy === 'function' ? policy : () => policy;
  // Requests that passed this guard once: its later uses on their route let them through at once.
  const PASSED = Symbol('origin-checked');
  type Marked = Request & { [PASSED]?: true };
  let compiled = compile(current());
  const verdict = (req: Request): Verdict => {
    if (compiled.policy !== current()) compiled = compile(current());
    const { hosts, origins } = compiled;
    if (hosts) {
      let hostname = '';
      try {
        hostname = new URL(`http://${req.headers.host ?? ''}`).hostname.toLowerCase();
      } catch {
        // unparsable: refused below
      }
      if (!hostname || !hosts.has(hostname)) {
        return {
          refused: `Forbidden: Host "${req.headers.host ?? ''}" is not allowed (gateway.allowed_hosts)`,
          log: { host: req.headers.host },
        };
      }
    }
    const origin = req.headers.origin;
    if (origin === 'null') return { refused: 'Forbidden: Origin "null" is not allowed', log: { origin } };
    if (!origin || origins.has('*')) return {};
    let ok = origins.has(origin.toLowerCase());
    if (!ok && hosts) {
      try {
        ok = hosts.has(new URL(origin).hostname.toLowerCase());
      } catch {
        ok = false;
      }
    }
    if (!ok) {
      return {
        refused: `Forbidden: Origin "${origin}" is not allowed (gateway.allowed_origins)`,
        log: { origin },
      };
    }
    return { cors: origin };
  };
  const guard = (req: Request, res: Response, next: NextFunction): void => {
    if ((req as Marked)[PASSED]) return next();
    const v = verdict(req);
    if (v.refused !== undefined) {
      log.warn(
        { ...v.log, path: hideConnectIds(req.path) },
        'request refused: Host or Origin not allowed (DNS-rebinding protection)',
      );
      return rpcError(res, 403, -32000, v.refused);
    }
    if (v.cors) {
      res.setHeader('Access-Control-Allow-Origin', v.cors);
      res.setHeader('Vary', 'Origin');
      res.setHeader(
        'Access-Control-Expose-Headers',
        'Mcp-Session-Id, Mcp-Protocol-Version, WWW-Authenticate',
      );
    }
    (req as Marked)[PASSED] = true;
    next();
  };
  return { guard, passes: (req) => verdict(req).refused === undefined };
}

/** The guard alone (see `originChecks`). */
export function originGuard(policy: OriginPolicy | (() => OriginPolicy)): RequestHandler {
  return originChecks(policy).guard;
}

/**
 * The one start-up line for a gateway listening beyond loopback with no `gateway.allowed_hosts`: its Host
 * check is then off, and only authentication stands between a DNS-rebinding page and the API.
 */
export function warnUncheckedHosts(g: { host: string; allowedHosts?: string[] }): void {
  if (g.allowedHosts) return;
  log.warn(
    { host: g.host },
    `gateway.allowed_hosts is not set: listening on ${g.host}, any Host header is accepted (no DNS-rebinding protection); list the names clients reach the gateway by in gateway.allowed_hosts`,
  );
}
