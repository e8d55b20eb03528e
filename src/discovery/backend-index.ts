import { Postings } from './postings.js';
import { RANKING } from './ranking.js';
import { Scorer } from './scorer.js';
import { TermExpander } from './term-expansion.js';
import { indexTerms, type QueryTerm } from './text.js';
import type { IndexedTool } from './types.js';

/**
 * One BM25+ document per backend: its name and its tools' names (one field), its tools' titles and
 * description summaries (another). A request is scored against these to tell which server it is
 * most likely about ("cabins near Lake Tahoe" fits a lodging server's vocabulary as a whole better
 * than any one tool's), and each tool's score is then weighed by its backend's relevance.
 */
export class BackendIndex {
  readonly #postings = new Postings(2);
  readonly #expander = new TermExpander(this.#postings);
  readonly #scorer = new Scorer(this.#postings, [RANKING.backendFields.names, RANKING.backendFields.text]);
  readonly #slots = new Map<string, number>();
  readonly #backends: (string | undefined)[] = [];
  readonly #free: number[] = [];

  /** Indexes (or re-indexes) a backend's document from its tools. */
  set(backend: string, tools: Iterable<IndexedTool>): void {
    this.remove(backend);
    const names = indexTerms(backend);
    const text: string[] = [];
    for (const tool of tools) {
      names.push(...indexTerms(tool.name));
      const summary = (tool.description ?? '').split(/\s+/, RANKING.summaryWords).join(' ');
      text.push(...indexTerms(`${tool.title ?? ''} ${summary}`));
    }
    const slot = this.#free.pop() ?? this.#backends.length;
    this.#postings.add(slot, [names, text]);
    this.#backends[slot] = backend;
    this.#slots.set(backend, slot);
  }

  /** Drops a backend's document. */
  remove(backend: string): void {
    const slot = this.#slots.get(backend);
    if (slot === undefined) return;
    this.#postings.remove(slot);
    this.#backends[slot] = undefined;
    this.#slots.delete(backend);
    this.#free.push(slot);
  }

  /** Each matching backend's score relative to the best-matching one, in (0, 1]. */
  relevance(terms: readonly QueryTerm[]): Map<string, number> {
    const scorer = this.#scorer;
    scorer.begin();
    let group = -1;
    for (const { term, weight, group: g, own } of terms) {
      if (g !== group) scorer.group(own ? weight : 1);
      group = g;
      scorer.add(this.#expander.expand(term), weight);
    }
    const out = new Map<string, number>();
    let best = 0;
    for (let i = 0; i < scorer.touchedCount; i++) {
      const slot = scorer.touched[i] as number;
      const score = scorer.take(slot);
      const backend = this.#backends[slot];
      if (backend === undefined) continue;
      out.set(backend, score);
      if (score > best) best = score;
    }
    if (best > 0) for (const [backend, score] of out) out.set(backend, score / best);
    return out;
  }
}
