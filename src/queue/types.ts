/** One JSON-RPC request to run on a single-session upstream, e.g. `tools/call`. */
export interface QueuedRequest {
  method: string;
  params?: Record<string, unknown>;
}

/** A progress notification from the upstream, relayed to the caller (MCP `notifications/progress`). */
export interface ProgressUpdate {
  progress: number;
  total?: number;
  message?: string;
}

/** What the executor receives besides the request: abort when the call is cancelled, timed out or the owner steps down. */
export interface ExecutorContext {
  signal: AbortSignal;
  onProgress: (p: ProgressUpdate) => void;
}

/** Performs one request on the upstream; provided by the gateway, called at most once at a time per backend. */
export type Executor = (req: QueuedRequest, ctx: ExecutorContext) => Promise<unknown>;

/** Per-call options of `CallQueue.submit`. */
export interface SubmitOptions {
  /** Aborting it cancels the call: a waiting call is removed and never runs, a running one has its executor aborted. */
  signal?: AbortSignal;
  /** Bounds the whole call, wait included (`request_timeout`). */
  timeoutMs?: number;
  /** Bounds the wait alone (`queue_timeout`). */
  queueTimeoutMs?: number;
  onProgress?: (p: ProgressUpdate) => void;
  /** Told, once a call that started has ended, how long it waited and ran (ms); for metrics and traces. */
  onTimes?: (times: { waitMs: number; runMs?: number }) => void;
}

/** Rolling latency figures over the most recent calls, in milliseconds. */
export interface LatencyStats {
  p50: number;
  p99: number;
  last: number;
}

/** A snapshot of one backend's queue, for `/readyz` and metrics. */
export interface QueueStats {
  backend: string;
  mode: 'memory' | 'redis';
  /** Calls waiting (cluster-wide in redis mode, refreshed every lease tick). */
  depth: number;
  /** Calls in flight on the upstream (0 or 1; cluster-wide in redis mode). */
  running: number;
  /** Whether this replica owns the upstream (always true in memory mode). */
  owner?: boolean;
  /** Calls submitted here that returned a result. */
  processed: number;
  /** Calls submitted here that were admitted and then failed (executor error, timeout, cancel, owner lost). */
  failed: number;
  /** Calls submitted here that were refused at once (queue full, Redis unavailable, closed). */
  rejected: number;
  waitMs: LatencyStats;
  runMs: LatencyStats;
}

/** A per-backend queue that runs calls one at a time on its upstream, in arrival order. */
export interface CallQueue {
  readonly backend: string;
  /** Runs `req` when its turn comes; resolves with the executor's result or rejects (QueueError or the executor's error). */
  submit(req: QueuedRequest, opts?: SubmitOptions): Promise<unknown>;
  stats(): QueueStats;
  /** Calls `cb` whenever this replica gains or loses ownership of the upstream; returns an unsubscribe function. */
  onOwnershipChange(cb: (owned: boolean) => void): () => void;
  /**
   * Shutdown begins (optional): a Redis queue's owner takes no new job once the running one finishes, runs
   * `beforeRelease` (close the upstream session), then releases ownership so another replica runs the rest;
   * waiting callers of this replica keep waiting for their results.
   */
  drain?(beforeRelease: () => Promise<void>): Promise<void>;
  /** Rejects waiting calls with `closed`, aborts the running one, releases ownership and all resources. */
  close(): Promise<void>;
}
