/** When to check an upstream connection and when to retry one: the SSE heartbeat and the reconnect backoff. */
import type { Client } from '@modelcontextprotocol/client';
import type { Logger } from 'pino';
import type { BackendSpec } from '../../config/model.js';

/** Pings an SSE backend every `heartbeatMs` and calls `onFail` when a ping fails; undefined for other kinds. */
export function startHeartbeat(
  client: Client,
  spec: BackendSpec,
  log: Logger,
  onFail: () => void,
): NodeJS.Timeout | undefined {
  if (spec.kind !== 'sse' || spec.heartbeatMs <= 0) return undefined;
  const timer = setInterval(() => {
    client.ping({ timeout: Math.max(1000, spec.requestTimeoutMs) }).catch((err: unknown) => {
      log.warn({ err: String(err) }, 'heartbeat ping failed; reconnecting');
      onFail();
    });
  }, spec.heartbeatMs);
  timer.unref();
  return timer;
}

/** The delay before reconnect attempt `attempt` (1-based): doubling from initialDelayMs up to maxDelayMs, ±20% jitter. */
export function reconnectDelay(
  attempt: number,
  restart: { initialDelayMs: number; maxDelayMs: number },
): number {
  const base = Math.min(restart.maxDelayMs, restart.initialDelayMs * 2 ** (attempt - 1));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}
