import type { Pool } from 'undici';
import { SdkError, SdkErrorCode, SseError } from '@modelcontextprotocol/client';
import type { JSONRPCMessage, Transport } from '@modelcontextprotocol/client';
import { kindOf } from '../../jsonrpc-kind.js';
import { SseParser, type SseEvent } from './sse-parser.js';
import { mediaType, header, networkError, openPool, type HeaderSource } from './undici-common.js';

/** What a pooled legacy SSE transport is built from. */
export interface PooledSseOptions {
  /** Configured headers (auth applied), sent with every request. */
  headers?: Record<string, string>;
  /** Headers read at each request; they override configured ones of the same name. */
  forwarded?: HeaderSource;
}

/**
 * A legacy HTTP+SSE client transport on undici's connection pool: the SDK's `Transport` seam with the wire
 * behaviour of the SDK's `SSEClientTransport` for a client with static headers (GET the event stream, wait for
 * the `endpoint` event, same-origin endpoint only, POST each message to it, `MCP-Protocol-Version` once known),
 * but requests go over kept-alive pooled connections instead of `fetch`, and the stream is parsed by a small
 * incremental parser instead of EventSource and web streams. A stream that ends or fails is reported as an
 * `SseError`, as EventSource reports it; unlike EventSource it does not reconnect by itself (the backend
 * reconnects and initializes a new session, as it does for the SDK's transport).
 */
export class PooledSseTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  private pool?: Pool;
  private started = false;
  private endpoint?: string;
  private closed = false;
  private protocolVersion?: string;
  /** The configured headers, names lower-cased once. */
  private readonly base: Record<string, string> = {};

  constructor(
    private readonly url: URL,
    private readonly opts: PooledSseOptions = {},
  ) {
    for (const [name, value] of Object.entries(opts.headers ?? {})) this.base[name.toLowerCase()] = value;
  }

  setProtocolVersion(version: string): void {
    this.protocolVersion = version;
  }

  private headers(): Record<string, string> {
    const h: Record<string, string> = { ...this.base };
    const forwarded = this.opts.forwarded?.();
    if (forwarded) for (const [name, value] of Object.entries(forwarded)) h[name.toLowerCase()] = value;
    if (this.protocolVersion) h['mcp-protocol-version'] = this.protocolVersion;
    return h;
  }

  async start(): Promise<void> {
    if (this.started) throw new Error('PooledSseTransport already started');
    this.started = true;
    const pool = await openPool(this.url.origin);
    if (this.closed) {
      await pool.destroy().catch(() => undefined);
      throw this.report(sseError(undefined, 'closed while connecting'));
    }
    this.pool = pool;
    const res = await pool
      .request({
        path: `${this.url.pathname}${this.url.search}`,
        method: 'GET',
        headers: { ...this.headers(), accept: 'text/event-stream' },
      })
      .catch((err: unknown) => {
        throw this.report(sseError(undefined, `connecting failed: ${describe(networkError(err))}`));
      });
    if (res.statusCode !== 200) {
      await res.body.dump().catch(() => undefined);
      throw this.report(sseError(res.statusCode, `Non-200 status code (${res.statusCode})`));
    }
    const type = mediaType(header(res.headers, 'content-type'));
    if (type !== 'text/event-stream') {
      await res.body.dump().catch(() => undefined);
      throw this.report(
        sseError(undefined, `Invalid content type, expected "text/event-stream" (got "${type}")`),
      );
    }
    await new Promise<void>((resolve, reject) => {
      let started = false;
      const parser = new SseParser((event) => {
        if (event.event === 'endpoint') {
          const error = this.setEndpoint(event.data);
          if (error) return reject(this.report(error));
          started = true;
          return resolve();
        }
        this.deliver(event);
      });
      res.body.setEncoding('utf8');
      res.body.on('data', (chunk: string) => parser.push(chunk));
      const ended = (cause?: unknown) => {
        if (this.closed) return;
        const error = sseError(
          undefined,
          cause ? `event stream failed: ${describe(cause)}` : 'event stream ended',
        );
        if (!started) reject(error);
        this.onerror?.(error);
      };
      res.body.on('end', () => ended());
      res.body.on('error', (err) => ended(err));
    });
  }

  /** Takes the `endpoint` event's URL; an error when it is not on the stream's origin. */
  private setEndpoint(data: string): Error | undefined {
    try {
      const endpoint = new URL(data, this.url);
      if (endpoint.origin !== this.url.origin) {
        return new Error(`Endpoint origin does not match connection origin: ${endpoint.origin}`);
      }
      this.endpoint = `${endpoint.pathname}${endpoint.search}`;
      return undefined;
    } catch (err) {
      return err as Error;
    }
  }

  private deliver(event: SseEvent): void {
    if (event.event !== '' && event.event !== 'message') return;
    let message: unknown;
    try {
      message = JSON.parse(event.data);
    } catch (err) {
      this.onerror?.(err as Error);
      return;
    }
    if (kindOf(message) === undefined) {
      this.onerror?.(new Error(`invalid JSON-RPC message from SSE upstream: ${event.data.slice(0, 200)}`));
      return;
    }
    this.onmessage?.(message as JSONRPCMessage);
  }

  async send(message: JSONRPCMessage): Promise<void> {
    const pool = this.pool;
    if (!pool || !this.endpoint) throw new SdkError(SdkErrorCode.NotConnected, 'Not connected');
    try {
      const res = await pool
        .request({
          path: this.endpoint,
          method: 'POST',
          headers: { ...this.headers(), 'content-type': 'application/json' },
          body: JSON.stringify(message),
        })
        .catch((err: unknown) => {
          if (this.closed) throw new SdkError(SdkErrorCode.ConnectionClosed, 'Connection closed');
          throw networkError(err);
        });
      if (res.statusCode < 200 || res.statusCode >= 300) {
        const text = await res.body.text().catch(() => null);
        throw new Error(`Error POSTing to endpoint (HTTP ${res.statusCode}): ${text}`);
      }
      await res.body.dump();
    } catch (err) {
      if (!this.closed) this.onerror?.(err as Error);
      throw err;
    }
  }

  private report<E extends Error>(error: E): E {
    this.onerror?.(error);
    return error;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const pool = this.pool;
    this.pool = undefined;
    const destroyed = pool?.destroy().catch(() => undefined);
    this.onclose?.();
    await destroyed;
  }
}

/** An SseError as the SDK's transport raises it (the backend treats one on a ready connection as a drop). */
function sseError(code: number | undefined, message: string): SseError {
  // The EventSource error event it would carry does not exist here.
  return new SseError(code, message, undefined as never);
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    return cause instanceof Error ? `${err.message} (${cause.message})` : err.message;
  }
  return String(err);
}
