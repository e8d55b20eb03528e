import type { BackendSpec } from '../config/model.js';
import { log } from '../log.js';
import { Backend } from './backend.js';

/** What a reconcile did, by backend name. */
export interface ReconcileResult {
  added: string[];
  removed: string[];
  changed: string[];
  unchanged: string[];
}

/** Canonical form of a spec for change detection. */
export function specKey(spec: BackendSpec): string {
  return JSON.stringify(spec);
}

/** The set of running backends: reconciles desired specs against running ones and reports changes. */
export class BackendPool {
  private readonly backends = new Map<string, Backend>();
  private pending?: NodeJS.Immediate;

  /** @param onChange called (coalesced per tick) whenever any backend's state or catalog changes. */
  constructor(private readonly onChange: () => void) {}

  /** The backend currently serving a name. */
  get(name: string): Backend | undefined {
    return this.backends.get(name);
  }

  /** All running backends in config order. */
  all(): Backend[] {
    return [...this.backends.values()];
  }

  private changed = (): void => {
    if (this.pending) return;
    this.pending = setImmediate(() => {
      this.pending = undefined;
      this.onChange();
    });
  };

  /** Starts added backends, replaces changed ones, stops removed ones; unchanged ones are untouched. */
  async reconcile(specs: BackendSpec[]): Promise<ReconcileResult> {
    const result: ReconcileResult = { added: [], removed: [], changed: [], unchanged: [] };
    const wanted = new Map(specs.map((s) => [s.name, s]));
    const stopping: Promise<void>[] = [];
    for (const [name, backend] of this.backends) {
      if (!wanted.has(name)) {
        result.removed.push(name);
        this.backends.delete(name);
        stopping.push(backend.stop());
      }
    }
    const next = new Map<string, Backend>();
    for (const spec of specs) {
      const current = this.backends.get(spec.name);
      if (current && specKey(current.spec) === specKey(spec)) {
        result.unchanged.push(spec.name);
        next.set(spec.name, current);
        continue;
      }
      if (current) {
        result.changed.push(spec.name);
        stopping.push(current.stop());
      } else {
        result.added.push(spec.name);
      }
      const backend = new Backend(spec, this.changed);
      next.set(spec.name, backend);
      backend.start();
    }
    this.backends.clear();
    for (const [name, backend] of next) this.backends.set(name, backend);
    this.changed();
    await Promise.all(stopping);
    if (result.added.length + result.removed.length + result.changed.length > 0) {
      log.info(result, 'backends reconciled');
    }
    return result;
  }

  /** Waits until every backend has finished its first connection attempt. */
  async settled(): Promise<void> {
    await Promise.all(this.all().map((b) => b.firstAttempt()));
  }

  /** Stops every backend (children terminated). */
  async close(): Promise<void> {
    clearImmediate(this.pending);
    const all = this.all();
    this.backends.clear();
    await Promise.all(all.map((b) => b.stop()));
  }
}
