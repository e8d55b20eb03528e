import { log } from '../log.js';
import { documentId } from './document.js';
import { cosine, type Embedder } from './embeddings.js';
import type { ToolIndex } from './tool-index.js';
import type { DiscoveryHit, IndexedTool, SearchOptions } from './types.js';

/** Candidates taken from each ranker before blending. */
const POOL = 50;
/** Default weight of the cosine in the blend; the rest is the lexical score. */
const COSINE_WEIGHT = 0.5;

export interface HybridOptions {
  /** Weight of the cosine in the blend, 0..1 (default 0.5). */
  cosineWeight?: number;
}

interface Embedded {
  tool: IndexedTool;
  vector?: Float32Array;
}

/** A hybrid search answer; `lexical` is the lexical ranking it started from, for confidence. */
export interface HybridResult {
  hits: DiscoveryHit[];
  lexical: DiscoveryHit[];
  /** False when embeddings failed and `hits` are the lexical ones. */
  hybrid: boolean;
}

/** The text embedded for a tool: its name in words, title and description. */
export function embeddingText(tool: IndexedTool): string {
  const name = tool.name.replace(/[_\-.]+/g, ' ').replace(/([a-z])([A-Z])/g, '$1 $2');
  return [name, tool.title, tool.description].filter(Boolean).join('\n').slice(0, 2000);
}

/**
 * Blends the lexical index with embedding similarity: the union of both rankers' top candidates,
 * scored `w * cosine + (1 - w) * bm25`, each min-max normalised over the candidates. Tool vectors are
 * fetched in the background when a backend's tools change; any failure falls back to lexical.
 */
export class HybridRanker {
  readonly #tools = new Map<string, Map<string, Embedded>>();
  #pending: Promise<void> = Promise.resolve();
  #failing = false;

  readonly #cosineWeight: number;

  constructor(
    private readonly index: ToolIndex,
    readonly client: Embedder,
    opts: HybridOptions = {},
  ) {
    this.#cosineWeight = opts.cosineWeight ?? COSINE_WEIGHT;
  }

  /** Records a backend's tools and fetches their vectors in the background. */
  setBackendTools(backend: string, tools: IndexedTool[]): void {
    const entries = new Map(tools.map((t) => [t.name, { tool: t } as Embedded]));
    this.#tools.set(backend, entries);
    this.#pending = this.#pending.then(async () => {
      if (this.#tools.get(backend) !== entries) return; // superseded before its turn
      try {
        const vectors = await this.client.embed(tools.map(embeddingText));
        tools.forEach((t, i) => {
          const entry = entries.get(t.name);
          if (entry) entry.vector = vectors[i];
        });
        this.#ok();
      } catch (err) {
        this.#fail(err, `tool embeddings for backend "${backend}"`);
      }
    });
  }

  /** Forgets a backend's tools. */
  removeBackend(backend: string): void {
    this.#tools.delete(backend);
  }

  /** Resolves once the vectors of every tool given so far were fetched or failed. */
  settled(): Promise<void> {
    return this.#pending;
  }

  /** Ranks tools for a request by the blended score, best first. */
  async search(request: string, opts: SearchOptions = {}): Promise<HybridResult> {
    const limit = opts.limit ?? 5;
    const lexical = this.index.search(request, { ...opts, limit: Math.max(limit, POOL) });
    const fallback = { hits: lexical.slice(0, limit), lexical, hybrid: false };
    let query: Float32Array | undefined;
    try {
      [query] = await this.client.embed([request]);
      this.#ok();
    } catch (err) {
      this.#fail(err, 'the query embedding');
      return fallback;
    }
    if (!query || !request.trim()) return fallback;
    const candidates = new Map<string, { tool: IndexedTool; lex: number; cos: number }>();
    const byCosine: { tool: IndexedTool; cos: number }[] = [];
    for (const [backend, entries] of this.#tools) {
      if (opts.backend !== undefined && backend !== opts.backend) continue;
      for (const e of entries.values()) {
        if (opts.permits && !opts.permits(e.tool.name, backend)) continue;
        if (e.vector) byCosine.push({ tool: e.tool, cos: cosine(query, e.vector) });
      }
    }
    byCosine.sort((a, b) => b.cos - a.cos);
    for (const { tool, cos } of byCosine.slice(0, POOL))
      candidates.set(documentId(tool.backend, tool.name), { tool, lex: 0, cos });
    for (const hit of lexical) {
      const id = documentId(hit.backend, hit.name);
      const e = this.#tools.get(hit.backend)?.get(hit.name);
      const cos = e?.vector ? cosine(query, e.vector) : 0;
      candidates.set(id, { tool: hit, lex: hit.score, cos });
    }
    const all = [...candidates.values()];
    const lexMax = Math.max(0, ...all.map((c) => c.lex)) || 1;
    const cosMin = Math.min(...all.map((c) => c.cos));
    const cosSpan = Math.max(...all.map((c) => c.cos)) - cosMin || 1;
    const hits = all
      .map(({ tool, lex, cos }) => ({
        ...slim(tool),
        score: this.#cosineWeight * ((cos - cosMin) / cosSpan) + (1 - this.#cosineWeight) * (lex / lexMax),
      }))
      .sort((a, b) => b.score - a.score)
      .slice(0, limit);
    return { hits, lexical, hybrid: true };
  }

  #ok(): void {
    if (this.#failing) log.info('embeddings endpoint answers again: hybrid discovery ranking resumed');
    this.#failing = false;
  }

  /** One log line per failure streak, not one per query. */
  #fail(err: unknown, what: string): void {
    if (this.#failing) return;
    this.#failing = true;
    const reason = err instanceof Error ? err.message : String(err);
    log.warn(`embeddings failed (${what}: ${reason}); discovery falls back to lexical ranking`);
  }
}

function slim(tool: IndexedTool): Omit<DiscoveryHit, 'score'> {
  const { name, backend, title, description, inputSchema } = tool;
  return { name, backend, title, description, inputSchema };
}
