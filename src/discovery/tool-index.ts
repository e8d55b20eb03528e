import SearchableMap from 'minisearch/SearchableMap';
import { BackendIndex } from './backend-index.js';
import { FIELDS, fingerprint, toDocument } from './document.js';
import { Postings } from './postings.js';
import { RANKING } from './ranking.js';
import { Scorer } from './scorer.js';
import { TermExpander } from './term-expansion.js';
import { analyseQuery, indexTerms, type QueryTerm } from './text.js';
import type { DiscoveryHit, IndexedTool, SearchOptions } from './types.js';

interface Entry {
  tool: IndexedTool;
  fingerprint: string;
  slot: number;
}

/**
 * A BM25+ index of tools across backends, updated incrementally as backends' catalogs change.
 *
 * Terms live in MiniSearch's radix tree with per-field posting lists over dense document slots
 * (see Postings); a query expands its terms (exact, prefix, fuzzy for likely typos) and adds up
 * BM25+ scores straight from current statistics into typed arrays, so there is no per-term cache
 * to rebuild after a catalog change. Scores follow MiniSearch's OR query: the sum of the terms'
 * scores times the number of distinct terms matched.
 */
export class ToolIndex {
  readonly #postings = new Postings(FIELDS.length);
  readonly #expander = new TermExpander(this.#postings);
  readonly #scorer = new Scorer(
    this.#postings,
    FIELDS.map((field) => RANKING.boost[field] ?? 1),
  );
  readonly #backends = new Map<string, Map<string, Entry>>();
  readonly #backendIndex = new BackendIndex();
  readonly #tools: (IndexedTool | undefined)[] = [];
  readonly #freeSlots: number[] = [];
  #size = 0;
  /** Analysed words of backend names → backends, for spotting a backend named in the request. */
  readonly #backendWords = new SearchableMap<Set<string>>();

  /** Number of tools indexed. */
  get size(): number {
    return this.#size;
  }

  /** Replaces one backend's tools, touching only the documents that were added, changed or removed. */
  setBackendTools(backend: string, tools: IndexedTool[]): void {
    const previous = this.#backends.get(backend) ?? new Map<string, Entry>();
    const next = new Map<string, Entry>();
    for (const tool of tools)
      next.set(tool.name, { tool: slim(tool, backend), fingerprint: fingerprint(tool), slot: -1 });
    let changed = next.size !== previous.size;
    for (const [name, old] of previous) if (!next.has(name)) this.#remove(old);
    for (const [name, entry] of next) {
      const old = previous.get(name);
      if (old?.fingerprint === entry.fingerprint) {
        next.set(name, old);
        continue;
      }
      changed = true;
      if (old) this.#remove(old);
      this.#add(entry);
    }
    if (!next.size) {
      this.#backends.set(backend, next);
      return this.removeBackend(backend);
    }
    if (!this.#backends.has(backend)) {
      for (const word of indexTerms(backend)) this.#backendsNamed(word).add(backend);
    }
    this.#backends.set(backend, next);
    if (changed) {
      this.#backendIndex.set(
        backend,
        [...next.values()].map((e) => e.tool),
      );
    }
  }

  /** Drops every tool of a backend. */
  removeBackend(backend: string): void {
    const entries = this.#backends.get(backend);
    if (!entries) return;
    for (const entry of entries.values()) this.#remove(entry);
    this.#backends.delete(backend);
    this.#backendIndex.remove(backend);
    for (const word of indexTerms(backend)) {
      const named = this.#backendWords.get(word);
      named?.delete(backend);
      if (named && !named.size) this.#backendWords.delete(word);
    }
  }

  /** Ranks tools against a plain-language request, best first. */
  search(request: string, opts: SearchOptions = {}): DiscoveryHit[] {
    const limit = Math.max(0, Math.floor(opts.limit ?? 5));
    if (!limit || !this.size) return [];
    const ranked = this.#rank(analyseQuery(request), limit, opts);
    return ranked.slots.map((slot, i) => ({
      ...(this.#tools[slot] as IndexedTool),
      score: ranked.scores[i] as number,
    }));
  }

  /** The best `limit` slots for analysed query terms, with their scores, best first. */
  #rank(terms: QueryTerm[], limit: number, opts: SearchOptions): { slots: number[]; scores: number[] } {
    const { backend, permits } = opts;
    const slots: number[] = [];
    const scores: number[] = [];
    if (!terms.length) return { slots, scores };
    const scorer = this.#scorer;
    scorer.begin();
    let group = -1;
    for (const { term, weight, group: g, own } of terms) {
      if (g !== group || !RANKING.groupCoordination) scorer.group(own ? weight : 1);
      group = g;
      scorer.add(this.#expander.expand(term), weight);
    }
    const mentioned = this.#mentionedBackends(terms);
    const weight = RANKING.backendWeight;
    const relevance = weight > 0 ? this.#backendIndex.relevance(terms) : undefined;
    for (let i = 0; i < scorer.touchedCount; i++) {
      const slot = scorer.touched[i] as number;
      let score = scorer.take(slot);
      if (slots.length >= limit && score * RANKING.mentionBoost <= (scores[limit - 1] as number)) continue;
      const tool = this.#tools[slot];
      if (!tool || (backend !== undefined && tool.backend !== backend)) continue;
      if (permits && !permits(tool.name, tool.backend)) continue;
      if (mentioned?.has(tool.backend)) score *= RANKING.mentionBoost;
      if (relevance) score *= 1 - weight + weight * (relevance.get(tool.backend) ?? 0);
      let at = slots.length;
      while (at > 0 && (scores[at - 1] as number) < score) at--;
      if (at >= limit) continue;
      slots.splice(at, 0, slot);
      scores.splice(at, 0, score);
      if (slots.length > limit) {
        slots.pop();
        scores.pop();
      }
    }
    return { slots, scores };
  }

  /** Backends whose name the request contains as a word (or a prefix of at least 4 letters). */
  #mentionedBackends(terms: QueryTerm[]): Set<string> | undefined {
    let mentioned: Set<string> | undefined;
    const note = (backends: Set<string>) => {
      mentioned ??= new Set();
      for (const b of backends) mentioned.add(b);
    };
    for (const { term, own } of terms) {
      if (!own) continue;
      if (term.length < 4) {
        const backends = this.#backendWords.get(term);
        if (backends) note(backends);
      } else for (const [, backends] of this.#backendWords.atPrefix(term)) note(backends);
    }
    return mentioned;
  }

  #backendsNamed(word: string): Set<string> {
    let named = this.#backendWords.get(word);
    if (!named) this.#backendWords.set(word, (named = new Set()));
    return named;
  }

  #add(entry: Entry): void {
    const doc = toDocument(entry.tool);
    const slot = this.#freeSlots.pop() ?? this.#tools.length;
    this.#postings.add(
      slot,
      FIELDS.map((field) => indexTerms(doc[field])),
    );
    this.#tools[slot] = entry.tool;
    entry.slot = slot;
    this.#size++;
  }

  #remove(entry: Entry): void {
    if (entry.slot < 0 || this.#tools[entry.slot] !== entry.tool) return;
    this.#postings.remove(entry.slot);
    this.#tools[entry.slot] = undefined;
    this.#freeSlots.push(entry.slot);
    entry.slot = -1;
    this.#size--;
  }
}

/** Keeps only the fields a hit reports, so callers may pass richer tool objects. */
function slim(tool: IndexedTool, backend: string): IndexedTool {
  const out: IndexedTool = { name: tool.name, backend };
  if (tool.title !== undefined) out.title = tool.title;
  if (tool.description !== undefined) out.description = tool.description;
  if (tool.inputSchema !== undefined) out.inputSchema = tool.inputSchema;
  if (tool.hints?.length) out.hints = tool.hints;
  return out;
}
