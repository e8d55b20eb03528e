/**
 * Counts, per term, the documents (or keys) that contain it; each document counts once per term.
 * With a key, it also remembers which keys hold each term.
 */
export class TermCounts<K = never> {
  readonly #counts = new Map<string, number>();
  readonly #keys = new Map<string, Set<K>>();

  /** Counts one more document holding `terms`. */
  add(terms: Iterable<string>, key?: K): void {
    for (const term of new Set(terms)) {
      this.#counts.set(term, (this.#counts.get(term) ?? 0) + 1);
      if (key !== undefined) this.#keysOf(term).add(key);
    }
  }

  /** Forgets one document holding `terms`. */
  remove(terms: Iterable<string>, key?: K): void {
    for (const term of new Set(terms)) {
      const left = (this.#counts.get(term) ?? 0) - 1;
      if (left > 0) this.#counts.set(term, left);
      else this.#counts.delete(term);
      if (key === undefined) continue;
      const keys = this.#keys.get(term);
      keys?.delete(key);
      if (keys && !keys.size) this.#keys.delete(term);
    }
  }

  /** How many documents hold `term`. */
  count(term: string): number {
    return this.#counts.get(term) ?? 0;
  }

  /** Each term with the keys that hold it. */
  entries(): IterableIterator<[string, Set<K>]> {
    return this.#keys.entries();
  }

  #keysOf(term: string): Set<K> {
    let keys = this.#keys.get(term);
    if (!keys) this.#keys.set(term, (keys = new Set()));
    return keys;
  }
}
