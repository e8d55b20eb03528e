import { ServerResponse, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { log } from '../../log.js';

/** The raw connection of an HTTP upgrade request, for the route that takes it over. */
export interface Upgrade {
  socket: Duplex;
  head: Buffer;
}

const UPGRADE = Symbol('upgrade');
type WithUpgrade = IncomingMessage & { [UPGRADE]?: Upgrade };

/** The connection of an upgrade request routed here by `routeUpgrades`, or undefined for a plain request. */
export function upgradeOf(req: IncomingMessage): Upgrade | undefined {
  return (req as WithUpgrade)[UPGRADE];
}

/**
 * Hands a request's connection over to its new protocol: from then on no HTTP response is written on it.
 * Returns undefined when the request is no upgrade or the connection has already been answered.
 */
export function takeUpgrade(req: IncomingMessage, res: ServerResponse): Upgrade | undefined {
  const upgrade = upgradeOf(req);
  if (!upgrade || res.headersSent) return undefined;
  res.detachSocket(upgrade.socket as Parameters<ServerResponse['detachSocket']>[0]);
  return upgrade;
}

/**
 * Routes HTTP upgrade requests (WebSocket) through the same request listener as plain requests, so that the
 * Origin, authentication, rate and drain gates answer them exactly as they answer /mcp: a refusal is an
 * ordinary HTTP response written on the connection, which is then closed. A route that accepts the upgrade
 * takes the connection with `takeUpgrade`.
 */
export function routeUpgrades(server: Server, app: RequestListener): void {
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', (err) => log.debug({ err: String(err) }, 'upgrade connection error'));
    // Node hands every Upgrade request here, bodies unread: only bodiless ones can go through the app.
    const body = req.headers['transfer-encoding'] || Number(req.headers['content-length'] ?? 0) > 0;
    if (body) {
      log.debug({ upgrade: req.headers.upgrade }, 'request refused: Upgrade with a body');
      const message = `Bad Request: Upgrade to "${req.headers.upgrade}" is not supported here; send the request without an Upgrade header`;
      const json = JSON.stringify({ jsonrpc: '2.0', error: { code: -32600, message }, id: null });
      socket.end(
        `HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(json)}\r\nConnection: close\r\n\r\n${json}`,
      );
      return;
    }
    (req as WithUpgrade)[UPGRADE] = { socket, head };
    const res = new ServerResponse(req);
    res.shouldKeepAlive = false;
    res.assignSocket(socket as Parameters<ServerResponse['assignSocket']>[0]);
    res.once('finish', () => {
      // A refusal was written: the connection carries nothing else.
      if (upgradeOf(req) && res.socket === socket) socket.end();
    });
    app(req, res);
  });
}
