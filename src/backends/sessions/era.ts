import type { Client, ClientOptions, ConnectOptions } from '@modelcontextprotocol/client';
import type { UpstreamProtocol } from '../../config/model.js';

/** What `connect()` can be told about an upstream whose era is already known. */
type Prior = NonNullable<ConnectOptions['prior']>;

/** Which protocol era an upstream connection speaks: the 2025 session era or the 2026-07-28 per-request one. */
export type Era = 'legacy' | 'modern';

/**
 * An upstream's protocol era: how a new client negotiates it, and the verdict of the last successful connect,
 * reused on reconnects and restarts so `auto` probes only once (a probe on stdio costs a second child process).
 */
export class EraMemory {
  private prior?: Prior;
  /** The era of the current or last connection. */
  era?: Era;
  /** The protocol version that connection negotiated. */
  version?: string;

  constructor(private readonly setting: () => UpstreamProtocol) {}

  /** The client options that choose the era. */
  clientOptions(): Pick<ClientOptions, 'versionNegotiation'> {
    const setting = this.setting();
    if (setting === 'auto') return { versionNegotiation: { mode: 'auto' } };
    if (setting === '2026-07-28') return { versionNegotiation: { mode: { pin: '2026-07-28' } } };
    return { versionNegotiation: { mode: 'legacy' } };
  }

  /** Connect options: the remembered verdict, when there is one, so the connection skips the probe. */
  connectOptions(): Pick<ConnectOptions, 'prior'> {
    return this.prior && this.setting() === 'auto' ? { prior: this.prior } : {};
  }

  /** Records what a successful connect negotiated. */
  learned(client: Client): void {
    this.era = client.getProtocolEra() ?? 'legacy';
    this.version = client.getNegotiatedProtocolVersion();
    const discover = client.getDiscoverResult();
    this.prior = this.era === 'modern' && discover ? { kind: 'modern', discover } : { kind: 'legacy' };
  }

  /** Drops the remembered verdict after a failed connect: the upstream may have changed, so probe again. */
  forget(): void {
    this.prior = undefined;
  }
}
