import type { AuthInfo, Server } from '@modelcontextprotocol/server';
import { log } from '../log.js';
import type { Snapshot } from '../registry/catalog.js';
import type { ModernEndpoint } from '../server/modern.js';
import type { ListChanges } from '../server/sessions.js';
import { ServedSet, type SetHost } from './served.js';
import type { ToolsetSpec } from './spec.js';

export type { ToolsetSpec } from './spec.js';
export type { SetHost } from './served.js';

/** Sessions of some transport that can be told, per set, which lists changed. */
export interface SetAudience {
  broadcast(changesFor: (auth: AuthInfo | undefined) => ListChanges, set: string): void;
}

/**
 * The configured tool sets (`toolsets:`), each served at /mcp/<name>: follows the config and every catalog
 * snapshot, and tells each set's sessions only about lists that changed in that set's view.
 */
export class Toolsets {
  private readonly served = new Map<string, ServedSet>();
  private readonly announced = new Map<string, Snapshot>();
  private readonly warned = new Set<string>();
  /** Sets removed from the config whose sessions the next `follow` tells that their lists emptied. */
  private gone: ServedSet[] = [];
  private holds = 0;
  private policiesChanged = false;

  constructor(
    private readonly host: SetHost,
    private readonly specs: () => ToolsetSpec[],
    private readonly audiences: SetAudience[],
  ) {
    this.sync();
  }

  /** A set by name, if configured. */
  get(name: string): ServedSet | undefined {
    this.sync();
    return this.served.get(name);
  }

  /** A session server of a set for a principal; a set no longer configured serves nothing. */
  server(name: string, auth: AuthInfo | undefined): Server {
    const set = this.get(name) ?? orphan(name, this.host);
    return set.server(undefined, auth);
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

  /** Holds announcements (a reload in progress) until as many release() calls. */
  hold(): void {
    this.holds++;
  }

  /** Ends one hold; the caller follows the current snapshot next. */
  release(): void {
    this.holds--;
  }

  /** The policies changed: the next announcement tells every set's sessions that every list changed. */
  policiesUpdated(): void {
    this.policiesChanged = true;
  }

  /** A new catalog snapshot (or config): every set's view, discovery index and waiting calls follow it. */
  follow(base: Snapshot): void {
    this.sync();
    const gone = this.gone;
    this.gone = [];
    for (const set of this.served.values()) {
      const view = set.current();
      set.discovery.follow(view.snapshot);
      set.dispatcher.connecting.changed();
      this.warnUnmatched(set, view.unmatched, base);
    }
    if (this.holds > 0) {
      this.gone.unshift(...gone);
      return;
    }
    const all = this.policiesChanged;
    this.policiesChanged = false;
    for (const set of [...this.served.values(), ...gone]) this.announce(set, all);
    for (const set of gone) {
      this.announced.delete(set.spec.name);
      void set.modern.close();
    }
  }

  /** Ends every set's listen streams. */
  async close(): Promise<void> {
    await Promise.all([...this.served.values()].map((s) => s.modern.close()));
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
      else this.served.set(spec.name, new ServedSet(spec, this.host));
    }
  }

  /** Tells a set's sessions (as each principal sees the set) and listen streams which lists changed. */
  private announce(set: ServedSet, all: boolean): void {
    const name = set.spec.name;
    const next = set.current().snapshot;
    const told = this.announced.get(name);
    this.announced.set(name, next);
    if (!told || told === next) return;
    const changed = (a: Snapshot['signature'], b: Snapshot['signature']): ListChanges => ({
      tools: all || a.tools !== b.tools,
      prompts: all || a.prompts !== b.prompts,
      resources: all || a.resources !== b.resources,
    });
    const changes = changed(told.signature, next.signature);
    const { views } = set.access;
    const changesFor = (auth: AuthInfo | undefined) => {
      const grant = set.access.grant(auth);
      if (grant.all) return changes;
      return changed(views.view(told, grant).signature, views.view(next, grant).signature);
    };
    for (const audience of this.audiences) audience.broadcast(changesFor, name);
    set.modern.broadcast(changes);
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
