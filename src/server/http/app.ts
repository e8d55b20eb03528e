import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthInfo } from '@modelcontextprotocol/server';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { log } from '../../log.js';
import {
  authGate,
  RESOURCE_METADATA_PATH,
  resourceMetadata,
  type AuthSource,
  type RefusalCounter,
} from '../auth/gate.js';
import type { Drain } from './drain.js';
import { jsonBody } from './json-body.js';
import { deeperThan } from './json-depth.js';
import { isLegacyPost, type ModernEndpoint } from '../sessions/per-request.js';
import { rateGate, type RateGateDeps } from './rate-gate.js';
import { anyOrigin, originChecks, type OriginPolicy } from './security.js';
import { statusOnly, statusOnlyRequest } from '../auth/gate.js';
import type { SessionManager } from '../sessions/sessions.js';
import { authOf, rpcError } from './replies.js';

/** The checks in front of /mcp, for the other frontends (REST, console, WebSocket, legacy SSE) to run too. */
export interface Gates {
  /** Host and Origin (DNS-rebinding protection). */
  guard: RequestHandler;
  /** Client authentication (sets `req.auth`). */
  auth: RequestHandler;
  /** Per-principal rate limit, one token per request. */
  rate: RequestHandler;
  /** The operator role, as for /readyz and /metrics. */
  operator: RequestHandler;
  /** Whether a request that passed a gate has the operator role (always, with authentication off). */
  isOperator(req: Request): boolean;
  /** JSON body parsing with gateway.max_body_bytes, then gateway.max_json_depth. */
  body: RequestHandler[];
  /** A path's tool set (`:toolset`): unknown or not visible to the caller → 404 naming the ones it may use. */
  toolset: RequestHandler;
  /** Graceful shutdown: new streams (`get`) and requests (`post`) refused, REST requests counted (`request`). */
  drain: { get: RequestHandler; post: RequestHandler; request: RequestHandler };
}

/** Tool sets served at `/mcp/<set>` (toolsets/). */
export interface SetEndpoints {
  /** The set's 2026-07-28 endpoint when the caller may see the set; else the names of the sets it may see. */
  find(name: string, auth: AuthInfo | undefined): ModernEndpoint | string[];
}

/** What the HTTP layer needs from the rest of the gateway. */
export interface HttpDeps {
  /** 2025-era sessions. */
  sessions: SessionManager;
  /** 2026-07-28 per-request traffic. */
  modern: ModernEndpoint;
  /** The DNS-rebinding policy, or a getter for one that a reload can change. */
  policy: OriginPolicy | (() => OriginPolicy);
  maxBodyBytes: number;
  /** Deepest JSON nesting accepted in a POST /mcp body. */
  maxJsonDepth: number;
  /** Client authentication (gateway.auth), followed across reloads. */
  auth: AuthSource;
  /** Per-principal rate limiting. */
  rate: RateGateDeps;
  /** The JSON body of /readyz, with the tool counts of the caller (authenticated, or anyone without auth). */
  /** The /readyz body; `detailed` false for a status-only request (a probe), which must not wait on stores. */
  readiness(
    auth: AuthInfo | undefined,
    detailed: boolean,
  ): Record<string, unknown> | Promise<Record<string, unknown>>;
  /** Serves /metrics (the Prometheus text exposition). */
  metrics(req: IncomingMessage, res: ServerResponse): void;
  /** Counts requests refused here (authentication). */
  refusal?: RefusalCounter;
  /** Graceful shutdown: counts /mcp requests in flight and refuses new ones once draining. */
  drain?: Drain;
  /** The REST API (/v1 tools, resources, prompts, discovery; /openapi.json): its routes behind the given gates. */
  rest?: (gates: Gates) => express.Router;
  /** Path prefixes served across origins by design (sign-in's /oauth/): Host checked app-wide, Origin by the route. */
  crossOrigin?: string[];
  /** Paths whose refusals by the shared gates are answered as problem documents (REST), with the handler that does it. */
  problems?: { paths: string[]; handler: RequestHandler };
  /** Adds routes beside /mcp (the web console and its /v1 API), behind the gates given. */
  mount?: (app: express.Express, gates: Gates) => void;
  /** Mounts other frontends' routes (legacy SSE, WebSocket) behind the same gates as /mcp. */
  frontends?: (app: express.Express, gates: Gates) => void;
  /** Tool sets, served at /mcp/<set>. */
  toolsets?: SetEndpoints;
  /** Paths a 404 lists besides /mcp and the operations endpoints (other frontends, REST, the console). */
  endpoints?: string[];
}

/** Batches existed only in protocol version 2025-03-26; later versions (and this gateway by default) refuse them. */
function rejectBatches(req: Request, res: Response, next: NextFunction): void {
  if (Array.isArray(req.body) && req.headers['mcp-protocol-version'] !== '2025-03-26') {
    log.warn('request refused: JSON-RPC batch');
    return rpcError(
      res,
      400,
      -32600,
      'Invalid Request: JSON-RPC batches are not supported (removed in MCP 2025-06-18)',
    );
  }
  next();
}

/** Refuses bodies nested deeper than the limit before the SDK (and any upstream) sees them. */
function rejectDeep(max: number) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (deeperThan(req.body, max)) {
      log.debug('request refused: JSON nested too deep');
      return rpcError(
        res,
        400,
        -32600,
        `Invalid Request: JSON nested deeper than ${max} levels (gateway.max_json_depth)`,
      );
    }
    next();
  };
}

/** Runs middleware in order as a route does; an error, or the end of the chain, goes to `done`. */
function chain(handlers: RequestHandler[], req: Request, res: Response, done: NextFunction): void {
  let i = 0;
  const step = (err?: unknown): void => {
    const handler = handlers[i++];
    if (err !== undefined || !handler) return done(err);
    try {
      void handler(req, res, step);
    } catch (thrown) {
      done(thrown);
    }
  };
  step();
}

/** The express app: /mcp (Streamable HTTP), /healthz, /readyz, /metrics. */
export function createApp(deps: HttpDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  const policy = deps.policy;
  const checks = originChecks(policy);
  const guard = checks.guard;
  const auth = authGate(deps.auth, 'client', deps.refusal);
  const rate = rateGate(deps.rate, deps.refusal);
  const pass = (_req: Request, _res: Response, next: NextFunction) => next();
  const drainPost = deps.drain?.post ?? pass;
  const drainGet = deps.drain?.get ?? pass;
  const body = [jsonBody(deps.maxBodyBytes), rejectDeep(deps.maxJsonDepth)];
  const postMcp: RequestHandler[] = [guard, auth, rate, ...body, rejectBatches, drainPost];
  // Probes get their status even from a Host not allowed (a kubelet probes the pod's IP): the status alone,
  // never the detail, which is no more than a DNS-rebinding page could learn from whether the port answers.
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.use('/readyz', statusOnly(deps.auth, checks.passes));
  const operator = authGate(deps.auth, 'operator', deps.refusal);
  app.get('/readyz', operator, (req, res, next) => {
    Promise.resolve(deps.readiness(authOf(req), !statusOnlyRequest(req))).then((body) => {
      // Not ready while starting or shutting down, so a load balancer sends no traffic here.
      if (deps.drain?.active) res.status(503).json({ ...body, status: 'draining' });
      else res.status(body.status === 'ready' ? 200 : 503).json(body);
    }, next);
  });
  // Every other route, the ones mounted below by other modules included, is behind the Host and Origin checks (the
  // routes' own guards then pass at once); routes served across origins by design have their Host checked here
  // and their Origin by their own rules. Refusals on problem routes are answered as problems.
  if (deps.problems) app.use(deps.problems.paths, deps.problems.handler);
  const hostOnly = originChecks(anyOrigin(typeof policy === 'function' ? policy : () => policy)).guard;
  const crossOrigin = ['/.well-known/', ...(deps.crossOrigin ?? [])];
  app.use((req, res, next) => {
    (crossOrigin.some((p) => req.path.startsWith(p)) ? hostOnly : guard)(req, res, next);
  });
  app.get('/metrics', operator, (req, res) => {
    deps.metrics(req, res);
  });
  app.get([RESOURCE_METADATA_PATH, `${RESOURCE_METADATA_PATH}/mcp`], resourceMetadata(deps.auth));

  /** The set a request names (`/mcp/<set>`; '' for /mcp) and its 2026 side; undefined when refused here. */
  const endpoint = (req: Request, res: Response): { set: string; modern: ModernEndpoint } | undefined => {
    const name = req.params.toolset;
    if (typeof name !== 'string') return { set: '', modern: deps.modern };
    const found = deps.toolsets?.find(name, authOf(req)) ?? [];
    if (!Array.isArray(found)) return { set: name, modern: found };
    log.warn({ toolset: name }, 'request refused: unknown tool set');
    const front = `/${req.path.split('/')[1]}`; // /mcp, /sse or /ws: the sets are named on the path asked
    const known = found.length ? found.map((n) => `${front}/${n}`).join(', ') : 'none';
    rpcError(res, 404, -32001, `Unknown tool set "${name}"; tool sets you may use: ${known}`);
  };
  const MCP = ['/mcp', '/mcp/:toolset'];
  app.options(MCP, guard, (_req, res) => {
    res.setHeader('Access-Control-Allow-Methods', 'GET, POST, DELETE, OPTIONS');
    res.setHeader(
      'Access-Control-Allow-Headers',
      'Content-Type, Accept, Authorization, X-API-Key, Mcp-Session-Id, Mcp-Protocol-Version, Mcp-Method, Mcp-Name, Last-Event-ID',
    );
    res.status(204).end();
  });
  function serveMcp(req: Request, res: Response, next: NextFunction): void {
    const at = endpoint(req, res);
    if (!at) return;
    // One endpoint, both eras: initialize and session traffic are 2025-era; the rest is per request.
    isLegacyPost(req, req.body)
      .then((legacy) =>
        legacy ? deps.sessions.handle(req, res, req.body, at.set) : at.modern.handle(req, res, req.body),
      )
      .catch(next);
  }
  const postMcpRoute = [...postMcp, serveMcp];
  app.post(MCP, ...postMcpRoute);
  app.get(MCP, guard, auth, rate, drainGet, (req, res, next) => {
    const at = endpoint(req, res);
    if (at) deps.sessions.handle(req, res, undefined, at.set).catch(next);
  });
  app.delete(MCP, guard, auth, rate, (req, res, next) => {
    const at = endpoint(req, res);
    if (at) deps.sessions.handle(req, res, undefined, at.set).catch(next);
  });
  const gates: Gates = {
    guard,
    auth,
    rate,
    operator,
    isOperator: (req) => {
      const source = deps.auth();
      const info = authOf(req);
      return !source.enabled || (info !== undefined && source.isOperator(info));
    },
    body,
    toolset: (req, res, next) => void (endpoint(req, res) && next()),
    drain: { get: drainGet, post: drainPost, request: deps.drain?.request ?? pass },
  };
  deps.mount?.(app, gates);
  deps.frontends?.(app, gates);
  app.all(MCP, (_req, res) => {
    res.setHeader('Allow', 'GET, POST, DELETE');
    rpcError(res, 405, -32000, 'Method not allowed');
  });
  if (deps.rest) app.use(deps.rest(gates));
  const endpoints = ['/mcp', ...(deps.endpoints ?? []), '/healthz', '/readyz', '/metrics'];
  app.use((_req, res) => {
    res.status(404).json({ error: 'not found', endpoints });
  });
  // Body-parser failures (bad JSON, too large) and anything unexpected end here with a JSON-RPC error.
  const failed = (
    err: Error & { type?: string; status?: number },
    _req: Request,
    res: Response,
    _next?: NextFunction,
  ): void => {
    if (err.type === 'entity.parse.failed') return rpcError(res, 400, -32700, `Parse error: ${err.message}`);
    if (err.type === 'entity.too.large') {
      return rpcError(
        res,
        413,
        -32600,
        `Request body larger than ${deps.maxBodyBytes} bytes (gateway.max_body_bytes)`,
      );
    }
    // A client that hung up (or was cut off by body_timeout) mid-body has no one to answer.
    if (err.type === 'request.aborted') return void log.debug('request aborted mid-body');
    log.error({ err: err.message }, 'unhandled error serving /mcp');
    if (!res.headersSent) rpcError(res, err.status ?? 500, -32603, `Internal error: ${err.message}`);
  };
  app.use(failed);
  // POST /mcp, the hot path, skips the router: the same gates and handler in the same order as its route (no
  // layer before that route applies to it), with the request set up as express does and errors to `failed`.
  type Handle = (req: Request, res: Response, callback?: NextFunction) => void;
  const own = app as unknown as { handle: Handle };
  const handle = own.handle.bind(app);
  own.handle = (req, res, callback) => {
    if (req.method !== 'POST' || req.url !== '/mcp' || callback) return handle(req, res, callback);
    req.res = res;
    res.req = req;
    Object.setPrototypeOf(req, app.request);
    Object.setPrototypeOf(res, app.response);
    res.locals ??= Object.create(null) as Record<string, unknown>;
    req.originalUrl = req.url;
    req.baseUrl = '';
    req.params = {};
    chain(postMcpRoute, req, res, (err?: unknown) =>
      failed(err instanceof Error ? err : new Error(`POST /mcp not answered: ${String(err)}`), req, res),
    );
  };
  return app;
}
