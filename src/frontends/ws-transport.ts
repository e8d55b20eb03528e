import {
  isJSONRPCNotification,
  isJSONRPCRequest,
  isJSONRPCResponse,
  type AuthInfo,
  type JSONRPCMessage,
  type RequestId,
  type Transport,
} from '@modelcontextprotocol/server';
import type { RawData, WebSocket } from 'ws';

/** `WebSocket.OPEN`: the ready state of an open socket (a number fixed by the WebSocket standard). */
const OPEN = 1;
import { log } from '../log.js';
import { SESSION_NOTIFICATION } from './ws-protocol.js';
import { SHUTTING_DOWN } from '../server/http/drain.js';
import { deeperThan } from '../server/http/json-depth.js';
import { rateRefusal, type FrontendDeps } from './limits.js';

/** Messages kept for a dropped socket at most; beyond that the oldest are dropped. */
const MAX_QUEUED = 1000;

/** Timing of one WebSocket session. */
export interface SocketTiming {
  /** Ping interval; a socket that has not answered the previous ping by the next is terminated. */
  pingMs: number;
  /** How long a session whose socket dropped waits for the client to re-attach. */
  graceMs: number;
}

type Json = Record<string, unknown>;

/**
 * The SDK `Transport` of one WebSocket session: one JSON-RPC message per text frame both ways. The session
 * outlives its socket: when the socket drops (no close frame, or no pong), messages for the client are
 * queued for `graceMs`, and a socket re-attached within that time receives them; then the session closes.
 */
export class WebSocketSessionTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: Transport['onmessage'];
  private socket?: WebSocket;
  private readonly queue: string[] = [];
  private grace?: NodeJS.Timeout;
  private pinger?: NodeJS.Timeout;
  private closed = false;
  /** Client requests being served, released (for the drain) when answered. */
  private readonly inFlight = new Map<RequestId, () => void>();
  /** Client messages are handed over in order, from when the session server has connected (start). */
  private inbound: Promise<void>;
  private started!: () => void;

  constructor(
    readonly sessionId: string,
    /** The principal it belongs to (its typed identity, src/principal.ts; empty without authentication). */
    readonly principal: string,
    private auth: AuthInfo | undefined,
    private readonly deps: FrontendDeps,
    private readonly timing: SocketTiming,
  ) {
    this.inbound = new Promise((resolve) => (this.started = resolve));
  }

  /** Lets client messages through (those that arrived before the session server connected waited). */
  async start(): Promise<void> {
    this.started();
  }

  /** Whether a socket is attached now. */
  get attached(): boolean {
    return this.socket !== undefined;
  }

  /** Serves the session on a (new) socket, replacing any other, and sends what was queued meanwhile. */
  attach(socket: WebSocket, auth: AuthInfo | undefined, resumed: boolean): void {
    clearTimeout(this.grace);
    this.grace = undefined;
    this.detach(4000, 'replaced by a newer connection to the session');
    this.socket = socket;
    this.auth = auth;
    let alive = true;
    socket.on('pong', () => (alive = true));
    socket.on('message', (data, isBinary) => {
      alive = true;
      // A failure handling one frame must not stop the frames after it.
      this.inbound = this.inbound
        .then(() => this.receive(data, isBinary))
        .catch((err: unknown) =>
          log.warn({ session: this.sessionId, err: String(err) }, 'websocket frame failed'),
        );
    });
    socket.on('error', (err) => log.debug({ session: this.sessionId, err: String(err) }, 'websocket error'));
    socket.on('close', (code) => this.dropped(socket, code));
    this.pinger = setInterval(() => {
      if (!alive) return void socket.terminate();
      alive = false;
      socket.ping();
    }, this.timing.pingMs).unref();
    const notice = { sessionId: this.sessionId, resumed, queued: this.queue.length };
    this.write({ jsonrpc: '2.0', method: SESSION_NOTIFICATION, params: notice });
    for (const data of this.queue.splice(0)) socket.send(data);
  }

  /** Sends a message to the client, or queues it while the socket is away. */
  async send(message: JSONRPCMessage): Promise<void> {
    if (this.closed) throw new Error('WebSocket session closed');
    if (isJSONRPCResponse(message) && message.id !== undefined) {
      this.inFlight.get(message.id)?.();
      this.inFlight.delete(message.id);
    }
    const data = JSON.stringify(message);
    const socket = this.socket;
    if (socket?.readyState === OPEN) {
      const sent = await new Promise<boolean>((resolve) => socket.send(data, (err) => resolve(!err)));
      // A socket that failed mid-send has dropped: the message waits for re-attach like the ones after it.
      if (sent || this.closed) return;
    }
    this.enqueue(data);
  }

  private enqueue(data: string): void {
    if (this.queue.length >= MAX_QUEUED) {
      this.queue.shift();
      log.warn({ session: this.sessionId }, 'websocket away: oldest queued message dropped');
    }
    this.queue.push(data);
  }

  /** Ends the session: the socket is closed with `code` (1000 normal, 1001 shutting down). */
  async close(code = 1000, reason = 'session closed'): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.grace);
    this.detach(code, reason);
    for (const release of this.inFlight.values()) release();
    this.inFlight.clear();
    this.queue.length = 0;
    this.onclose?.();
  }

  private detach(code: number, reason: string): void {
    clearInterval(this.pinger);
    const socket = this.socket;
    this.socket = undefined;
    if (!socket) return;
    socket.removeAllListeners('message');
    socket.removeAllListeners('close');
    if (socket.readyState === OPEN) socket.close(code, reason);
    else socket.terminate();
  }

  /** A socket closed: a clean close (1000, 1001) ends the session; anything else keeps it for re-attach. */
  private dropped(socket: WebSocket, code: number): void {
    if (socket !== this.socket) return;
    clearInterval(this.pinger);
    this.socket = undefined;
    if (code === 1000 || code === 1001) {
      log.debug({ session: this.sessionId, code }, 'websocket closed by the client');
      return void this.close();
    }
    log.info(
      { session: this.sessionId, code, graceMs: this.timing.graceMs },
      'websocket dropped: session kept for re-attach',
    );
    this.grace = setTimeout(() => {
      log.info({ session: this.sessionId }, 'websocket not re-attached in time: session closed');
      void this.close();
    }, this.timing.graceMs).unref();
  }

  private write(message: Json): void {
    const socket = this.socket;
    if (socket?.readyState === OPEN) socket.send(JSON.stringify(message));
  }

  /** Answers a client message that is refused, with its id when it has one; the session goes on. */
  private refuse(id: unknown, code: number, message: string, data?: unknown): void {
    const known = typeof id === 'string' || typeof id === 'number';
    this.write({
      jsonrpc: '2.0',
      id: known ? id : null,
      error: { code, message, ...(data ? { data } : {}) },
    });
  }

  private async receive(raw: RawData, isBinary: boolean): Promise<void> {
    const buf = Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw as ArrayBuffer);
    const max = this.deps.maxBodyBytes;
    let parsed: unknown;
    try {
      parsed = JSON.parse(buf.toString('utf8'));
    } catch (err) {
      if (buf.length <= max && !isBinary) {
        log.debug({ session: this.sessionId }, 'websocket frame refused: not JSON');
        return this.refuse(null, -32700, `Parse error: ${(err as Error).message}`);
      }
    }
    const id = (parsed as Json | undefined)?.id;
    if (isBinary) {
      log.debug({ session: this.sessionId }, 'websocket frame refused: binary');
      return this.refuse(id, -32600, 'Invalid Request: send JSON-RPC messages as text frames, not binary');
    }
    if (buf.length > max) {
      log.warn({ session: this.sessionId, bytes: buf.length }, 'websocket frame refused: too large');
      return this.refuse(id, -32600, `Message larger than ${max} bytes (gateway.max_body_bytes)`);
    }
    if (Array.isArray(parsed)) {
      return this.refuse(
        null,
        -32600,
        'Invalid Request: JSON-RPC batches are not supported; one message per frame',
      );
    }
    if (deeperThan(parsed, this.deps.maxJsonDepth)) {
      log.debug({ session: this.sessionId }, 'websocket frame refused: JSON nested too deep');
      const why = `Invalid Request: JSON nested deeper than ${this.deps.maxJsonDepth} levels (gateway.max_json_depth)`;
      return this.refuse(id, -32600, why);
    }
    const message = parsed as JSONRPCMessage;
    if (!isJSONRPCRequest(message) && !isJSONRPCNotification(message) && !isJSONRPCResponse(message)) {
      return this.refuse(id, -32600, 'Invalid Request: not a JSON-RPC 2.0 message');
    }
    if (isJSONRPCRequest(message)) {
      if (this.deps.drain.active)
        return this.refuse(message.id, SHUTTING_DOWN.code, SHUTTING_DOWN.message, SHUTTING_DOWN.data);
      const refused = await rateRefusal(this.deps.rate, this.auth).catch((err: unknown) => String(err));
      if (refused) return this.refuse(message.id, -32000, refused);
      this.inFlight.get(message.id)?.();
      this.inFlight.set(message.id, this.deps.drain.hold(message.method));
    }
    this.onmessage?.(message, { authInfo: this.auth });
  }
}
