import type { Postings, TermEntry } from './postings.js';
import { RANKING } from './ranking.js';

/** The index terms one query term stands for, with the weight each contributes (MiniSearch's rules). */
export interface Expansion {
  readonly entries: TermEntry[];
  readonly weights: number[];
}

/** Bound of the expansion cache, in query terms; past it the cache starts over. */
const MAX_CACHED = 20_000;

/**
 * Expands query terms to index terms: the exact term, longer terms it is a prefix of, and, for a
 * term no tool holds, terms one edit away (likely a typo). Expansions are cached, and a term
 * entering or leaving the vocabulary drops only the expansions it could change (its prefixes, and
 * fuzzy expansions within one edit of it), so a catalog change leaves nearly all of them warm.
 * Scores are not cached at all: they are computed from current statistics on every query.
 */
export class TermExpander {
  readonly #cache = new Map<string, Expansion>();
  /** Cached query terms expanded by fuzzy matching (or eligible for it and matching nothing). */
  readonly #fuzzy = new Set<string>();

  constructor(private readonly postings: Postings) {
    postings.onTermChange = (term) => this.#invalidate(term);
  }

  /** The expansion of one query term. */
  expand(term: string): Expansion {
    let expansion = this.#cache.get(term);
    if (expansion) return expansion;
    if (this.#cache.size >= MAX_CACHED) {
      this.#cache.clear();
      this.#fuzzy.clear();
    }
    this.#cache.set(term, (expansion = this.#compute(term)));
    return expansion;
  }

  #invalidate(changed: string): void {
    if (!this.#cache.size) return;
    for (let end = 1; end <= changed.length; end++) this.#forget(changed.slice(0, end));
    for (const term of this.#fuzzy) if (withinOneEdit(term, changed)) this.#forget(term);
  }

  #forget(term: string): void {
    if (this.#cache.delete(term)) this.#fuzzy.delete(term);
  }

  #compute(term: string): Expansion {
    const { vocabulary } = this.postings;
    const entries: TermEntry[] = [];
    const weights: number[] = [];
    const exact = vocabulary.get(term);
    if (exact) {
      entries.push(exact);
      weights.push(1);
    }
    if (term.length >= RANKING.prefixMinLength) {
      for (const [key, entry] of vocabulary.atPrefix(term)) {
        const distance = key.length - term.length;
        if (!distance) continue;
        entries.push(entry);
        weights.push((RANKING.weights.prefix * key.length) / (key.length + 0.3 * distance));
      }
    }
    if (!entries.length && term.length >= RANKING.fuzzyMinLength) {
      this.#fuzzy.add(term);
      for (const [key, [entry, distance]] of vocabulary.fuzzyGet(term, 1)) {
        if (!distance) continue;
        entries.push(entry);
        weights.push((RANKING.weights.fuzzy * key.length) / (key.length + distance));
      }
    }
    return { entries, weights };
  }
}

/** Whether two words are at most one insertion, deletion or substitution apart. */
export function withinOneEdit(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 1) return false;
  const [short, long] = a.length <= b.length ? [a, b] : [b, a];
  let i = 0;
  while (i < short.length && short.charCodeAt(i) === long.charCodeAt(i)) i++;
  const skip = short.length === long.length ? 1 : 0;
  return short.slice(i + skip) === long.slice(i + 1);
}
