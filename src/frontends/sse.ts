import { createHash } from 'node:crypto';
import {
  isJSONRPCNotification,
  isJSONRPCRequest,
  isJSONRPCResponse,
  type AuthInfo,
  type JSONRPCMessage,
} from '@modelcontextprotocol/server';
import type { Request, Response } from 'express';
import { log } from '../log.js';
import { sessionRefusal, setOf, type FrontendDeps } from './limits.js';
import { authOf, rpcError } from '../server/http/replies.js';
import { principalOf } from '../principal.js';
import type { LegacySseTransport } from './sse-transport.js';

type TransportClass = typeof LegacySseTransport;
/** The transport's module, imported on the first GET /sse. */
let loading: Promise<TransportClass> | undefined;
const loadTransport = (): Promise<TransportClass> =>
  (loading ??= import('./sse-transport.js').then((m) => m.LegacySseTransport));

/** Where clients of the legacy transport POST their messages (the `endpoint` event names it with the session). */
export const MESSAGES_PATH = '/messages';
/**
 * The Redis channel that carries a legacy SSE session's POSTs to the replica holding its stream. It names the
 * principal (hashed), so a POST by anyone else reaches no replica and is answered 404 where it landed, as a
 * POST for an unknown session is.
 */
function channel(sessionId: string, principal: string): string {
  return `sse:${sessionId}:${createHash('sha256').update(principal).digest('base64url').slice(0, 22)}`;
}
const NOT_FOUND = 'Session not found: it expired or was closed; open GET /sse again';

/**
 * The legacy HTTP+SSE transport (protocol 2024-11-05): `GET /sse` opens a session and its event stream
 * (the first event, `endpoint`, names `/messages?sessionId=…`); `POST /messages?sessionId=…` carries the
 * client's messages, answered 202, their responses arriving on the stream. A session belongs to the principal
 * that opened it and lives in the replica holding its stream; with Redis, POSTs reaching another replica are
 * forwarded to it.
 */
export class LegacySseFrontend {
  private readonly sessions = new Map<string, LegacySseTransport>();

  constructor(private readonly deps: FrontendDeps) {}

  /** Number of open legacy SSE sessions. */
  get size(): number {
    return this.sessions.size;
  }

  /** The transport class once loaded (the first GET /sse waits for it). */
  private transportClass?: TransportClass;

  /** The express handler of GET /sse, after the gates. */
  readonly stream = (req: Request, res: Response): void => {
    const auth = authOf(req);
    const refused = sessionRefusal(this.deps, auth);
    if (refused) return rpcError(res, 503, -32000, refused);
    if (this.transportClass) return this.open(this.transportClass, req, res, auth);
    loadTransport().then(
      (Transport) => {
        this.transportClass = Transport;
        // The client may have gone while the module loaded: nothing to open then.
        if (!res.destroyed) this.open(Transport, req, res, auth);
      },
      (err: unknown) => {
        log.error({ err: String(err) }, 'legacy SSE transport failed to load');
        rpcError(res, 500, -32603, 'Internal error: the legacy SSE transport failed to load');
      },
    );
  };

  /** Opens the session of a GET /sse: its transport, the cross-replica channel, the attached session. */
  private open(Transport: TransportClass, req: Request, res: Response, auth: AuthInfo | undefined): void {
    const transport = new Transport(principalOf(auth), auth, this.deps, res, MESSAGES_PATH);
    const id = transport.sessionId;
    this.sessions.set(id, transport);
    const cluster = this.deps.cluster;
    if (cluster) {
      // POSTs that land on another replica are published to this one, which holds the stream.
      const heldOn = channel(id, transport.principal);
      void cluster
        .holdStream(heldOn, (m) => this.forwarded(id, m))
        .catch((err: unknown) =>
          log.warn({ err: String(err) }, 'cannot receive /messages from other replicas'),
        );
      res.once('close', () => void cluster.releaseStream(heldOn).catch(() => {}));
    }
    this.deps.attached
      .open(transport, 'sse', auth, () => this.sessions.delete(id), setOf(req))
      .catch((err: unknown) => {
        this.sessions.delete(id);
        log.error({ err: String(err) }, 'legacy SSE session failed to start');
        if (!res.headersSent) rpcError(res, 500, -32603, `Internal error: ${String(err)}`);
        else res.end();
      });
  }

  /** The express handler of POST /messages, after the gates and body parsing. */
  readonly post = (req: Request, res: Response, next: (err?: unknown) => void): void => {
    const id = typeof req.query.sessionId === 'string' ? req.query.sessionId : undefined;
    if (!id)
      return rpcError(res, 400, -32000, 'Bad Request: missing sessionId query parameter (GET /sse first)');
    const body: unknown = req.body;
    if (Array.isArray(body)) {
      return rpcError(
        res,
        400,
        -32600,
        'Invalid Request: JSON-RPC batches are not supported by protocol 2024-11-05',
      );
    }
    const message = body as JSONRPCMessage;
    const messageId = (body as { id?: unknown } | null)?.id ?? null;
    if (!isJSONRPCRequest(message) && !isJSONRPCNotification(message) && !isJSONRPCResponse(message)) {
      return rpcError(res, 400, -32600, 'Invalid Request: not a JSON-RPC 2.0 message', messageId);
    }
    const transport = this.sessions.get(id);
    const principal = principalOf(authOf(req));
    if (!transport && this.deps.cluster) return void this.forward(id, principal, message, res, messageId);
    if (!transport || transport.principal !== principal) {
      // Another principal's session is answered like an unknown one: its existence is not revealed.
      if (transport) log.warn({ principal }, 'legacy SSE message refused: another principal');
      return rpcError(res, 404, -32001, NOT_FOUND, messageId);
    }
    transport.handlePostMessage(req, res, body).catch(next);
  };

  /** Publishes a message for a session held by another replica: 202 when one holds it for this principal, else 404. */
  private async forward(
    id: string,
    principal: string,
    message: JSONRPCMessage,
    res: Response,
    messageId: unknown,
  ): Promise<void> {
    let heard: boolean;
    try {
      heard = await this.deps.cluster!.toStream(channel(id, principal), { principal, message });
    } catch (err) {
      log.warn({ err: String(err) }, 'session store unreachable: cannot forward a /messages POST');
      return rpcError(res, 503, -32000, 'Session store (Redis) unreachable: retry later', messageId);
    }
    if (!heard) return rpcError(res, 404, -32001, NOT_FOUND, messageId);
    res.status(202).end('Accepted');
  }

  /** A message POSTed on another replica for a stream held here: checked like a local POST, then delivered. */
  private forwarded(id: string, payload: Record<string, unknown>): void {
    const transport = this.sessions.get(id);
    const message = payload.message as JSONRPCMessage;
    if (!transport || transport.principal !== payload.principal) {
      return log.warn(
        { principal: payload.principal },
        'forwarded legacy SSE message refused: another principal',
      );
    }
    transport.handleMessage(message, { authInfo: transport.auth }).catch((err: unknown) => {
      log.warn({ session: id, err: String(err) }, 'forwarded legacy SSE message refused');
    });
  }

  /** Ends every stream; their sessions close with the attached sessions. */
  async close(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(all.map((t) => t.close().catch(() => {})));
  }
}
