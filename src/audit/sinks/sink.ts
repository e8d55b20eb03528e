import type { AuditEvent } from '../event.js';

/** Somewhere audit events are written. `write` rejects (or throws) when the event could not be written. */
export interface AuditSink {
  /** A short name for metrics and logs: `file`, `stdout`, `redis`, `otel`. */
  readonly name: string;
  write(event: AuditEvent): Promise<void> | void;
  close(): Promise<void>;
  /** For sinks that fail later than `write` (batched exports): told of events lost (set by the recorder). */
  onDropped?: (count: number, err: unknown) => void;
}
