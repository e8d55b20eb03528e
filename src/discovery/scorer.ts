import type { Postings, TermEntry } from './postings.js';
import { RANKING } from './ranking.js';
import type { Expansion } from './term-expansion.js';

/**
 * Accumulates one query's BM25+ scores over typed arrays indexed by document slot, with no
 * allocation per posting. The arithmetic is MiniSearch's (BM25+ per field, weighted by field
 * boost and by the expansion's weight, summed over terms), computed from current statistics on
 * every query, so nothing needs recomputing when the catalog changes.
 */
export class Scorer {
  #sum = new Float64Array(0);
  #matched = new Float64Array(0);
  #groupWeight = 1;
  /** Stamp of the last request word whose terms reached each slot, to count distinct words matched. */
  #seen = new Uint32Array(0);
  #stamp = 0;
  /** Slots the current query reached, in the order first reached: the first `touchedCount`. */
  touched = new Int32Array(0);
  /** Number of slots the current query reached. */
  touchedCount = 0;

  constructor(
    private readonly postings: Postings,
    private readonly boosts: readonly number[],
  ) {}

  /** Starts a query: forgets the previous one's touched slots. */
  begin(): void {
    this.touchedCount = 0;
    const capacity = this.postings.lengths.length / this.postings.fieldCount;
    if (capacity > this.#sum.length) {
      this.touched = new Int32Array(capacity);
      this.#sum = new Float64Array(capacity);
      this.#matched = new Float64Array(capacity);
      this.#seen = new Uint32Array(capacity);
      this.#stamp = 0;
    }
  }

  /**
   * Starts the terms of the next request word: a document matching any of them counts `weight` more
   * request words matched (less than 1 for a word that says little about the task).
   */
  group(weight = 1): void {
    this.#groupWeight = weight;
    if (++this.#stamp === 0xffffffff) {
      this.#seen.fill(0);
      this.#stamp = 1;
    }
  }

  /** Adds one query term's contribution, scaled by `weight`, to every document its expansion reaches. */
  add(expansion: Expansion, weight: number): void {
    const stamp = this.#stamp;
    const groupWeight = this.#groupWeight;
    const { docCount, fieldCount, lengths, totals } = this.postings;
    const { k, b, d } = RANKING.bm25;
    const sum = this.#sum;
    const matched = this.#matched;
    const seen = this.#seen;
    const touched = this.touched;
    let count = this.touchedCount;
    const { entries, weights } = expansion;
    for (let e = 0; e < entries.length; e++) {
      const entry = entries[e] as TermEntry;
      const termWeight = weight * (weights[e] as number);
      for (let field = 0; field < fieldCount; field++) {
        const postings = entry.fields[field];
        if (!postings) continue;
        const { slots, tfs } = postings;
        const df = slots.length;
        const idf = Math.log(1 + (docCount - df + 0.5) / (df + 0.5));
        const scale = termWeight * (this.boosts[field] as number) * idf;
        const base = k * (1 - b);
        const perLength = (k * b * docCount) / (totals[field] as number);
        for (let i = 0; i < df; i++) {
          const slot = slots[i] as number;
          const tf = tfs[i] as number;
          const norm = base + perLength * (lengths[slot * fieldCount + field] as number);
          if (seen[slot] !== stamp) {
            seen[slot] = stamp;
            if (matched[slot] === 0) touched[count++] = slot;
            matched[slot] = (matched[slot] as number) + groupWeight;
          }
          sum[slot] = (sum[slot] as number) + scale * (d + (tf * (k + 1)) / (tf + norm));
        }
      }
    }
    this.touchedCount = count;
  }

  /** A touched slot's final score (its sum times the number of request words it matched); resets the slot. */
  take(slot: number): number {
    const score = (this.#sum[slot] as number) * (this.#matched[slot] as number);
    this.#sum[slot] = 0;
    this.#matched[slot] = 0;
    return score;
  }
}
