/**
 * A legacy SSE session's transport, in a module of its own: the SDK's legacy package is loaded only when a
 * client first opens GET /sse (most deployments never do).
 */
import type { ServerResponse } from 'node:http';
import {
  isJSONRPCRequest,
  isJSONRPCResponse,
  type AuthInfo,
  type JSONRPCMessage,
  type RequestId,
} from '@modelcontextprotocol/server';
import { SSEServerTransport } from '@modelcontextprotocol/server-legacy/sse';
import type { FrontendDeps } from './limits.js';

/** How often an idle /sse stream gets an SSE comment, so proxies do not cut it. */
const KEEPALIVE_MS = 25_000;

type Extra = Parameters<SSEServerTransport['handleMessage']>[1];

/**
 * The SDK's frozen v1 SSE server transport (protocol 2024-11-05), plus what the gateway needs: client
 * requests are counted for the drain until answered, `onclose` fires once, and the stream gets keep-alives.
 */
export class LegacySseTransport extends SSEServerTransport {
  private readonly inFlight = new Map<RequestId, () => void>();
  private ended = false;
  private keepalive?: NodeJS.Timeout;

  constructor(
    readonly principal: string,
    /** The credentials the stream was opened with (messages forwarded from other replicas run with them). */
    readonly auth: AuthInfo | undefined,
    private readonly deps: FrontendDeps,
    private readonly stream: ServerResponse,
    /** Where the client POSTs its messages (named in the `endpoint` event). */
    messagesPath: string,
  ) {
    super(messagesPath, stream);
  }

  override async start(): Promise<void> {
    await super.start();
    this.keepalive = setInterval(() => this.stream.write(': keepalive\n\n'), KEEPALIVE_MS).unref();
    this.stream.once('close', () => clearInterval(this.keepalive));
  }

  override async handleMessage(message: unknown, extra?: Extra): Promise<void> {
    if (isJSONRPCRequest(message as JSONRPCMessage)) {
      const { id, method } = message as { id: RequestId; method: string };
      this.inFlight.get(id)?.();
      this.inFlight.set(id, this.deps.drain.hold(method));
    }
    await super.handleMessage(message, extra);
  }

  override async send(message: Parameters<SSEServerTransport['send']>[0]): Promise<void> {
    const m = message as JSONRPCMessage;
    if (isJSONRPCResponse(m) && m.id !== undefined) {
      this.inFlight.get(m.id)?.();
      this.inFlight.delete(m.id);
    }
    await super.send(message);
  }

  override async close(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    clearInterval(this.keepalive);
    for (const release of this.inFlight.values()) release();
    this.inFlight.clear();
    // The base class calls onclose both here and when the stream's response closes: once is enough.
    const onclose = this.onclose;
    this.onclose = undefined;
    await super.close();
    onclose?.();
  }
}
