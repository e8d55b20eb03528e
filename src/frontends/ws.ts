import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import type { WebSocketServer } from 'ws';
import { log } from '../log.js';
import { takeUpgrade } from '../server/http/upgrade.js';
import { sessionRefusal, setOf, type FrontendDeps } from './limits.js';
import { WebSocketSessionTransport, type SocketTiming } from './ws-transport.js';
import { authOf, rpcError } from '../server/http/replies.js';
import { principalOf } from '../principal.js';

/** The WebSocket subprotocol of MCP, which the gateway selects. */
export const MCP_SUBPROTOCOL = 'mcp';
/** Prefix of the subprotocol entry that carries a browser's credential: `bearer.<token>`. */
export const BEARER_SUBPROTOCOL_PREFIX = 'bearer.';

/** Default ping interval and re-attach grace period. */
export const WS_TIMING: SocketTiming = { pingMs: 30_000, graceMs: 120_000 };

function offered(req: IncomingMessage): string[] {
  const header = req.headers['sec-websocket-protocol'];
  return (header ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
}

/**
 * Browsers cannot set headers on a WebSocket: they offer `bearer.<token>` in the subprotocol list instead.
 * Runs before the auth gate; a request that also sends Authorization or X-API-Key keeps those.
 */
export function subprotocolCredential(req: Request, _res: Response, next: NextFunction): void {
  const entry = offered(req).find((p) => p.startsWith(BEARER_SUBPROTOCOL_PREFIX));
  if (entry && !req.headers.authorization && !req.headers['x-api-key']) {
    req.headers.authorization = `Bearer ${entry.slice(BEARER_SUBPROTOCOL_PREFIX.length)}`;
  }
  next();
}

/**
 * `GET /ws`: MCP over a WebSocket, after the Origin, auth, rate and drain gates of /mcp. A new connection
 * opens a session (bound to the authenticated principal); `?session=<id>` re-attaches the same principal to
 * a session whose socket dropped (or replaces its socket), within the grace period.
 */
export class WebSocketFrontend {
  /** Made on the first GET /ws: the ws package is loaded only by gateways that get WebSocket clients. */
  private wss?: WebSocketServer;
  private loading?: Promise<WebSocketServer>;
  private readonly sessions = new Map<string, WebSocketSessionTransport>();
  /** The tool set each session serves ('' for the whole catalog), checked on re-attach. */
  private readonly sets = new Map<string, string>();

  constructor(
    private readonly deps: FrontendDeps,
    private readonly timing: SocketTiming = WS_TIMING,
  ) {}

  private server(): Promise<WebSocketServer> {
    this.loading ??= import('ws').then(({ WebSocketServer }) => {
      const wss = new WebSocketServer({
        noServer: true,
        // Sockets are tracked by their sessions (a socket between sessions does not hold shutdown up).
        clientTracking: false,
        // Frames up to twice the limit get a JSON-RPC error and the session goes on; larger ones close the socket (1009).
        maxPayload: 2 * this.deps.maxBodyBytes,
        perMessageDeflate: false,
        handleProtocols: (protocols) => (protocols.has(MCP_SUBPROTOCOL) ? MCP_SUBPROTOCOL : false),
      });
      wss.on('headers', (headers, req) => {
        const id = (req as IncomingMessage & { wsSession?: string }).wsSession;
        if (id) headers.push(`Mcp-Session-Id: ${id}`);
      });
      return (this.wss = wss);
    });
    return this.loading;
  }

  private forget(id: string): void {
    this.sessions.delete(id);
    this.sets.delete(id);
  }

  /** Number of WebSocket sessions (attached or waiting for re-attach). */
  get size(): number {
    return this.sessions.size;
  }

  /** The express handler of GET /ws, after the gates. */
  readonly handle = (req: Request, res: Response): void => {
    if (!this.wss && req.headers.upgrade?.toLowerCase() === 'websocket') {
      // The first upgrade waits for the ws package; the request is then handled from the start.
      this.server().then(
        () => this.handle(req, res),
        (err: unknown) => {
          log.error({ err: String(err) }, 'WebSocket server failed to load');
          rpcError(res, 500, -32603, 'Internal error: the WebSocket server failed to load');
        },
      );
      return;
    }
    if (req.headers.upgrade?.toLowerCase() !== 'websocket') {
      res.setHeader('Upgrade', 'websocket');
      return rpcError(res, 426, -32000, 'Upgrade Required: GET /ws takes a WebSocket upgrade');
    }
    const protocols = offered(req);
    if (protocols.length && !protocols.includes(MCP_SUBPROTOCOL)) {
      return rpcError(res, 400, -32000, `Bad Request: offer the "${MCP_SUBPROTOCOL}" WebSocket subprotocol`);
    }
    const auth = authOf(req);
    const principal = principalOf(auth);
    const wanted = typeof req.query.session === 'string' ? req.query.session : undefined;
    let session: WebSocketSessionTransport | undefined;
    if (wanted !== undefined) {
      session = this.sessions.get(wanted);
      // Another principal's session is answered like an unknown one: its existence is not revealed.
      if (session && session.principal !== principal) {
        log.warn({ principal }, 'websocket re-attach refused: another principal');
        session = undefined;
      }
      // A session of another tool set (or of the whole catalog) is unknown on this path.
      if (session && this.sets.get(wanted) !== setOf(req)) session = undefined;
      if (!session) {
        return rpcError(
          res,
          404,
          -32001,
          'Session not found: it expired or was closed; connect without ?session',
        );
      }
    } else {
      const refused = sessionRefusal(this.deps, auth);
      if (refused) return rpcError(res, 503, -32000, refused);
    }
    const upgrade = takeUpgrade(req, res);
    if (!upgrade) return;
    const id = session?.sessionId ?? `ws:${randomUUID()}`;
    (req as IncomingMessage & { wsSession?: string }).wsSession = id;
    this.wss!.handleUpgrade(req, upgrade.socket, upgrade.head, (socket) => {
      if (session) {
        log.info({ session: id, principal }, 'websocket re-attached');
        return session.attach(socket, auth, true);
      }
      const transport = new WebSocketSessionTransport(id, principal, auth, this.deps, this.timing);
      this.sessions.set(id, transport);
      this.sets.set(id, setOf(req));
      transport.attach(socket, auth, false);
      this.deps.attached
        .open(transport, 'ws', auth, () => this.forget(id), setOf(req))
        .catch((err: unknown) => {
          log.error({ err: String(err) }, 'websocket session failed to start');
          this.forget(id);
          void transport.close(1011, 'session failed to start');
        });
    });
  };

  /** Closes every WebSocket (1001, going away); their sessions close with the attached sessions. */
  async close(): Promise<void> {
    await Promise.all([...this.sessions.values()].map((s) => s.close(1001, 'switchboard shutting down')));
    this.sessions.clear();
    this.sets.clear();
    this.wss?.close();
  }
}
