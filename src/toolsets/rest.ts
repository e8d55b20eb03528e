import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { problem, sendProblem } from '../frontends/rest/problem.js';
import { restApi, type RestDeps } from '../frontends/rest/router.js';
import type { Gates } from '../server/http/app.js';
import { authOf } from '../server/http/replies.js';
import type { Toolsets } from './index.js';
import { RESERVED_SET_NAMES } from '../config/toolsets.js';
import type { ServedSet } from './served.js';

/** `/v1/<set>/…`: a path of a set's REST API (its first segment is no path of the main API). */
const SET_PATH = new RegExp(`^/v1/(?!(?:${RESERVED_SET_NAMES.join('|')})(?:/|$))([^/]+)/`);

/** What a set's REST API shares with the main one. */
export type SetRestDeps = Pick<RestDeps, 'auth' | 'maxBodyBytes' | 'maxJsonDepth'>;

/**
 * The REST API of every tool set at `/v1/<set>/…` (`/v1/<set>/openapi.json` its own OpenAPI document, with the
 * set's tools), built per set from the set's view; an unknown set, or one the caller may not use, is a 404
 * problem naming the sets it may use.
 */
export function setRestApi(toolsets: Toolsets, deps: SetRestDeps): (gates: Gates) => RequestHandler {
  return (gates) => {
    const routers = new WeakMap<ServedSet, RequestHandler>();
    const routerOf = (set: ServedSet): RequestHandler => {
      let router = routers.get(set);
      if (!router) {
        const name = set.spec.name;
        const base = `/v1/${name}`;
        router = restApi({
          ...deps,
          session: (auth) => set.server(undefined, auth),
          routes: set.routes,
          access: set.access,
          discovery: set.discovery,
          base,
          describe: (doc) => underSet(doc, name, base),
        })(gates);
        routers.set(set, router);
      }
      return router;
    };
    const resolve = (req: Request, res: Response, next: NextFunction) => {
      const name = SET_PATH.exec(req.path)![1]!;
      const found = toolsets.endpointSet(name, authOf(req));
      if (!Array.isArray(found)) return routerOf(found)(req, res, next);
      const known = found.length ? found.map((n) => `/v1/${n}`).join(', ') : 'none';
      const detail = `Unknown tool set "${name}"; tool sets you may use: ${known}`;
      sendProblem(res, problem('unknown_toolset', detail));
    };
    const checked = express.Router();
    checked.get(LIST_PATH, gates.auth, gates.rate, (req, res) => {
      const auth = authOf(req);
      const sets = toolsets.visible(auth).map((name) => toolsets.get(name)!);
      res.json({ toolsets: sets.map((s) => describeSet(s)) });
    });
    checked.use(gates.auth, resolve);
    return (req, res, next) =>
      SET_PATH.test(req.path) || req.path === LIST_PATH ? checked(req, res, next) : next();
  };
}

/** GET /v1/toolsets: the sets the caller may use (the console's set picker). */
const LIST_PATH = '/v1/toolsets';

/** A set as GET /v1/toolsets lists it. */
function describeSet(set: ServedSet) {
  const { name, description, discoveryOnly } = set.spec;
  return {
    name,
    ...(description !== undefined && { description }),
    discoveryOnly,
    endpoints: { mcp: `/mcp/${name}`, rest: `/v1/${name}` },
  };
}

/** A set's OpenAPI document: its paths under /v1/<set>, its name in the title. */
function underSet<T extends Record<string, unknown>>(doc: T, name: string, base: string): T {
  const paths = doc.paths as Record<string, unknown>;
  const moved = Object.fromEntries(Object.entries(paths).map(([p, v]) => [p.replace(/^\/v1/, base), v]));
  const info = { ...(doc.info as Record<string, unknown>), title: `switchboard REST API: tool set ${name}` };
  return { ...doc, info, paths: moved };
}

/** The main REST API (`deps`) with every tool set's in front of it. */
export function restApiWithSets(toolsets: Toolsets, deps: RestDeps): (gates: Gates) => express.Router {
  const main = restApi(deps);
  const sets = setRestApi(toolsets, {
    auth: deps.auth,
    maxBodyBytes: deps.maxBodyBytes,
    maxJsonDepth: deps.maxJsonDepth,
  });
  return (gates) => express.Router().use(sets(gates), main(gates));
}
