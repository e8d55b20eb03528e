import { Server, type AuthInfo, type ServerOptions } from '@modelcontextprotocol/server';
import type { Grant } from '../../registry/grant.js';
import { VERSION } from '../../version.js';
import { installHandlers, type HandlerDeps } from '../relay/handlers.js';

/** What the downstream MCP servers of sessions and requests are built from. */
export interface SessionServerDeps extends HandlerDeps {
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
  installHandlers(server, deps, requestId);
  return server;
}

/** Makes downstream servers: `requestId` for one 2026-07-28 request, else a 2025 session's, for a principal. */
export type SessionServerFactory = (requestId: string | undefined, auth: AuthInfo | undefined) => Server;

/** The factory every session, attached transport, 2026 request and REST call gets its server from. */
export function sessionServers(deps: SessionServerDeps): SessionServerFactory {
  return (requestId, auth) => sessionServer(deps, requestId, auth);
}
