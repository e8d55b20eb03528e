import type { Context } from '@opentelemetry/api';
import type {
  ClientCapabilities,
  LoggingLevel,
  LoggingMessageNotification,
} from '@modelcontextprotocol/server';

/** The downstream side of an upstream request: which client session asked, and how to reach that client. */
export interface Origin {
  /** The downstream session's id (a 2026-07-28 request, which has no session, gets one of its own). */
  readonly sessionId: string;
  /** Set for a 2026-07-28 request: messages go to that request alone, never to other clients. */
  readonly perRequest?: boolean;
  /** The capabilities the downstream client declared at initialize. */
  capabilities(): ClientCapabilities | undefined;
  /** The level the session asked for with logging/setLevel, if it did. */
  logLevel(): LoggingLevel | undefined;
  /** Headers of the downstream HTTP request (lower-case names), for forward_headers. */
  headers(): Record<string, string | string[] | undefined>;
  /** Sends a request to the downstream client, on the stream of the downstream request when there is one. */
  request(
    method: string,
    params: Record<string, unknown> | undefined,
    opts: { signal?: AbortSignal; timeout?: number },
  ): Promise<Record<string, unknown>>;
  /** Sends a notification to the downstream client (on its request's stream when there is one); never rejects. */
  notify(method: string, params?: Record<string, unknown>): Promise<void>;
  /** Resolves once every notification sent through this origin has been handed over, so it precedes the answer. */
  settled(): Promise<void>;
  /** The same session without a downstream request: messages go on its standalone stream. */
  detached(): Origin;
  /** The trace context of the downstream request (its server span), when tracing is on. */
  readonly trace?: Context;
  /**
   * Who made the downstream request, for backends that act as each user: the typed principal's identity and
   * the token it authenticated with (sent only to a token endpoint for exchange, never upstream).
   */
  readonly caller?: Caller;
}

/** An authenticated caller: its typed identity (`principalKey`) and the credential it presented. */
export interface Caller {
  readonly principal: string;
  readonly token?: string;
}

/** Where an upstream log message may go: `session` limits it to one session, `via` is the origin to deliver through. */
export interface LogScope {
  session?: string;
  via?: Origin;
}

/** What the downstream side does with upstream notifications that concern clients rather than the catalog. */
export interface UpstreamListener {
  /** An upstream `notifications/message`. */
  onLog(backend: string, params: LoggingMessageNotification['params'], scope: LogScope): void;
  /** An upstream `notifications/resources/updated`; `session` limits delivery to one session. */
  onResourceUpdated(backend: string, uri: string, session?: string): void;
}

/** The downstream session an upstream message is attributed to, or why there is none. */
export type Attribution = { origin: Origin } | { error: string; ambiguous?: boolean };

/**
 * Upstream requests in flight on one connection, each with the downstream request that caused it. Upstream
 * transports do not say which of our requests a server-to-client request belongs to, so it is attributed
 * to the only session with requests in flight; with several, the answer would be a guess and is refused.
 */
export class InFlight {
  private readonly entries = new Map<number, Origin>();
  private next = 0;

  /** @param fallback the origin when nothing is in flight (a per-client connection's own session). */
  constructor(private readonly fallback?: () => Origin | undefined) {}

  /** Number of tracked requests in flight. */
  get size(): number {
    return this.entries.size;
  }

  /** Runs an upstream request, remembering its origin while it is in flight. */
  async track<T>(origin: Origin | undefined, run: () => Promise<T>): Promise<T> {
    if (!origin) return run();
    const id = this.next++;
    this.entries.set(id, origin);
    try {
      return await run();
    } finally {
      this.entries.delete(id);
    }
  }

  /** The origin of a message from the upstream now: the latest request of the one session in flight. */
  attribute(): Attribution {
    let latest: Origin | undefined;
    const sessions = new Set<string>();
    for (const origin of this.entries.values()) {
      sessions.add(origin.sessionId);
      latest = origin;
    }
    if (sessions.size === 1 && latest) return { origin: latest };
    const fallback = this.fallback?.();
    if (sessions.size === 0 && fallback) return { origin: fallback };
    if (sessions.size === 0) {
      return { error: 'no client request is in flight on this backend, so no client can answer it' };
    }
    return {
      ambiguous: true,
      error: `requests of ${sessions.size} client sessions are in flight on this shared upstream session, so the client it is meant for is ambiguous (session_mode: per_client avoids this)`,
    };
  }
}
