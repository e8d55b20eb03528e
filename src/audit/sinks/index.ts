import type { AuditSettings, TelemetrySettings } from '../../config/model.js';
import { log } from '../../log.js';
import { FileSink, StdoutSink } from './lines.js';
import { OtelLogSink } from './otel.js';
import { RedisStreamSink } from './redis.js';
import type { AuditSink } from './sink.js';

/**
 * The sinks `gateway.audit.sinks` lists. A Redis sink without gateway.redis or a url is left out (with a warning);
 * the Redis one is also returned alone, as the store GET /v1/audit reads.
 */
export function makeSinks(
  settings: AuditSettings,
  redis: { url: string; prefix: string } | undefined,
  telemetry: TelemetrySettings,
): { sinks: AuditSink[]; stream?: RedisStreamSink } {
  if (!settings.enabled) return { sinks: [] };
  const sinks: AuditSink[] = [];
  let stream: RedisStreamSink | undefined;
  for (const s of settings.sinks) {
    if (s.type === 'file') sinks.push(new FileSink(s.path));
    else if (s.type === 'stdout') sinks.push(new StdoutSink());
    else if (s.type === 'otel') sinks.push(new OtelLogSink(s.endpoint, telemetry));
    else if (!s.url && !redis)
      log.warn('gateway.audit: a redis sink needs gateway.redis or a url of its own; it is left out');
    else if (!stream) {
      const url = s.url ?? redis!.url;
      stream = new RedisStreamSink(url, s.stream ?? `${redis?.prefix ?? 'switchboard'}:audit`, s.maxLen);
      sinks.push(stream);
    }
  }
  return { sinks, ...(stream ? { stream } : {}) };
}
