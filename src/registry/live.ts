/** The live catalog: the snapshot requests are routed by, rebuilt on every backend change. */
import type { Backend } from '../backends/backend.js';
import { GatewayError } from '../errors.js';
import { log } from '../log.js';
import { build, EMPTY_SNAPSHOT, type Snapshot } from './catalog.js';

/** Where requests are routed: the current snapshot and the backends by name. */
export interface RouteTable {
  snapshot(): Snapshot;
  backend(name: string): Backend | undefined;
  /** Every configured backend, ready or not. */
  backends(): Backend[];
  /** For a name not in the snapshot: the error of a not-ready backend whose prefix it carries, if any. */
  unavailableOwner(name: string): GatewayError | undefined;
}

/** The backends a catalog is built from (the pool). */
export interface BackendSource {
  all(): Backend[];
  get(name: string): Backend | undefined;
}

/** What a live catalog is built from and whom it tells of each new snapshot. */
export interface LiveCatalogOptions {
  /** The backends; read at each rebuild (the pool is made after the catalog, which it tells of changes). */
  backends: () => BackendSource;
  /** The separator between prefix and name, read at each rebuild (a reload may change it). */
  separator: () => string;
  /** Told of each new snapshot, after it is current. */
  rebuilt: (next: Snapshot) => void;
}

/** The current snapshot and its rebuild; name collisions are logged once each, when they first appear. */
export class LiveCatalog implements RouteTable {
  private current: Snapshot = EMPTY_SNAPSHOT;
  private version = 0;
  private reportedCollisions = new Set<string>();

  constructor(private readonly opts: LiveCatalogOptions) {}

  /** The catalog snapshot requests are answered from. */
  snapshot(): Snapshot {
    return this.current;
  }

  /** The backend serving a name. */
  backend(name: string): Backend | undefined {
    return this.opts.backends().get(name);
  }

  /** Every configured backend. */
  backends(): Backend[] {
    return this.opts.backends().all();
  }

  /** Names a down backend would expose carry its prefix; calls to them get the backend's state, not "unknown tool". */
  unavailableOwner(name: string): GatewayError | undefined {
    const down = this.current.unavailable.find((u) => name.startsWith(u.namePrefix));
    if (!down) return undefined;
    const why = down.lastError ? ` (${down.lastError})` : '';
    const message = `backend "${down.backend}" is ${down.state}${why}; tool "${name}" is unavailable`;
    return new GatewayError('backend_unavailable', message, down.backend);
  }

  /** Builds the snapshot anew from the backends, makes it current and tells whoever follows it. */
  rebuild(): Snapshot {
    const next = build(this.opts.backends().all(), this.opts.separator(), ++this.version);
    this.current = next;
    for (const c of next.collisions) {
      if (!this.reportedCollisions.has(c.message)) log.warn({ backend: c.backend, kind: c.kind }, c.message);
    }
    this.reportedCollisions = new Set(next.collisions.map((c) => c.message));
    this.opts.rebuilt(next);
    return next;
  }
}
