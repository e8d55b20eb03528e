import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { hostname } from 'node:os';
import type { AuthInfo, Server } from '@modelcontextprotocol/server';
import { trace as otelTrace } from '@opentelemetry/api';
import type { AuditSettings, TelemetrySettings } from '../config/model.js';
import { log } from '../log.js';
import type { ObservedMetric } from '../telemetry/recorder.js';
import {
  AUDIT_SCHEMA_VERSION,
  frontOfPath,
  principalOf,
  type AuditDraft,
  type AuditEvent,
  type AuditKind,
  type Front,
} from './event.js';
import { Activity } from './activity.js';
import type { RequestAudit, RequestFacts } from './hook.js';
import { endingOfError, endingOfResult, type Ending } from './outcome.js';
import { recordPayload } from './payload.js';
import { page, type AuditFilter, type AuditPage } from './query.js';
import { Ring } from './ring.js';
import { makeSinks } from './sinks/index.js';
import type { RedisStreamSink } from './sinks/redis.js';
import type { AuditSink } from './sinks/sink.js';

/** How often a failing sink may log, at most. */
const WARN_EVERY_MS = 60_000;

/** What the recorder reads from the running gateway. */
export interface AuditDeps {
  settings: AuditSettings;
  telemetry: TelemetrySettings;
  redis?: { url: string; prefix: string };
  /** Whether a backend's arguments and results are recorded (its audit_payloads). */
  payloads(backend: string): boolean;
  /** The issuer of the gateway's own sign-in tokens, if sign-in is on: their principals are `user`s. */
  signInIssuer?(): string | undefined;
  /** Extra sinks (tests). */
  sinks?: AuditSink[];
}

/**
 * The audit trail of one replica: records events in a local ring and writes them to the configured sinks
 * without waiting; a failing sink drops its events (counted, one log line a minute) and never fails a request.
 */
export class AuditRecorder implements RequestAudit {
  /** This replica's name in events: host name and a random suffix (several gateways may share a process). */
  readonly replica = `${hostname()}-${randomUUID().slice(0, 8)}`;
  private readonly ring: Ring<AuditEvent>;
  private readonly sinks: AuditSink[];
  /** The Redis stream sink, when configured: GET /v1/audit reads it (every replica's events). */
  readonly stream?: RedisStreamSink;
  /** This replica's per-backend rates, errors and latencies, and open sessions (the console's Activity panel). */
  readonly activity = new Activity();
  private readonly fronts = new WeakMap<object, Front>();
  private readonly dropped = new Map<string, number>();
  private readonly warned = new Map<string, number>();
  private readonly pending = new Set<Promise<void>>();
  private readonly listeners = new Set<(e: AuditEvent) => void>();
  private lastMs = 0;
  private seq = 0;

  constructor(private readonly deps: AuditDeps) {
    const { sinks, stream } = makeSinks(deps.settings, deps.redis, deps.telemetry);
    this.sinks = [...sinks, ...(deps.sinks ?? [])];
    for (const sink of this.sinks) sink.onDropped = (n, err) => this.drop(sink.name, err, n);
    this.stream = stream;
    this.ring = new Ring(deps.settings.enabled ? deps.settings.ringSize : 0);
  }

  /** Whether events are recorded at all (gateway.audit.enabled). */
  get enabled(): boolean {
    return this.deps.settings.enabled;
  }

  /** Records one event: into the ring, to every sink, to live listeners. */
  record(draft: AuditDraft): AuditEvent | undefined {
    if (!this.enabled) return undefined;
    const now = Date.now();
    this.seq = now === this.lastMs ? this.seq + 1 : 0;
    this.lastMs = now;
    const event: AuditEvent = {
      v: AUDIT_SCHEMA_VERSION,
      id: `${now}-${this.seq}`,
      replica: this.replica,
      ...draft,
    };
    this.ring.push(event);
    this.activity.add(event);
    for (const sink of this.sinks) this.write(sink, event);
    for (const listener of this.listeners) listener(event);
    return event;
  }

  private write(sink: AuditSink, event: AuditEvent): void {
    const done = Promise.resolve()
      .then(() => sink.write(event))
      .catch((err: unknown) => this.drop(sink.name, err))
      .finally(() => this.pending.delete(done));
    this.pending.add(done);
  }

  private drop(sink: string, err: unknown, count = 1): void {
    this.dropped.set(sink, (this.dropped.get(sink) ?? 0) + count);
    const last = this.warned.get(sink) ?? 0;
    if (Date.now() - last < WARN_EVERY_MS) return;
    this.warned.set(sink, Date.now());
    const reason = err instanceof Error ? err.message : String(err);
    log.warn(
      { sink, err: reason },
      'audit events dropped: their sink failed (counted in switchboard_audit_dropped_total)',
    );
  }

  /** Calls `listener` with every event recorded from now on; returns the function that stops it. */
  onEvent(listener: (e: AuditEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Events dropped so far, by sink. */
  droppedCount(sink: string): number {
    return this.dropped.get(sink) ?? 0;
  }

  /** The metric of events dropped by failing sinks. */
  metrics(): ObservedMetric[] {
    return [
      {
        name: 'switchboard_audit_dropped',
        description: 'Audit events a sink failed to write (dropped; the request was served)',
        kind: 'counter',
        read: () => [...this.dropped].map(([sink, n]) => [n, { sink }]),
      },
    ];
  }

  /** A page of events, newest first: from the Redis stream when configured (every replica), else this ring. */
  async page(filter: AuditFilter, limit: number, cursor?: string): Promise<AuditPage & { source: string }> {
    if (this.stream) return { source: 'redis', ...(await this.stream.page(filter, limit, cursor)) };
    return { source: 'local', ...page(this.ring.newestFirst(), filter, limit, cursor) };
  }

  /** The most recent events of this replica, newest first. */
  recent(filter: AuditFilter, limit: number): AuditEvent[] {
    return page(this.ring.newestFirst(), filter, limit).events;
  }

  /** Runs one tools/call, resources/read or prompts/get and records how it ended. */
  async around<T>(facts: RequestFacts, body: () => Promise<T>): Promise<T> {
    if (!this.enabled) return body();
    const started = Date.now();
    const t0 = performance.now();
    let result: T | undefined;
    let ending: Ending;
    try {
      result = await body();
      ending = endingOfResult(result);
      return result;
    } catch (err) {
      ending = endingOfError(err);
      throw err;
    } finally {
      this.request(facts, started, performance.now() - t0, ending!, result);
    }
  }

  private request(facts: RequestFacts, started: number, ms: number, ending: Ending, result: unknown): void {
    const backend = facts.backend;
    const traceId = facts.trace && otelTrace.getSpanContext(facts.trace)?.traceId;
    const payloads = backend !== undefined && this.deps.payloads(backend);
    const max = this.deps.settings.payloadMaxBytes;
    this.record({
      time: new Date(started).toISOString(),
      kind: ending.kind ?? facts.method,
      principal: principalOf(facts.auth, this.deps.signInIssuer?.()),
      front: facts.perRequest ? 'http' : (this.fronts.get(facts.server) ?? 'http'),
      era: facts.perRequest ? '2026-07-28' : '2025',
      ...(facts.session ? { session: facts.session } : {}),
      method: facts.method,
      target: facts.target,
      ...(backend !== undefined ? { backend } : {}),
      outcome: ending.outcome,
      ...(ending.error !== undefined ? { error: ending.error } : {}),
      duration_ms: Math.round(ms * 1000) / 1000,
      ...(traceId ? { trace_id: traceId } : {}),
      ...(payloads && facts.arguments !== undefined
        ? { arguments: recordPayload(facts.arguments, max) }
        : {}),
      ...(payloads && result !== undefined ? { result: recordPayload(result, max) } : {}),
    });
  }

  /**
   * Follows a downstream session's server: records session/open once it is initialized and session/close when
   * it closes (chaining the handlers already set). REST's per-request sessions are not sessions to audit.
   */
  session(server: Server, front: Front, auth: AuthInfo | undefined): void {
    this.fronts.set(server, front);
    if (!this.enabled || front === 'rest') return;
    let opened: { id: string; at: number } | undefined;
    const initialized = server.oninitialized;
    server.oninitialized = () => {
      opened = { id: server.transport?.sessionId ?? '', at: performance.now() };
      this.sessionEvent('session/open', front, auth, opened.id);
      initialized?.();
    };
    const closed = server.onclose;
    server.onclose = () => {
      if (opened) this.sessionEvent('session/close', front, auth, opened.id, performance.now() - opened.at);
      opened = undefined;
      closed?.();
    };
  }

  private sessionEvent(
    kind: AuditKind,
    front: Front,
    auth: AuthInfo | undefined,
    id: string,
    ms?: number,
  ): void {
    this.record({
      time: new Date().toISOString(),
      kind,
      principal: principalOf(auth, this.deps.signInIssuer?.()),
      front,
      era: '2025',
      ...(id ? { session: id } : {}),
      outcome: 'ok',
      ...(ms !== undefined ? { duration_ms: Math.round(ms) } : {}),
    });
  }

  /** Records a request refused by the rate limit (`reason`: exhausted or limiter_unavailable). */
  rateLimited(
    auth: AuthInfo | undefined,
    req: IncomingMessage & { originalUrl?: string },
    reason: string,
  ): void {
    const session = req.headers['mcp-session-id'];
    this.record({
      time: new Date().toISOString(),
      kind: 'rate_limit/refused',
      principal: principalOf(auth, this.deps.signInIssuer?.()),
      front: frontOfPath(req.originalUrl ?? req.url ?? ''),
      ...(typeof session === 'string' ? { session } : {}),
      outcome: 'refused',
      error: reason,
    });
  }

  /** Records a sign-in at the identity provider (gateway.auth.sign_in): the user, or why it was refused. */
  signedIn(e: { subject?: string; refused?: string; idp: string }): void {
    this.record({
      time: new Date().toISOString(),
      kind: 'sign_in',
      principal: e.subject === undefined ? { kind: 'anonymous' } : { kind: 'user', id: e.subject },
      target: e.idp,
      outcome: e.refused === undefined ? 'ok' : 'refused',
      ...(e.refused !== undefined ? { error: e.refused } : {}),
    });
  }

  /** Waits for writes in flight (at most `ms`), then closes the sinks. */
  async close(ms = 2000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
    await Promise.race([Promise.allSettled([...this.pending]), timeout]);
    clearTimeout(timer);
    await Promise.all(this.sinks.map((s) => s.close().catch(() => {})));
  }
}
