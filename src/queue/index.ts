/** The queue's API for tests and the bench: the factory, both implementations, its errors and types. */
export { createQueue, type CreateQueueOptions } from './create.js';
export { DeferredQueue } from './deferred.js';
export { MemoryQueue, type MemoryQueueOptions } from './memory.js';
export { RedisQueue, type RedisQueueOptions } from './redis/queue.js';
export { QueueError, isQueueError, type QueueErrorCode } from './errors.js';
export type * from './types.js';
