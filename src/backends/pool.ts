import type { CredentialStores } from './credentials/configured.js';
import { canonical, connectionKey } from '../config/diff.js';
import type { BackendSpec } from '../config/model.js';
import { log } from '../log.js';
import { Backend } from './backend.js';
import type { UpstreamListener } from './relay/origin.js';
import { waitAtMost } from '../time.js';
import { telemetryOff, type Telemetry } from '../telemetry/recorder.js';
import type { TransportFactory } from './transports/factory.js';

/** What a reconcile did, by backend name. */
export interface ReconcileResult {
  added: string[];
  removed: string[];
  /** Replaced: a new connection is started and the old one drained once the new one has had its first attempt. */
  changed: string[];
  /** Only live fields changed (prefix, filters, timeouts, backoff): applied to the running backend. */
  updated: string[];
  unchanged: string[];
}

/** Optional hooks into the pool's backend lifecycle. */
export interface PoolHooks {
  /** Starts a newly created backend instead of `backend.start()` (single-session backends connect only when owned). */
  launch?(backend: Backend): void;
  /** Called synchronously on every state or catalog change of a backend, before the coalesced onChange. */
  changed?(backend: Backend): void;
}

/** Upper bound on how long a replaced backend keeps serving while its successor connects. */
const SWITCH_WAIT_MS = 10_000;

/** The set of running backends: reconciles desired specs against running ones and reports changes. */
export class BackendPool {
  private readonly backends = new Map<string, Backend>();
  /** Successors of changed backends, connecting while the old one still serves. */
  private readonly successors = new Map<string, Backend>();
  private readonly switches = new Set<Promise<void>>();
  private readonly retiring = new Set<Backend>();
  private readonly drains = new Set<Promise<void>>();
  private pending?: NodeJS.Immediate;

  /**
   * @param onChange called (coalesced per tick) whenever any backend's state or catalog changes.
   * @param listener receives upstream notifications meant for clients (logging, resource updates).
   * @param hooks lets single-session backends start under their queue's control.
   */
  constructor(
    private readonly onChange: () => void,
    private readonly listener?: UpstreamListener,
    private readonly hooks: PoolHooks = {},
    private readonly telemetry: Telemetry = telemetryOff(),
    /** How upstream connections are made (the real transports unless a test injects in-process ones). */
    private readonly transports?: TransportFactory,
    /** The per-user stores (gateway.credentials, Redis, connect pages), made on first use. */
    readonly credentials?: CredentialStores,
  ) {}

  /** The backend currently serving a name. */
  get(name: string): Backend | undefined {
    return this.backends.get(name);
  }

  /** All running backends in config order. */
  all(): Backend[] {
    return [...this.backends.values()];
  }

  private changed = (backend?: Backend): void => {
    if (backend) this.hooks.changed?.(backend);
    if (this.pending) return;
    this.pending = setImmediate(() => {
      this.pending = undefined;
      this.onChange();
    });
  };

  /**
   * Starts added backends, replaces changed ones (make before break: the old one serves until the new
   * one has had its first connection attempt) and retires removed ones; unchanged ones are untouched.
   * Retired backends finish their calls in flight for up to graceMs before they are closed.
   */
  async reconcile(specs: BackendSpec[], graceMs = 0): Promise<ReconcileResult> {
    const result: ReconcileResult = { added: [], removed: [], changed: [], updated: [], unchanged: [] };
    const wanted = new Map(specs.map((s) => [s.name, s]));
    for (const [name, backend] of this.backends) {
      if (wanted.has(name)) continue;
      result.removed.push(name);
      this.backends.delete(name);
      this.retire(backend, graceMs, 'removed');
    }
    for (const [name, successor] of this.successors) {
      if (wanted.has(name)) continue;
      this.successors.delete(name);
      this.track(this.drains, successor.stop());
    }
    for (const spec of specs) {
      const current = this.backends.get(spec.name);
      const latest = this.successors.get(spec.name) ?? current;
      if (latest && connectionKey(latest.spec) === connectionKey(spec)) {
        result[this.updateLive(latest, spec) ? 'updated' : 'unchanged'].push(spec.name);
        continue;
      }
      const superseded = this.successors.get(spec.name);
      if (superseded) {
        this.successors.delete(spec.name);
        this.track(this.drains, superseded.stop());
      }
      if (current && connectionKey(current.spec) === connectionKey(spec)) {
        result[this.updateLive(current, spec) ? 'updated' : 'unchanged'].push(spec.name);
        continue;
      }
      const backend = new Backend(
        spec,
        this.changed,
        this.listener,
        this.telemetry,
        this.transports,
        this.credentials,
      );
      if (this.hooks.launch) this.hooks.launch(backend);
      else backend.start();
      if (current) {
        result.changed.push(spec.name);
        this.successors.set(spec.name, backend);
        this.track(this.switches, this.switchOver(backend, graceMs));
      } else {
        result.added.push(spec.name);
        this.backends.set(spec.name, backend);
      }
    }
    const ordered = specs.flatMap((s) => {
      const b = this.backends.get(s.name);
      return b ? [b] : [];
    });
    this.backends.clear();
    for (const b of ordered) this.backends.set(b.name, b);
    this.changed();
    if (result.added.length + result.removed.length + result.changed.length + result.updated.length > 0) {
      log.info(result, 'backends reconciled');
    }
    return result;
  }

  private updateLive(backend: Backend, spec: BackendSpec): boolean {
    if (canonical(backend.spec) === canonical(spec)) return false;
    backend.spec = spec;
    backend.version++;
    return true;
  }

  /** Routes new calls to a successor once it has had its first connection attempt, then drains the old backend. */
  private async switchOver(successor: Backend, graceMs: number): Promise<void> {
    await waitAtMost(successor.firstAttempt(), SWITCH_WAIT_MS);
    if (this.successors.get(successor.name) !== successor) return;
    this.successors.delete(successor.name);
    const old = this.backends.get(successor.name);
    this.backends.set(successor.name, successor); // same key: keeps its place in config order
    if (old) this.retire(old, graceMs, 'replaced');
    this.changed();
  }

  private retire(backend: Backend, graceMs: number, why: 'removed' | 'replaced'): void {
    this.retiring.add(backend);
    const drain = backend
      .retire(graceMs, why)
      .catch((err: unknown) => backend.log.error({ err: String(err) }, 'closing a retired backend failed'))
      .finally(() => this.retiring.delete(backend));
    this.track(this.drains, drain);
  }

  private track(set: Set<Promise<void>>, p: Promise<void>): void {
    set.add(p);
    void p.finally(() => set.delete(p));
  }

  /** Backends removed or replaced by a reload that are still finishing their calls in flight. */
  draining(): Backend[] {
    return [...this.retiring];
  }

  /** Resolves once replaced backends have been switched over and every retired backend is closed. */
  async drained(): Promise<void> {
    while (this.switches.size + this.drains.size > 0) {
      await Promise.all([...this.switches, ...this.drains]);
    }
  }

  /** Waits until every backend has finished its first connection attempt and the catalog shows the ready ones. */
  async settled(): Promise<void> {
    await Promise.all([...this.all(), ...this.successors.values()].map((b) => b.firstAttempt()));
    await Promise.all([...this.switches]);
    this.flush();
  }

  /** Runs a coalesced change now, so whoever waited sees the catalog of the backends that are ready. */
  private flush(): void {
    if (!this.pending) return;
    clearImmediate(this.pending);
    this.pending = undefined;
    this.onChange();
  }

  /** Shutdown's grace ran out: calls still in flight on any backend will fail with shutting_down when it stops. */
  shutdownExpired(graceMs: number): void {
    for (const b of [...this.all(), ...this.successors.values(), ...this.retiring])
      b.shutdownExpired(graceMs);
  }

  /** Calls in flight on every backend (including ones draining after a reload). */
  inFlight(): number {
    return [...this.all(), ...this.successors.values(), ...this.retiring].reduce((n, b) => n + b.inFlight, 0);
  }

  /** Stops every backend (children terminated), then closes the per-user stores they used. */
  async close(): Promise<void> {
    clearImmediate(this.pending);
    const all = [...this.all(), ...this.successors.values(), ...this.retiring];
    this.backends.clear();
    this.successors.clear();
    await Promise.all(all.map((b) => b.stop()));
    await this.credentials?.close();
  }
}
