import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Client } from '@modelcontextprotocol/client';
import {
  InMemoryTransport,
  type AuthInfo,
  type JSONRPCMessage,
  type MessageExtraInfo,
  type Server,
  type Transport,
  type TransportSendOptions,
} from '@modelcontextprotocol/server';
import { VERSION } from '../../version.js';

/** Builds a gateway session server for a principal: the same factory, handlers and policy as /mcp sessions. */
export type SessionFactory = (auth: AuthInfo | undefined) => Server;

/**
 * The server end of an in-process session: every message from the client arrives with the REST request's
 * principal and headers, as a /mcp message arrives with its HTTP request's (policy, forward_headers, tracing).
 */
class StampedTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: <T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => void;

  constructor(
    private readonly inner: InMemoryTransport,
    private readonly info: MessageExtraInfo,
    readonly sessionId: string,
  ) {
    inner.onmessage = (message) => this.onmessage?.(message, info);
    inner.onclose = () => this.onclose?.();
    inner.onerror = (err) => this.onerror?.(err);
  }

  start(): Promise<void> {
    return this.inner.start();
  }

  send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    return this.inner.send(message, options);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/** The REST request as a web Request (headers only), for what sessions read from their HTTP request. */
function webRequest(req: IncomingMessage): globalThis.Request | undefined {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  try {
    return new Request(`http://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`, { headers });
  } catch {
    return undefined;
  }
}

/**
 * Runs `use` with an SDK client connected in-process to a fresh gateway session for the REST caller, then
 * closes the session (which releases its per-client upstream sessions like any /mcp session's close).
 */
export async function withSession<T>(
  factory: SessionFactory,
  req: IncomingMessage & { auth?: AuthInfo },
  use: (client: Client) => Promise<T>,
): Promise<T> {
  const [clientEnd, serverEnd] = InMemoryTransport.createLinkedPair();
  const info: MessageExtraInfo = { ...(req.auth && { authInfo: req.auth }) };
  const request = webRequest(req);
  if (request) info.request = request;
  const server = factory(req.auth);
  await server.connect(new StampedTransport(serverEnd, info, `rest:${randomUUID()}`));
  const client = new Client({ name: 'switchboard-rest', version: VERSION });
  try {
    await client.connect(clientEnd);
    return await use(client);
  } finally {
    await client.close().catch(() => {});
  }
}
