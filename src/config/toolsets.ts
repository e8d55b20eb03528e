/** `toolsets:` of the config file: each set normalised (ToolsetSpec), and what the schema cannot check of them. */
import type { ConfigProblem } from './errors.js';
import { MAX_NAME_LENGTH, META_TOOL_NAME, type ToolOverrideSpec, type ToolsetSpec } from './model.js';
import type { SwitchboardConfig, Toolset } from './schema-types.js';

const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : [v].flat());

function toolset(name: string, raw: Toolset): ToolsetSpec {
  const overrides = new Map<string, ToolOverrideSpec>();
  for (const [tool, o] of Object.entries(raw.overrides ?? {})) {
    overrides.set(tool, {
      ...(o.name !== undefined && { name: o.name }),
      ...(o.title !== undefined && { title: o.title }),
      ...(o.description !== undefined && { description: o.description }),
      ...(o.annotations && { annotations: o.annotations }),
      keywords: o.keywords ?? [],
    });
  }
  return {
    name,
    ...(raw.description !== undefined && { description: raw.description }),
    ...(raw.instructions !== undefined && { instructions: raw.instructions }),
    tools: list(raw.tools),
    excludeTools: list(raw.exclude_tools),
    resources: list(raw.resources),
    prompts: list(raw.prompts),
    discoveryOnly: raw.discovery_only ?? false,
    overrides,
  };
}

/** The file's `toolsets:` normalised, in file order. */
export function toolsetSpecs(raw: SwitchboardConfig): ToolsetSpec[] {
  return Object.entries(raw.toolsets ?? {}).map(([name, t]) => toolset(name, t));
}

/** Names under /v1 that are not tool sets (the REST API's and the console's own paths). */
export const RESERVED_SET_NAMES = [
  ...['tools', 'resources', 'prompts', 'discover'],
  ...['backends', 'events', 'config', 'toolsets', 'me'],
];

/** Locates a key path in the file (config/load's locator). */
type Located = (path: (string | number)[], message: string, onKey?: boolean) => ConfigProblem;

/**
 * What the schema cannot say about `toolsets:`: a rename longer than a tool name may be, two tools of one set
 * renamed to one name, or a rename taking the discovery tool's name. Each problem points at the `name:` key.
 */
export function toolsetProblems(raw: SwitchboardConfig, at: Located): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const [set, t] of Object.entries(raw.toolsets ?? {})) {
    if (RESERVED_SET_NAMES.includes(set)) {
      const message = `"${set}" is a path of the REST API (/v1/${set}); name the set otherwise`;
      problems.push(at(['toolsets', set], message, true));
    }
    const taken = new Map<string, string>();
    for (const [tool, o] of Object.entries(t.overrides ?? {})) {
      const name = o.name;
      if (name === undefined) continue;
      const path = ['toolsets', set, 'overrides', tool, 'name'];
      if (name.length > MAX_NAME_LENGTH) {
        const message = `"${name}" is ${name.length} characters; a tool name has at most ${MAX_NAME_LENGTH} (what model APIs accept)`;
        problems.push(at(path, message));
        continue;
      }
      if (name === META_TOOL_NAME) {
        problems.push(at(path, `"${name}" is the name of the gateway's discovery tool; choose another`));
        continue;
      }
      const first = taken.get(name);
      if (first !== undefined) {
        const message = `"${name}" is already the new name of "${first}" in this set; two tools cannot share a name`;
        problems.push(at(path, message));
      } else taken.set(name, tool);
    }
  }
  return problems;
}
