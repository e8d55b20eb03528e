import type express from 'express';
import type { AuthInfo } from '@modelcontextprotocol/server';
import type { ConnectFlows } from '../backends/credentials/connect-flows.js';
import { connectPages, type BrowserIdentity } from './connect-pages.js';
import { connectionsStartRouter } from './rest/connections-start.js';
import type { Gates } from '../server/http/app.js';
import { LegacySseFrontend, MESSAGES_PATH } from './sse.js';
import { subprotocolCredential, type WebSocketFrontend } from './ws.js';

/** The paths besides /mcp that clients use: these frontends, the REST API and its description. */
export const FRONTEND_PATHS = ['/ws', '/sse', MESSAGES_PATH, '/v1', '/openapi.json'];

/** Mounts `GET /ws`, `GET /sse` and `POST /messages` behind the same gates, in the same order, as /mcp. */
export function mountFrontends(
  app: express.Express,
  gates: Gates,
  ws: WebSocketFrontend,
  sse: LegacySseFrontend,
): void {
  const { guard, auth, rate, body, drain, toolset } = gates;
  app.get(['/ws', '/ws/:toolset'], guard, subprotocolCredential, auth, rate, drain.get, toolset, ws.handle);
  app.get(['/sse', '/sse/:toolset'], guard, auth, rate, drain.get, toolset, sse.stream);
  app.post(MESSAGES_PATH, guard, auth, rate, ...body, drain.post, sse.post);
  app.options(['/sse', '/sse/:toolset', MESSAGES_PATH], guard, (_req, res) => {
    res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
    res.setHeader('Access-Control-Allow-Headers', 'Content-Type, Accept, Authorization, X-API-Key');
    res.status(204).end();
  });
}

/** Mounts the connect pages (/connect) and `POST /v1/me/connections/{backend}` of authorization_code backends. */
export function mountConnect(
  app: express.Express,
  gates: Gates,
  stores: { flows(): ConnectFlows } | undefined,
  access: { grant(auth: AuthInfo | undefined): { backend(name: string): boolean } },
  identity?: BrowserIdentity,
): void {
  if (!stores) return;
  const flows = () => stores.flows();
  app.use(connectPages(flows, identity));
  app.use(
    '/v1',
    connectionsStartRouter(flows, (auth, b) => access.grant(auth).backend(b), gates),
  );
}
