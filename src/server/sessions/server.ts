import { Server, type AuthInfo, type ServerOptions } from '@modelcontextprotocol/server';
import type { Discovery } from '../../discovery/index.js';
import type { Dispatcher, RouteTable } from '../../dispatch/dispatch.js';
import type { Grant } from '../../registry/grant.js';
import type { Telemetry } from '../../telemetry/recorder.js';
import { VERSION } from '../../version.js';
import { installHandlers, type Access } from '../relay/handlers.js';
import type { Peers } from '../relay/peers.js';
import type { InputSupport } from '../relay/relayed.js';

/** What the downstream MCP servers of sessions and requests are built from. */
export interface SessionServerDeps {
  routes: RouteTable;
  dispatcher: Dispatcher;
  peers: Peers;
  input: InputSupport;
  access: Access;
  discovery: Discovery;
  telemetry: Telemetry;
  /** The instructions a new session of a principal (its grant) gets. */
  instructions(grant: Grant): string | undefined;
  /** The 2026-07-28 cache hints of list results. */
  cacheHints(): ServerOptions['cacheHints'];
}

/** A downstream server: one per 2025 session, or one per 2026-07-28 request (`requestId`), for a principal. */
export function sessionServer(deps: SessionServerDeps, requestId?: string, auth?: AuthInfo): Server {
  const grant = deps.access.grant(auth);
  const server = new Server(
    { name: 'mcp-switchboard', title: 'switchboard MCP gateway', version: VERSION },
    {
      capabilities: {
        tools: { listChanged: true },
        resources: { subscribe: true, listChanged: true },
        prompts: { listChanged: true },
        completions: {},
        logging: {},
      },
      instructions: deps.instructions(grant),
      ...(requestId && { cacheHints: deps.cacheHints() }),
    },
  );
  const { routes, dispatcher, peers, input, access, discovery, telemetry } = deps;
  installHandlers(server, routes, dispatcher, peers, input, access, discovery, requestId, telemetry);
  return server;
}
