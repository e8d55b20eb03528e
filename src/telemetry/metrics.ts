import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Attributes, Counter, Histogram, Meter } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import {
  AggregationTemporality,
  MeterProvider,
  PeriodicExportingMetricReader,
  type IMetricReader,
  type PushMetricExporter,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import type { TelemetrySettings } from '../config/model.js';
import { VERSION } from '../version.js';
import type { CallLabels, CallTiming, ObservedMetric, Recorder } from './recorder.js';
import { telemetryResource } from './resource.js';

/** Call and upstream latency buckets, in seconds (0.5 ms to 2 min). */
const CALL_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120,
];
/** Gateway-added time and discovery queries are much shorter: 25 µs to 1 s. */
const SHORT_BUCKETS = [
  0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1,
];

/**
 * The OTLP metric exporter, loaded on its first export: the OTLP packages are imported only by gateways
 * that push metrics.
 */
class LazyOtlpExporter implements PushMetricExporter {
  private loaded?: Promise<PushMetricExporter>;

  constructor(private readonly url?: string) {}

  private exporter(): Promise<PushMetricExporter> {
    this.loaded ??= import('@opentelemetry/exporter-metrics-otlp-http').then(
      ({ OTLPMetricExporter }) => new OTLPMetricExporter(this.url ? { url: this.url } : {}),
    );
    return this.loaded;
  }

  export(metrics: ResourceMetrics, done: Parameters<PushMetricExporter['export']>[1]): void {
    this.exporter().then(
      (e) => e.export(metrics, done),
      (error: Error) => done({ code: 1, error }),
    );
  }

  async forceFlush(): Promise<void> {
    if (this.loaded) await (await this.loaded).forceFlush();
  }

  async shutdown(): Promise<void> {
    if (this.loaded) await (await this.loaded).shutdown();
  }

  selectAggregationTemporality(): AggregationTemporality {
    return AggregationTemporality.CUMULATIVE;
  }
}

/**
 * The gateway's metrics on the OpenTelemetry metrics SDK: histograms and counters recorded on the request
 * path, gauges read at collection; served as Prometheus text on /metrics and pushed with OTLP when configured.
 */
export class GatewayMetrics implements Recorder {
  private readonly provider: MeterProvider;
  private readonly prometheus: PrometheusExporter;
  private readonly meter: Meter;
  private readonly calls: Histogram;
  private readonly added: Histogram;
  private readonly upstreamTime: Histogram;
  private readonly wait: Histogram;
  private readonly run: Histogram;
  private readonly discovery: Histogram;
  private readonly reconnects: Counter;
  private readonly reloads: Counter;
  private readonly refusals: Counter;
  private readonly slips: Counter;

  constructor(settings: TelemetrySettings) {
    this.prometheus = new PrometheusExporter({ preventServerStart: true, withoutScopeInfo: true });
    const readers: IMetricReader[] = [this.prometheus];
    if (settings.metrics.otlp) {
      readers.push(
        new PeriodicExportingMetricReader({
          exporter: new LazyOtlpExporter(settings.metrics.endpoint),
          exportIntervalMillis: settings.metrics.intervalMs,
        }),
      );
    }
    this.provider = new MeterProvider({ resource: telemetryResource(settings), readers });
    const meter = this.provider.getMeter('mcp-switchboard', VERSION);
    this.meter = meter;
    const histogram = (name: string, description: string, buckets: number[]) =>
      meter.createHistogram(name, { description, unit: 's', advice: { explicitBucketBoundaries: buckets } });
    this.calls = histogram(
      'switchboard_tool_call_duration_seconds',
      'tools/call duration as the gateway saw it, by backend, tool and outcome.',
      CALL_BUCKETS,
    );
    this.added = histogram(
      'switchboard_tool_call_gateway_seconds',
      'Time a tools/call spent in the gateway itself: total minus upstream and queue wait.',
      SHORT_BUCKETS,
    );
    this.upstreamTime = histogram(
      'switchboard_upstream_request_duration_seconds',
      'Requests to upstreams, from send to answer, by backend, method and outcome.',
      CALL_BUCKETS,
    );
    this.wait = histogram(
      'switchboard_queue_wait_seconds',
      'Time calls waited in a single-session queue.',
      CALL_BUCKETS,
    );
    this.run = histogram(
      'switchboard_queue_run_seconds',
      'Time queued calls ran on their single-session upstream.',
      CALL_BUCKETS,
    );
    this.discovery = histogram(
      'switchboard_discovery_query_seconds',
      'smart_tool_discovery ranking time.',
      SHORT_BUCKETS,
    );
    this.reconnects = meter.createCounter('switchboard_backend_reconnects_total', {
      description: 'Reconnects after a backend failed (for stdio backends: child process restarts).',
    });
    this.reloads = meter.createCounter('switchboard_config_reload_total', {
      description: 'Config reloads by result.',
    });
    this.refusals = meter.createCounter('switchboard_refusals_total', {
      description: 'Requests refused before reaching a backend, by kind (auth, rate_limit) and reason.',
    });
    this.slips = meter.createCounter('switchboard_upstream_slips_total', {
      description:
        'Upstream answers the gateway normalised instead of failing them (e.g. a missing resultType), by backend and kind.',
    });
  }

  toolCall(labels: CallLabels, seconds: number, timing: CallTiming): void {
    this.calls.record(seconds, { ...labels });
    const added = seconds - timing.upstream - timing.queued;
    this.added.record(added > 0 ? added : 0, { backend: labels.backend });
  }

  upstream(backend: string, method: string, outcome: string, seconds: number): void {
    this.upstreamTime.record(seconds, { backend, method, outcome });
  }

  queueWait(backend: string, seconds: number): void {
    this.wait.record(seconds, { backend });
  }

  queueRun(backend: string, seconds: number): void {
    this.run.record(seconds, { backend });
  }

  discoveryQuery(ranker: string, seconds: number): void {
    this.discovery.record(seconds, { ranker });
  }

  reconnect(backend: string, kind: string): void {
    this.reconnects.add(1, { backend, kind });
  }

  reload(outcome: 'ok' | 'failed'): void {
    this.reloads.add(1, { result: outcome });
  }

  refusal(kind: string, reason: string): void {
    this.refusals.add(1, { kind, reason });
  }

  upstreamSlip(backend: string, kind: string): void {
    this.slips.add(1, { backend, kind });
  }

  /** Registers values read at each collection (gauges of the gateway's state). */
  observe(metrics: ObservedMetric[]): void {
    for (const m of metrics) {
      const options = { description: m.description };
      const instrument =
        m.kind === 'counter'
          ? this.meter.createObservableCounter(m.name, options)
          : this.meter.createObservableGauge(m.name, options);
      // The SDK keeps reporting every label set a gauge ever had, at its last value: one that is gone
      // (a removed backend, a state left, a replaced config hash) is reported as 0 instead.
      const seen = new Map<string, Attributes>();
      instrument.addCallback(async (result) => {
        const now = new Set<string>();
        for (const [value, attributes] of await m.read()) {
          result.observe(value, attributes);
          if (m.kind !== 'gauge') continue;
          const key = JSON.stringify(attributes);
          now.add(key);
          seen.set(key, attributes);
        }
        for (const [key, attributes] of seen) if (!now.has(key)) result.observe(0, attributes);
      });
    }
  }

  /** Serves GET /metrics: the Prometheus text exposition of every instrument. */
  serve(req: IncomingMessage, res: ServerResponse): void {
    this.prometheus.getMetricsRequestHandler(req, res);
  }

  /** Pushes the last OTLP export (if configured) and stops. */
  async shutdown(): Promise<void> {
    await this.provider.shutdown();
  }
}
