import type { Backend } from '../backends/backend.js';
import type { Snapshot } from './catalog.js';
import type { Grant } from './grant.js';

/**
 * New sessions' instructions (the ready backends' own, under their names), built once per snapshot and grant:
 * every session shares one string instead of a copy. A principal sees those of the backends it may use (any
 * of its tools, or the backend itself).
 */
export class Instructions {
  private cached?: { snapshot: Snapshot; text: Map<Grant, string | undefined> };

  /** The instructions for a principal's grant under a snapshot. */
  for(snapshot: Snapshot, backends: Backend[], grant: Grant): string | undefined {
    if (this.cached?.snapshot !== snapshot) this.cached = { snapshot, text: new Map() };
    const known = this.cached.text;
    if (known.has(grant)) return known.get(grant);
    const usable = (b: string) =>
      grant.backend(b) || snapshot.tools.some((e) => e.backend === b && grant.tool(e.exposed, b));
    const parts = backends
      .filter((b) => b.state === 'ready' && b.catalog.instructions && usable(b.name))
      .map((b) => `## ${b.name}\n${b.catalog.instructions}`);
    const text = parts.length ? parts.join('\n\n') : undefined;
    known.set(grant, text);
    return text;
  }
}
