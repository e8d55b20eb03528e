/** The one queue factory: in-process, or BullMQ on Redis loaded only when a backend uses it. */
import { DeferredQueue } from './deferred.js';
import { MemoryQueue } from './memory.js';
import type { CallQueue, Executor } from './types.js';

/** What the gateway knows about a single-session backend's queue (from its config and `gateway.redis`). */
export interface CreateQueueOptions {
  backend: string;
  maxQueueSize?: number;
  /** When present, the queue is cluster-wide on Redis; otherwise in-process. */
  redis?: { url: string; prefix?: string; leaseMs?: number };
  retryOnFailover?: boolean;
}

/**
 * Builds the queue for one single-session backend: in-process without Redis; with it, BullMQ on Redis, whose
 * modules (bullmq, ioredis) are imported only then, the calls made while they load waiting for them.
 */
export function createQueue(opts: CreateQueueOptions, executor: Executor): CallQueue {
  const { backend, maxQueueSize, redis } = opts;
  if (!redis) return new MemoryQueue({ backend, maxQueueSize }, executor);
  const { url, prefix, leaseMs } = redis;
  const loading = import('./redis/queue.js').then(
    ({ RedisQueue }) =>
      new RedisQueue(
        { backend, url, prefix, leaseMs, maxQueueSize, retryOnFailover: opts.retryOnFailover },
        executor,
      ),
  );
  return new DeferredQueue(backend, loading);
}
