import type { IncomingMessage, ServerResponse } from 'node:http';
import type express from 'express';
import type { NextFunction, Request, Response } from 'express';
import type Provider from 'oidc-provider';
import type { SignInSettings } from '../config/model.js';
import { anyOrigin, originGuard, type OriginPolicy } from '../server/http/security.js';
import { ROUTES } from './provider.js';

const METADATA = ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration'];

/** Browser pages: a foreign Origin is refused. */
const PAGES = [ROUTES.authorization, '/oauth/interaction/', '/oauth/callback', '/oauth/consents'];

const isOurs = (path: string) => path.startsWith('/oauth/') || METADATA.includes(path);
const isPage = (path: string) =>
  PAGES.some((p) => path === p || path.startsWith(p.endsWith('/') ? p : `${p}/`));

/** What the mount point needs. */
export interface MountDeps {
  provider: Provider;
  routes: express.Router;
  settings: SignInSettings;
  policy: () => OriginPolicy;
}

/**
 * Mounts sign-in: Host checked on every route; Origin too on the browser pages (authorize, interaction,
 * callback, consents), while the JSON endpoints (metadata, JWKS, token, registration, revocation) answer any
 * Origin with oidc-provider's CORS rules, as browser-based MCP clients need. Endpoint URLs follow the issuer:
 * X-Forwarded-Proto and -Host are set from it on every request before oidc-provider (which trusts them) sees it.
 */
export function mountProvider(app: express.Express, d: MountDeps): void {
  const pageGuard = originGuard(d.policy);
  const apiGuard = originGuard(anyOrigin(d.policy));
  const issuer = new URL(d.settings.issuer);
  const defaultScope = d.settings.scopes.join(' ');
  const callback = d.provider.callback() as (req: IncomingMessage, res: ServerResponse) => void;

  app.use((req: Request, res: Response, next: NextFunction) => {
    if (!isOurs(req.path)) return next();
    (isPage(req.path) ? pageGuard : apiGuard)(req, res, next);
  });
  app.use(d.routes);
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (!isOurs(req.path)) return next();
    if (req.path === ROUTES.registration) {
      // oidc-provider sends no CORS headers on registration; a browser-based client registers across origins.
      const origin = req.headers.origin;
      if (origin && origin !== 'null') {
        res.setHeader('Access-Control-Allow-Origin', origin);
        res.setHeader('Vary', 'Origin');
      }
      if (req.method === 'OPTIONS') {
        res.setHeader('Access-Control-Allow-Methods', 'POST');
        res.setHeader('Access-Control-Allow-Headers', 'Content-Type, Authorization');
        res.setHeader('Access-Control-Max-Age', '3600');
        return void res.status(204).end();
      }
    }
    // RFC 6749 §3.3: a request without scope gets the default scopes (every scope of this gateway).
    if (req.path === ROUTES.authorization && req.method === 'GET') {
      const url = new URL(req.url, 'http://x');
      if (!url.searchParams.get('scope')) {
        url.searchParams.set('scope', defaultScope);
        req.url = `${url.pathname}${url.search}`;
      }
    }
    req.headers['x-forwarded-proto'] = issuer.protocol.slice(0, -1);
    req.headers['x-forwarded-host'] = issuer.host;
    callback(req, res);
  });
}
