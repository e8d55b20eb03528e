import type { Client, LoggingLevel } from '@modelcontextprotocol/client';
import type { Logger } from 'pino';
import type { Era } from './era.js';
import { UpstreamListen } from './upstream-listen.js';

/**
 * Upstream session state set on behalf of clients (log level, resource subscriptions). A new upstream
 * session starts without it, so it is replayed after every reconnect. A 2026-07-28 upstream has no session:
 * its subscriptions (and list changes) come on one `subscriptions/listen` stream, reopened when they change.
 */
export class StickyState {
  private level?: LoggingLevel;
  private readonly subscriptions = new Set<string>();
  private listening?: UpstreamListen;

  /** Notes the effect of a request that succeeded upstream. */
  record(method: string, params: Record<string, unknown> | undefined): void {
    if (method === 'logging/setLevel') this.level = params?.level as LoggingLevel;
    else if (method === 'resources/subscribe') this.subscriptions.add(String(params?.uri));
    else if (method === 'resources/unsubscribe') this.subscriptions.delete(String(params?.uri));
  }

  /**
   * Re-applies the state to a fresh upstream connection; failures are logged, not raised. A 2026-07-28
   * upstream's listen stream opens in the background (`alive`: whether `client` is still the connection).
   */
  async replay(
    client: Client,
    era: Era | undefined,
    log: Logger,
    timeout: number,
    alive: () => boolean,
  ): Promise<void> {
    if (era === 'modern') return this.listen(client, log, alive, timeout);
    const caps = client.getServerCapabilities();
    const jobs: Promise<unknown>[] = [];
    if (this.level && caps?.logging) jobs.push(client.setLoggingLevel(this.level, { timeout }));
    if (caps?.resources?.subscribe) {
      for (const uri of this.subscriptions) jobs.push(client.subscribeResource({ uri }, { timeout }));
    }
    const results = await Promise.allSettled(jobs);
    for (const r of results) {
      if (r.status === 'rejected')
        log.warn({ err: String(r.reason) }, 'restoring upstream session state failed');
    }
  }

  /**
   * Opens (or reopens, with the current subscriptions) the listen stream of a 2026-07-28 upstream in the
   * background; `alive` tells whether `client` is still the backend's connection.
   */
  listen(client: Client, log: Logger, alive: () => boolean, ackTimeoutMs: number): void {
    this.listening ??= new UpstreamListen(log);
    const subscriptions = this.subscriptions;
    this.listening.open({
      client,
      alive,
      ackTimeoutMs,
      filter: () => {
        const caps = client.getServerCapabilities();
        return {
          toolsListChanged: Boolean(caps?.tools?.listChanged),
          promptsListChanged: Boolean(caps?.prompts?.listChanged),
          resourcesListChanged: Boolean(caps?.resources?.listChanged),
          ...(caps?.resources?.subscribe && { resourceSubscriptions: [...subscriptions] }),
        };
      },
    });
  }

  /** The listen stream's latest open attempt, settled (for tests). */
  get listenSettled(): Promise<void> {
    return this.listening?.settled ?? Promise.resolve();
  }

  /** Closes the listen stream: its connection is going away. */
  stopListening(): void {
    this.listening?.stop();
  }
}
