import type { Front } from '../audit/event.js';
import { randomUUID } from 'node:crypto';
import type { AuthInfo, Server } from '@modelcontextprotocol/server';
import picomatch from 'picomatch';
import type { Backend } from '../backends/backend.js';
import type { DiscoverySettings } from '../config/model.js';
import { Discovery } from '../discovery/index.js';
import { Dispatcher, type RouteTable, type UpstreamRunner } from '../dispatch/dispatch.js';
import type { GatewayError } from '../errors.js';
import { build, type Snapshot } from '../registry/catalog.js';
import { GrantViews, type Grant } from '../registry/grant.js';
import { Instructions } from '../registry/instructions.js';
import { ListAnnouncer } from '../server/relay/announcer.js';
import type { Access } from '../server/relay/handlers.js';
import { ModernEndpoint } from '../server/sessions/per-request.js';
import { sessionServer, type SessionServerDeps } from '../server/sessions/server.js';
import type { ListChanges } from '../server/sessions/session.js';
import type { Subscriptions } from '../server/relay/subscriptions.js';
import type { Telemetry } from '../telemetry/recorder.js';
import { SetGrants } from './grant.js';
import type { ToolsetSpec } from '../config/model.js';
import { buildView, type SetView } from './view.js';

/** What every served set shares with the gateway. */
export interface SetHost {
  /** The gateway's routes: its catalog snapshot and backends. */
  routes: RouteTable;
  runner: UpstreamRunner;
  telemetry: Telemetry;
  /** A principal's policy grant. */
  grant(auth: AuthInfo | undefined): Grant;
  discovery(): DiscoverySettings;
  /** Whether a backend's tools are indexed (its `discovery` setting). */
  indexed(backend: string): boolean;
  subscriptions: Subscriptions;
  /** What session servers are built from, besides what each set replaces. */
  serverDeps(): Pick<
    SessionServerDeps,
    'peers' | 'input' | 'telemetry' | 'audit' | 'sessionMade' | 'relayPath'
  >;
  /** Where the sessions of every set are held (each told of its own set's changes only). */
  audiences: SetAudience[];
}

/** Sessions of some transport that can be told, per set, which lists changed. */
export interface SetAudience {
  broadcast(changesFor: ListChanges | ((auth: AuthInfo | undefined) => ListChanges), set: string): void;
}

/** A view of nothing: what the sessions of a removed set see until they end. */
const NOTHING = build([], '__', 0);

/** The discovery exposure in a set: discovery_only, else the gateway's (whose discovery_only means all here). */
function exposure(settings: DiscoverySettings, spec: ToolsetSpec): DiscoverySettings {
  if (spec.discoveryOnly) return { ...settings, expose: 'discovery_only' };
  return settings.expose === 'discovery_only' ? { ...settings, expose: 'all' } : settings;
}

/**
 * One tool set as it is served: its view of the current catalog (rebuilt per snapshot or spec), and what a
 * session server of the set is built from, each reading that view: routes, dispatcher, discovery index, grants.
 */
export class ServedSet {
  private view?: { base: Snapshot; spec: ToolsetSpec; view: SetView };
  private removed = false;
  private readonly grants = new SetGrants((name) => this.current().baseName.get(name));
  private readonly instructionsCache = new Instructions();
  readonly routes: RouteTable;
  readonly dispatcher: Dispatcher;
  readonly discovery: Discovery;
  readonly access: Access;
  /** The set's 2026-07-28 side (its listen streams are told of the set's list changes only). */
  readonly modern: ModernEndpoint;
  /** Tells the set's sessions which lists of its view changed, as each principal sees them. */
  readonly announcer: ListAnnouncer;

  constructor(
    public spec: ToolsetSpec,
    private readonly host: SetHost,
  ) {
    const base = host.routes;
    this.routes = {
      snapshot: () => this.current().snapshot,
      backend: (name) => base.backend(name),
      backends: () => base.backends(),
      unavailableOwner: (name) => this.unavailableOwner(name),
    };
    this.dispatcher = new Dispatcher(this.routes, host.runner, host.telemetry);
    this.discovery = new Discovery({
      settings: () => exposure(host.discovery(), this.spec),
      snapshot: () => this.current().snapshot,
      indexed: (b) => host.indexed(b),
      telemetry: host.telemetry,
    });
    this.access = { grant: (auth) => this.grants.of(host.grant(auth)), views: new GrantViews() };
    this.modern = new ModernEndpoint(
      (auth) => this.server(`req:${randomUUID()}`, auth),
      host.subscriptions,
      this.access.grant,
    );
    const name = spec.name;
    const audiences = host.audiences.map((a) => ({
      broadcast: (changesFor: Parameters<SetAudience['broadcast']>[0]) => a.broadcast(changesFor, name),
    }));
    this.announcer = new ListAnnouncer(this.access, audiences, this.modern);
  }

  /** The set's view of the gateway's current snapshot. */
  current(): SetView {
    const base = this.removed ? NOTHING : this.host.routes.snapshot();
    const v = this.view;
    if (v?.base === base && v.spec === this.spec) return v.view;
    const view = buildView(base, this.spec);
    this.view = { base, spec: this.spec, view };
    return view;
  }

  /** The set left the config: its sessions see nothing from now on. */
  remove(): void {
    this.removed = true;
  }

  /** A session server of the set: one per 2025 session, or one per 2026-07-28 request (`requestId`). */
  server(requestId: string | undefined, auth: AuthInfo | undefined, front: Front = 'http'): Server {
    const deps: SessionServerDeps = {
      ...this.host.serverDeps(),
      routes: this.routes,
      dispatcher: this.dispatcher,
      discovery: this.discovery,
      access: this.access,
      instructions: (grant) => this.instructions(grant),
      cacheHints: () => this.announcer.cacheHints(),
    };
    const server = sessionServer(deps, requestId, auth);
    if (!requestId) deps.sessionMade?.(server, front, auth);
    return server;
  }

  /** Whether a principal may see the set: something in it is permitted to them. */
  visibleTo(auth: AuthInfo | undefined): boolean {
    const grant = this.access.grant(auth);
    if (grant.all) return true;
    const { snapshot, backends } = this.current();
    return snapshot.tools.some((e) => grant.tool(e.exposed, e.backend)) || [...backends].some(grant.backend);
  }

  /** The set's instructions, then those of the backends it exposes that the principal may use. */
  private instructions(grant: Grant): string | undefined {
    const view = this.current();
    const backends = this.host.routes.backends().filter((b: Backend) => view.backends.has(b.name));
    const theirs = this.instructionsCache.for(view.snapshot, backends, grant);
    const own = this.spec.instructions;
    return own && theirs ? `${own}\n\n${theirs}` : (own ?? theirs);
  }

  /** A name of the set whose backend is down: the backend's state (a renamed tool under its catalog name). */
  private unavailableOwner(name: string): GatewayError | undefined {
    const renamed = [...this.spec.overrides].find(([, o]) => o.name === name)?.[0];
    const catalogName = renamed ?? name;
    const selected = this.spec.tools.length > 0 && picomatch(this.spec.tools, { dot: true })(catalogName);
    return selected ? this.host.routes.unavailableOwner(catalogName) : undefined;
  }
}
