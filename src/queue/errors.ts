/** The stable codes a QueueError carries; the gateway maps them to JSON-RPC errors. */
export type QueueErrorCode =
  | 'queue_full'
  | 'queue_timeout'
  | 'request_timeout'
  | 'cancelled'
  | 'owner_lost'
  | 'redis_unavailable'
  | 'closed';

/** An error raised by a call queue itself (not by the upstream), with a stable code and the backend's name. */
export class QueueError extends Error {
  override readonly name = 'QueueError';

  /** Whether the call had started on the upstream, when the queue knows. */
  readonly started?: boolean;

  constructor(
    readonly code: QueueErrorCode,
    readonly backend: string,
    message: string,
    options?: { cause?: unknown; started?: boolean },
  ) {
    super(message, options);
    this.started = options?.started;
  }
}

/** Whether `err` is a QueueError, optionally with the given code. */
export function isQueueError(err: unknown, code?: QueueErrorCode): err is QueueError {
  return err instanceof QueueError && (code === undefined || err.code === code);
}

/** The call was refused because `max` calls are already waiting. */
export function queueFull(backend: string, max: number): QueueError {
  return new QueueError(
    'queue_full',
    backend,
    `backend "${backend}" queue is full (max_queue_size ${max}); retry later`,
  );
}

/** The call waited `ms` without starting; it was removed and will not run. */
export function queueTimeout(backend: string, ms: number): QueueError {
  return new QueueError(
    'queue_timeout',
    backend,
    `backend "${backend}": call waited ${ms} ms in the queue without starting (queue_timeout); ` +
      `it was removed and will not run; retry later or raise queue_timeout`,
  );
}

/** The whole call (wait included) exceeded `ms`. */
export function requestTimeout(backend: string, ms: number, started: boolean): QueueError {
  const what = started
    ? 'it was running; the upstream call was aborted'
    : 'it was still waiting; it was removed and will not run';
  return new QueueError(
    'request_timeout',
    backend,
    `backend "${backend}": call did not finish within ${ms} ms (request_timeout, queue wait included); ${what}`,
  );
}

/** The caller cancelled the call. */
export function cancelled(backend: string, started: boolean): QueueError {
  const what = started ? 'it was running; the upstream call was aborted' : 'it was waiting and will not run';
  return new QueueError('cancelled', backend, `backend "${backend}": call cancelled by the caller; ${what}`);
}

/** The replica running the call lost ownership (died or lost its lease) before the call finished. */
export function ownerLost(backend: string, detail?: string): QueueError {
  return new QueueError(
    'owner_lost',
    backend,
    `backend "${backend}": owner lost mid-call; not retried because tool calls are not idempotent` +
      `${detail ? ` (${detail})` : ''}; check the result upstream before retrying, or set retry_on_failover: true`,
  );
}

/** Redis could not be reached; `where` is the URL with any password removed. */
export function redisUnavailable(backend: string, where: string, cause?: unknown): QueueError {
  const reason = cause instanceof Error ? `: ${cause.message}` : '';
  return new QueueError(
    'redis_unavailable',
    backend,
    `backend "${backend}": Redis at ${where} is unreachable${reason}; single-session calls fail until it returns`,
    { cause },
  );
}

/** The queue was closed (gateway shutdown or backend removed); `started` when the call was running (if known). */
export function queueClosed(backend: string, started?: boolean): QueueError {
  return new QueueError(
    'closed',
    backend,
    `backend "${backend}": queue is closed (gateway shutting down or backend removed); retry on another replica or later`,
    { started },
  );
}
