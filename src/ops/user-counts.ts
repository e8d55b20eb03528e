/** Counts of the users of backends acting as each user, for operators: never a principal, token or secret. */
import type { Backend } from '../backends/backend.js';
import { log } from '../log.js';
import type { Observation } from '../telemetry/recorder.js';

/** One per-user backend's users: connected (a stored grant or secret) and upstream sessions open here. */
export interface UserCounts {
  mode: string;
  /** Principals holding a credential, across replicas where the store is Redis; undefined when it cannot be read. */
  connected?: number;
  /** Per-user upstream sessions open on this replica. */
  sessions: number;
}

/** How long a count may take: /readyz and a scrape answer without it rather than wait on a hung store. */
const COUNT_WAIT_MS = 1000;

/** `promise`'s value, or a rejection after `ms`. */
function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** The counts of every per-user backend, by name (a store that cannot be read leaves `connected` out). */
export async function userCounts(backends: Backend[]): Promise<Map<string, UserCounts>> {
  const acting = backends.filter((b) => b.perUser);
  const rows = await Promise.all(
    acting.map(async (b): Promise<[string, UserCounts]> => {
      const { mode, connections } = b.perUser!;
      const sessions = b.clientSessions?.size ?? 0;
      try {
        return [b.name, { mode, connected: await within(connections.count(), COUNT_WAIT_MS), sessions }];
      } catch (err) {
        log.warn({ backend: b.name, err: String(err) }, 'counting connected users failed');
        return [b.name, { mode, sessions }];
      }
    }),
  );
  return new Map(rows);
}

/** The /readyz body with each per-user backend's `users` counts added. */
export function withUserCounts(
  body: Record<string, unknown>,
  counts: Map<string, UserCounts>,
): Record<string, unknown> {
  const backends = body.backends as Record<string, Record<string, unknown>> | undefined;
  if (!backends || !counts.size) return body;
  const merged = Object.fromEntries(
    Object.entries(backends).map(([name, row]) => {
      const users = counts.get(name);
      return [name, users ? { ...row, users } : row];
    }),
  );
  return { ...body, backends: merged };
}

/** `switchboard_user_connections` observations: connected users per per-user backend. */
export async function connectedObservations(backends: Backend[]): Promise<Observation[]> {
  const counts = await userCounts(backends);
  return [...counts].flatMap(([backend, c]): Observation[] =>
    c.connected === undefined ? [] : [[c.connected, { backend, mode: c.mode }]],
  );
}
