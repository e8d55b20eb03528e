import type { AuthInfo, Server } from '@modelcontextprotocol/server';
import type { Front } from '../audit/event.js';
import { log } from '../log.js';
import type { Snapshot } from '../registry/catalog.js';
import type { ModernEndpoint } from '../server/sessions/per-request.js';
import { setHost, type SetGateway } from './host.js';
import { ServedSet, type SetHost } from './served.js';
import type { ToolsetSpec } from '../config/model.js';

export type { ToolsetSpec } from '../config/model.js';
export type { SetAudience, SetHost } from './served.js';
export type { SetGateway } from './host.js';

/** What a reload tells of policy changes and holds while it settles (ListAnnouncer's side of it). */
export interface Announcing {
  policiesUpdated(): void;
  hold(): void;
  release(): void;
}

/**
 * The configured tool sets (`toolsets:`), each served at /mcp/<name>: follows the config and every catalog
 * snapshot, and tells each set's sessions only about lists that changed in that set's view.
 */
export class Toolsets {
  private readonly served = new Map<string, ServedSet>();
  private readonly warned = new Set<string>();
  /** Sets removed from the config whose sessions the next `follow` tells that their lists emptied. */
  private gone: ServedSet[] = [];
  private holds = 0;

  constructor(
    private readonly host: SetHost,
    private readonly specs: () => ToolsetSpec[],
  ) {
    this.sync();
  }

  /** The tool sets of a gateway's config, served from that gateway. */
  static of(gateway: SetGateway): Toolsets {
    return new Toolsets(setHost(gateway), () => gateway.config.toolsets ?? []);
  }

  /** A set by name, if configured. */
  get(name: string): ServedSet | undefined {
    this.sync();
    return this.served.get(name);
  }

  /** A session server of a set for a principal; a set no longer configured serves nothing. */
  server(name: string, auth: AuthInfo | undefined, front: Front = 'http'): Server {
    const set = this.get(name) ?? orphan(name, this.host);
    return set.server(undefined, auth, front);
  }

  /** The set's 2026-07-28 endpoint if the principal may see it, else the names of the sets it may see. */
  endpoint(name: string, auth: AuthInfo | undefined): ModernEndpoint | string[] {
    const found = this.endpointSet(name, auth);
    return Array.isArray(found) ? found : found.modern;
  }

  /** The set if the principal may see it, else the names of the sets it may see. */
  endpointSet(name: string, auth: AuthInfo | undefined): ServedSet | string[] {
    const set = this.get(name);
    return set?.visibleTo(auth) ? set : this.visible(auth);
  }

  /** The names of the sets a principal may see (something in them is permitted to it). */
  visible(auth: AuthInfo | undefined): string[] {
    this.sync();
    return [...this.served.values()].filter((s) => s.visibleTo(auth)).map((s) => s.spec.name);
  }

  /** The gateway's announcer with every set's alongside: a reload holds, releases and re-announces both. */
  alongside(announcer: Announcing): Announcing {
    return {
      policiesUpdated: () => {
        announcer.policiesUpdated();
        this.policiesUpdated();
      },
      hold: () => {
        announcer.hold();
        this.hold();
      },
      release: () => {
        announcer.release();
        this.release();
      },
    };
  }

  /** Holds announcements (a reload in progress) until as many release() calls. */
  hold(): void {
    this.holds++;
    for (const set of this.all()) set.announcer.hold();
  }

  /** Ends one hold; the caller follows the current snapshot next. */
  release(): void {
    this.holds--;
    for (const set of this.all()) set.announcer.release();
  }

  /** The policies changed: the next announcement tells every set's sessions that every list changed. */
  policiesUpdated(): void {
    for (const set of this.all()) set.announcer.policiesUpdated();
  }

  /**
   * A new catalog snapshot (or config): every set's view, discovery index and waiting calls follow it, and each
   * set's sessions are told what changed in its view; those of a removed set, that their lists emptied.
   */
  follow(base: Snapshot): void {
    this.sync();
    for (const set of this.served.values()) {
      const view = set.current();
      set.discovery.follow(view.snapshot);
      set.dispatcher.connecting.changed();
      this.warnUnmatched(set, view.unmatched, base);
      set.announcer.announce(view.snapshot);
    }
    if (this.holds > 0) return;
    for (const set of this.gone) {
      set.announcer.announce(set.current().snapshot);
      void set.modern.close();
    }
    this.gone = [];
  }

  /** Ends every set's listen streams. */
  async close(): Promise<void> {
    await Promise.all([...this.served.values()].map((s) => s.modern.close()));
  }

  /** A new served set, held as long as the others are. */
  private made(spec: ToolsetSpec): ServedSet {
    const set = new ServedSet(spec, this.host);
    for (let i = 0; i < this.holds; i++) set.announcer.hold();
    // Searchable at once, not only from the next snapshot (a set added by a reload is served before it settles).
    set.discovery.follow(set.current().snapshot);
    return set;
  }

  /** The served sets and the removed ones not yet told. */
  private all(): ServedSet[] {
    return [...this.served.values(), ...this.gone];
  }

  /** Makes, updates and removes served sets to match the config. */
  private sync(): void {
    const specs = this.specs();
    const names = new Set(specs.map((s) => s.name));
    for (const [name, set] of this.served) {
      if (names.has(name)) continue;
      set.remove();
      this.served.delete(name);
      this.gone.push(set);
      log.info({ toolset: name }, 'tool set removed');
    }
    for (const spec of specs) {
      const set = this.served.get(spec.name);
      if (set) set.spec = spec;
      else this.served.set(spec.name, this.made(spec));
    }
  }

  /** Once every backend is ready, a `tools` glob matching nothing is worth a warning (once per glob). */
  private warnUnmatched(set: ServedSet, unmatched: string[], base: Snapshot): void {
    if (!unmatched.length) return;
    const backends = this.host.routes.backends();
    if (!backends.length || !backends.every((b) => base.served.has(b.name))) return;
    for (const glob of unmatched) {
      const key = `${set.spec.name}\u0000${glob}\u0000${JSON.stringify(set.spec.tools)}`;
      if (this.warned.has(key)) continue;
      this.warned.add(key);
      log.warn(
        { toolset: set.spec.name, glob },
        `tool set "${set.spec.name}": tools glob "${glob}" matches no tool of the catalog`,
      );
    }
  }
}

/** A removed set's stand-in (a session of it taken up from Redis after a reload): it serves nothing. */
function orphan(name: string, host: SetHost): ServedSet {
  const spec: ToolsetSpec = {
    ...{ name, tools: [], excludeTools: [], resources: [], prompts: [] },
    ...{ discoveryOnly: false, overrides: new Map() },
  };
  const set = new ServedSet(spec, host);
  set.remove();
  return set;
}
