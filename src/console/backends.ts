import type { Backend, BackendState } from '../backends/backend.js';
import type { BackendKind } from '../config/model.js';
import type { OpsView } from '../ops/view.js';
import type { Grant } from '../registry/grant.js';
import { exposedPerBackend } from '../ops/readiness.js';

/** One upstream as GET /v1/backends and the console show it. */
export interface BackendRow {
  name: string;
  description?: string;
  transport: BackendKind;
  /** The protocol era and version the last connection negotiated. */
  protocol?: { era?: 'legacy' | 'modern'; version?: string };
  state: BackendState;
  lastError?: string;
  /** How long it has been ready, in ms, and since when (ISO time); absent when not ready. */
  uptimeMs?: number;
  readySince?: string;
  /** Tools of this backend in the merged catalog that the caller may use (filters and policies applied). */
  tools: number;
  /** Operators: the upstream's own tool count, before the backend's `tools` filters. */
  upstreamTools?: number;
  /** Single-session backends: calls waiting and running, and whether this replica holds the session. */
  queue?: { mode: 'memory' | 'redis'; depth: number; running: number; owner: boolean };
  /** Reconnection attempts since the backend was started. */
  reconnects: number;
}

/** Whether the grant lets its principal see a backend: its resources and prompts, or any of its tools. */
function visible(b: Backend, grant: Grant, granted: Map<string, number>): boolean {
  return grant.all || grant.backend(b.name) || (granted.get(b.name) ?? 0) > 0;
}

/**
 * The backends a principal may see, with the tools it may use counted per backend (and, for an operator, the
 * upstream's own count beside it).
 */
export function backendRows(view: OpsView, grant: Grant, operator = false, now = Date.now()): BackendRow[] {
  const granted = exposedPerBackend(view.snapshot(), grant);
  return view
    .backends()
    .filter((b) => visible(b, grant, granted))
    .map((b) => {
      const q = view.queue(b);
      const uptime = b.uptimeMs;
      return {
        name: b.name,
        ...(b.spec.description ? { description: b.spec.description } : {}),
        transport: b.spec.kind,
        ...(b.era.era || b.era.version ? { protocol: { era: b.era.era, version: b.era.version } } : {}),
        state: b.state,
        ...(b.lastError ? { lastError: b.lastError } : {}),
        ...(uptime !== undefined
          ? { uptimeMs: uptime, readySince: new Date(now - uptime).toISOString() }
          : {}),
        tools: granted.get(b.name) ?? 0,
        ...(operator ? { upstreamTools: b.catalog.tools.length } : {}),
        ...(q ? { queue: { mode: q.mode, depth: q.depth, running: q.running, owner: q.owner } } : {}),
        reconnects: b.reconnects,
      };
    });
}

/** A row without the fields that change with the clock, to tell whether anything else changed. */
export function rowKey(rows: BackendRow[]): string {
  return JSON.stringify(
    rows.map(({ uptimeMs: _u, readySince, ...rest }) => ({ ...rest, ready: !!readySince })),
  );
}
