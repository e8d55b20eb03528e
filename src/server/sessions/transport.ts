import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  isJsonContentType,
  SUPPORTED_PROTOCOL_VERSIONS,
  type AuthInfo,
  type JSONRPCMessage,
  type MessageExtraInfo,
  type RequestId,
  type Transport,
  type TransportSendOptions,
} from '@modelcontextprotocol/server';
import { kindOf } from '../../jsonrpc-kind.js';
import { CollectingOutlet, SseOutlet, type Outlet } from './sse-outlet.js';
import { authOf, rawRpcError } from '../http/replies.js';

/** Where a session's messages go when they are not this replica's to deliver (set in cluster mode). */
export interface SessionRouting {
  /** The id a request to the client is sent with: it names this replica, so any replica can route the answer. */
  tagRequestId(id: string | number): string;
  /** Handles a message meant for the GET stream when this replica does not hold it; true = handled. */
  elsewhere(message: JSONRPCMessage): boolean;
}

/** Session life-cycle callbacks (as the SDK's Streamable HTTP server transport takes them). */
export interface SessionTransportOptions {
  /** The id a new session gets on initialize (a replica taking a session up returns the known one). */
  sessionIdGenerator: () => string;
  onsessioninitialized?: (id: string) => void | Promise<void>;
  onsessionclosed?: (id: string) => void | Promise<void>;
}

/** One POST exchange: the requests it carried and the answers sent so far. */
interface Exchange {
  outlet: Outlet;
  ids: RequestId[];
  answered: Set<RequestId>;
}

type Json = Record<string, unknown>;

/** The web `Request` the SDK hands handlers as `ctx.http.req`: only its headers are read, built on demand. */
function requestView(req: IncomingMessage): Request {
  let headers: Headers | undefined;
  return {
    get headers() {
      if (!headers) {
        headers = new Headers();
        for (const [name, value] of Object.entries(req.headers)) {
          if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
        }
      }
      return headers;
    },
  } as Request;
}

/**
 * The 2025-11-25 Streamable HTTP server side of one session, as an SDK `Transport` on Node's own request and
 * response objects: the same wire behaviour as the SDK's transport (status codes, messages, SSE framing, one
 * GET stream, DELETE) without converting every request to a web `Request` and back. For replicas, requests
 * to the client carry this replica's tag in their id, and messages for a GET stream held by another replica
 * go to `routing` instead of being dropped.
 */
export class SessionTransport implements Transport {
  sessionId?: string;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage, extra?: MessageExtraInfo) => void;
  routing?: SessionRouting;
  private started = false;
  private initialized = false;
  private closed = false;
  private supported: string[] = SUPPORTED_PROTOCOL_VERSIONS;
  private standalone?: Outlet;
  /** Client request id → the exchange its answer goes to. */
  private readonly exchanges = new Map<RequestId, Exchange>();

  constructor(private readonly options: SessionTransportOptions) {}

  /** Whether a request of the client is being served (its answer not yet sent). */
  get busy(): boolean {
    return this.exchanges.size > 0;
  }

  async start(): Promise<void> {
    if (this.started) throw new Error('Transport already started');
    this.started = true;
  }

  /** Called by the SDK server on connect: the versions a request's MCP-Protocol-Version header may name. */
  setSupportedProtocolVersions(versions: string[]): void {
    this.supported = versions;
  }

  /** Serves one HTTP request of the session (POST, GET or DELETE); `parsedBody` is the POST's JSON. */
  async handleNode(req: IncomingMessage, res: ServerResponse, parsedBody?: unknown): Promise<void> {
    if (this.closed) return rawRpcError(res, 404, -32001, 'Session not found');
    const authInfo = authOf(req);
    switch (req.method) {
      case 'POST':
        return this.post(req, res, parsedBody, authInfo);
      case 'GET':
        return this.get(req, res);
      case 'DELETE':
        return this.delete(req, res);
      default:
        res.setHeader('allow', 'GET, POST, DELETE');
        return rawRpcError(res, 405, -32000, 'Method not allowed.');
    }
  }

  private async post(
    req: IncomingMessage,
    res: ServerResponse,
    body: unknown,
    authInfo: AuthInfo | undefined,
  ): Promise<void> {
    const accept = req.headers.accept;
    if (!accept?.includes('application/json') || !accept.includes('text/event-stream')) {
      return this.refuse(
        res,
        406,
        -32000,
        'Not Acceptable: Client must accept both application/json and text/event-stream',
      );
    }
    if (!isJsonContentType(req.headers['content-type'] ?? null)) {
      return this.refuse(res, 415, -32000, 'Unsupported Media Type: Content-Type must be application/json');
    }
    const messages = (Array.isArray(body) ? body : [body]) as JSONRPCMessage[];
    if (messages.length > 100) {
      return this.refuse(res, 400, -32600, 'Invalid Request: Batch must not exceed 100 messages');
    }
    const kinds = messages.map(kindOf);
    if (kinds.includes(undefined)) {
      return this.refuse(res, 400, -32700, 'Parse error: Invalid JSON-RPC message');
    }
    const initializing = messages.some(
      (m, i) => kinds[i] === 'request' && (m as Json).method === 'initialize',
    );
    if (initializing) {
      if (this.initialized && this.sessionId !== undefined) {
        return this.refuse(res, 400, -32600, 'Invalid Request: Server already initialized');
      }
      if (messages.length > 1) {
        return this.refuse(res, 400, -32600, 'Invalid Request: Only one initialization request is allowed');
      }
      await this.initialize(this.options.sessionIdGenerator());
    } else if (!this.checkSession(req, res)) return;
    if (this.closed) return rawRpcError(res, 404, -32001, 'Session not found');
    const extra: MessageExtraInfo = { authInfo, request: requestView(req) };
    if (!kinds.includes('request')) {
      for (const m of messages) this.onmessage?.(m, extra);
      res.writeHead(202).end();
      return;
    }
    const exchange: Exchange = {
      // The client accepts both (checked above): an answer ready before anything else goes as plain JSON.
      outlet: new SseOutlet(res, this.sessionId, false, undefined, true),
      ids: [],
      answered: new Set(),
    };
    for (let i = 0; i < messages.length; i++) {
      if (kinds[i] !== 'request') continue;
      const id = (messages[i] as { id: RequestId }).id;
      exchange.ids.push(id);
      this.exchanges.set(id, exchange);
    }
    for (const m of messages) this.onmessage?.(m, extra);
  }

  private async initialize(id: string): Promise<void> {
    this.sessionId = id;
    this.initialized = true;
    await this.options.onsessioninitialized?.(id);
  }

  private get(req: IncomingMessage, res: ServerResponse): void {
    if (!req.headers.accept?.includes('text/event-stream')) {
      return this.refuse(res, 406, -32000, 'Not Acceptable: Client must accept text/event-stream');
    }
    if (!this.checkSession(req, res)) return;
    if (this.standalone) {
      return this.refuse(res, 409, -32000, 'Conflict: Only one SSE stream is allowed per session');
    }
    const outlet: Outlet = new SseOutlet(res, this.sessionId, true, () => {
      if (this.standalone === outlet) this.standalone = undefined;
    });
    this.standalone = outlet;
  }

  private async delete(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!this.checkSession(req, res)) return;
    try {
      await this.options.onsessionclosed?.(this.sessionId!);
      res.writeHead(200).end();
    } finally {
      await this.close();
    }
  }

  /** The session and protocol-version checks of every request but initialize; false = answered with an error. */
  private checkSession(req: IncomingMessage, res: ServerResponse): boolean {
    if (!this.initialized) {
      this.refuse(res, 400, -32000, 'Bad Request: Server not initialized');
      return false;
    }
    const id = req.headers['mcp-session-id'];
    if (!id) {
      this.refuse(res, 400, -32000, 'Bad Request: Mcp-Session-Id header is required');
      return false;
    }
    if (id !== this.sessionId) {
      this.refuse(res, 404, -32001, 'Session not found');
      return false;
    }
    const version = req.headers['mcp-protocol-version'];
    if (typeof version === 'string' && !this.supported.includes(version)) {
      const message = `Bad Request: Unsupported protocol version: ${version} (supported versions: ${this.supported.join(', ')})`;
      this.refuse(res, 400, -32000, message);
      return false;
    }
    return true;
  }

  private refuse(res: ServerResponse, status: number, code: number, message: string): void {
    this.onerror?.(new Error(message));
    rawRpcError(res, status, code, message);
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    const routing = this.routing;
    const kind = kindOf(message);
    let out = message;
    if (routing) {
      if (kind === 'request')
        out = { ...message, id: routing.tagRequestId((message as { id: RequestId }).id) };
      const related = options?.relatedRequestId !== undefined || kind === 'response';
      if (!related && routing.elsewhere(out)) return;
    }
    const response = kind === 'response';
    this.deliver(out, response ? (out as { id: RequestId }).id : options?.relatedRequestId, response);
  }

  /** Writes a message to the exchange of the request it relates to, or to the GET stream. */
  private deliver(message: JSONRPCMessage, requestId: RequestId | undefined, response: boolean): void {
    if (requestId === undefined) {
      if (response) {
        throw new Error(
          'Cannot send a response on a standalone SSE stream unless resuming a previous client request',
        );
      }
      this.standalone?.write(message, false);
      return;
    }
    const exchange = this.exchanges.get(requestId);
    if (!exchange) throw new Error(`No connection established for request ID: ${String(requestId)}`);
    if (!response) return exchange.outlet.write(message, false);
    exchange.answered.add(requestId);
    const last = exchange.ids.every((id) => exchange.answered.has(id));
    if (!exchange.outlet.open) {
      this.onerror?.(
        new Error(
          `Response for request ID ${String(requestId)} is undeliverable: the client closed its stream`,
        ),
      );
    } else exchange.outlet.write(message, last);
    if (last) for (const id of exchange.ids) this.exchanges.delete(id);
  }

  /** Writes a message from another replica to this replica's GET stream (dropped if there is none). */
  async toStream(message: JSONRPCMessage): Promise<void> {
    this.standalone?.write(message, false);
  }

  /** Hands a message to the session's server as if the client had posted it (a routed answer). */
  receive(message: JSONRPCMessage): void {
    this.onmessage?.(message);
  }

  /** Answers every request still running with an error (this replica is stopping), before closing. */
  async failPending(message: string): Promise<void> {
    for (const id of [...this.exchanges.keys()]) {
      this.deliver({ jsonrpc: '2.0', id, error: { code: -32603, message } }, id, true);
    }
  }

  /**
   * Brings a fresh transport and server to the state of a session initialized elsewhere: the recorded
   * `initialize` and `notifications/initialized` go through the SDK server's own state machine (the id
   * generator returns the known id), and the answers are discarded.
   */
  async replay(id: string, init: Record<string, unknown>, authInfo?: AuthInfo): Promise<void> {
    if (this.options.sessionIdGenerator() !== id) throw new Error('replaying initialize failed: session id');
    await this.initialize(id);
    const requestId = `takeover:${id}`;
    const outlet = new CollectingOutlet();
    this.exchanges.set(requestId, { outlet, ids: [requestId], answered: new Set() });
    this.onmessage?.({ jsonrpc: '2.0', id: requestId, method: 'initialize', params: init }, { authInfo });
    await outlet.done;
    const answer = outlet.messages.at(-1) as Json | undefined;
    if (!answer || 'error' in answer)
      throw new Error(`replaying initialize failed: ${JSON.stringify(answer)}`);
    this.onmessage?.({ jsonrpc: '2.0', method: 'notifications/initialized' }, { authInfo });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const exchange of new Set(this.exchanges.values())) exchange.outlet.end();
    this.exchanges.clear();
    this.standalone?.end();
    this.standalone = undefined;
    this.onclose?.();
  }
}
