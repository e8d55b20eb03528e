import type { Client, LoggingLevel } from '@modelcontextprotocol/client';
import type { Logger } from 'pino';

/**
 * Upstream session state set on behalf of clients (log level, resource subscriptions). A new upstream
 * session starts without it, so it is replayed after every reconnect.
 */
export class StickyState {
  private level?: LoggingLevel;
  private readonly subscriptions = new Set<string>();

  /** Notes the effect of a request that succeeded upstream. */
  record(method: string, params: Record<string, unknown> | undefined): void {
    if (method === 'logging/setLevel') this.level = params?.level as LoggingLevel;
    else if (method === 'resources/subscribe') this.subscriptions.add(String(params?.uri));
    else if (method === 'resources/unsubscribe') this.subscriptions.delete(String(params?.uri));
  }

  /** Re-applies the state to a fresh upstream session; failures are logged, not raised. */
  async replay(client: Client, log: Logger, timeout: number): Promise<void> {
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
}
