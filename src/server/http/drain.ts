import type { NextFunction, Request, Response } from 'express';
import { log } from '../../log.js';

/** The body's JSON-RPC requests (messages with a method and an id); responses and notifications are not. */
function requestsIn(body: unknown): { method: string; id: unknown; params?: unknown }[] {
  const all = Array.isArray(body) ? body : [body];
  return all.filter(
    (m): m is { method: string; id: unknown; params?: unknown } =>
      typeof m === 'object' && m !== null && typeof m.method === 'string' && m.id !== undefined,
  );
}

/** A 2026-07-28 retry that carries a requestState continues a call already in flight (a parked call). */
function continuesACall(m: { params?: unknown }): boolean {
  const params = m.params as { requestState?: unknown } | undefined;
  return typeof params?.requestState === 'string';
}

/** The JSON-RPC error a request gets while the gateway shuts down. */
export const SHUTTING_DOWN = {
  code: -32000,
  message: 'switchboard is shutting down and takes no new requests; retry (another replica will answer)',
  data: { code: 'shutting_down' },
};

/** Counts of what /mcp is serving, for the shutdown log lines and /readyz. */
export interface InFlightCounts {
  /** POST /mcp requests not yet answered (listen streams excluded). */
  requests: number;
  /** Open 2026-07-28 `subscriptions/listen` streams. */
  listenStreams: number;
  /** The same, by JSON-RPC method. */
  methods: Record<string, number>;
}

/**
 * Graceful shutdown on the HTTP side: counts the /mcp requests being served and, once draining, refuses new
 * ones with 503 (`Connection: close`, `Retry-After`) while letting through what belongs to calls in flight:
 * JSON-RPC responses and notifications (a client's answer to a sampling or elicitation request, a
 * cancellation), 2026-07-28 retries carrying a requestState, and DELETE of a session.
 */
export class Drain {
  private draining = false;
  private readonly open = new Map<object, string>();
  private listening = 0;
  private waiters: (() => void)[] = [];

  /** Whether shutdown has begun. */
  get active(): boolean {
    return this.draining;
  }

  /** Starts refusing new requests. */
  begin(): void {
    this.draining = true;
  }

  /** What is being served now. */
  counts(): InFlightCounts {
    const methods: Record<string, number> = {};
    for (const m of this.open.values()) methods[m] = (methods[m] ?? 0) + 1;
    return { requests: this.open.size, listenStreams: this.listening, methods };
  }

  /** Resolves once no counted request is open. */
  idle(): Promise<void> {
    if (this.open.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Express middleware for POST /mcp (after body parsing): refuses new requests while draining, counts the rest. */
  readonly post = (req: Request, res: Response, next: NextFunction): void => {
    const requests = requestsIn(req.body);
    if (this.draining && requests.some((m) => !continuesACall(m))) {
      return this.refuse(res, requests[0]?.id ?? null);
    }
    // A listen stream stays open as long as the client wants: it is no call in flight.
    const first = requests.find((m) => m.method !== 'subscriptions/listen');
    if (first) {
      this.open.set(res, first.method);
      res.once('close', () => this.done(res));
    } else if (requests.length) {
      this.listening++;
      res.once('close', () => this.listening--);
    }
    next();
  };

  /**
   * Counts a request served outside POST /mcp (a WebSocket or legacy SSE session's request) until the
   * returned function is called, so that shutdown waits for it like for a POST.
   */
  hold(method: string): () => void {
    const key = {};
    this.open.set(key, method);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.done(key);
    };
  }

  /** Express middleware for GET /mcp: no new standalone streams while draining. */
  readonly get = (_req: Request, res: Response, next: NextFunction): void => {
    if (this.draining) return this.refuse(res, null);
    next();
  };

  /** Express middleware for the REST API's requests: refused while draining, counted otherwise. */
  readonly request = (_req: Request, res: Response, next: NextFunction): void => {
    if (this.draining) return this.refuse(res, null);
    this.open.set(res, 'rest');
    res.once('close', () => this.done(res));
    next();
  };

  private done(key: object): void {
    this.open.delete(key);
    if (this.open.size === 0) for (const wake of this.waiters.splice(0)) wake();
  }

  private refuse(res: Response, id: unknown): void {
    log.debug('request refused: shutting down');
    res.setHeader('Connection', 'close');
    res.setHeader('Retry-After', '1');
    res.status(503).json({ jsonrpc: '2.0', error: SHUTTING_DOWN, id });
  }
}
