import type { Logger } from '@opentelemetry/api-logs';
import type { LoggerProvider, LogRecordExporter } from '@opentelemetry/sdk-logs';
import type { TelemetrySettings } from '../../config/model.js';
import { telemetryResource } from '../../telemetry/resource.js';
import { VERSION } from '../../version.js';
import type { AuditEvent } from '../event.js';
import type { AuditSink } from './sink.js';

const INFO = 9;
const WARN = 13;

/** An event's attributes: its fields flattened (principal as kind and id), payloads as JSON text. */
function attributes(e: AuditEvent): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(e)) {
    if (v === undefined || k === 'principal') continue;
    out[`switchboard.audit.${k}`] = typeof v === 'number' || typeof v === 'string' ? v : JSON.stringify(v);
  }
  out['switchboard.audit.principal.kind'] = e.principal.kind;
  if (e.principal.kind !== 'anonymous') out['switchboard.audit.principal.id'] = e.principal.id;
  return out;
}

/**
 * Audit events as OpenTelemetry log records, exported with OTLP over HTTP in batches. The SDK is loaded on
 * first use; a failed export reports its records as dropped.
 */
export class OtelLogSink implements AuditSink {
  readonly name = 'otel';
  /** Told of records an export failed to deliver (set by the recorder). */
  onDropped?: (count: number, err: unknown) => void;
  private loaded?: Promise<{ provider: LoggerProvider; logger: Logger }>;

  constructor(
    private readonly endpoint: string | undefined,
    private readonly telemetry: TelemetrySettings,
  ) {}

  private load(): Promise<{ provider: LoggerProvider; logger: Logger }> {
    this.loaded ??= (async () => {
      const { LoggerProvider, BatchLogRecordProcessor } = await import('@opentelemetry/sdk-logs');
      const { OTLPLogExporter } = await import('@opentelemetry/exporter-logs-otlp-http');
      const inner = new OTLPLogExporter(this.endpoint ? { url: this.endpoint } : {});
      const exporter: LogRecordExporter = {
        export: (records, done) =>
          inner.export(records, (result) => {
            // 0 is ExportResultCode.SUCCESS.
            if (result.code !== 0) this.onDropped?.(records.length, result.error ?? 'OTLP export failed');
            done(result);
          }),
        shutdown: () => inner.shutdown(),
        forceFlush: () => inner.forceFlush(),
      };
      const provider = new LoggerProvider({
        resource: telemetryResource(this.telemetry),
        processors: [new BatchLogRecordProcessor({ exporter })],
      });
      return { provider, logger: provider.getLogger('switchboard.audit', VERSION) };
    })();
    return this.loaded;
  }

  async write(event: AuditEvent): Promise<void> {
    const { logger } = await this.load();
    logger.emit({
      timestamp: new Date(event.time),
      severityNumber: event.outcome === 'ok' ? INFO : WARN,
      severityText: event.outcome === 'ok' ? 'INFO' : 'WARN',
      eventName: `switchboard.audit.${event.kind}`,
      body: `${event.kind} ${event.target ?? event.session ?? ''} ${event.outcome}`.trim(),
      attributes: attributes(event),
    });
  }

  async close(): Promise<void> {
    if (!this.loaded) return;
    const { provider } = await this.loaded;
    await provider.shutdown().catch(() => {});
  }
}
