import type { Tool } from '@modelcontextprotocol/server';
import type { DiscoverySettings } from '../config/model.js';
import type { Snapshot } from '../registry/catalog.js';
import { CONFIDENCE_RATIO, isConfident } from './confidence.js';
import { EmbeddingClient } from './embeddings.js';
import { IndexFollower } from './follow.js';
import { HybridRanker } from './hybrid.js';
import { META_TOOL, META_TOOL_NAME } from './meta-tool.js';
import { RERANK_CANDIDATES } from './rerank.js';
import { ToolIndex } from './tool-index.js';
import type { DiscoveryHit, SearchOptions } from './types.js';
import type { Telemetry } from '../telemetry/recorder.js';

/** What the discovery service reads from the gateway. */
export interface DiscoveryHost {
  settings(): DiscoverySettings;
  snapshot(): Snapshot;
  /** Whether a backend's tools are indexed (its `discovery` setting). */
  indexed(backend: string): boolean;
  /** Records query times and traces each ranking as a "discovery query" span. */
  telemetry?: Telemetry;
}

/** A ranking: best first, and whether the first is clearly ahead. */
export interface Ranking {
  hits: DiscoveryHit[];
  confident: boolean;
}

/**
 * The gateway's smart discovery: an index that follows the catalog snapshots, the tools/list answer
 * for the configured exposure, and ranking (lexical, or hybrid with embeddings when configured).
 */
export class Discovery {
  readonly index = new ToolIndex();
  readonly #follower = new IndexFollower(this.index);
  #hybrid?: HybridRanker;
  #hybridKey = '';
  #listed?: { snapshot: Snapshot; expose: string; tools: Tool[] };

  constructor(readonly host: DiscoveryHost) {}

  /** Whether tools/call of this name is the meta-tool's. */
  handles(name: string): boolean {
    return name === META_TOOL_NAME && this.host.settings().expose !== 'none';
  }

  /**
   * Brings the index up to date with a new snapshot (before it is published); with the meta-tool
   * exposed, an upstream tool of the same name is recorded as a collision: the meta-tool keeps it.
   */
  follow(snapshot: Snapshot): void {
    const settings = this.host.settings();
    this.#configureHybrid(settings);
    if (settings.expose === 'none') {
      for (const b of this.#follower.clear()) this.#hybrid?.removeBackend(b);
      return;
    }
    const taken = snapshot.toolsByName.get(META_TOOL_NAME);
    if (taken) {
      snapshot.collisions.push({
        kind: 'tool',
        name: META_TOOL_NAME,
        kept: `gateway/${META_TOOL_NAME}`,
        backend: taken.backend,
        message: `tool "${taken.original}" of backend "${taken.backend}" maps to "${META_TOOL_NAME}", the name of the gateway's discovery tool; it is not exposed (give the backend a prefix)`,
      });
    }
    const changes = this.#follower.follow(snapshot, (b) => this.host.indexed(b), META_TOOL_NAME);
    for (const b of changes.removed) this.#hybrid?.removeBackend(b);
    for (const [b, tools] of changes.updated) this.#hybrid?.setBackendTools(b, tools);
  }

  /** The tools/list answer for a snapshot under the current exposure; computed once per snapshot. */
  listed(snapshot: Snapshot): Tool[] {
    const expose = this.host.settings().expose;
    const cached = this.#listed;
    if (cached?.snapshot === snapshot && cached.expose === expose) return cached.tools;
    let tools: Tool[];
    if (expose === 'none') tools = snapshot.lists.tools;
    else if (expose === 'discovery_only') tools = [META_TOOL];
    else tools = [META_TOOL, ...snapshot.lists.tools.filter((t) => t.name !== META_TOOL_NAME)];
    this.#listed = { snapshot, expose, tools };
    return tools;
  }

  /** Backends with tools in the index. */
  backends(): string[] {
    return this.#follower.backends();
  }

  /**
   * Ranks tools for a request; at least `limit` (and enough for confidence and reranking) hits, among the
   * tools `permits` lets the caller use.
   */
  async rank(
    request: string,
    limit: number,
    backend?: string,
    permits?: SearchOptions['permits'],
  ): Promise<Ranking> {
    const telemetry = this.host.telemetry;
    if (!telemetry) return this.#rank(request, limit, backend, permits);
    const started = performance.now();
    const span = telemetry.tracing.internal('discovery query', undefined, { 'discovery.limit': limit });
    try {
      const ranking = await this.#rank(request, limit, backend, permits);
      span?.setAttribute('discovery.hits', ranking.hits.length);
      return ranking;
    } finally {
      telemetry.tracing.end(span);
      const ranker = this.#hybrid ? 'hybrid' : 'lexical';
      telemetry.metrics.discoveryQuery(ranker, (performance.now() - started) / 1000);
    }
  }

  async #rank(
    request: string,
    limit: number,
    backend?: string,
    permits?: SearchOptions['permits'],
  ): Promise<Ranking> {
    const ratio = this.host.settings().minConfidence ?? CONFIDENCE_RATIO;
    const opts: SearchOptions = {
      limit: Math.max(limit, RERANK_CANDIDATES, 2),
      ...(backend ? { backend } : {}),
      ...(permits ? { permits } : {}),
    };
    if (this.#hybrid) {
      const r = await this.#hybrid.search(request, opts);
      // Blended scores have no stable ratio; trust the top only where both rankers agree on it.
      const agree = r.hits[0] !== undefined && r.hits[0].name === r.lexical[0]?.name;
      return { hits: r.hits, confident: agree && isConfident(r.lexical, ratio) };
    }
    const hits = this.index.search(request, opts);
    return { hits, confident: isConfident(hits, ratio) };
  }

  /** Resolves once pending tool embeddings were fetched (tests, eval). */
  async settled(): Promise<void> {
    await this.#hybrid?.settled();
  }

  #configureHybrid(settings: DiscoverySettings): void {
    const key = settings.embeddings && settings.expose !== 'none' ? JSON.stringify(settings.embeddings) : '';
    if (key === this.#hybridKey) return;
    this.#hybridKey = key;
    this.#hybrid =
      settings.embeddings && key
        ? new HybridRanker(this.index, new EmbeddingClient(settings.embeddings))
        : undefined;
    // A new ranker has no tools yet: re-index from scratch so it is fed every backend.
    this.#follower.clear();
  }
}
