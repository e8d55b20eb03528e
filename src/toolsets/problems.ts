import type { ConfigProblem } from '../config/errors.js';
import type { SwitchboardConfig } from '../config/schema-types.js';
import { MAX_NAME_LENGTH } from '../registry/naming.js';
import { META_TOOL_NAME } from '../discovery/meta-tool.js';

/** Names under /v1 that are not tool sets (the REST API's and the console's own paths). */
export const RESERVED_SET_NAMES = [
  ...['tools', 'resources', 'prompts', 'discover'],
  ...['backends', 'events', 'config', 'toolsets'],
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
