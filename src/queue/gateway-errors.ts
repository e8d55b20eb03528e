import { GatewayError, type GatewayErrorCode } from '../errors.js';
import { isQueueError, type QueueErrorCode } from './errors.js';

/** Queue codes as gateway codes: the same name where the gateway has one. */
const FROM_QUEUE: Record<QueueErrorCode, GatewayErrorCode> = {
  queue_full: 'queue_full',
  queue_timeout: 'queue_timeout',
  // The whole call, wait included, overran request_timeout: to the client it is a request timeout.
  request_timeout: 'upstream_timeout',
  cancelled: 'cancelled',
  owner_lost: 'owner_lost',
  redis_unavailable: 'redis_unavailable',
  // Shutdown or the backend removed by a reload: the client should retry (elsewhere or later).
  closed: 'backend_unavailable',
};

interface WireShape {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  data?: { upstreamCode?: unknown };
}

/**
 * Prepares an executor error to cross Redis (which keeps name, message, code and data): a GatewayError's
 * upstream JSON-RPC code goes into `data` so the caller's replica can rebuild the same GatewayError.
 */
export function forWire(err: unknown): unknown {
  if (!(err instanceof GatewayError)) return err;
  const wire = new Error(err.message) as Error & { code: string; data: unknown };
  wire.name = 'GatewayError';
  wire.code = err.code;
  wire.data = { upstreamCode: err.upstreamCode };
  return wire;
}

/** What the caller of a queued request sees: a GatewayError with the backend's name and a stable code. */
export function toGatewayError(err: unknown, backend: string): GatewayError {
  if (err instanceof GatewayError) return err;
  if (isQueueError(err)) return new GatewayError(FROM_QUEUE[err.code], err.message, backend);
  const e = (err ?? {}) as WireShape;
  const message = typeof e.message === 'string' ? e.message : String(err);
  if (e.name === 'GatewayError' && typeof e.code === 'string') {
    const upstream = e.data?.upstreamCode;
    return new GatewayError(
      e.code as GatewayErrorCode,
      message,
      backend,
      typeof upstream === 'number' ? upstream : undefined,
    );
  }
  return new GatewayError('upstream_error', `backend "${backend}": ${message}`, backend);
}
