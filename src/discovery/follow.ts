import type { Tool } from '@modelcontextprotocol/server';
import type { Entry, Snapshot } from '../registry/catalog.js';
import type { ToolIndex } from './tool-index.js';
import type { IndexedTool } from './types.js';

/** What one `follow` call changed, so dependants (embeddings) can update the same backends. */
export interface FollowChanges {
  updated: Map<string, IndexedTool[]>;
  removed: string[];
}

/**
 * Keeps a ToolIndex in step with the catalog snapshots: on each new snapshot only the backends whose
 * exposed tools changed are re-indexed, and backends that left (down, removed, opted out) are dropped.
 */
export class IndexFollower {
  /** The entries last indexed, per backend, to compare the next snapshot against. */
  readonly #indexed = new Map<string, Entry<Tool>[]>();

  constructor(private readonly index: ToolIndex) {}

  /**
   * Brings the index up to date with a snapshot. `include` says which backends are indexed;
   * `reserved` is an exposed name never indexed (the meta-tool's own name).
   */
  follow(snapshot: Snapshot, include: (backend: string) => boolean, reserved: string): FollowChanges {
    const next = new Map<string, Entry<Tool>[]>();
    for (const entry of snapshot.tools) {
      if (entry.exposed === reserved || !include(entry.backend)) continue;
      const list = next.get(entry.backend);
      if (list) list.push(entry);
      else next.set(entry.backend, [entry]);
    }
    const changes: FollowChanges = { updated: new Map(), removed: [] };
    for (const backend of this.#indexed.keys()) {
      if (next.has(backend)) continue;
      this.index.removeBackend(backend);
      this.#indexed.delete(backend);
      changes.removed.push(backend);
    }
    for (const [backend, entries] of next) {
      const previous = this.#indexed.get(backend);
      if (previous && sameEntries(previous, entries)) continue;
      const tools = entries.map(toIndexed);
      this.index.setBackendTools(backend, tools);
      this.#indexed.set(backend, entries);
      changes.updated.set(backend, tools);
    }
    return changes;
  }

  /** Backends with tools in the index. */
  backends(): string[] {
    return [...this.#indexed.keys()];
  }

  /** Forgets everything indexed (discovery switched off); the next `follow` re-indexes from scratch. */
  clear(): string[] {
    const gone = [...this.#indexed.keys()];
    for (const backend of gone) this.index.removeBackend(backend);
    this.#indexed.clear();
    return gone;
  }
}

/**
 * Snapshots copy each tool (`{ ...tool, name }`), so entries are compared field by field; the schema
 * is compared by reference, which holds until the backend refetches its list. A false "changed" only
 * costs a setBackendTools call, which itself skips documents whose text did not change.
 */
function sameEntries(a: Entry<Tool>[], b: Entry<Tool>[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((x, i) => {
    const y = b[i] as Entry<Tool>;
    return (
      x.exposed === y.exposed &&
      x.item.title === y.item.title &&
      x.item.description === y.item.description &&
      x.item.inputSchema === y.item.inputSchema &&
      x.item.annotations === y.item.annotations &&
      x.hints?.join('\u0000') === y.hints?.join('\u0000')
    );
  });
}

/** The index's view of a catalog entry: its exposed name, so a hit can be called as it is. */
function toIndexed(entry: Entry<Tool>): IndexedTool {
  const tool: IndexedTool = {
    name: entry.exposed,
    backend: entry.backend,
    inputSchema: entry.item.inputSchema as Record<string, unknown>,
  };
  const title = entry.item.title ?? entry.item.annotations?.title;
  if (title !== undefined) tool.title = title;
  if (entry.item.description !== undefined) tool.description = entry.item.description;
  if (entry.hints?.length) tool.hints = entry.hints;
  return tool;
}
