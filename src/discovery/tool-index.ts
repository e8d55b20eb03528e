import MiniSearch from 'minisearch';
import { FIELDS, documentId, fingerprint, toDocument, type ToolDocument } from './document.js';
import { RANKING } from './ranking.js';
import { TermScoreCache, type TermScores } from './term-cache.js';
import { analyseQuery, indexTerms } from './text.js';
import type { DiscoveryHit, IndexedTool, SearchOptions } from './types.js';

interface Entry {
  tool: IndexedTool;
  fingerprint: string;
}

/**
 * A BM25+ index of tools across backends, updated incrementally as backends' catalogs change.
 *
 * MiniSearch scores each query term on its own and those per-term scores are cached until the
 * index next changes; a query then only adds up cached arrays, which keeps it well under a
 * millisecond on a 10,000-tool catalog. The sum reproduces MiniSearch's own OR query: the sum of
 * the terms' scores times the number of distinct terms matched.
 */
export class ToolIndex {
  readonly #search = new MiniSearch<ToolDocument>({
    fields: [...FIELDS],
    idField: 'id',
    tokenize: (text) => indexTerms(text),
    processTerm: (term) => term,
  });
  readonly #backends = new Map<string, Map<string, Entry>>();
  /** Dense slot numbers for documents, so per-query sums run over typed arrays. */
  readonly #slotOf = new Map<string, number>();
  readonly #tools: (IndexedTool | undefined)[] = [];
  readonly #freeSlots: number[] = [];
  readonly #cache = new TermScoreCache(RANKING.cacheEntries);
  /** Analysed words of backend names → backends, for spotting a backend named in the request. */
  readonly #backendWords = new Map<string, Set<string>>();
  #sum = new Float64Array(0);
  #matched = new Uint16Array(0);

  /** Number of tools indexed. */
  get size(): number {
    return this.#slotOf.size;
  }

  /** Replaces one backend's tools, touching only the documents that were added, changed or removed. */
  setBackendTools(backend: string, tools: IndexedTool[]): void {
    const previous = this.#backends.get(backend) ?? new Map<string, Entry>();
    const next = new Map<string, Entry>();
    for (const tool of tools)
      next.set(tool.name, { tool: slim(tool, backend), fingerprint: fingerprint(tool) });
    for (const name of previous.keys()) if (!next.has(name)) this.#remove(backend, name);
    for (const [name, entry] of next) {
      const old = previous.get(name);
      if (old?.fingerprint === entry.fingerprint) {
        next.set(name, old);
        continue;
      }
      if (old) this.#remove(backend, name);
      this.#add(entry.tool);
    }
    if (!next.size) return this.removeBackend(backend);
    if (!this.#backends.has(backend)) {
      for (const word of indexTerms(backend)) this.#backendsNamed(word).add(backend);
    }
    this.#backends.set(backend, next);
  }

  /** Drops every tool of a backend. */
  removeBackend(backend: string): void {
    const entries = this.#backends.get(backend);
    if (!entries) return;
    for (const name of entries.keys()) this.#remove(backend, name);
    this.#backends.delete(backend);
    for (const word of indexTerms(backend)) {
      const named = this.#backendWords.get(word);
      named?.delete(backend);
      if (named && !named.size) this.#backendWords.delete(word);
    }
  }

  /** Ranks tools against a plain-language request, best first. */
  search(request: string, opts: SearchOptions = {}): DiscoveryHit[] {
    const limit = Math.max(0, Math.floor(opts.limit ?? 5));
    const { terms, expansions } = analyseQuery(request);
    if (!terms.length || !limit || !this.size) return [];
    const sum = this.#sum;
    const matched = this.#matched;
    const touched: number[] = [];
    for (const term of terms) {
      const weight = expansions.has(term) ? RANKING.expansionWeight : 1;
      const { slots, scores } = this.#termScores(term);
      for (let i = 0; i < slots.length; i++) {
        const slot = slots[i] as number;
        if (slot < 0) continue;
        if (matched[slot] === 0) touched.push(slot);
        sum[slot] = (sum[slot] as number) + weight * (scores[i] as number);
        matched[slot] = (matched[slot] as number) + 1;
      }
    }
    const mentioned = this.#mentionedBackends(terms.filter((t) => !expansions.has(t)));
    const top: DiscoveryHit[] = [];
    for (const slot of touched) {
      const tool = this.#tools[slot];
      let score = (sum[slot] as number) * (matched[slot] as number);
      sum[slot] = 0;
      matched[slot] = 0;
      if (!tool || (opts.backend !== undefined && tool.backend !== opts.backend)) continue;
      if (mentioned.has(tool.backend)) score *= RANKING.mentionBoost;
      if (top.length < limit || score > (top[top.length - 1]?.score ?? 0))
        insertSorted(top, { ...tool, score }, limit);
    }
    return top;
  }

  /** One term's scores from MiniSearch (cached); fuzzy matching only for a term no tool holds, likely a typo. */
  #termScores(term: string): TermScores {
    const cached = this.#cache.get(term);
    if (cached) return cached;
    const options = {
      tokenize: (text: string) => [text],
      processTerm: (t: string) => t,
      boost: RANKING.boost,
      weights: RANKING.weights,
      bm25: RANKING.bm25,
      prefix: term.length >= RANKING.prefixMinLength,
    };
    let results = this.#search.search(term, options);
    if (!results.length && term.length >= RANKING.fuzzyMinLength) {
      results = this.#search.search(term, { ...options, fuzzy: 1 });
    }
    const value: TermScores = {
      slots: new Int32Array(results.length),
      scores: new Float64Array(results.length),
    };
    results.forEach((r, i) => {
      value.slots[i] = this.#slotOf.get(r.id) ?? -1;
      value.scores[i] = r.score;
    });
    this.#cache.set(term, value);
    return value;
  }

  /** Backends whose name the request contains as a word (or a prefix of at least 4 letters). */
  #mentionedBackends(terms: string[]): Set<string> {
    const mentioned = new Set<string>();
    for (const term of terms) {
      for (const [word, backends] of this.#backendWords) {
        if (word === term || (term.length >= 4 && word.startsWith(term)))
          for (const b of backends) mentioned.add(b);
      }
    }
    return mentioned;
  }

  #backendsNamed(word: string): Set<string> {
    let named = this.#backendWords.get(word);
    if (!named) this.#backendWords.set(word, (named = new Set()));
    return named;
  }

  #add(tool: IndexedTool): void {
    const doc = toDocument(tool);
    this.#search.add(doc);
    const slot = this.#freeSlots.pop() ?? this.#tools.length;
    this.#tools[slot] = tool;
    this.#slotOf.set(doc.id, slot);
    if (slot >= this.#sum.length) this.#grow();
    this.#cache.clear();
  }

  #remove(backend: string, name: string): void {
    const id = documentId(backend, name);
    const slot = this.#slotOf.get(id);
    if (slot === undefined) return;
    this.#search.discard(id);
    this.#slotOf.delete(id);
    this.#tools[slot] = undefined;
    this.#freeSlots.push(slot);
    this.#cache.clear();
  }

  #grow(): void {
    const capacity = Math.max(64, this.#sum.length * 2);
    this.#sum = new Float64Array(capacity);
    this.#matched = new Uint16Array(capacity);
  }
}

function insertSorted(top: DiscoveryHit[], hit: DiscoveryHit, limit: number): void {
  let i = top.length;
  while (i > 0 && (top[i - 1]?.score ?? 0) < hit.score) i--;
  top.splice(i, 0, hit);
  if (top.length > limit) top.pop();
}

/** Keeps only the fields a hit reports, so callers may pass richer tool objects. */
function slim(tool: IndexedTool, backend: string): IndexedTool {
  const out: IndexedTool = { name: tool.name, backend };
  if (tool.title !== undefined) out.title = tool.title;
  if (tool.description !== undefined) out.description = tool.description;
  if (tool.inputSchema !== undefined) out.inputSchema = tool.inputSchema;
  return out;
}
