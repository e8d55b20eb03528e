import type { Attributes } from '@opentelemetry/api';
import { TRACING_OFF, type Tracing } from './tracing.js';

/** Labels of one tools/call: backend and exposed tool name (bounded by the catalog), and its outcome. */
export interface CallLabels {
  backend: string;
  tool: string;
  /** `ok`, `tool_error` (the upstream's isError result), or a gateway error code such as `timeout`. */
  outcome: string;
}

/** Where a tools/call's time went, in seconds. */
export interface CallTiming {
  /** Time spent waiting for the upstream (every upstream request the call made). */
  upstream: number;
  /** Time spent waiting in a single-session queue. */
  queued: number;
}

/**
 * The gateway's metric instruments as components record them. Labels are bounded: backend names, exposed
 * tool names of the catalog, method names, outcome codes; never session ids or arguments.
 */
export interface Recorder {
  /** One tools/call: its total time, and the time the gateway added beyond upstream and queue. */
  toolCall(labels: CallLabels, seconds: number, timing: CallTiming): void;
  /** One request to an upstream (any method), from send to answer. */
  upstream(backend: string, method: string, outcome: string, seconds: number): void;
  /** How long a call waited in a single-session backend's queue. */
  queueWait(backend: string, seconds: number): void;
  /** How long a queued call ran on its upstream. */
  queueRun(backend: string, seconds: number): void;
  /** One smart_tool_discovery ranking; `ranker` is `lexical` or `hybrid` (with embeddings). */
  discoveryQuery(ranker: string, seconds: number): void;
  /** A backend reconnecting after a failure (for stdio: restarting its child). */
  reconnect(backend: string, kind: string): void;
  /** A config reload attempt, `ok` or `failed`. */
  reload(outcome: 'ok' | 'failed'): void;
  /** A request refused before it reached a backend: `kind` such as `auth` or `rate_limit`, `reason` a short code. */
  refusal(kind: string, reason: string): void;
  /** An upstream answer the gateway normalised (a recoverable slip such as a missing `resultType`), by kind. */
  upstreamSlip(backend: string, kind: string): void;
}

/** A recorder that records nothing (unit tests of single components). */
export const METRICS_OFF: Recorder = {
  toolCall: () => {},
  upstream: () => {},
  queueWait: () => {},
  queueRun: () => {},
  discoveryQuery: () => {},
  reconnect: () => {},
  reload: () => {},
  refusal: () => {},
  upstreamSlip: () => {},
};

/** What components receive: the metric recorder and the tracer (TRACING_OFF until tracing starts, if ever). */
export interface Telemetry {
  tracing: Tracing;
  readonly metrics: Recorder;
}

/** Telemetry that records nothing. */
export function telemetryOff(): Telemetry {
  return { tracing: TRACING_OFF, metrics: METRICS_OFF };
}

/** One observed value of a gauge or counter read at collection time. */
export type Observation = [value: number, attributes: Attributes];

/** A value read when metrics are collected (e.g. sessions open, queue depth). */
export interface ObservedMetric {
  name: string;
  description: string;
  /** `gauge` goes up and down; `counter` only grows (exported with `_total`). */
  kind: 'gauge' | 'counter';
  /** The values now; a promise where they are read from a store (Redis), awaited by the collection. */
  read(): Observation[] | Promise<Observation[]>;
}
