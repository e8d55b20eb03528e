import type { IncomingMessage } from 'node:http';
import type { AuthInfo } from '@modelcontextprotocol/server';
import type { NextFunction, Request, Response } from 'express';
import type { AuthSettings } from '../../config/model.js';
import { log } from '../../log.js';
import { AuthFailure, Authenticator, type SignInVerification } from './authenticator.js';

/** The well-known path of this gateway's RFC 9728 protected-resource metadata. */
export const RESOURCE_METADATA_PATH = '/.well-known/oauth-protected-resource';

/** What the gates need: the current authenticator (a reload may replace it). */
export type AuthSource = () => Authenticator;

/** Counts a refused request (metrics): `kind` such as `auth`, `reason` a short fixed code. */
export type RefusalCounter = (kind: string, reason: string) => void;

/**
 * An Authenticator that follows a settings getter, rebuilt (JWKS cache included) only when the settings change.
 * `signIn` gives the running sign-in authorization server's verification keys, once it has started.
 */
export function authSource(
  settings: () => AuthSettings,
  signIn: () => SignInVerification | undefined = () => undefined,
): AuthSource {
  let current = new Authenticator(settings(), signIn());
  return () => {
    if (current.settings !== settings() || current.signInSource !== signIn())
      current = new Authenticator(settings(), signIn());
    return current;
  };
}

/** The origin clients reach the gateway at: the configured resource's, else the request's own. */
function publicOrigin(req: Request, auth: Authenticator): string {
  if (auth.settings.resource) return new URL(auth.settings.resource).origin;
  return `${req.protocol}://${req.headers.host ?? 'localhost'}`;
}

const quoted = (s: string) => `"${s.replace(/["\\]/g, '')}"`;

/** The refusal's metric reason: a fixed code, never the (possibly detailed) message. */
function reasonOf(req: Request, failure: AuthFailure): string {
  if (failure.status === 403) return 'insufficient_scope';
  return req.headers.authorization || req.headers['x-api-key'] ? 'invalid_credentials' : 'no_credentials';
}

function refuse(
  req: Request,
  res: Response,
  auth: Authenticator,
  failure: AuthFailure,
  who: string | undefined,
  count: RefusalCounter | undefined,
): void {
  if (failure.status === 503) {
    const jwt = auth.settings.jwt;
    count?.('auth', 'keys_unavailable');
    log.error(
      { path: req.path, jwks: jwt?.jwksUrl ?? jwt?.jwksFile, cause: failure.message },
      'request refused: signing keys unavailable',
    );
    res.setHeader('Retry-After', '5');
    res.status(503).json({
      jsonrpc: '2.0',
      error: { code: -32000, message: `Service Unavailable: ${failure.message}; retry later` },
      id: null,
    });
    return;
  }
  count?.('auth', reasonOf(req, failure));
  log.warn(
    { path: req.path, principal: who, status: failure.status, cause: failure.message },
    'request refused: client authentication',
  );
  const params: string[] = [];
  if (failure.status === 403) {
    params.push('error="insufficient_scope"', `scope=${quoted(failure.scope ?? '')}`);
  } else if (req.headers.authorization || req.headers['x-api-key']) {
    params.push('error="invalid_token"');
  }
  params.push(`error_description=${quoted(failure.message)}`);
  if (auth.oauth)
    params.push(`resource_metadata=${quoted(`${publicOrigin(req, auth)}${RESOURCE_METADATA_PATH}`)}`);
  res.setHeader('WWW-Authenticate', `Bearer ${params.join(', ')}`);
  const prefix = failure.status === 401 ? 'Unauthorized' : 'Forbidden';
  res.status(failure.status).json({
    jsonrpc: '2.0',
    error: { code: -32000, message: `${prefix}: ${failure.message}` },
    id: null,
  });
}

const STATUS_ONLY = Symbol('status-only');
type Marked = Request & { [STATUS_ONLY]?: true };

/** Whether a /readyz request gets its status only (a probe without credentials, or a foreign Host/Origin). */
export function statusOnlyRequest(req: Request): boolean {
  return (req as Marked)[STATUS_ONLY] === true;
}

/** Whether a request carries a credential at all (valid or not). */
function presentsCredential(req: Request): boolean {
  return req.headers.authorization !== undefined || req.headers['x-api-key'] !== undefined;
}

/**
 * For probes of /readyz: a request from a Host or Origin the DNS-rebinding checks refuse (`passes` false), or,
 * with authentication on, one without any credential (a kubelet cannot send a Secret) is let past the
 * operator check but gets only `{"status"}` with the same HTTP status; any other request is checked as usual,
 * so a wrong or non-operator credential is still refused.
 */
export function statusOnly(source: AuthSource, passes: (req: Request) => boolean) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const foreign = !passes(req);
    if (!foreign && (!source().enabled || presentsCredential(req))) return next();
    if (foreign)
      log.debug(
        { host: req.headers.host, origin: req.headers.origin },
        '/readyz: status only (Host or Origin not allowed)',
      );
    (req as Marked)[STATUS_ONLY] = true;
    const json = res.json.bind(res);
    res.json = (body: unknown) => json({ status: (body as { status?: unknown } | null)?.status });
    next();
  };
}

/**
 * Express middleware that authenticates a request when `gateway.auth` is on and hands the principal to the
 * SDK as `req.auth`; `need` is `client` for /mcp (plus required_scopes) or `operator` for /readyz and /metrics.
 */
export function authGate(source: AuthSource, need: 'client' | 'operator', count?: RefusalCounter) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const auth = source();
    if (!auth.enabled || (need === 'operator' && (req as Marked)[STATUS_ONLY])) return next();
    auth.authenticate(req).then(
      (info) => {
        const missing =
          need === 'operator'
            ? auth.isOperator(info)
              ? []
              : [auth.settings.operatorScope]
            : auth.missingScopes(info);
        if (missing.length) {
          const why = `missing scope ${missing.join(' ')}`;
          const failure = new AuthFailure(403, why, missing.join(' '));
          return refuse(req, res, auth, failure, info.clientId, count);
        }
        (req as IncomingMessage & { auth?: AuthInfo }).auth = info;
        next();
      },
      (err: unknown) => {
        if (err instanceof AuthFailure) return refuse(req, res, auth, err, undefined, count);
        next(err);
      },
    );
  };
}

/** Serves RFC 9728 protected-resource metadata while JWT authentication is configured. */
export function resourceMetadata(source: AuthSource) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const auth = source();
    if (!auth.oauth) return next();
    const jwt = auth.settings.jwt;
    // With sign-in, the scopes its users can be granted (a client asks for what is listed here).
    const scopes = auth.settings.signIn
      ? auth.settings.signIn.scopes
      : [...new Set([...(jwt?.requiredScopes ?? []), auth.settings.operatorScope])];
    // Public metadata: browser-based clients read it across origins.
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.json({
      resource: auth.settings.resource ?? `${publicOrigin(req, auth)}/mcp`,
      authorization_servers: auth.authorizationServers,
      scopes_supported: scopes,
      bearer_methods_supported: ['header'],
    });
  };
}
