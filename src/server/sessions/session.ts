/** What a downstream 2025-era session is, its limits and hooks, and the small rules SessionManager applies. */
import type { IncomingMessage } from 'node:http';
import { isJSONRPCResponse } from '@modelcontextprotocol/server';
import type { AuthInfo, JSONRPCMessage, Server } from '@modelcontextprotocol/server';
import type { GatewaySettings } from '../../config/model.js';
import { authOf } from '../http/replies.js';
import type { SessionRecord } from './cluster.js';
import type { SessionTransport } from './transport.js';
import { principalOf as principalKeyOf } from '../../principal.js';

/** One downstream client session: its MCP server, transport and activity. */
export interface Session {
  id: string;
  server: Server;
  transport: SessionTransport;
  lastSeen: number;
  /** When this replica last refreshed the session's record in Redis. */
  touchedAt: number;
  openStreams: number;
  /** Whether a call of it is in flight. */
  busy(): boolean;
  /** Who initialized it (its typed identity, src/principal.ts; empty without authentication): only they may use it. */
  principal: string;
  /** The principal's credentials as last presented (their claims decide what it may see). */
  auth?: AuthInfo;
  /** The tool set it was initialized on (`/mcp/<set>`); empty for /mcp. */
  set: string;
}

/** The authenticated principal of a request (set by the auth gate), or empty. */
export function principalOf(req: IncomingMessage): string {
  return principalKeyOf(authOf(req));
}

/** Which catalog lists changed between two snapshots. */
export interface ListChanges {
  tools: boolean;
  prompts: boolean;
  resources: boolean;
}

/** Limits for downstream sessions. */
export interface SessionLimits {
  maxSessions: number;
  idleTimeoutMs: number;
  /** At a cap, sessions idle at least this long (no stream, no call in flight) may be evicted, least recent first. */
  evictionMinIdleMs: number;
  /** A principal's own cap on open sessions (gateway.auth), if any. */
  perPrincipal?: (auth: AuthInfo) => number | undefined;
}

/** The limits of 2025-era sessions, from the gateway settings and a principal's own cap. */
export function sessionLimits(
  g: GatewaySettings,
  perPrincipal: SessionLimits['perPrincipal'],
): SessionLimits {
  const { maxSessions, sessionIdleTimeoutMs: idleTimeoutMs, sessionEvictionMinIdleMs } = g;
  return { maxSessions, idleTimeoutMs, evictionMinIdleMs: sessionEvictionMinIdleMs, perPrincipal };
}

/** What the rest of the gateway learns about sessions shared with other replicas. */
export interface SessionHooks {
  /** A session initialized elsewhere was taken up here: restore what its record holds beyond initialize. */
  restored?(record: SessionRecord, server: Server): void;
  /** Another replica changed a session's log level. */
  levelChanged?(id: string, level: string): void;
  /** A session unsubscribed from a URI on another replica: drop the upstream subscription if it is held here. */
  unsubscribed?(id: string, uri: string): void;
  /** This replica now holds a session's GET stream (it may have to take over subscriptions of a dead replica). */
  streamOpened?(id: string): void;
}

/** What a client whose call was running on a stopping replica is told. */
export const STOPPING_MESSAGE =
  'switchboard replica stopping: the request was interrupted and may have run upstream; retry it (the session is kept)';

/** A client's answer to a request tagged `<replica>.<id>` by SessionTransport: the replica and the original id. */
export function taggedAnswer(body: unknown): { replica: string; id: string } | undefined {
  if (!isJSONRPCResponse(body as JSONRPCMessage)) return undefined;
  const id = (body as { id: unknown }).id;
  const m = typeof id === 'string' ? /^([0-9a-f]{12})\.(.+)$/.exec(id) : null;
  return m ? { replica: m[1]!, id: m[2]! } : undefined;
}

/** What a request naming an unknown session is told (404). */
export const NOT_FOUND = 'Session not found: it expired or was closed; initialize again';
