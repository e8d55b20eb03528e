import type { Redis } from 'ioredis';
import { commandClient } from '../../redis/connections.js';
import type { AuditEvent } from '../event.js';
import { matches, type AuditFilter, type AuditPage } from '../query.js';
import type { AuditSink } from './sink.js';

/** How many stream entries one read takes, and how many a page may look at before it stops with a cursor. */
const BATCH = 500;
const SCAN_LIMIT = 20_000;

/**
 * Audit events in a Redis stream shared by every replica (XADD with MAXLEN ~ for the retention bound); the
 * stream's ids become the events' ids, so GET /v1/audit pages across replicas in one order.
 */
export class RedisStreamSink implements AuditSink {
  readonly name = 'redis';
  private readonly client: Redis;

  constructor(
    url: string,
    readonly stream: string,
    private readonly maxLen: number,
  ) {
    this.client = commandClient(url, 1000, 'switchboard-audit');
    // Failures are counted by the recorder per event; the client's own error events are not news.
    this.client.on('error', () => {});
  }

  async write(event: AuditEvent): Promise<void> {
    await this.client.xadd(this.stream, 'MAXLEN', '~', this.maxLen, '*', 'e', JSON.stringify(event));
  }

  /** A page of matching events older than `cursor`, newest first, read backwards in batches. */
  async page(filter: AuditFilter, limit: number, cursor?: string): Promise<AuditPage> {
    const events: AuditEvent[] = [];
    let end = cursor === undefined ? (filter.to === undefined ? '+' : String(filter.to)) : `(${cursor}`;
    const start = filter.from === undefined ? '-' : String(filter.from);
    let scanned = 0;
    for (;;) {
      const batch = await this.client.xrevrange(this.stream, end, start, 'COUNT', BATCH);
      for (const [id, fields] of batch) {
        scanned++;
        const event = parse(id, fields);
        if (!event || !matches(event, filter)) continue;
        if (events.length === limit) return { events, next: events[events.length - 1]!.id };
        events.push(event);
      }
      if (batch.length < BATCH) return { events };
      const last = batch[batch.length - 1]![0];
      // A page that found few matches in many entries stops here; its cursor goes on from the last one read.
      if (scanned >= SCAN_LIMIT) return { events, next: last };
      end = `(${last}`;
    }
  }

  async close(): Promise<void> {
    this.client.disconnect();
  }
}

/** A stream entry as an event with the entry's id; undefined when it is not one of ours. */
function parse(id: string, fields: string[]): AuditEvent | undefined {
  const i = fields.indexOf('e');
  if (i < 0 || i % 2 !== 0) return undefined;
  try {
    const event = JSON.parse(fields[i + 1]!) as AuditEvent;
    return { ...event, id };
  } catch {
    return undefined;
  }
}
