import type { IncomingMessage } from 'node:http';
import type { AuthInfo, CallToolResult, Client, Tool } from '@modelcontextprotocol/client';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { AuthSettings } from '../../config/model.js';
import { META_TOOL_NAME, type Discovery } from '../../discovery/index.js';
import type { RouteTable } from '../../dispatch/dispatch.js';
import { log } from '../../log.js';
import { visibleTools, type Access } from '../../server/relay/handlers.js';
import type { Gates } from '../../server/http/app.js';
import { deeperThan } from '../../server/http/json-depth.js';
import { ArgumentValidator, describeErrors } from './arguments.js';
import { openApiDocument } from './openapi.js';
import {
  fromError,
  fromToolError,
  problem,
  problemsFromGates,
  sendProblem,
  type Problem,
} from './problem.js';
import { callTool, type CallOptions } from './stream.js';
import { withSession, type SessionFactory } from './session.js';

/** What the REST API reads from the gateway; every answer comes from the same logic as /mcp's. */
export interface RestDeps {
  /** A session server for a principal, built like a /mcp session's (handlers, peers, routing, policy). */
  session: SessionFactory;
  routes: RouteTable;
  access: Access;
  discovery?: Discovery;
  /** Client authentication settings (followed across reloads), for the OpenAPI security schemes. */
  auth(): AuthSettings;
  maxBodyBytes: number;
  maxJsonDepth: number;
  /** Where the API is served (default `/v1`, its OpenAPI document at /openapi.json; else at `<base>/openapi.json`). */
  base?: string;
  /** Adjusts the OpenAPI document (a tool set's paths and title). */
  describe?: (doc: ReturnType<typeof openApiDocument>) => ReturnType<typeof openApiDocument>;
}

type Authed = Request & { auth?: AuthInfo };
/** A tool as the REST API shows it: the MCP tool plus the backend serving it. */
type RestTool = Tool & { backend: string };

/** The backend name shown for the gateway's own tool (smart_tool_discovery). */
const GATEWAY_BACKEND = 'gateway';

/** Turns a rejected handler into a problem (or the app's error handler, for errors that are no problem of ours). */
const handle =
  (fn: (req: Authed, res: Response) => Promise<void>): RequestHandler =>
  (req, res, next) => {
    fn(req, res).catch((err: unknown) => {
      if (res.headersSent) return next(err);
      const p = fromError(err);
      if (p.code === 'internal_error') log.error({ path: req.path, err: p.detail }, 'REST request failed');
      sendProblem(res, p);
    });
  };

/** The body as an object (an empty body is `{}`), or undefined when it is not a JSON object. */
function objectBody(req: Request): Record<string, unknown> | undefined {
  const body: unknown = req.body ?? {};
  const isObject = typeof body === 'object' && body !== null && !Array.isArray(body);
  return isObject ? (body as Record<string, unknown>) : undefined;
}

const notObject = (what: string) =>
  problem('invalid_arguments', `the request body must be a JSON object (${what})`);

/**
 * The REST API: /v1/tools, /v1/discover, /v1/resources, /v1/prompts and /openapi.json, behind the same
 * gates as /mcp. Lists come from the principal's view; calls, reads and prompts run through an in-process
 * gateway session (same handlers, policy, dispatcher, queues and discovery as a /mcp session).
 */
export function restApi(deps: RestDeps): (gates: Gates) => express.Router {
  const validator = new ArgumentValidator();
  const grantOf = (req: Authed) => deps.access.grant(req.auth);

  /** Per visible list (one per snapshot and grant), the same tools with their backends. */
  const withBackends = new WeakMap<Tool[], RestTool[]>();
  const toolsOf = (req: Authed): RestTool[] => {
    const visible = visibleTools(deps.routes, deps.access, grantOf(req), deps.discovery);
    let tools = withBackends.get(visible);
    if (!tools) {
      const snapshot = deps.routes.snapshot();
      const backendOf = (name: string) => snapshot.toolsByName.get(name)?.backend ?? GATEWAY_BACKEND;
      tools = visible.map((t) => ({ ...t, backend: backendOf(t.name) }));
      withBackends.set(visible, tools);
    }
    return tools;
  };
  const view = (req: Authed) => deps.access.views.view(deps.routes.snapshot(), grantOf(req));
  const session = <T>(req: Authed, use: (client: Client) => Promise<T>) =>
    withSession(deps.session, req as IncomingMessage & { auth?: AuthInfo }, use);

  /** A tool this caller may not see: 403 when it exists but the policy hides it, else 404. */
  const missingTool = (req: Authed, name: string): Problem => {
    const entry = deps.routes.snapshot().toolsByName.get(name);
    if (entry && !grantOf(req).tool(name, entry.backend)) {
      const why = `tool "${name}" is not permitted for this client (gateway.auth.policies)`;
      return problem('not_permitted', why, { backend: entry.backend });
    }
    return problem('unknown_tool', `Unknown tool: ${name}`);
  };

  const listTools = handle(async (req, res) => void res.json({ tools: toolsOf(req) }));

  const getTool = handle(async (req, res) => {
    const name = String(req.params.name);
    const tool = toolsOf(req).find((t) => t.name === name);
    if (!tool) return sendProblem(res, missingTool(req, name));
    res.json(tool);
  });

  const call = handle(async (req, res) => {
    const name = String(req.params.name);
    const args = objectBody(req);
    if (!args) return sendProblem(res, notObject('the tool arguments'));
    const tool = toolsOf(req).find((t) => t.name === name);
    // Names not in the caller's view are still called: the dispatcher says why (unknown, not permitted, down).
    if (tool) {
      const errors = validator.check(deps.routes.snapshot().version, tool, args);
      if (errors.length)
        return sendProblem(res, problem('invalid_arguments', describeErrors(name, errors), { errors }));
    }
    const opts: CallOptions = {
      name,
      args,
      stream: req.accepts(['application/json', 'text/event-stream']) === 'text/event-stream',
    };
    await session(req, (client) => callTool(client, res, opts));
  });

  const discover = handle(async (req, res) => {
    const body = objectBody(req);
    if (!body) return sendProblem(res, notObject('{"query": string, "limit"?: number, "backend"?: string}'));
    const { query, limit, backend } = body;
    const bad = (why: string) => sendProblem(res, problem('bad_request', why));
    if (typeof query !== 'string' || !query.trim()) return bad('"query" must be a non-empty string');
    if (limit !== undefined && (!Number.isInteger(limit) || (limit as number) < 1 || (limit as number) > 50))
      return bad('"limit" must be an integer from 1 to 50');
    if (backend !== undefined && typeof backend !== 'string') return bad('"backend" must be a string');
    if (!deps.discovery?.handles(META_TOOL_NAME))
      return sendProblem(
        res,
        problem('discovery_off', 'smart discovery is off (gateway.discovery.expose: none)'),
      );
    // The meta-tool's search, as a /mcp client would run it: same ranking, policy filter and backend check.
    const args = {
      request: query,
      ...(limit !== undefined && { limit }),
      ...(backend !== undefined && { backend }),
    };
    const result = (await session(req, (client) =>
      client.callTool({ name: META_TOOL_NAME, arguments: args }),
    )) as CallToolResult;
    const report = result.structuredContent as
      | { tools: { name: string; backend: string; description: string; score: number }[]; note?: string }
      | undefined;
    if (result.isError || !report) return sendProblem(res, fromToolError(result) ?? toolProblem(result));
    const results = report.tools.map(({ name, backend: b, description, score }) => ({
      name,
      backend: b,
      description,
      score,
    }));
    res.json({ results, ...(report.note && { note: report.note }) });
  });

  const listResources = handle(async (req, res) => {
    const v = view(req);
    res.json({ resources: v.resources, resourceTemplates: v.templates });
  });

  const readResource = handle(async (req, res) => {
    const uri = req.query.uri;
    if (typeof uri !== 'string' || !uri)
      return sendProblem(res, problem('bad_request', 'give the resource as ?uri=…'));
    res.json(await session(req, (client) => client.readResource({ uri })));
  });

  const listPrompts = handle(async (req, res) => void res.json({ prompts: view(req).prompts }));

  const getPrompt = handle(async (req, res) => {
    const name = String(req.params.name);
    const args = objectBody(req);
    if (!args) return sendProblem(res, notObject('the prompt arguments'));
    const prompt = view(req).prompts.find((p) => p.name === name);
    if (prompt) {
      const errors = promptErrors(prompt.arguments ?? [], args);
      if (errors.length) {
        const detail = `arguments of prompt "${name}": ${errors.map((e) => e.message).join('; ')}`;
        return sendProblem(res, problem('invalid_arguments', detail, { errors }));
      }
    }
    const strings = args as Record<string, string>;
    res.json(await session(req, (client) => client.getPrompt({ name, arguments: strings })));
  });

  const openapi = handle(async (req, res) => {
    const doc = openApiDocument(toolsOf(req), deps.auth());
    res.json(deps.describe ? deps.describe(doc) : doc);
  });
  const v1 = deps.base ?? '/v1';

  return (gates) => {
    const router = express.Router();
    const before = [problemsFromGates, gates.guard, gates.auth, gates.rate, gates.drain.request];
    const body = [
      express.json({ limit: deps.maxBodyBytes, type: () => true }),
      (req: Request, res: Response, next: NextFunction) => {
        if (!deeperThan(req.body, deps.maxJsonDepth)) return next();
        sendProblem(
          res,
          problem(
            'bad_request',
            `JSON nested deeper than ${deps.maxJsonDepth} levels (gateway.max_json_depth)`,
          ),
        );
      },
    ];
    const routes: [string, 'get' | 'post', RequestHandler][] = [
      [`${v1}/tools`, 'get', listTools],
      [`${v1}/tools/:name`, 'get', getTool],
      [`${v1}/tools/:name/call`, 'post', call],
      [`${v1}/discover`, 'post', discover],
      [`${v1}/resources`, 'get', listResources],
      [`${v1}/resources/read`, 'get', readResource],
      [`${v1}/prompts`, 'get', listPrompts],
      [`${v1}/prompts/:name`, 'post', getPrompt],
      [deps.base ? `${deps.base}/openapi.json` : '/openapi.json', 'get', openapi],
    ];
    for (const [path, method, fn] of routes) {
      router.options(path, problemsFromGates, gates.guard, (_req, res) => {
        res.setHeader('Access-Control-Allow-Methods', `${method.toUpperCase()}, OPTIONS`);
        res.setHeader('Access-Control-Allow-Headers', 'Content-Type, Accept, Authorization, X-API-Key');
        res.status(204).end();
      });
      if (method === 'get') router.get(path, ...before, fn);
      else router.post(path, ...before, ...body, fn);
      router.all(path, (_req, res) => {
        res.setHeader('Allow', `${method.toUpperCase()}, OPTIONS`);
        const shown = path.replace(':name', '{name}');
        sendProblem(res, problem('method_not_allowed', `${shown} takes ${method.toUpperCase()}`));
      });
    }
    return router;
  };
}

/** The problem of a failed tool result, or a generic one. */
function toolProblem(result: CallToolResult): Problem {
  const text = result.content.find((c) => c.type === 'text');
  return problem('internal_error', text && 'text' in text ? text.text : 'the discovery search failed');
}

/** Prompt arguments are strings, and the required ones must be given. */
function promptErrors(
  declared: { name: string; required?: boolean }[],
  args: Record<string, unknown>,
): { path: string; message: string }[] {
  const errors: { path: string; message: string }[] = [];
  for (const [k, v] of Object.entries(args)) {
    if (typeof v !== 'string') errors.push({ path: `/${k}`, message: `"${k}" must be a string` });
  }
  for (const a of declared) {
    if (a.required && args[a.name] === undefined)
      errors.push({ path: '', message: `required argument "${a.name}" is missing` });
  }
  return errors;
}
