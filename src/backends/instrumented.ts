import type { Context } from '@opentelemetry/api';
import { errorTypeOf, isToolError, outcomeOf } from '../telemetry/outcome.js';
import type { CallTiming, Telemetry } from '../telemetry/recorder.js';
import type { McpSpanInfo } from '../telemetry/tracing.js';

type Params = Record<string, unknown> | undefined;

/** What one upstream request is, for its span and metrics. */
export interface UpstreamCall {
  backend: string;
  method: string;
  /** The span's description, built only when tracing is on. */
  span: () => McpSpanInfo;
  /** The trace context to parent the span on (default: the active context). */
  trace?: Context;
  /** Upstream seconds are added here. */
  timing?: CallTiming;
}

/**
 * Runs one upstream request inside its client span and records its outcome and duration. `send` gets a function
 * that adds the trace context to the request's params (`_meta`); `failure` maps an error to the one thrown.
 */
export async function instrumented<T>(
  telemetry: Telemetry,
  call: UpstreamCall,
  send: (withTrace: (params: Params) => Params) => Promise<T>,
  failure: (err: unknown) => unknown,
): Promise<T> {
  const started = performance.now();
  const tracing = telemetry.tracing;
  const scope = tracing.enabled ? tracing.client(call.span(), call.trace) : undefined;
  let outcome = 'ok';
  let thrown: unknown;
  try {
    // The trace context travels in _meta to every upstream, and as headers to HTTP ones (the fetch
    // wrapper reads the active context, so the request is sent inside the client span's).
    const result = scope
      ? await tracing.run(scope.context, () => send((p) => tracing.injectMeta(p, scope.context)))
      : await send((p) => p);
    if (isToolError(result)) outcome = 'tool_error';
    return result;
  } catch (err) {
    thrown = failure(err);
    outcome = outcomeOf(thrown);
    throw thrown;
  } finally {
    const seconds = (performance.now() - started) / 1000;
    telemetry.metrics.upstream(call.backend, call.method, outcome, seconds);
    if (call.timing) call.timing.upstream += seconds;
    if (scope) {
      const type = thrown !== undefined ? errorTypeOf(thrown) : outcome === 'ok' ? undefined : outcome;
      tracing.end(scope.span, type, thrown instanceof Error ? thrown.message : undefined);
    }
  }
}
