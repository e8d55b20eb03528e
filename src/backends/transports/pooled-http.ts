import { STATUS_CODES } from 'node:http';
import type { Dispatcher, Pool } from 'undici';
import { SdkError, SdkErrorCode, SdkHttpError } from '@modelcontextprotocol/client';
import type { JSONRPCMessage, Transport, TransportSendOptions } from '@modelcontextprotocol/client';
import { readJsonBody } from './json-stream.js';
import { SseParser, type SseEvent } from './sse-parser.js';
import { bodyDerived } from './mcp-headers.js';
import { header, mediaType, networkError, openPool, type HeaderSource } from './undici-common.js';

export type { HeaderSource } from './undici-common.js';

/** What a pooled transport is built from. */
export interface PooledHttpOptions {
  /** Configured headers (auth applied), sent with every request. */
  headers?: Record<string, string>;
  /** Headers read at each request; they override configured ones of the same name. */
  forwarded?: HeaderSource;
  /** Reconnection of the GET stream (and of a POST stream that ended early): like the SDK's defaults. */
  reconnect?: { initialDelayMs: number; maxDelayMs: number; growFactor: number; maxRetries: number };
  /** Called when an application/json answer carried several messages (a stream of JSON values, not SSE). */
  onJsonStream?: () => void;
}

/** Headers a caller's per-request `headers` may not override (the SDK transport keeps the same list). */
const RESERVED = new Set([
  'authorization',
  'dpop',
  'content-type',
  'mcp-protocol-version',
  'mcp-method',
  'mcp-name',
  'mcp-session-id',
]);

const DEFAULT_RECONNECT = { initialDelayMs: 1000, maxDelayMs: 30_000, growFactor: 1.5, maxRetries: 2 };

interface StreamOptions {
  resumptionToken?: string;
  onresumptiontoken?: (token: string) => void;
  /** The id of the request whose answer a resumed stream carries (replayed answers get it back). */
  replayId?: string | number;
  requestSignal?: AbortSignal;
  onRequestStreamEnd?: () => void;
}

function isRequest(m: JSONRPCMessage): m is JSONRPCMessage & { method: string; id: string | number } {
  return 'method' in m && 'id' in m && m.id !== undefined;
}

function isResponse(m: unknown): boolean {
  return typeof m === 'object' && m !== null && 'id' in m && !('method' in m);
}

/** A JSON-RPC message as received, or an error saying why it is not one. */
function asMessage(value: unknown): JSONRPCMessage {
  if (typeof value !== 'object' || value === null || (value as { jsonrpc?: unknown }).jsonrpc !== '2.0') {
    throw new SdkError(SdkErrorCode.InvalidResult, `Invalid JSON-RPC message: ${JSON.stringify(value)}`);
  }
  return value as JSONRPCMessage;
}

/**
 * A Streamable HTTP client transport on undici's connection pool: the SDK's `Transport` seam, with the same
 * wire behaviour as the SDK's `StreamableHTTPClientTransport` for a client that authenticates with static
 * headers (session id from initialize, `MCP-Protocol-Version`, the 2026-07-28 `Mcp-Method`/`Mcp-Name` headers
 * derived from each request, 202 for notifications, the GET stream for server-initiated messages with
 * reconnection, resumption of a POST stream that carried event ids, DELETE to end the session), but JSON
 * answers are read straight from the socket and SSE answers go through a small incremental parser instead of
 * `fetch` and web streams. One abort signal per request at most: closing destroys the pool, which ends every
 * request and stream.
 */
export class PooledHttpTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: Transport['onmessage'];
  readonly hasPerRequestStream = true;

  private pool?: Pool;
  private started = false;
  private closed = false;
  private readonly path: string;
  private readonly base: Record<string, string> = {};
  private readonly accept: string;
  private readonly reconnect: typeof DEFAULT_RECONNECT;
  private _sessionId?: string;
  private _protocolVersion?: string;
  private serverRetryMs?: number;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly url: URL,
    private readonly opts: PooledHttpOptions = {},
  ) {
    this.path = `${url.pathname}${url.search}`;
    for (const [name, value] of Object.entries(opts.headers ?? {})) this.base[name.toLowerCase()] = value;
    const types = (this.base.accept ?? '').split(',').map((s) => s.trim().toLowerCase());
    this.accept = [...new Set([...types.filter(Boolean), 'application/json', 'text/event-stream'])].join(
      ', ',
    );
    this.reconnect = opts.reconnect ?? DEFAULT_RECONNECT;
  }

  /** The upstream's session id (from its initialize answer), if any. */
  get sessionId(): string | undefined {
    return this._sessionId;
  }

  /** The protocol version sent in `MCP-Protocol-Version`. */
  get protocolVersion(): string | undefined {
    return this._protocolVersion;
  }

  setProtocolVersion(version: string): void {
    this._protocolVersion = version;
  }

  async start(): Promise<void> {
    if (this.started) throw new Error('PooledHttpTransport already started');
    this.started = true;
    const pool = await openPool(this.url.origin);
    if (this.closed) return void pool.destroy().catch(() => {});
    this.pool = pool;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const pool = this.pool;
    this.pool = undefined;
    // Like the SDK's transport, report the close at once: requests in flight fail as "connection closed".
    const destroyed = pool?.destroy().catch(() => undefined);
    this.onclose?.();
    await destroyed;
  }

  private headers(kind: 'post' | 'get' | 'delete'): Record<string, string> {
    const h: Record<string, string> = { ...this.base };
    const forwarded = this.opts.forwarded?.();
    if (forwarded) for (const [name, value] of Object.entries(forwarded)) h[name.toLowerCase()] = value;
    if (this._sessionId) h['mcp-session-id'] = this._sessionId;
    if (this._protocolVersion) h['mcp-protocol-version'] = this._protocolVersion;
    if (kind === 'get') h.accept = mergeAccept(h.accept, 'text/event-stream');
    else if (kind === 'post') h.accept = this.accept;
    return h;
  }

  private async request(
    method: 'POST' | 'GET' | 'DELETE',
    headers: Record<string, string>,
    body: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<Dispatcher.ResponseData> {
    const pool = this.pool;
    if (!pool) throw new SdkError(SdkErrorCode.NotConnected, 'Not connected');
    try {
      return await pool.request({ path: this.path, method, headers, body, signal });
    } catch (err) {
      if (this.closed) throw new SdkError(SdkErrorCode.ConnectionClosed, 'Connection closed');
      throw networkError(err);
    }
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    try {
      if (options?.resumptionToken) {
        this.openStream({
          resumptionToken: options.resumptionToken,
          onresumptiontoken: options.onresumptiontoken,
          replayId: isRequest(message) ? message.id : undefined,
          requestSignal: options.requestSignal,
        }).catch((err: unknown) => this.onerror?.(err as Error));
        return;
      }
      await this.post(message, options);
    } catch (err) {
      if (options?.requestSignal?.aborted !== true && !this.closed) this.onerror?.(err as Error);
      throw err;
    }
  }

  private async post(message: JSONRPCMessage, options: TransportSendOptions | undefined): Promise<void> {
    const headers = this.headers('post');
    const envelope = bodyDerived(message);
    if (envelope) Object.assign(headers, envelope.headers);
    const handshake = isRequest(message) && message.method === 'initialize';
    if (handshake) delete headers['mcp-session-id'];
    if (options?.headers) {
      for (const [name, value] of Object.entries(options.headers)) {
        const lower = name.toLowerCase();
        if (!RESERVED.has(lower)) headers[lower] = value;
      }
    }
    headers['content-type'] = 'application/json';
    const res = await this.request('POST', headers, JSON.stringify(message), options?.requestSignal);
    const status = res.statusCode;
    if (handshake && status >= 200 && status < 300) this._sessionId = header(res.headers, 'mcp-session-id');
    if (status < 200 || status >= 300) {
      const text = await res.body.text().catch(() => null);
      if (status === 400 && typeof text === 'string' && envelope?.modern && isRequest(message)) {
        // A 2026-07-28 upstream reports header/body mismatches as a JSON-RPC error for the request.
        try {
          const parsed = JSON.parse(text) as { id?: unknown; error?: unknown };
          if (parsed.error !== undefined && parsed.id === message.id) {
            this.onmessage?.(asMessage(parsed));
            return;
          }
        } catch {
          // Not JSON: reported below like any other failure.
        }
      }
      throw new SdkHttpError(SdkErrorCode.ClientHttpNotImplemented, `Error POSTing to endpoint: ${text}`, {
        status,
        statusText: STATUS_CODES[status] ?? '',
        text,
      });
    }
    if (status === 202) {
      await res.body.dump();
      if ('method' in message && message.method === 'notifications/initialized') {
        this.openStream({}).catch((err: unknown) => this.onerror?.(err as Error));
      }
      return;
    }
    if (!isRequest(message)) {
      await res.body.dump();
      return;
    }
    const contentType = header(res.headers, 'content-type');
    const type = mediaType(contentType);
    if (type === 'text/event-stream') {
      this.readStream(res.body, {
        onresumptiontoken: options?.onresumptiontoken,
        requestSignal: options?.requestSignal,
        onRequestStreamEnd: options?.onRequestStreamEnd,
      });
    } else if (type === 'application/json') {
      await this.readJson(res.body, options);
    } else {
      await res.body.dump();
      throw new SdkError(
        SdkErrorCode.ClientHttpUnexpectedContent,
        `Unexpected content type: ${contentType}`,
        {
          contentType,
        },
      );
    }
  }

  /** Reads an application/json answer, one message or several in a row (see readJsonBody). */
  private readJson(
    body: Dispatcher.ResponseData['body'],
    o: TransportSendOptions | undefined,
  ): Promise<void> {
    return readJsonBody(body, {
      deliver: (value) => {
        const messages = Array.isArray(value) ? value.map(asMessage) : [asMessage(value)];
        for (const m of messages) this.onmessage?.(m);
      },
      error: (err) => this.onerror?.(err),
      intentional: () => this.closed || o?.requestSignal?.aborted === true,
      stream: () => this.opts.onJsonStream?.(),
      ended: () => o?.onRequestStreamEnd?.(),
    });
  }

  /** Opens a GET event stream: the standalone one, or a resumption of a POST stream (`Last-Event-ID`). */
  private async openStream(o: StreamOptions): Promise<void> {
    const headers = this.headers('get');
    if (o.resumptionToken) headers['last-event-id'] = o.resumptionToken;
    const res = await this.request('GET', headers, undefined, o.requestSignal);
    if (res.statusCode < 200 || res.statusCode >= 300) {
      await res.body.dump().catch(() => undefined);
      // 405: the upstream offers no GET stream, which is allowed.
      if (res.statusCode === 405) return o.onRequestStreamEnd?.();
      throw new SdkHttpError(
        SdkErrorCode.ClientHttpFailedToOpenStream,
        `Failed to open SSE stream: ${STATUS_CODES[res.statusCode] ?? res.statusCode}`,
        { status: res.statusCode, statusText: STATUS_CODES[res.statusCode] ?? '' },
      );
    }
    this.readStream(res.body, o, true);
  }

  /** Reads an event stream in the background, delivering messages; reconnects when it ends early. */
  private readStream(body: Dispatcher.ResponseData['body'], o: StreamOptions, reconnectable = false): void {
    let lastEventId: string | undefined;
    let answered = false;
    const deliver = (event: SseEvent) => {
      if (event.id) {
        lastEventId = event.id;
        o.onresumptiontoken?.(event.id);
      }
      if (!event.data || (event.event && event.event !== 'message')) return;
      try {
        const message = asMessage(JSON.parse(event.data));
        if (isResponse(message)) {
          answered = true;
          if (o.replayId !== undefined) (message as { id: string | number }).id = o.replayId;
          // The protocol layer handles a notification a microtask late but a response at once, dropping the
          // request's progress handler: a response parsed from the same chunk as its last progress waits a
          // microtask so that progress is not lost (the SDK's web-stream reader yields between events).
          queueMicrotask(() => this.onmessage?.(message));
          return;
        }
        this.onmessage?.(message);
      } catch (err) {
        this.onerror?.(err as Error);
      }
    };
    const parser = new SseParser(deliver, (ms) => {
      this.serverRetryMs = ms;
    });
    const intentional = () => this.closed || o.requestSignal?.aborted === true;
    const ended = (err?: unknown) => {
      if (intentional()) return;
      if (err) this.onerror?.(new Error(`SSE stream disconnected: ${String(err)}`));
      if ((reconnectable || lastEventId !== undefined) && !answered) {
        this.scheduleReconnect({ ...o, resumptionToken: lastEventId }, 0);
      } else {
        o.onRequestStreamEnd?.();
      }
    };
    body.setEncoding('utf8');
    body.on('data', (chunk: string) => parser.push(chunk));
    body.once('end', () => ended());
    body.once('error', (err) => ended(err));
  }

  private scheduleReconnect(o: StreamOptions, attempt: number): void {
    const r = this.reconnect;
    if (attempt >= r.maxRetries) {
      this.onerror?.(new Error(`Maximum reconnection attempts (${r.maxRetries}) exceeded.`));
      o.onRequestStreamEnd?.();
      return;
    }
    const delay = this.serverRetryMs ?? Math.min(r.initialDelayMs * r.growFactor ** attempt, r.maxDelayMs);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.closed || o.requestSignal?.aborted) return;
      this.openStream(o).catch((err: unknown) => {
        if (this.closed || o.requestSignal?.aborted) return;
        this.onerror?.(new Error(`Failed to reconnect SSE stream: ${(err as Error).message ?? String(err)}`));
        this.scheduleReconnect(o, attempt + 1);
      });
    }, delay);
    this.timers.add(timer);
  }

  /** Ends the upstream session with DELETE (405: the upstream does not allow it, which is fine). */
  async terminateSession(): Promise<void> {
    if (!this._sessionId) return;
    try {
      const res = await this.request('DELETE', this.headers('delete'), undefined, undefined);
      await res.body.dump();
      if ((res.statusCode < 200 || res.statusCode >= 300) && res.statusCode !== 405) {
        throw new SdkHttpError(
          SdkErrorCode.ClientHttpFailedToTerminateSession,
          `Failed to terminate session: ${STATUS_CODES[res.statusCode] ?? res.statusCode}`,
          { status: res.statusCode, statusText: STATUS_CODES[res.statusCode] ?? '' },
        );
      }
      this._sessionId = undefined;
    } catch (err) {
      this.onerror?.(err as Error);
      throw err;
    }
  }
}

function mergeAccept(configured: string | undefined, add: string): string {
  const types = (configured ?? '').split(',').map((s) => s.trim().toLowerCase());
  return [...new Set([...types.filter(Boolean), add])].join(', ');
}
