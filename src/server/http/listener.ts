import { createServer, type RequestListener, type Server, type ServerOptions } from 'node:http';
import { routeUpgrades } from './upgrade.js';
import type { GatewaySettings } from '../../config/model.js';

/**
 * Node's timeouts for receiving a request, from the gateway settings. `requestTimeout` only covers the
 * request (headers and body); a response or SSE stream sent after the request has fully arrived is not cut.
 */
export function listenerOptions(
  g: Pick<GatewaySettings, 'headerTimeoutMs' | 'bodyTimeoutMs'>,
): ServerOptions {
  const body = g.bodyTimeoutMs;
  // Node refuses headersTimeout > requestTimeout when the latter is set; headers are part of the request.
  const headers = body > 0 ? Math.min(g.headerTimeoutMs, body) : g.headerTimeoutMs;
  const shortest = body > 0 ? Math.min(headers, body) : headers;
  return {
    headersTimeout: headers,
    requestTimeout: body,
    keepAliveTimeout: 65_000,
    // Node only looks for expired requests this often (default 30 s), so short timeouts need a shorter check.
    connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(shortest / 2))),
  };
}

/** An HTTP server for the express app with the gateway's request timeouts. */
export function createListener(
  g: Pick<GatewaySettings, 'headerTimeoutMs' | 'bodyTimeoutMs'>,
  app: RequestListener,
): Server {
  return createServer(listenerOptions(g), app);
}

/** Listens on the gateway's host and port with the express app, upgrade requests (WebSocket) routed through it. */
export async function listen(
  g: Pick<GatewaySettings, 'headerTimeoutMs' | 'bodyTimeoutMs' | 'host' | 'port'>,
  app: RequestListener,
): Promise<Server> {
  const server = createListener(g, app);
  routeUpgrades(server, app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(g.port, g.host, () => resolve());
  });
  return server;
}
