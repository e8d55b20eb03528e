/** Config application: re-reading the config file and applying it to a running gateway, one reload at a time. */
import type { BackendPool } from '../backends/pool.js';
import { diffConfigs, keepSignIn, RESTART_SETTINGS } from '../config/diff.js';
import { ConfigError, formatProblem } from '../config/errors.js';
import { loadConfig, type LoadOptions } from '../config/load.js';
import type { GatewayConfig, GatewaySettings } from '../config/model.js';
import { preflight } from '../config/preflight.js';
import { ReloadTracker, type ReloadStatus } from '../config/reload-status.js';
import { log } from '../log.js';
import type { ListAnnouncer } from '../server/relay/announcer.js';
import { waitAtMost } from '../time.js';

/** How long a reload waits for new backends' first connection attempt before telling clients, at most. */
const RELOAD_SETTLE_MS = 5000;

/** What a reload reads and changes of the running gateway. */
export interface ReloadDeps {
  /** How the config was loaded (CLI overrides), reused on reload. */
  loadOptions: LoadOptions;
  /** The running config. */
  config(): GatewayConfig;
  /** Makes a reloaded config the running one: its live settings apply from now on. */
  apply(config: GatewayConfig): void;
  pool: Pick<BackendPool, 'reconcile' | 'settled'>;
  announcer: Pick<ListAnnouncer, 'policiesUpdated' | 'hold' | 'release'>;
  /** Counts reloads by outcome. */
  counted(outcome: 'ok' | 'failed'): void;
  /** Rebuilds the catalog and tells clients (after new backends settled). */
  rebuild(): void;
  /** Tells the console the gateway's state changed. */
  changed(): void;
}

/** Reloads one after the other, and the status of the last one. */
export class ConfigReloader {
  private readonly reloads = new ReloadTracker();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: ReloadDeps) {}

  /** The last reload's outcome, as /readyz shows it. */
  status(): ReloadStatus | undefined {
    return this.reloads.status();
  }

  /**
   * Re-reads the config file and applies it; never throws. An invalid file changes nothing. A valid one
   * is reconciled backend by backend, live settings apply, and clients whose lists changed are told
   * once, after new backends have had their first connection attempt (bounded by RELOAD_SETTLE_MS).
   */
  async reload(): Promise<ReloadStatus> {
    const applied = this.queue.then(() => this.applyFile());
    this.queue = applied.catch(() => {});
    const { status, settling } = await applied;
    this.deps.changed();
    await settling;
    return status;
  }

  private async applyFile(): Promise<{ status: ReloadStatus; settling: Promise<void> }> {
    const { deps } = this;
    const current = deps.config();
    let next: GatewayConfig;
    try {
      next = loadConfig(current.file, { ...deps.loadOptions, rejectEmpty: true });
    } catch (err) {
      const status = this.reloads.failedWith(err);
      deps.counted('failed');
      if (err instanceof ConfigError) for (const p of err.problems) log.error(formatProblem(p));
      log.error(`config reload refused: ${status.error}`);
      return { status, settling: Promise.resolve() };
    }
    for (const w of preflight(next)) log.warn(formatProblem(w));
    const running = current.gateway;
    const diff = diffConfigs(current, next);
    for (const s of diff.settings.filter((x) => !x.live)) {
      log.warn(`gateway.${s.setting} changed: needs a restart to apply; the running value is kept`);
    }
    const kept = Object.fromEntries(RESTART_SETTINGS.map((k) => [k, running[k]])) as Partial<GatewaySettings>;
    const gateway: GatewaySettings = {
      ...next.gateway,
      ...kept,
      auth: keepSignIn(running.auth, next.gateway.auth),
    };
    if (JSON.stringify(running.auth.policies) !== JSON.stringify(gateway.auth.policies))
      deps.announcer.policiesUpdated();
    deps.apply({ ...next, gateway });
    deps.announcer.hold();
    const result = await deps.pool.reconcile(next.backends, gateway.reloadGracePeriodMs);
    const status = this.reloads.succeeded();
    deps.counted('ok');
    const { added, removed, changed, updated } = result;
    log.info(
      { added, removed, changed, updated, settings: diff.settings.map((s) => s.setting) },
      'config reloaded',
    );
    const settling = waitAtMost(deps.pool.settled(), RELOAD_SETTLE_MS).finally(() => {
      deps.announcer.release();
      deps.rebuild();
    });
    return { status, settling };
  }
}
