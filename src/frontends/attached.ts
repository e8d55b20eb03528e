import { randomUUID } from 'node:crypto';
import type { AuthInfo, Server, Transport } from '@modelcontextprotocol/server';
import type { Front } from '../audit/event.js';
import { log } from '../log.js';
import type { ListChanges } from '../server/sessions/session.js';
import { principalOf } from '../principal.js';

interface Attached {
  kind: string;
  /** The typed identity (src/principal.ts) of the principal that opened it; empty without authentication. */
  principal: string;
  auth?: AuthInfo;
  /** The tool set it serves ('' for the whole catalog). */
  set: string;
}

/**
 * Downstream sessions served over transports other than /mcp's (stdio, WebSocket, legacy SSE): each gets a
 * session server from the same factory as /mcp sessions (same handlers, peers, routing, policy for its
 * principal), and list_changed broadcasts.
 */
export class AttachedSessions {
  private readonly servers = new Map<Server, Attached>();

  constructor(
    private readonly makeServer: (auth: AuthInfo | undefined, kind: Front, set: string) => Server,
  ) {}

  /** Number of open attached sessions. */
  get size(): number {
    return this.servers.size;
  }

  /** Open sessions of one principal (any kind). */
  countOf(principal: string): number {
    let n = 0;
    for (const a of this.servers.values()) if (a.principal === principal) n++;
    return n;
  }

  /**
   * Connects a new session server to a transport, for the principal `auth` names (undefined without
   * authentication): its handlers see `auth` as /mcp's see a request's. Transports without a session id get
   * `<kind>:<uuid>`, so the relay can key per-session state (log level, subscriptions, upstream sessions).
   * `onClosed` runs when the session closes (the frontend forgets it). `set` names the tool set it serves.
   */
  async open(
    transport: Transport,
    kind: Front,
    auth?: AuthInfo,
    onClosed?: () => void,
    set = '',
  ): Promise<Server> {
    transport.sessionId ??= `${kind}:${randomUUID()}`;
    const server = this.makeServer(auth, kind, set);
    // The peer's close handler (set by the factory) still runs: ours wraps it.
    const released = server.onclose;
    server.onclose = () => {
      this.servers.delete(server);
      log.info({ session: transport.sessionId, kind }, 'attached session closed');
      onClosed?.();
      released?.();
    };
    this.servers.set(server, { kind, principal: principalOf(auth), auth, set });
    await server.connect(transport);
    log.info({ session: transport.sessionId, kind, principal: principalOf(auth) }, 'attached session opened');
    return server;
  }

  /** Tells the attached sessions of a set (the whole catalog's by default) about the lists that changed. */
  broadcast(changesFor: ListChanges | ((auth: AuthInfo | undefined) => ListChanges), set = ''): void {
    for (const [s, a] of this.servers) {
      if (a.set !== set) continue;
      const changes = typeof changesFor === 'function' ? changesFor(a.auth) : changesFor;
      if (changes.tools) void s.sendToolListChanged().catch(() => {});
      if (changes.prompts) void s.sendPromptListChanged().catch(() => {});
      if (changes.resources) void s.sendResourceListChanged().catch(() => {});
    }
  }

  /** Closes every attached session. */
  async close(): Promise<void> {
    const all = [...this.servers.keys()];
    this.servers.clear();
    await Promise.all(all.map((s) => s.close().catch(() => {})));
  }
}
