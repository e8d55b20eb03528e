import type { Tool } from '@modelcontextprotocol/server';
import picomatch from 'picomatch';
import type { Collision, Entry, Snapshot } from '../registry/catalog.js';
import type { ToolOverrideSpec, ToolsetSpec } from '../config/model.js';

type Matcher = (value: string) => boolean;
const NEVER: Matcher = () => false;
const matcher = (globs: string[]): Matcher => (globs.length ? picomatch(globs, { dot: true }) : NEVER);

/** One set's view of a catalog snapshot: a snapshot in its own right (the set's names), and the way back. */
export interface SetView {
  snapshot: Snapshot;
  /** A tool's name in the set → its exposed name in the gateway's catalog (policies match on that one). */
  baseName: Map<string, string>;
  /** The set's `tools` globs that match no tool of the catalog. */
  unmatched: string[];
  /** Backends whose tools, resources or prompts the set exposes. */
  backends: Set<string>;
}

/** A tool as the set shows it: renamed, its title, description and annotations overridden. */
function overridden(item: Tool, name: string, o: ToolOverrideSpec | undefined): Tool {
  if (!o) return name === item.name ? item : { ...item, name };
  const tool: Tool = { ...item, name };
  if (o.title !== undefined) tool.title = o.title;
  if (o.description !== undefined) tool.description = o.description;
  if (o.annotations) tool.annotations = { ...item.annotations, ...o.annotations };
  return tool;
}

/** The announcement count a base signature starts with (`<n>:<json>`), so upstream announcements still tell. */
function counted(signature: string, items: unknown[]): string {
  return `${signature.slice(0, signature.indexOf(':'))}:${JSON.stringify(items)}`;
}

/** Builds a set's view of a snapshot: the tools its globs select (renamed), resources and prompts by backend. */
export function buildView(base: Snapshot, spec: ToolsetSpec): SetView {
  const include = matcher(spec.tools);
  const exclude = matcher(spec.excludeTools);
  const globs = spec.tools.map((g) => ({ glob: g, test: picomatch(g, { dot: true }), hit: false }));
  const tools: Entry<Tool>[] = [];
  const toolsByName = new Map<string, Entry<Tool>>();
  const baseName = new Map<string, string>();
  const collisions: Collision[] = [];
  const selected = base.tools.filter((e) => {
    if (!include(e.exposed)) return false;
    for (const g of globs) if (!g.hit && g.test(e.exposed)) g.hit = true;
    return !exclude(e.exposed);
  });
  // Renamed tools first, so a rename wins over a tool that has that name in the catalog.
  const ordered = [
    ...selected.filter((e) => spec.overrides.get(e.exposed)?.name),
    ...selected.filter((e) => !spec.overrides.get(e.exposed)?.name),
  ];
  for (const e of ordered) {
    const o = spec.overrides.get(e.exposed);
    const name = o?.name ?? e.exposed;
    const taken = toolsByName.get(name);
    if (taken) {
      collisions.push({
        kind: 'tool',
        name,
        kept: `${taken.backend}/${taken.original}`,
        backend: e.backend,
        message: `tool set "${spec.name}": "${e.exposed}" is left out, its name "${name}" is the new name of "${baseName.get(name)}"`,
      });
      continue;
    }
    const entry: Entry<Tool> = {
      exposed: name,
      backend: e.backend,
      original: e.original,
      item: overridden(e.item, name, o),
      ...(o?.keywords.length && { hints: o.keywords }),
    };
    toolsByName.set(name, entry);
    baseName.set(name, e.exposed);
  }
  // Listed in catalog order, whatever order renames were resolved in.
  for (const e of selected) {
    const name = spec.overrides.get(e.exposed)?.name ?? e.exposed;
    const entry = toolsByName.get(name);
    if (entry && baseName.get(name) === e.exposed) tools.push(entry);
  }
  const resourceOf = matcher(spec.resources);
  const promptOf = matcher(spec.prompts);
  const prompts = base.prompts.filter((e) => promptOf(e.backend));
  const resources = base.resources.filter((r) => resourceOf(r.backend));
  const templates = base.templates.filter((t) => resourceOf(t.backend));
  const resourceOwner = new Map([...base.resourceOwner].filter(([, b]) => resourceOf(b)));
  const backends = new Set([
    ...tools.map((e) => e.backend),
    ...base.capable.resources.filter(resourceOf),
    ...base.capable.prompts.filter(promptOf),
  ]);
  const lists = {
    tools: tools.map((e) => e.item),
    prompts: prompts.map((e) => e.item),
    resources: resources.map((r) => r.item),
    templates: templates.map((t) => t.item),
  };
  const snapshot: Snapshot = {
    version: base.version,
    served: base.served,
    unavailable: [], // a set's names are not the catalog's: ServedSet's routes find a down backend's names
    tools,
    toolsByName,
    prompts,
    promptsByName: new Map(prompts.map((e) => [e.exposed, e])),
    resources,
    resourceOwner,
    templates,
    collisions,
    capable: {
      resources: base.capable.resources.filter(resourceOf),
      prompts: base.capable.prompts.filter(promptOf),
      completions: base.capable.completions.filter((b) => resourceOf(b) || promptOf(b)),
      logging: base.capable.logging.filter((b) => backends.has(b)),
    },
    lists,
    signature: {
      tools: counted(base.signature.tools, lists.tools),
      prompts: counted(base.signature.prompts, lists.prompts),
      resources: counted(base.signature.resources, [lists.resources, lists.templates]),
    },
  };
  const unmatched = globs.filter((g) => !g.hit).map((g) => g.glob);
  return { snapshot, baseName, unmatched, backends };
}
