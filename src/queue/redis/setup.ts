import { Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ProblemLog } from '../../redis/problem-log.js';
import type { PendingCalls } from './calls.js';
import type { QueueKeys } from './scripts.js';

/** What openQueue needs; `cmd` must be connected. */
export interface SetupDeps {
  keys: QueueKeys;
  cmd: Redis;
  template: Redis;
  problems: ProblemLog;
  calls: PendingCalls;
}

/**
 * Opens one backend's BullMQ producer (on the fail-fast connection) and its event reader, which answers this
 * replica's pending calls whichever replica ran them. Throws (leaving nothing open) if Redis fails meanwhile.
 */
export async function openQueue(d: SetupDeps): Promise<{ queue: Queue; events: QueueEvents }> {
  const queue = new Queue(d.keys.queueName, {
    connection: d.cmd,
    prefix: d.keys.bullPrefix,
    // The caller's replica is connected already; never wait for a reconnection here (submit must fail fast).
    skipWaitingForReady: true,
    // Results reach callers through the event stream; completed jobs are kept briefly, failed ones longer.
    defaultJobOptions: {
      removeOnComplete: { age: 60, count: 100 },
      removeOnFail: { age: 24 * 3600, count: 1000 },
    },
  });
  queue.on('error', (err) => d.problems.report('queue', err));
  try {
    await queue.waitUntilReady();
    // Read events from the current end of the stream by id: BullMQ's default '$' is re-evaluated after every
    // idle read, so an event landing between two reads would be lost.
    const last = await d.cmd.xrevrange(queue.keys.events ?? '', '+', '-', 'COUNT', 1);
    return { queue, events: listen(d, last[0]?.[0] ?? '0-0') };
  } catch (err) {
    await queue.close().catch(() => undefined);
    throw err;
  }
}

function listen(d: SetupDeps, lastEventId: string): QueueEvents {
  const events = new QueueEvents(d.keys.queueName, {
    connection: d.template,
    prefix: d.keys.bullPrefix,
    lastEventId,
    blockingTimeout: 5000,
  });
  events.on('error', (err) => d.problems.report('event stream', err));
  events.on('progress', ({ jobId, data }) => d.calls.progress(jobId, data));
  events.on('failed', ({ jobId, failedReason }) => d.calls.failed(jobId, failedReason));
  events.on('completed', ({ jobId, returnvalue }) => {
    if (!d.calls.completed(jobId, returnvalue)) return;
    // Finished: its markers are no longer needed (they would expire anyway).
    const k = d.keys.job(jobId);
    d.cmd.del(k.started, k.cancel).catch(() => undefined);
  });
  return events;
}
