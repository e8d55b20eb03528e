/** One query term's BM25+ contribution to every tool it matches (tools by slot number). */
export interface TermScores {
  slots: Int32Array;
  scores: Float64Array;
}

/**
 * Least-recently-used cache of per-term scores, bounded by the total number of entries. Scores
 * depend on corpus-wide statistics, so the owner clears it whenever the index changes.
 */
export class TermScoreCache {
  readonly #entries = new Map<string, TermScores>();
  #size = 0;

  constructor(readonly maxEntries: number) {}

  /** The cached scores of a term, marking it recently used. */
  get(term: string): TermScores | undefined {
    const hit = this.#entries.get(term);
    if (hit) {
      this.#entries.delete(term);
      this.#entries.set(term, hit);
    }
    return hit;
  }

  /** Caches a term's scores, evicting the least recently used terms beyond the bound. */
  set(term: string, value: TermScores): void {
    if (value.slots.length > this.maxEntries) return;
    this.#entries.set(term, value);
    this.#size += value.slots.length;
    for (const [oldest, old] of this.#entries) {
      if (this.#size <= this.maxEntries) break;
      this.#entries.delete(oldest);
      this.#size -= old.slots.length;
    }
  }

  /** Forgets everything. */
  clear(): void {
    this.#entries.clear();
    this.#size = 0;
  }
}
