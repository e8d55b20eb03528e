import { createRequire } from 'node:module';
import type { Redis, RedisOptions } from 'ioredis';

/**
 * ioredis, loaded on first use: modules that can use Redis import this one statically, and a gateway without
 * Redis must not pay for the client's module graph (~25 MB resident).
 */
let loaded: typeof import('ioredis') | undefined;
function ioredis(): typeof import('ioredis') {
  return (loaded ??= createRequire(import.meta.url)('ioredis') as typeof import('ioredis'));
}

/** `url` with any password replaced, safe for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return '(unparseable Redis URL)';
  }
}

/**
 * A client for short commands that must fail fast while Redis is down: no offline queue, short timeouts,
 * reconnection at most every second so service resumes soon after Redis returns.
 */
export function commandClient(url: string, failFastMs: number, name: string): Redis {
  return new (ioredis().Redis)(url, {
    ...common(name),
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: failFastMs,
    // A dropped or refused connection already fails commands at once (no offline queue); this timeout only
    // catches a connection that hangs, and must not fire on a healthy Redis whose replies wait behind a busy
    // event loop (seen with 300 concurrent calls on 2 cores).
    commandTimeout: Math.max(5 * failFastMs, 5000),
  });
}

/**
 * A template for BullMQ's Worker and QueueEvents, which duplicate it for their blocking connections and require
 * `maxRetriesPerRequest: null` (commands wait for reconnection instead of failing). Lazy: a duplicate connects when
 * BullMQ first needs it; the template itself connects only when a Worker uses it as its main connection.
 */
export function blockingTemplate(url: string, failFastMs: number, name: string): Redis {
  return new (ioredis().Redis)(url, {
    ...common(name),
    maxRetriesPerRequest: null,
    connectTimeout: failFastMs,
    lazyConnect: true,
  });
}

/** A subscriber connection (resubscribes by itself after reconnecting). */
export function subscriberClient(url: string, failFastMs: number, name: string): Redis {
  return new (ioredis().Redis)(url, {
    ...common(name),
    maxRetriesPerRequest: null,
    connectTimeout: failFastMs,
  });
}

function common(name: string): RedisOptions {
  return {
    connectionName: name,
    // ioredis' default backoff grows to 5 s; cap it so a returning Redis is noticed within a second.
    retryStrategy: (times) => Math.min(100 * times, 1000),
  };
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'EAI_AGAIN',
]);
const CONNECTION_MESSAGES =
  /Connection is closed|Stream isn't writeable|Command timed out|Socket closed unexpectedly|connect ETIMEDOUT|ECONNREFUSED|ECONNRESET/;

/** Whether `err` comes from the connection (unreachable, closed, timed out) rather than from a Redis reply. */
export function isConnectionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  // Reply errors (ERR/WRONGTYPE/NOSCRIPT...) are bugs or misconfiguration, not an outage.
  if (err.name === 'ReplyError') return false;
  const code = (err as Error & { code?: unknown }).code;
  return (
    err.name === 'MaxRetriesPerRequestError' ||
    (typeof code === 'string' && CONNECTION_CODES.has(code)) ||
    CONNECTION_MESSAGES.test(err.message)
  );
}
