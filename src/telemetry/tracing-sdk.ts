import {
  context as contextApi,
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
  type TextMapGetter,
  type Tracer,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TraceIdRatioBasedSampler,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import type { TelemetrySettings } from '../config/model.js';
import { hideConnectIds } from '../log.js';
import { VERSION } from '../version.js';
import { telemetryResource } from './resource.js';
import type { McpSpanInfo, Scope, Tracing, TracingOptions } from './tracing.js';

const headersGetter: TextMapGetter<Headers> = {
  get: (h, key) => h.get(key) ?? undefined,
  keys: (h) => [...h.keys()],
};

let contextManagerSet = false;

/** Trace context lives in AsyncLocalStorage, as with the OpenTelemetry Node SDK; set once per process. */
function ensureContextManager(): void {
  if (contextManagerSet) return;
  contextManagerSet = contextApi.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
}

function spanName(info: McpSpanInfo): string {
  return info.target ? `${info.method} ${info.target}` : info.method;
}

function mcpAttributes(info: McpSpanInfo): Attributes {
  const attrs: Attributes = { 'mcp.method.name': info.method, ...info.attributes };
  if (info.target && info.method === 'tools/call') {
    attrs['gen_ai.tool.name'] = info.target;
    attrs['gen_ai.operation.name'] = 'execute_tool';
  }
  if (info.target && info.method === 'prompts/get') attrs['gen_ai.prompt.name'] = info.target;
  return attrs;
}

/** Tracing with the OpenTelemetry SDK: OTLP over HTTP (or the given exporter), W3C trace context. */
export class SdkTracing implements Tracing {
  readonly enabled = true;
  private readonly provider: BasicTracerProvider;
  private readonly tracer: Tracer;
  private readonly propagator = new W3CTraceContextPropagator();

  constructor(settings: TelemetrySettings, opts: TracingOptions) {
    ensureContextManager();
    const exporter =
      (opts.exporter as SpanExporter | undefined) ??
      new OTLPTraceExporter(settings.traces.endpoint ? { url: settings.traces.endpoint } : {});
    const processor =
      opts.processor === 'simple' ? new SimpleSpanProcessor(exporter) : new BatchSpanProcessor(exporter);
    const ratio = settings.traces.sampleRatio;
    this.provider = new BasicTracerProvider({
      resource: telemetryResource(settings),
      spanProcessors: [processor],
      ...(ratio !== undefined && {
        sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) }),
      }),
    });
    this.tracer = this.provider.getTracer('mcp-switchboard', VERSION);
  }

  server(info: McpSpanInfo, meta: unknown, headers: Headers | undefined): Scope {
    const fromMeta = this.extractMeta(meta);
    const fromHttp = headers?.has('traceparent')
      ? this.propagator.extract(ROOT_CONTEXT, headers, headersGetter)
      : undefined;
    const parent = fromMeta ?? fromHttp ?? ROOT_CONTEXT;
    // The conventions parent the server span on _meta and link the transport's (HTTP) context.
    const httpSpan = fromMeta && fromHttp ? trace.getSpanContext(fromHttp) : undefined;
    const links: Link[] = httpSpan ? [{ context: httpSpan }] : [];
    const span = this.tracer.startSpan(
      spanName(info),
      { kind: SpanKind.SERVER, attributes: mcpAttributes(info), links },
      parent,
    );
    return { span, context: trace.setSpan(parent, span) };
  }

  client(info: McpSpanInfo, parent?: Context): Scope {
    const base = parent ?? contextApi.active();
    const span = this.tracer.startSpan(
      spanName(info),
      { kind: SpanKind.CLIENT, attributes: mcpAttributes(info) },
      base,
    );
    return { span, context: trace.setSpan(base, span) };
  }

  internal(name: string, parent?: Context, attributes?: Attributes, start?: number): Span {
    return this.tracer.startSpan(
      name,
      { kind: SpanKind.INTERNAL, attributes, ...(start !== undefined && { startTime: start }) },
      parent ?? contextApi.active(),
    );
  }

  end(span: Span | undefined, errorType?: string, message?: string, end?: number): void {
    if (!span) return;
    if (errorType) {
      span.setAttribute('error.type', errorType);
      // An error may name a user's connect page, a capability (log.ts hides it from logs too).
      span.setStatus({
        code: SpanStatusCode.ERROR,
        ...(message !== undefined && { message: hideConnectIds(message) }),
      });
    }
    span.end(end);
  }

  injectMeta(params: Record<string, unknown> | undefined, ctx: Context): Record<string, unknown> | undefined {
    const carrier: Record<string, string> = {};
    this.propagator.inject(ctx, carrier, defaultTextMapSetter);
    if (!carrier.traceparent) return params;
    const meta = { ...(params?._meta as Record<string, unknown> | undefined) };
    delete meta.traceparent;
    delete meta.tracestate;
    return { ...params, _meta: { ...meta, ...carrier } };
  }

  extractMeta(meta: unknown): Context | undefined {
    if (
      !meta ||
      typeof meta !== 'object' ||
      typeof (meta as { traceparent?: unknown }).traceparent !== 'string'
    )
      return undefined;
    const ctx = this.propagator.extract(ROOT_CONTEXT, meta as Record<string, string>, defaultTextMapGetter);
    return trace.getSpanContext(ctx) ? ctx : undefined;
  }

  injectHeaders(headers: Headers): void {
    this.propagator.inject(contextApi.active(), headers, {
      set: (h, key, value) => h.set(key, value),
    });
  }

  active(): Context {
    return contextApi.active();
  }

  run<T>(ctx: Context | undefined, fn: () => T): T {
    return ctx ? contextApi.with(ctx, fn) : fn();
  }

  async shutdown(): Promise<void> {
    await this.provider.shutdown();
  }
}
