import MiniSearch, { type Query } from 'minisearch';
import {
  FIELDS,
  LONG_FIELDS,
  SHORT_FIELDS,
  documentId,
  fingerprint,
  toDocument,
  type ToolDocument,
} from './document.js';
import { RANKING } from './ranking.js';
import { analyseQuery, indexTerms } from './text.js';
import { TermCounts } from './term-counts.js';
import type { DiscoveryHit, IndexedTool, SearchOptions } from './types.js';

interface Entry {
  tool: IndexedTool;
  fingerprint: string;
}

/** A BM25+ index of tools across backends, updated incrementally as backends' catalogs change. */
export class ToolIndex {
  readonly #search = new MiniSearch<ToolDocument>({
    fields: [...FIELDS],
    idField: 'id',
    tokenize: (text) => indexTerms(text),
    processTerm: (term) => term,
  });
  readonly #backends = new Map<string, Map<string, Entry>>();
  readonly #byId = new Map<string, IndexedTool>();
  /** Document frequency of terms in the long fields (descriptions, parameters). */
  readonly #longFieldTerms = new TermCounts();
  /** Analysed words of backend names → backends, for spotting a backend named in the request. */
  readonly #backendWords = new TermCounts<string>();

  /** Number of tools indexed. */
  get size(): number {
    return this.#byId.size;
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
      const doc = toDocument(entry.tool);
      this.#search.add(doc);
      this.#longFieldTerms.add(longFieldTerms(doc));
      this.#byId.set(doc.id, entry.tool);
    }
    if (!next.size) return this.removeBackend(backend);
    if (!this.#backends.has(backend)) this.#backendWords.add(indexTerms(backend), backend);
    this.#backends.set(backend, next);
  }

  /** Drops every tool of a backend. */
  removeBackend(backend: string): void {
    const entries = this.#backends.get(backend);
    if (!entries) return;
    for (const name of entries.keys()) this.#remove(backend, name);
    this.#backends.delete(backend);
    this.#backendWords.remove(indexTerms(backend), backend);
  }

  /** Ranks tools against a plain-language request, best first. */
  search(request: string, opts: SearchOptions = {}): DiscoveryHit[] {
    const limit = Math.max(0, Math.floor(opts.limit ?? 5));
    const { terms, expansions } = analyseQuery(request);
    if (!terms.length || !limit) return [];
    const mentioned = this.#mentionedBackends(terms.filter((t) => !expansions.has(t)));
    const wanted = opts.backend;
    const results = this.#search.search(this.#query(terms), {
      tokenize: (text) => [text],
      processTerm: (term) => term,
      boost: RANKING.boost,
      boostTerm: (term) => (expansions.has(term) ? RANKING.expansionWeight : 1),
      weights: RANKING.weights,
      bm25: RANKING.bm25,
      filter: wanted === undefined ? undefined : (r) => this.#byId.get(r.id)?.backend === wanted,
    });
    const top: DiscoveryHit[] = [];
    for (const result of results) {
      const tool = this.#byId.get(result.id);
      if (!tool) continue;
      const score = mentioned.has(tool.backend) ? result.score * RANKING.mentionBoost : result.score;
      if (top.length === limit && score <= (top[limit - 1]?.score ?? 0)) continue;
      insertSorted(top, { ...tool, score }, limit);
    }
    return top;
  }

  /**
   * Terms found in many tools' descriptions (e.g. "get", "file") are matched against names and
   * titles only: in long text they carry little signal, and their long posting lists are what
   * makes a query slow on a large catalog.
   */
  #query(terms: string[]): Query {
    const commonAbove = Math.max(RANKING.commonTermMinDocs, this.size * RANKING.commonTermFraction);
    const queries: Query[] = terms.map((term) => {
      const common = this.#longFieldTerms.count(term) > commonAbove;
      return {
        queries: [term],
        fields: common ? [...SHORT_FIELDS] : [...FIELDS],
        prefix: !common && term.length >= RANKING.prefixMinLength,
        fuzzy: !common && term.length >= RANKING.fuzzyMinLength ? 1 : false,
      };
    });
    return { combineWith: 'OR', queries };
  }

  /** Backends whose name the request contains as a word (or a prefix of at least 4 letters). */
  #mentionedBackends(terms: string[]): Set<string> {
    const mentioned = new Set<string>();
    for (const term of terms) {
      for (const [word, backends] of this.#backendWords.entries()) {
        if (word === term || (term.length >= 4 && word.startsWith(term)))
          for (const b of backends) mentioned.add(b);
      }
    }
    return mentioned;
  }

  #remove(backend: string, name: string): void {
    const id = documentId(backend, name);
    const tool = this.#byId.get(id);
    if (!tool) return;
    this.#byId.delete(id);
    this.#longFieldTerms.remove(longFieldTerms(toDocument(tool)));
    this.#search.discard(id);
  }
}

function longFieldTerms(doc: ToolDocument): string[] {
  return LONG_FIELDS.flatMap((field) => indexTerms(doc[field]));
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
