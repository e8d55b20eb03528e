import { UriTemplate } from '@modelcontextprotocol/server';
import type { Prompt, Resource, ResourceTemplateType, Tool } from '@modelcontextprotocol/server';
import picomatch from 'picomatch';
import type { Backend } from '../backends/backend.js';
import type { BackendSpec } from '../config/model.js';
import { disambiguate, qualify } from './naming.js';

/** An exposed tool or prompt and where it comes from. */
export interface Entry<T> {
  exposed: string;
  backend: string;
  original: string;
  /** The upstream definition with `name` replaced by the exposed name; everything else untouched. */
  item: T;
  /** Operator hints (keywords, aliases) smart discovery indexes with the item; never listed. */
  hints?: string[];
}

/** Two upstream items that mapped to the same exposed name or URI. */
export interface Collision {
  kind: 'tool' | 'prompt' | 'resource';
  name: string;
  kept: string;
  renamed?: string;
  backend: string;
  message: string;
}

/** An immutable view of every ready backend's catalog; a new one is built per change. */
export interface Snapshot {
  version: number;
  tools: Entry<Tool>[];
  toolsByName: Map<string, Entry<Tool>>;
  prompts: Entry<Prompt>[];
  promptsByName: Map<string, Entry<Prompt>>;
  resources: { backend: string; item: Resource }[];
  resourceOwner: Map<string, string>;
  templates: { backend: string; item: ResourceTemplateType; matcher: UriTemplate }[];
  collisions: Collision[];
  /** Backends whose upstream declared a capability, for routing and what the gateway declares. */
  capable: { resources: string[]; prompts: string[]; completions: string[]; logging: string[] };
  /** The lists as sent to clients, built once per snapshot rather than per request. */
  lists: { tools: Tool[]; prompts: Prompt[]; resources: Resource[]; templates: ResourceTemplateType[] };
  /** Hashes of each list, to tell sessions only about lists that changed. */
  signature: { tools: string; prompts: string; resources: string };
  /** The backends whose catalogs this snapshot holds (those that were ready when it was built). */
  served: Set<string>;
  /** Backends not ready when it was built that have a prefix: names carrying it are theirs, though unlisted. */
  unavailable: Unavailable[];
}

/** A backend that was not ready when a snapshot was built, as calls to its names are told. */
export interface Unavailable {
  backend: string;
  /** The prefix and separator its exposed names start with. */
  namePrefix: string;
  state: string;
  lastError?: string;
}

/** An empty snapshot, before any backend is ready. */
export const EMPTY_SNAPSHOT: Snapshot = build([], '__', 0);

function toolFilter(spec: BackendSpec): (name: string) => boolean {
  const include = spec.tools.include.length ? picomatch(spec.tools.include) : () => true;
  const exclude = spec.tools.exclude.length ? picomatch(spec.tools.exclude) : () => false;
  return (name) => include(name) && !exclude(name);
}

function merge<T extends { name: string }>(
  kind: 'tool' | 'prompt',
  backends: Backend[],
  pick: (b: Backend) => T[],
  separator: string,
  collisions: Collision[],
): { list: Entry<T>[]; byName: Map<string, Entry<T>> } {
  const byName = new Map<string, Entry<T>>();
  const list: Entry<T>[] = [];
  for (const b of backends) {
    for (const item of pick(b)) {
      let exposed = qualify(b.spec.prefix, item.name, separator);
      const taken = byName.get(exposed);
      if (taken) {
        const renamed = disambiguate(exposed, b.name, item.name);
        collisions.push({
          kind,
          name: exposed,
          kept: `${taken.backend}/${taken.original}`,
          renamed,
          backend: b.name,
          message: `${kind} "${item.name}" of backend "${b.name}" maps to "${exposed}", already used by "${taken.original}" of backend "${taken.backend}"; exposed as "${renamed}"`,
        });
        exposed = renamed;
        if (byName.has(exposed)) continue;
      }
      const entry: Entry<T> = {
        exposed,
        backend: b.name,
        original: item.name,
        item: { ...item, name: exposed },
      };
      byName.set(exposed, entry);
      list.push(entry);
    }
  }
  return { list, byName };
}

/** A list's signature: its content and how often its upstreams announced a change (see BackendCatalog). */
function signature(items: unknown[], announcements: number): string {
  return `${announcements}:${JSON.stringify(items)}`;
}

/** How many announcements the ready backends made (a sum: a backend that never announced changes nothing). */
function announced(ready: Backend[], what: 'tools' | 'resources' | 'prompts'): number {
  return ready.reduce((n, b) => n + (b.catalog.announced?.[what] ?? 0), 0);
}

/** Builds a snapshot from the ready backends, in config order. */
export function build(backends: Backend[], separator: string, version: number): Snapshot {
  const ready = backends.filter((b) => b.state === 'ready');
  const collisions: Collision[] = [];
  const tools = merge(
    'tool',
    ready,
    (b) => {
      const keep = toolFilter(b.spec);
      return b.catalog.tools.filter((t) => keep(t.name));
    },
    separator,
    collisions,
  );
  const prompts = merge('prompt', ready, (b) => b.catalog.prompts, separator, collisions);
  const resources: Snapshot['resources'] = [];
  const resourceOwner = new Map<string, string>();
  for (const b of ready) {
    for (const r of b.catalog.resources) {
      const owner = resourceOwner.get(r.uri);
      if (owner) {
        collisions.push({
          kind: 'resource',
          name: r.uri,
          kept: owner,
          backend: b.name,
          message: `resource "${r.uri}" of backend "${b.name}" is also offered by backend "${owner}"; reads go to "${owner}"`,
        });
        continue;
      }
      resourceOwner.set(r.uri, b.name);
      resources.push({ backend: b.name, item: r });
    }
  }
  const templates = ready.flatMap((b) =>
    b.catalog.resourceTemplates.map((t) => ({
      backend: b.name,
      item: t,
      matcher: new UriTemplate(t.uriTemplate),
    })),
  );
  const names = (cap: 'resources' | 'prompts' | 'completions' | 'logging') =>
    ready.filter((b) => b.catalog.capabilities[cap]).map((b) => b.name);
  const lists = {
    tools: tools.list.map((e) => e.item),
    prompts: prompts.list.map((e) => e.item),
    resources: resources.map((r) => r.item),
    templates: templates.map((t) => t.item),
  };
  const unavailable = backends
    .filter((b) => b.state !== 'ready' && b.spec.prefix)
    .map((b) => ({
      backend: b.name,
      namePrefix: `${b.spec.prefix}${separator}`,
      state: b.state,
      ...(b.lastError ? { lastError: b.lastError } : {}),
    }));
  return {
    version,
    served: new Set(ready.map((b) => b.name)),
    unavailable,
    tools: tools.list,
    toolsByName: tools.byName,
    prompts: prompts.list,
    promptsByName: prompts.byName,
    resources,
    resourceOwner,
    templates,
    collisions,
    capable: {
      resources: names('resources'),
      prompts: names('prompts'),
      completions: names('completions'),
      logging: names('logging'),
    },
    lists,
    signature: {
      tools: signature(lists.tools, announced(ready, 'tools')),
      prompts: signature(lists.prompts, announced(ready, 'prompts')),
      resources: signature([lists.resources, lists.templates], announced(ready, 'resources')),
    },
  };
}

/** The backend that serves a resource URI: exact listing first, then a matching template, then the only resource backend. */
export function resourceBackend(snapshot: Snapshot, uri: string): string | undefined {
  const owner = snapshot.resourceOwner.get(uri);
  if (owner) return owner;
  for (const t of snapshot.templates) {
    if (t.matcher.match(uri)) return t.backend;
  }
  return snapshot.capable.resources.length === 1 ? snapshot.capable.resources[0] : undefined;
}
