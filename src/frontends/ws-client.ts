import type { IncomingMessage } from 'node:http';
import type { JSONRPCMessage, Transport } from '@modelcontextprotocol/client';
import WebSocket from 'ws';
import { SESSION_NOTIFICATION } from './ws-protocol.js';

/** Options of the WebSocket client transport. */
export interface WebSocketClientOptions {
  /**
   * Extra headers of the upgrade request, e.g. `{ 'x-api-key': '…' }` or `{ authorization: 'Bearer …' }`; a header
   * whose value is undefined (an unset environment variable) is not sent.
   */
  headers?: Record<string, string | undefined>;
  /** A bearer token sent in the subprotocol list (`mcp, bearer.<token>`), the way a browser must. */
  subprotocolToken?: string;
  /** Re-attach attempts after the socket drops (default 5), each after `reattachDelayMs` (default 200). */
  reattachAttempts?: number;
  reattachDelayMs?: number;
}

/** A refused upgrade: the HTTP status and the gateway's message. */
export class WebSocketUpgradeError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(`WebSocket upgrade refused: HTTP ${status}: ${message}`);
    this.name = 'WebSocketUpgradeError';
  }
}

/**
 * An SDK client `Transport` for switchboard's `GET /ws` (Node): one JSON-RPC message per text frame, the
 * `mcp` subprotocol, and automatic re-attach to the same session when the socket drops (what was sent
 * meanwhile is sent then; what the gateway sent meanwhile arrives then).
 */
export class WebSocketClientTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: Transport['onmessage'];
  /**
   * The gateway's session id, known once the first frame has arrived (not `sessionId`: the SDK client takes
   * a transport with a session id for one already initialized).
   */
  session?: string;
  private ws?: WebSocket;
  private closing = false;
  private readonly pending: string[] = [];

  constructor(
    private readonly url: URL,
    private readonly options: WebSocketClientOptions = {},
  ) {}

  /** The socket now (tests drop it to exercise re-attach). */
  get socket(): WebSocket | undefined {
    return this.ws;
  }

  async start(): Promise<void> {
    await this.open(this.url);
  }

  private open(url: URL): Promise<void> {
    const protocols = ['mcp'];
    if (this.options.subprotocolToken) protocols.push(`bearer.${this.options.subprotocolToken}`);
    const headers = Object.fromEntries(
      Object.entries(this.options.headers ?? {}).filter((e): e is [string, string] => e[1] !== undefined),
    );
    const ws = new WebSocket(url, protocols, { headers });
    return new Promise((resolve, reject) => {
      ws.once('unexpected-response', (req, res: IncomingMessage) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => {
          let message = body;
          try {
            message = (JSON.parse(body) as { error?: { message?: string } }).error?.message ?? body;
          } catch {
            // not JSON: the body says it
          }
          reject(new WebSocketUpgradeError(res.statusCode ?? 0, message));
          req.destroy();
        });
      });
      ws.once('error', reject);
      ws.once('open', () => {
        ws.off('error', reject);
        ws.on('error', (err) => this.onerror?.(err));
        this.ws = ws;
        for (const data of this.pending.splice(0)) ws.send(data);
        resolve();
      });
      ws.on('message', (data) => this.receive(String(data)));
      ws.on('close', (code) => void this.closed(ws, code));
    });
  }

  private receive(text: string): void {
    let message: JSONRPCMessage;
    try {
      message = JSON.parse(text) as JSONRPCMessage;
    } catch (err) {
      return this.onerror?.(new Error(`WebSocket frame is not JSON: ${String(err)}`));
    }
    if ('method' in message && message.method === SESSION_NOTIFICATION) {
      this.session = (message.params as { sessionId: string }).sessionId;
      return;
    }
    this.onmessage?.(message);
  }

  private async closed(ws: WebSocket, code: number): Promise<void> {
    if (ws !== this.ws) return;
    this.ws = undefined;
    // 4000: another connection took the session over; re-attaching would take it back.
    if (this.closing || [1000, 1001, 4000].includes(code) || !this.session) return this.end();
    const attempts = this.options.reattachAttempts ?? 5;
    for (let i = 0; i < attempts && !this.closing; i++) {
      await new Promise((r) => setTimeout(r, this.options.reattachDelayMs ?? 200));
      const url = new URL(this.url);
      url.searchParams.set('session', this.session);
      try {
        await this.open(url);
        return;
      } catch (err) {
        if (err instanceof WebSocketUpgradeError && err.status !== 503) break;
      }
    }
    this.end();
  }

  private end(): void {
    if (this.closing && !this.onclose) return;
    this.closing = true;
    const onclose = this.onclose;
    this.onclose = undefined;
    onclose?.();
  }

  async send(message: JSONRPCMessage): Promise<void> {
    const data = JSON.stringify(message);
    const ws = this.ws;
    if (ws?.readyState !== WebSocket.OPEN) {
      if (this.closing) throw new Error('WebSocket transport closed');
      this.pending.push(data);
      return;
    }
    await new Promise<void>((resolve, reject) => ws.send(data, (err) => (err ? reject(err) : resolve())));
  }

  async close(): Promise<void> {
    this.closing = true;
    const ws = this.ws;
    if (ws && ws.readyState === WebSocket.OPEN) ws.close(1000, 'client closed');
    this.ws = undefined;
    this.end();
  }
}
