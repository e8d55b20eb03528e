import type { Prompt, Resource, ResourceTemplateType, Tool } from '@modelcontextprotocol/server';
import type { Snapshot } from './catalog.js';

/**
 * What one principal may use, decided by gateway.auth.policies. Grants are interned by the policy engine
 * (principals matching the same rules share one), so a Grant can key caches of filtered lists.
 */
export interface Grant {
  /** Whether everything is permitted (no policies): callers skip filtering. */
  readonly all: boolean;
  /** Whether an exposed tool of a backend may be listed and called. */
  tool(name: string, backend: string): boolean;
  /** Whether a backend's resources, templates and prompts may be listed and used. */
  backend(name: string): boolean;
  /** Whether a tool of the gateway itself (smart_tool_discovery) is permitted: only a deny names it. */
  gatewayTool(name: string): boolean;
  /** The rules that matched, for the refusal message. */
  readonly rules: string;
}

/** The grant without policies: everything. */
export const ALLOW_ALL: Grant = {
  all: true,
  tool: () => true,
  backend: () => true,
  gatewayTool: () => true,
  rules: '',
};

/** A principal's view of the lists of one snapshot, with their signatures for list_changed. */
export interface ListView {
  tools: Tool[];
  prompts: Prompt[];
  resources: Resource[];
  templates: ResourceTemplateType[];
  signature: { tools: string; prompts: string; resources: string };
}

/**
 * Filtered lists per (list, grant), computed once: `tools` takes the array a tools/list answer would send
 * (the discovery exposure may add the meta-tool), keyed by identity, so a new snapshot gets new entries and
 * old ones are collected with it.
 */
export class GrantViews {
  private readonly tools = new WeakMap<object, Map<Grant, Tool[]>>();
  private readonly views = new WeakMap<Snapshot, Map<Grant, ListView>>();

  /** The tools of `listed` (built from `snapshot`) the grant permits. */
  toolsFor(snapshot: Snapshot, listed: Tool[], grant: Grant): Tool[] {
    if (grant.all) return listed;
    return memo(this.tools, listed, grant, () =>
      listed.filter((t) => {
        const entry = snapshot.toolsByName.get(t.name);
        return entry ? grant.tool(t.name, entry.backend) : grant.gatewayTool(t.name);
      }),
    );
  }

  /** The snapshot's prompts, resources and templates (and its upstream tools) the grant permits. */
  view(snapshot: Snapshot, grant: Grant): ListView {
    if (grant.all) return { ...snapshot.lists, signature: snapshot.signature };
    return memo(this.views, snapshot, grant, () => {
      const tools = this.toolsFor(snapshot, snapshot.lists.tools, grant);
      const prompts = snapshot.prompts.filter((e) => grant.backend(e.backend)).map((e) => e.item);
      const resources = snapshot.resources.filter((r) => grant.backend(r.backend)).map((r) => r.item);
      const templates = snapshot.templates.filter((t) => grant.backend(t.backend)).map((t) => t.item);
      return {
        tools,
        prompts,
        resources,
        templates,
        signature: {
          tools: JSON.stringify(tools),
          prompts: JSON.stringify(prompts),
          resources: JSON.stringify([resources, templates]),
        },
      };
    });
  }
}

function memo<K extends object, V>(cache: WeakMap<K, Map<Grant, V>>, key: K, grant: Grant, make: () => V): V {
  let byGrant = cache.get(key);
  if (!byGrant) cache.set(key, (byGrant = new Map()));
  let value = byGrant.get(grant);
  if (value === undefined) byGrant.set(grant, (value = make()));
  return value;
}
