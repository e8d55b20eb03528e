import { MemoryQueue } from './memory.js';
import { RedisQueue } from './redis/queue.js';
import type { CallQueue, Executor } from './types.js';

export { MemoryQueue, type MemoryQueueOptions } from './memory.js';
export { RedisQueue, type RedisQueueOptions } from './redis/queue.js';
export { QueueError, isQueueError, type QueueErrorCode } from './errors.js';
export type * from './types.js';

/** What the gateway knows about a single-session backend's queue (from its config and `gateway.redis`). */
export interface CreateQueueOptions {
  backend: string;
  maxQueueSize?: number;
  /** When present, the queue is cluster-wide on Redis; otherwise in-process. */
  redis?: { url: string; prefix?: string; leaseMs?: number };
  retryOnFailover?: boolean;
}

/** Builds the queue for one single-session backend: in-process without Redis, BullMQ on Redis with it. */
export function createQueue(opts: CreateQueueOptions, executor: Executor): CallQueue {
  if (!opts.redis)
    return new MemoryQueue({ backend: opts.backend, maxQueueSize: opts.maxQueueSize }, executor);
  return new RedisQueue(
    {
      backend: opts.backend,
      url: opts.redis.url,
      prefix: opts.redis.prefix,
      leaseMs: opts.redis.leaseMs,
      maxQueueSize: opts.maxQueueSize,
      retryOnFailover: opts.retryOnFailover,
    },
    executor,
  );
}
