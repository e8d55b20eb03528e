import { queueClosed } from './errors.js';
import { ResultSchema } from '@modelcontextprotocol/core';
import type { Backend, UpstreamRequestOptions } from '../backends/backend.js';
import type { CatalogView, SharedCatalog } from '../backends/shared-catalog.js';
import type { GatewaySettings } from '../config/model.js';
import { log } from '../log.js';
import { forWire } from './gateway-errors.js';
import { createQueue } from './create.js';
import type { CallQueue, Executor, QueuedRequest, SubmitOptions } from './types.js';
import { TRACING_OFF, type Tracing } from '../telemetry/tracing.js';

type RedisSettings = NonNullable<GatewaySettings['redis']>;

const WAITING = 'waiting for the owning replica to publish the upstream catalog on Redis';

/**
 * One `single_session: true` backend: its call queue and who holds its upstream session. In-process the
 * backend connects at once; with Redis it connects only while this replica owns the queue, and otherwise
 * shows the owner's published state and catalog (so a non-owner never opens an upstream session).
 */
export class SingleSession {
  readonly queue: CallQueue;
  private shared?: SharedCatalog;
  private sharedLoading?: Promise<void>;
  private owned = false;
  private remote?: CatalogView;
  /** Resolves once this replica has started its upstream connection (the executor waits for it). */
  private upstream: Promise<void> = Promise.resolve();
  /** Serialises session transitions, so a new session never opens while the previous one is closing. */
  private chain: Promise<void> = Promise.resolve();
  private closing?: Promise<void>;
  private markClosed!: () => void;
  /** Resolves once close() has finished: the upstream session is closed and ownership released. */
  readonly closed = new Promise<void>((resolve) => (this.markClosed = resolve));
  private readonly callers = new WeakMap<QueuedRequest, UpstreamRequestOptions>();
  private publishTimer?: NodeJS.Immediate;

  /** @param after resolves when the previous instance of this backend (before a reload) has closed. */
  constructor(
    readonly backend: Backend,
    redis: RedisSettings | undefined,
    after?: Promise<void>,
    private readonly tracing: () => Tracing = () => TRACING_OFF,
  ) {
    const spec = backend.spec;
    // The Redis modules (bullmq, ioredis) are loaded only when Redis is configured.
    this.queue = createQueue(
      {
        backend: spec.name,
        maxQueueSize: spec.maxQueueSize,
        redis: redis && { url: redis.url, prefix: redis.prefix, leaseMs: redis.leaseMs },
        retryOnFailover: spec.retryOnFailover,
      },
      this.execute,
    );
    if (!redis) {
      this.owned = true;
      // Started synchronously when nothing precedes it, so pool.settled() covers the first connection.
      if (after) this.upstream = this.serial(() => after.then(() => this.startUpstream()));
      else backend.start();
      return;
    }
    void backend.showRemote({ state: 'connecting', lastError: WAITING, catalog: backend.catalog });
    this.sharedLoading = import('../backends/shared-catalog.js').then(({ SharedCatalog }) => {
      if (this.closing) return;
      this.shared = new SharedCatalog({ ...redis, backend: spec.name }, (v) => this.onRemote(v));
      this.backendChanged();
    });
    this.queue.onOwnershipChange((owned) => this.onOwnership(owned));
  }

  /** The replica holding the upstream session, as last published (undefined in-process). */
  get ownerReplica(): string | undefined {
    return this.shared ? this.remote?.owner : undefined;
  }

  /** Queues one request; `request_timeout` bounds the whole call and `queue_timeout` the wait. */
  submit(
    req: QueuedRequest,
    opts: UpstreamRequestOptions,
    onTimes?: SubmitOptions['onTimes'],
  ): Promise<unknown> {
    const spec = this.backend.spec;
    if (opts.origin || opts.trace || opts.timing) this.callers.set(req, opts);
    const relay = opts.onprogress;
    return this.queue.submit(req, {
      signal: opts.signal,
      timeoutMs: opts.timeoutMs ?? spec.requestTimeoutMs,
      queueTimeoutMs: spec.queueTimeoutMs,
      onProgress: relay && ((p) => relay(p)),
      onTimes,
    });
  }

  /** The backend's state or catalog changed: the owner tells the other replicas (coalesced per tick). */
  backendChanged(): void {
    if (!this.shared || !this.owned || this.closing || this.publishTimer) return;
    this.publishTimer = setImmediate(() => {
      this.publishTimer = undefined;
      const b = this.backend;
      if (!this.owned || this.closing || b.state === 'stopped') return;
      this.shared?.publish({ state: b.state, lastError: b.lastError, catalog: b.catalog });
    });
  }

  /**
   * Shutdown begins: with Redis, the owner finishes its running call, closes the upstream session and hands
   * ownership to another replica (which runs the calls still queued); in-process queues keep serving.
   */
  drain(): Promise<void> {
    return (
      this.queue.drain?.(async () => {
        this.owned = false;
        await this.serial(() => this.showRemote());
      }) ?? Promise.resolve()
    );
  }

  /** Closes the upstream session first, then the queue (releasing ownership), then the catalog connections. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.owned = false;
      clearImmediate(this.publishTimer);
      await this.backend.stop();
      await this.queue.close();
      await this.sharedLoading;
      await this.shared?.close();
    })().finally(() => this.markClosed());
    return this.closing;
  }

  /** Runs on the owner, one call at a time: waits for a connection being (re)established, then calls upstream. */
  private readonly execute: Executor = async (req, { signal, onProgress }) => {
    await abortable(
      this.upstream.then(() => this.backend.firstAttempt()),
      signal,
    );
    // Closing stops the upstream before the queue: a waiting call the queue hands over meanwhile never runs.
    if (this.closing) throw queueClosed(this.backend.name, false);
    const caller = this.callers.get(req);
    try {
      return await this.backend.request(req.method, req.params, ResultSchema, {
        signal,
        onprogress: onProgress,
        timeoutMs: this.backend.spec.requestTimeoutMs,
        origin: caller?.origin,
        timing: caller?.timing,
        // A call submitted on another replica carries its trace context in _meta.
        trace: caller?.trace ?? this.tracing().extractMeta(req.params?._meta),
      });
    } catch (err) {
      throw forWire(err);
    }
  };

  private onOwnership(owned: boolean): void {
    if (this.closing) return;
    this.owned = owned;
    if (owned) this.upstream = this.serial(() => this.startUpstream());
    else void this.serial(() => this.showRemote());
  }

  private onRemote(view: CatalogView): void {
    this.remote = view;
    if (!this.owned && !this.closing) void this.serial(() => this.showRemote());
  }

  private startUpstream(): void {
    if (!this.owned || this.closing) return;
    this.backend.log.info('single-session: this replica holds the upstream session');
    this.backend.start();
  }

  private async showRemote(): Promise<void> {
    if (this.owned || this.closing) return;
    const v = this.remote;
    if (!v) {
      await this.backend.showRemote({
        state: 'connecting',
        lastError: WAITING,
        catalog: this.backend.catalog,
      });
      return;
    }
    const lastError = v.lastError && `owner ${v.owner}: ${v.lastError}`;
    await this.backend.showRemote({ state: v.state, lastError, catalog: v.catalog });
  }

  private serial(fn: () => void | Promise<void>): Promise<void> {
    this.chain = this.chain.then(fn).catch((err: unknown) => {
      log.error({ backend: this.backend.name, err: String(err) }, 'single-session transition failed');
    });
    return this.chain;
  }
}

/** Waits for `p`, or rejects with the signal's reason (a QueueError from the queue) once it aborts. */
function abortable(p: Promise<unknown>, signal: AbortSignal): Promise<unknown> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
