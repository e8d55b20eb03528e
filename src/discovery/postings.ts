import SearchableMap from 'minisearch/SearchableMap';

/** One term's occurrences in one field: parallel arrays of document slots and term frequencies. */
export interface FieldPostings {
  readonly entry: TermEntry;
  readonly field: number;
  readonly slots: number[];
  readonly tfs: number[];
}

/** An index term and its postings, one list per field that holds it. */
export interface TermEntry {
  readonly term: string;
  readonly fields: (FieldPostings | undefined)[];
  /** Number of (field, document) postings, to drop the term when it reaches zero. */
  count: number;
}

/**
 * The inverted index behind ToolIndex: terms in MiniSearch's radix tree (for exact, prefix and
 * fuzzy lookup), each with per-field posting lists over dense document slots, plus the field
 * lengths and document count that BM25+ needs. Documents are added and removed eagerly, so every
 * statistic is always current and a query never waits for a rebuild.
 */
export class Postings {
  /** Every term some live document holds. */
  readonly vocabulary = new SearchableMap<TermEntry>();
  /** Sum of each field's lengths over live documents. */
  readonly totals: Float64Array;
  /** Field lengths (distinct terms, as MiniSearch counts them) at `slot * fieldCount + field`. */
  lengths = new Float64Array(0);
  /** Number of live documents. */
  docCount = 0;
  /** Called whenever a term enters or leaves the vocabulary, so callers can drop term expansions. */
  onTermChange: (term: string) => void = () => {};
  readonly #held: (FieldPostings[] | undefined)[] = [];

  constructor(readonly fieldCount: number) {
    this.totals = new Float64Array(fieldCount);
  }

  /** Indexes a document's analysed terms, one array per field, under a free slot. */
  add(slot: number, fields: readonly string[][]): void {
    this.#ensure(slot + 1);
    const held: FieldPostings[] = [];
    fields.forEach((terms, field) => {
      const counts = new Map<string, number>();
      for (const term of terms) counts.set(term, (counts.get(term) ?? 0) + 1);
      this.lengths[slot * this.fieldCount + field] = counts.size;
      this.totals[field] = (this.totals[field] as number) + counts.size;
      for (const [term, tf] of counts) {
        const postings = this.#postings(term, field);
        postings.slots.push(slot);
        postings.tfs.push(tf);
        postings.entry.count++;
        held.push(postings);
      }
    });
    this.#held[slot] = held;
    this.docCount++;
  }

  /** Removes the document in a slot from every posting list that holds it. */
  remove(slot: number): void {
    const held = this.#held[slot];
    if (!held) return;
    for (const postings of held) {
      const { slots, tfs, entry, field } = postings;
      const at = slots.indexOf(slot);
      const last = slots.length - 1;
      slots[at] = slots[last] as number;
      tfs[at] = tfs[last] as number;
      slots.pop();
      tfs.pop();
      if (!slots.length) entry.fields[field] = undefined;
      if (--entry.count === 0) {
        this.vocabulary.delete(entry.term);
        this.onTermChange(entry.term);
      }
    }
    for (let field = 0; field < this.fieldCount; field++) {
      const at = slot * this.fieldCount + field;
      this.totals[field] = (this.totals[field] as number) - (this.lengths[at] as number);
      this.lengths[at] = 0;
    }
    this.#held[slot] = undefined;
    this.docCount--;
  }

  #postings(term: string, field: number): FieldPostings {
    let entry = this.vocabulary.get(term);
    if (!entry) {
      entry = { term, fields: new Array<FieldPostings | undefined>(this.fieldCount), count: 0 };
      this.vocabulary.set(term, entry);
      this.onTermChange(term);
    }
    let postings = entry.fields[field];
    if (!postings) entry.fields[field] = postings = { entry, field, slots: [], tfs: [] };
    return postings;
  }

  #ensure(slots: number): void {
    if (slots * this.fieldCount <= this.lengths.length) return;
    const grown = new Float64Array(Math.max(64, slots * 2) * this.fieldCount);
    grown.set(this.lengths);
    this.lengths = grown;
  }
}
