import type { Attributes, Context, Span } from '@opentelemetry/api';

/** A started span and the context that has it as the active span (the parent of what it causes). */
export interface Scope {
  span: Span;
  context: Context;
}

/** What an MCP span describes, per the OpenTelemetry semantic conventions for MCP. */
export interface McpSpanInfo {
  /** `mcp.method.name`. */
  method: string;
  /** The low-cardinality target of the span name: a tool or prompt name. */
  target?: string;
  /** Further attributes (`mcp.session.id`, `jsonrpc.request.id`, `network.transport`, …). */
  attributes?: Attributes;
}

/**
 * The gateway's tracer: spans named and attributed per the MCP conventions and W3C trace context in
 * `params._meta` and HTTP headers. Components receive one; when tracing is off it is TRACING_OFF, whose
 * methods do nothing, and callers check `enabled` first so the request path pays nothing.
 */
export interface Tracing {
  readonly enabled: boolean;
  /** A SERVER span for a downstream request, continuing the trace of `_meta` (else of the HTTP headers). */
  server(info: McpSpanInfo, meta: unknown, headers: Headers | undefined): Scope | undefined;
  /** A CLIENT span for a request the gateway sends (upstream, or relayed to a client), under `parent` or the active context. */
  client(info: McpSpanInfo, parent?: Context): Scope | undefined;
  /** An INTERNAL span, e.g. queue wait (`start`/`end` in epoch ms for a span measured after the fact). */
  internal(name: string, parent?: Context, attributes?: Attributes, start?: number): Span | undefined;
  /** Ends a span; `errorType` (an `error.type` value) marks it failed with `message` as its status. */
  end(span: Span | undefined, errorType?: string, message?: string, end?: number): void;
  /** A copy of `params` whose `_meta` carries the trace context of `ctx` (traceparent, tracestate). */
  injectMeta(params: Record<string, unknown> | undefined, ctx: Context): Record<string, unknown> | undefined;
  /** The trace context carried in a `_meta` object, if any. */
  extractMeta(meta: unknown): Context | undefined;
  /** Sets traceparent/tracestate headers from the active context (HTTP upstream requests). */
  injectHeaders(headers: Headers): void;
  /** The active context (the current span's), to pass across a queue or a callback. */
  active(): Context | undefined;
  /** Runs `fn` with `ctx` as the active context. */
  run<T>(ctx: Context | undefined, fn: () => T): T;
  /** Flushes and stops the exporter. */
  shutdown(): Promise<void>;
}

/** Tracing switched off: no SDK loaded, nothing recorded. */
export const TRACING_OFF: Tracing = {
  enabled: false,
  server: () => undefined,
  client: () => undefined,
  internal: () => undefined,
  end: () => {},
  injectMeta: (params) => params,
  extractMeta: () => undefined,
  injectHeaders: () => {},
  active: () => undefined,
  run: (_ctx, fn) => fn(),
  shutdown: () => Promise.resolve(),
};

/** A span exporter as the OpenTelemetry SDK defines it (structurally; tests pass an in-memory one). */
export interface SpanExporterLike {
  export(spans: unknown[], done: (result: { code: number }) => void): void;
  shutdown(): Promise<void>;
}

/** How tracing starts: from the settings, or (tests, bench) with a given exporter and processor. */
export interface TracingOptions {
  /** Replaces the OTLP exporter. */
  exporter?: SpanExporterLike;
  /** `simple` exports each span as it ends (tests); `batch` (default) batches as in production. */
  processor?: 'simple' | 'batch';
}
