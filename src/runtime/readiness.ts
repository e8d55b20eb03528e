/** The process-level fields of /readyz: version, pid, uptime, config hash, traffic by protocol era. */
import type { Drain } from '../server/http/drain.js';
import { VERSION } from '../version.js';

const startedAt = Date.now();

/** What the runtime fields are read from, at each /readyz. */
export interface RuntimeState {
  /** The config file's hash, when loaded from a file. */
  configHash?: string;
  drain: Pick<Drain, 'counts' | 'active'>;
  /** 2025-era sessions held here. */
  sessions: number;
  /** 2026-07-28 calls parked for a client's answer. */
  parked: number;
}

/** The process-level fields of /readyz: version, pid, uptime, config hash, traffic by protocol era. */
export function runtimeReadiness(state: RuntimeState): Record<string, unknown> {
  const traffic = state.drain.counts();
  return {
    version: VERSION,
    pid: process.pid,
    uptimeMs: Date.now() - startedAt,
    ...(state.configHash ? { configHash: state.configHash } : {}),
    eras: {
      '2025-11-25': { sessions: state.sessions },
      '2026-07-28': { listenStreams: traffic.listenStreams, parkedCalls: state.parked },
    },
    requestsInFlight: traffic.requests,
    ...(state.drain.active ? { shuttingDown: true } : {}),
  };
}
