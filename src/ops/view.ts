import type { Backend } from '../backends/backend.js';
import type { GatewayConfig } from '../config/model.js';
import type { ReloadStatus } from '../config/reload-status.js';
import type { QueueReadiness } from '../queue/gateway-queues.js';
import type { QueueStats } from '../queue/types.js';
import type { Snapshot } from '../registry/catalog.js';
import type { Grant } from '../registry/grant.js';

/** What the operations endpoints read from the running gateway, each value current at the call. */
export interface OpsView {
  config(): GatewayConfig;
  /** Short hash of the active configuration. */
  configHash(): string;
  snapshot(): Snapshot;
  /** The names of the tools a principal's tools/list shows (discovery's exposure and its policies applied). */
  listedTools(grant: Grant): string[];
  /** Every configured backend. */
  backends(): Backend[];
  /** Backends removed or replaced by a reload that still finish calls in flight. */
  draining(): Backend[];
  /** Open 2025-era sessions. */
  sessions(): number;
  /** 2025-era sessions evicted to admit new ones, by the cap reached (`max_sessions`, `per_principal`). */
  evicted(): Readonly<Record<string, number>>;
  /** 2026-07-28 requests and listen streams open now (that era has no sessions). */
  openRequests(): number;
  /** The /readyz queue object of a single-session backend. */
  queue(backend: Backend): QueueReadiness | undefined;
  /** Stats of every single-session queue. */
  queues(): QueueStats[];
  /** Whether the gateway is still starting (backends' first connection attempts under way). */
  starting(): boolean;
  /** The last config reload, if any. */
  reload(): ReloadStatus | undefined;
}
