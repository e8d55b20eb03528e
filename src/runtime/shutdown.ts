/** Process lifecycle: graceful shutdown of a running gateway, and the runtime fields /readyz adds for it. */
import { signalGroup } from '../backends/supervision/process-group.js';
import { descendants, signalAll } from '../backends/supervision/process-tree.js';
import type { Gateway } from '../gateway.js';
import { log } from '../log.js';
import { waitAtMost } from '../time.js';
import { VERSION } from '../version.js';

/** How long calls cut off when the grace ran out may take to get their error onto the wire. */
const ANSWER_MS = 2000;
const startedAt = Date.now();

/** The process-level fields of /readyz: version, pid, uptime, config hash, traffic by protocol era. */
export function runtimeReadiness(gateway: Gateway): Record<string, unknown> {
  const traffic = gateway.drain.counts();
  return {
    version: VERSION,
    pid: process.pid,
    uptimeMs: Date.now() - startedAt,
    ...(gateway.config.hash ? { configHash: gateway.config.hash } : {}),
    eras: {
      '2025-11-25': { sessions: gateway.sessions.size },
      '2026-07-28': { listenStreams: traffic.listenStreams, parkedCalls: gateway.input.bridge.size },
    },
    requestsInFlight: traffic.requests,
    ...(gateway.drain.active ? { shuttingDown: true } : {}),
  };
}

function inFlight(gateway: Gateway) {
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
async function idle(gateway: Gateway): Promise<void> {
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
export async function shutdown(gateway: Gateway, signal: string): Promise<void> {
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
export function killChildren(gateway: Gateway): void {
  const pids = gateway.pool.all().flatMap((b) => (b.pid ? [b.pid, ...descendants(b.pid)] : []));
  signalAll(pids, 'SIGKILL');
  for (const b of gateway.pool.all()) if (b.group) signalGroup(b.group, 'SIGKILL');
}
