import type { IncomingMessage, ServerResponse } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import {
  isJSONRPCRequest,
  isJSONRPCResponse,
  WebStandardStreamableHTTPServerTransport,
  type AuthInfo,
  type JSONRPCMessage,
  type TransportSendOptions,
} from '@modelcontextprotocol/server';

/** Where a session's messages go when they are not this replica's to deliver (set in cluster mode). */
export interface SessionRouting {
  /** The id a request to the client is sent with: it names this replica, so any replica can route the answer. */
  tagRequestId(id: string | number): string;
  /** Handles a message meant for the GET stream when this replica does not hold it; true = handled. */
  elsewhere(message: JSONRPCMessage): boolean;
}

const LOCAL = 'http://switchboard.session/mcp';
const POST_HEADERS = { accept: 'application/json, text/event-stream', 'content-type': 'application/json' };

/**
 * The SDK's web-standard Streamable HTTP server transport, served to Node the way the SDK's Node transport
 * does, with two additions for replicas: requests to the client carry this replica's tag in their id, and
 * messages for a GET stream held by another replica are handed to `routing` instead of being dropped.
 */
export class SessionTransport extends WebStandardStreamableHTTPServerTransport {
  routing?: SessionRouting;
  /** Client requests received and not yet answered: a replica that stops answers them with an error. */
  private readonly pending = new Map<string | number, true>();

  /** Serves one Node request (as NodeStreamableHTTPServerTransport.handleRequest does). */
  async handleNode(req: IncomingMessage, res: ServerResponse, parsedBody?: unknown): Promise<void> {
    const authInfo = (req as IncomingMessage & { auth?: AuthInfo }).auth;
    if (isJSONRPCRequest(parsedBody)) this.pending.set(parsedBody.id, true);
    await getRequestListener((request) => this.handleRequest(request, { authInfo, parsedBody }), {
      overrideGlobalObjects: false,
    })(req, res);
  }

  override async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    if (isJSONRPCResponse(message) && message.id !== undefined) this.pending.delete(message.id);
    const routing = this.routing;
    if (!routing) return super.send(message, options);
    const out = isJSONRPCRequest(message) ? { ...message, id: routing.tagRequestId(message.id) } : message;
    const related = options?.relatedRequestId !== undefined || isJSONRPCResponse(out);
    if (!related && routing.elsewhere(out)) return;
    return super.send(out, options);
  }

  /** Writes a message from another replica to this replica's GET stream (dropped if there is none). */
  async toStream(message: JSONRPCMessage): Promise<void> {
    await super.send(message);
  }

  /** Hands a message to the session's server as if the client had posted it (a routed answer). */
  receive(message: JSONRPCMessage): void {
    this.onmessage?.(message);
  }

  /** Answers every request still running with an error (this replica is stopping), before closing. */
  async failPending(message: string): Promise<void> {
    const ids = [...this.pending.keys()];
    this.pending.clear();
    await Promise.all(
      ids.map((id) => super.send({ jsonrpc: '2.0', id, error: { code: -32603, message } }).catch(() => {})),
    );
  }

  /**
   * Brings a fresh transport and server to the state of a session initialized elsewhere: the recorded
   * `initialize` and `notifications/initialized` go through the SDK's own state machine (the generator
   * returns the known id), and the answers are discarded.
   */
  async replay(id: string, init: Record<string, unknown>, authInfo?: AuthInfo): Promise<void> {
    const initialize = { jsonrpc: '2.0' as const, id: `takeover:${id}`, method: 'initialize', params: init };
    const first = await this.handleRequest(new Request(LOCAL, { method: 'POST', headers: POST_HEADERS }), {
      parsedBody: initialize,
      authInfo,
    });
    const text = await first.text();
    if (!first.ok || this.sessionId !== id) throw new Error(`replaying initialize failed: ${text}`);
    const initialized = { jsonrpc: '2.0' as const, method: 'notifications/initialized' };
    const headers = { ...POST_HEADERS, 'mcp-session-id': id };
    const second = await this.handleRequest(new Request(LOCAL, { method: 'POST', headers }), {
      parsedBody: initialized,
      authInfo,
    });
    await second.text();
  }
}
