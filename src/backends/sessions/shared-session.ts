/** A backend's shared upstream connection (or its 2025 companion, for a 2025 client) as one request goes on it. */
import type { Client } from '@modelcontextprotocol/client';
import type { Logger } from 'pino';
import type { InFlight, Origin } from '../relay/origin.js';
import type { Era } from './era.js';
import { LegacyCompanion } from './legacy-companion.js';
import type { UpstreamSession } from './send.js';
import type { StickyState } from './sticky.js';

/** What the backend lends a request on its shared connection. */
export interface SharedConnection {
  client: Client;
  era: Era | undefined;
  /** Downstream origins of requests in flight on the connection. */
  origins: InFlight;
  sticky: StickyState;
  companion: LegacyCompanion | undefined;
  log: Logger;
  resubscribe(method: string, params: Record<string, unknown> | undefined): void;
  /** Replaces the connection now (the upstream forgot its session). */
  reconnect(reason: string): Promise<void>;
  /** Closes the connection, known to be broken, and reconnects with backoff. */
  drop(reason: string): void;
}

/** The session a request from `origin` goes on: the companion's for a 2025 client it serves, else the shared one. */
export async function sharedSession(
  conn: SharedConnection,
  origin: Origin | undefined,
): Promise<UpstreamSession> {
  const expired = () => conn.log.warn('upstream session expired; re-initializing');
  const side = LegacyCompanion.serves(origin) ? conn.companion : undefined;
  const legacy = await side?.connection();
  if (side && legacy) {
    return {
      client: legacy,
      era: 'legacy',
      track: (o, run) => side.origins.track(o, run),
      resubscribe: () => undefined,
      sent: (method, params) => side.sticky.record(method, params),
      renew: async () => {
        expired();
        await side.reset(legacy);
      },
      drop: (reason) => conn.drop(reason),
      release: () => undefined,
    };
  }
  return {
    client: conn.client,
    era: conn.era,
    track: (o, run) => conn.origins.track(o, run),
    resubscribe: (method, params) => conn.resubscribe(method, params),
    sent: (method, params) => conn.sticky.record(method, params),
    renew: async () => {
      expired();
      await conn.reconnect('upstream session expired');
    },
    drop: (reason) => conn.drop(reason),
    release: () => undefined,
  };
}
