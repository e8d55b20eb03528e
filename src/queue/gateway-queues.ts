import type { Backend, UpstreamRequestOptions } from '../backends/backend.js';
import type { PoolHooks } from '../backends/pool.js';
import type { GatewaySettings } from '../config/model.js';
import type { UpstreamRunner } from '../dispatch/dispatch.js';
import { GatewayError } from '../errors.js';
import { log } from '../log.js';
import { isQueueError } from './errors.js';
import { toGatewayError } from './gateway-errors.js';
import { SingleSession } from './single-session.js';
import type { LatencyStats, QueueStats, SubmitOptions } from './types.js';
import { errorTypeOf } from '../telemetry/outcome.js';
import { telemetryOff, type Telemetry } from '../telemetry/recorder.js';

/** A single-session backend's queue as /readyz shows it. */
export interface QueueReadiness {
  mode: 'memory' | 'redis';
  depth: number;
  running: number;
  /** Whether this replica holds the upstream session. */
  owner: boolean;
  /** The replica that published the catalog last (`host:pid`), in Redis mode. */
  ownerReplica?: string;
  waitMs: LatencyStats;
  runMs: LatencyStats;
  processed: number;
  failed: number;
  rejected: number;
}

/**
 * The gateway's single-session backends: one queue each, created when the pool launches the backend and
 * closed once it stops (shutdown, or removed or replaced by a reload). Its runner puts every request for
 * those backends through their queue; other backends are called directly.
 */
export class GatewayQueues implements PoolHooks {
  private readonly byBackend = new Map<Backend, SingleSession>();
  /** The newest instance per backend name; a replacement waits for its predecessor to close. */
  private readonly latest = new Map<string, SingleSession>();
  private readonly closing = new WeakMap<SingleSession, Promise<void>>();
  /** Set once shutdown's grace ran out: queued calls cut off by closing fail with shutting_down. */
  private shutdownGraceMs?: number;

  /** @param redis the running `gateway.redis` (Redis mode when set). */
  constructor(
    private readonly redis: () => GatewaySettings['redis'],
    private readonly telemetry: Telemetry = telemetryOff(),
  ) {}

  launch(backend: Backend): void {
    if (!backend.spec.singleSession) return backend.start();
    const prev = this.latest.get(backend.name);
    const s = new SingleSession(backend, this.redis(), prev?.closed, () => this.telemetry.tracing);
    this.byBackend.set(backend, s);
    this.latest.set(backend.name, s);
  }

  changed(backend: Backend): void {
    const s = this.byBackend.get(backend);
    if (!s) return;
    // Deferred: the pool's retire or close is still inside backend.stop(), which must finish first.
    if (backend.state === 'stopped') setImmediate(() => void this.retire(s));
    else s.backendChanged();
  }

  /** The queue of a single-session backend, by name (the newest instance). */
  get(name: string): SingleSession | undefined {
    return this.latest.get(name);
  }

  /**
   * Routes a request through the backend's queue when it is single-session, else straight to it. A queued
   * call records its wait and run times, and with tracing a "queue wait" span; its trace context goes in
   * `_meta`, so the replica that runs it (maybe another) continues the trace.
   */
  readonly runner: UpstreamRunner = async (backend, method, params, schema, opts) => {
    const s = this.byBackend.get(backend);
    if (!s) return backend.request(method, params, schema, opts);
    const { metrics, tracing } = this.telemetry;
    const trace = tracing.enabled ? (opts.trace ?? tracing.active()) : undefined;
    const submitted = Date.now();
    let times: Parameters<NonNullable<SubmitOptions['onTimes']>>[0] | undefined;
    const onTimes: SubmitOptions['onTimes'] = (t) => {
      times = t;
      metrics.queueWait(backend.name, t.waitMs / 1000);
      if (t.runMs !== undefined) metrics.queueRun(backend.name, t.runMs / 1000);
      if (!opts.timing) return;
      opts.timing.queued += t.waitMs / 1000;
    };
    const ranHere = opts.timing?.upstream;
    let value: unknown;
    let failure: unknown;
    try {
      const sent = trace ? tracing.injectMeta(params, trace) : params;
      value = await s.submit({ method, params: sent }, { ...opts, trace }, onTimes);
    } catch (err) {
      if (this.shutdownGraceMs !== undefined && isQueueError(err, 'closed')) {
        const what =
          err.started === true
            ? 'it was running; it was cancelled and may have partly run upstream'
            : err.started === false
              ? 'it was still waiting in the queue; it was removed and never ran'
              : 'it was cancelled (one still waiting never runs; one already running may have partly run upstream)';
        failure = new GatewayError(
          'shutting_down',
          `switchboard is shutting down: the call to single-session backend "${backend.name}" did not finish within the ${this.shutdownGraceMs} ms grace period (gateway.shutdown_grace); ${what}`,
          backend.name,
        );
        throw failure;
      }
      failure = toGatewayError(err, backend.name);
      throw failure;
    } finally {
      // Run on another replica: its upstream time counts as upstream here too.
      if (opts.timing && times?.runMs !== undefined && opts.timing.upstream === ranHere)
        opts.timing.upstream += times.runMs / 1000;
      if (trace) this.waitSpan(backend.name, trace, submitted, times?.waitMs, failure);
    }
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    throw new GatewayError(
      'upstream_error',
      `backend "${backend.name}" returned an invalid ${method} result: ${parsed.error.message}`,
      backend.name,
    );
  };

  /** The /readyz `queue` object of a backend, or undefined when it is not single-session. */
  readiness(backend: Backend): QueueReadiness | undefined {
    const s = this.byBackend.get(backend);
    if (!s) return undefined;
    const q = s.queue.stats();
    return {
      mode: q.mode,
      depth: q.depth,
      running: q.running,
      owner: q.owner ?? true,
      ...(s.ownerReplica ? { ownerReplica: s.ownerReplica } : {}),
      waitMs: q.waitMs,
      runMs: q.runMs,
      processed: q.processed,
      failed: q.failed,
      rejected: q.rejected,
    };
  }

  /** Stats of every single-session queue (the newest instance per backend). */
  stats(): QueueStats[] {
    return [...this.latest.values()].map((s) => s.queue.stats());
  }

  /** The "queue wait" span of a call, from submission until it started (or failed waiting). */
  private waitSpan(
    backend: string,
    trace: NonNullable<UpstreamRequestOptions['trace']>,
    submitted: number,
    waitMs: number | undefined,
    failure: unknown,
  ): void {
    const tracing = this.telemetry.tracing;
    const span = tracing.internal('queue wait', trace, { 'mcp.backend': backend }, submitted);
    if (waitMs !== undefined) tracing.end(span, undefined, undefined, submitted + waitMs);
    else tracing.end(span, errorTypeOf(failure), failure instanceof Error ? failure.message : undefined);
  }

  /**
   * Shutdown begins: in-process queues keep serving their waiting calls in order during the grace; a Redis
   * queue's owner takes no further job once the running one finishes and hands the lease to another replica,
   * so calls queued cluster-wide run there while this replica's own callers still receive their results.
   * Resolves once every owner has finished its running call and handed over.
   */
  drain(): Promise<void> {
    const handOffs = [...this.byBackend.values()].map((s) =>
      s.drain().catch((err: unknown) => {
        log.warn({ backend: s.backend.name, err: String(err) }, 'handing the queue over failed');
      }),
    );
    return Promise.all(handOffs).then(() => undefined);
  }

  /** Shutdown's grace ran out: calls still queued or running are about to be cut off by close(). */
  shutdownExpired(graceMs: number): void {
    this.shutdownGraceMs = graceMs;
  }

  /** Calls waiting in this replica's in-process queues or submitted here and not yet answered (Redis). */
  waiting(): number {
    let n = 0;
    for (const s of this.byBackend.values()) n += s.queue.stats().depth;
    return n;
  }

  /** Closes every queue (upstream sessions first, then ownership); for shutdown. */
  async close(): Promise<void> {
    await Promise.all([...this.byBackend.values()].map((s) => this.retire(s)));
  }

  private retire(s: SingleSession): Promise<void> {
    let done = this.closing.get(s);
    if (!done) {
      done = s.close().finally(() => {
        this.byBackend.delete(s.backend);
        if (this.latest.get(s.backend.name) === s) this.latest.delete(s.backend.name);
      });
      this.closing.set(s, done);
    }
    return done;
  }
}
