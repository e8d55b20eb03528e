import { randomUUID } from 'node:crypto';
import type { Server, Transport } from '@modelcontextprotocol/server';
import { log } from '../log.js';
import type { ListChanges } from '../server/sessions.js';

/**
 * Downstream sessions served over transports other than /mcp's (stdio, WebSocket): each gets a session
 * server from the same factory as /mcp sessions (same handlers, peers, routing), and list_changed broadcasts.
 */
export class AttachedSessions {
  private readonly servers = new Set<Server>();

  constructor(private readonly makeServer: () => Server) {}

  /** Number of open attached sessions. */
  get size(): number {
    return this.servers.size;
  }

  /**
   * Connects a new session server to a transport. Transports without a session id get `<kind>:<uuid>`, so
   * the relay can key per-session state (log level, subscriptions, upstream sessions) as for /mcp sessions.
   */
  async open(transport: Transport, kind: string): Promise<Server> {
    transport.sessionId ??= `${kind}:${randomUUID()}`;
    const server = this.makeServer();
    // The peer's close handler (set by the factory) still runs: ours wraps it.
    const released = server.onclose;
    server.onclose = () => {
      this.servers.delete(server);
      log.info({ session: transport.sessionId, kind }, 'attached session closed');
      released?.();
    };
    this.servers.add(server);
    await server.connect(transport);
    log.info({ session: transport.sessionId, kind }, 'attached session opened');
    return server;
  }

  /** Tells every attached session about the lists that changed. */
  broadcast(changes: ListChanges): void {
    for (const s of this.servers) {
      if (changes.tools) void s.sendToolListChanged().catch(() => {});
      if (changes.prompts) void s.sendPromptListChanged().catch(() => {});
      if (changes.resources) void s.sendResourceListChanged().catch(() => {});
    }
  }

  /** Closes every attached session. */
  async close(): Promise<void> {
    const all = [...this.servers];
    this.servers.clear();
    await Promise.all(all.map((s) => s.close().catch(() => {})));
  }
}
