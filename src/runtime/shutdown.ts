/** Graceful shutdown of a running gateway, and the forced stop of its children on a second signal. */
import type { BackendPool } from '../backends/pool.js';
import { signalGroup } from '../backends/supervision/process-group.js';
import { descendants, signalAll } from '../backends/supervision/process-tree.js';
import { log } from '../log.js';
import type { GatewayQueues } from '../queue/gateway-queues.js';
import type { Drain } from '../server/http/drain.js';
import type { InputBridge } from '../server/relay/input-bridge.js';
import { waitAtMost } from '../time.js';

/** What shutdown stops: the parts of a running gateway it waits for, cuts short and closes. */
export interface Stoppable {
  readonly config: { gateway: { shutdownGraceMs: number } };
  readonly drain: Pick<Drain, 'begin' | 'counts' | 'idle'>;
  readonly input: { bridge: Pick<InputBridge, 'size' | 'idle' | 'close'> };
  readonly pool: Pick<BackendPool, 'inFlight' | 'shutdownExpired' | 'close'>;
  readonly queues: Pick<GatewayQueues, 'drain' | 'waiting' | 'shutdownExpired' | 'close'>;
  readonly sessions: { readonly size: number };
  /** Closes what is left: listener, sessions, frontends. */
  close(): Promise<void>;
}

/** How long calls cut off when the grace ran out may take to get their error onto the wire. */
const ANSWER_MS = 2000;

function inFlight(gateway: Stoppable) {
  const { requests, methods } = gateway.drain.counts();
  return {
    requests,
    methods,
    parked: gateway.input.bridge.size,
    upstreamCalls: gateway.pool.inFlight(),
    queued: gateway.queues.waiting(),
    sessions: gateway.sessions.size,
  };
}

/** Resolves once no request is being served and no parked call waits for its client's retry. */
async function idle(gateway: Stoppable): Promise<void> {
  while (gateway.drain.counts().requests > 0 || gateway.input.bridge.size > 0) {
    await Promise.all([gateway.drain.idle(), gateway.input.bridge.idle()]);
  }
}

/**
 * Graceful shutdown: new requests get 503 and /readyz turns not-ready; calls in flight (queued, running or
 * parked for a client's answer) may finish within gateway.shutdown_grace; what is still running then is
 * answered with a `shutting_down` error; then backends stop (process trees terminated), sessions and
 * listen streams close, and the listener closes. Never throws.
 */
export async function shutdown(gateway: Stoppable, signal: string): Promise<void> {
  const graceMs = gateway.config.gateway.shutdownGraceMs;
  const t0 = performance.now();
  gateway.drain.begin();
  // A Redis queue owner may be running a call for another replica's client: that call is in flight too.
  const handedOver = gateway.queues.drain();
  const before = inFlight(gateway);
  log.info(
    { signal, graceMs, ...before },
    `${signal}: shutting down; ${before.requests} request(s) in flight, ${before.parked} parked, waiting up to ${graceMs} ms`,
  );
  let finished = false;
  await waitAtMost(
    Promise.all([idle(gateway), handedOver]).then(() => (finished = true)),
    graceMs,
  );
  const left = inFlight(gateway);
  if (!finished) {
    log.warn(
      { graceMs, ...left },
      `shutdown grace (gateway.shutdown_grace) ran out: answering ${left.requests} request(s) still in flight with an error`,
    );
    gateway.pool.shutdownExpired(graceMs);
    gateway.queues.shutdownExpired(graceMs);
  }
  // Backends stop first, so calls still running are answered before their sessions close.
  gateway.input.bridge.close();
  await gateway.queues.close();
  await gateway.pool.close();
  await waitAtMost(gateway.drain.idle(), ANSWER_MS);
  await gateway.close();
  log.info(
    {
      ms: Math.round(performance.now() - t0),
      completed: Math.max(0, before.requests + before.parked - left.requests - left.parked),
      cutOff: finished ? 0 : left.requests + left.parked,
    },
    'shutdown complete',
  );
}

/** A second signal: terminates every backend's process tree and group at once (SIGKILL), so nothing is orphaned. */
export function killChildren(gateway: { readonly pool: Pick<BackendPool, 'all'> }): void {
  const pids = gateway.pool.all().flatMap((b) => (b.pid ? [b.pid, ...descendants(b.pid)] : []));
  signalAll(pids, 'SIGKILL');
  for (const b of gateway.pool.all()) if (b.group) signalGroup(b.group, 'SIGKILL');
}
