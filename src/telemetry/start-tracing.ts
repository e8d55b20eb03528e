/** Starting the tracer; apart from tracing.ts so that the SDK module, which uses its types, is not in a cycle with it. */
import type { TelemetrySettings } from '../config/model.js';
import { TRACING_OFF, type Tracing, type TracingOptions } from './tracing.js';

/**
 * Starts tracing when the settings enable it or an exporter is given, loading the OpenTelemetry tracing
 * SDK only then (a dynamic import); otherwise returns TRACING_OFF.
 */
export async function startTracing(settings: TelemetrySettings, opts: TracingOptions = {}): Promise<Tracing> {
  if (!settings.traces.enabled && !opts.exporter) return TRACING_OFF;
  const { SdkTracing } = await import('./tracing-sdk.js');
  return new SdkTracing(settings, opts);
}
