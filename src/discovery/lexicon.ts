import { FORMS, NEIGHBOURS, WORDNET } from './lexicon-data.js';
import { RANKING } from './ranking.js';

/** One related word and how strongly it stands for the original (0..1). */
export interface Related {
  word: string;
  weight: number;
}

/**
 * A word → weighted related words table in the generated text format (`word other:pct …` lines),
 * split into a map on first use and parsed one entry at a time as queries need them.
 */
class RelationTable {
  #lines?: Map<string, string>;
  readonly #parsed = new Map<string, Related[]>();

  constructor(private readonly text: string) {}

  has(word: string): boolean {
    return this.#map().has(word);
  }

  get(word: string): Related[] {
    let related = this.#parsed.get(word);
    if (related) return related;
    const line = this.#map().get(word);
    related = line
      ? line.split(' ').map((pair) => {
          const at = pair.lastIndexOf(':');
          return { word: pair.slice(0, at), weight: Number(pair.slice(at + 1)) / 100 };
        })
      : [];
    this.#parsed.set(word, related);
    return related;
  }

  #map(): Map<string, string> {
    if (this.#lines) return this.#lines;
    this.#lines = new Map();
    for (const line of this.text.split('\n')) {
      const space = line.indexOf(' ');
      if (space > 0) this.#lines.set(line.slice(0, space), line.slice(space + 1));
    }
    return this.#lines;
  }
}

const wordnet = new RelationTable(WORDNET);
const neighbours = new RelationTable(NEIGHBOURS);
const forms = new RelationTable(FORMS.replace(/^(\S+) (\S+)$/gm, '$1 $2:100'));

/** Related words from WordNet (relation- and sense-weighted). */
export function wordnetRelated(word: string): Related[] {
  return wordnet.get(lemma(word));
}

/** Nearest words by word-vector cosine. */
export function vectorNeighbours(word: string): Related[] {
  return neighbours.has(word) ? neighbours.get(word) : neighbours.get(lemma(word));
}

/**
 * The dictionary form of a word as the lexicon lists it: irregular forms from WordNet's exception
 * lists (ran → run), else the first regular de-inflection the lexicon knows (deleted → delete).
 */
export function lemma(word: string): string {
  if (RANKING.lemmas === 'off') return word;
  const irregular = forms.get(word)[0];
  if (irregular) return irregular.word;
  if (RANKING.lemmas === 'irregular') return word;
  if (wordnet.has(word)) return word;
  for (const candidate of deinflections(word)) if (wordnet.has(candidate)) return candidate;
  return word;
}

function deinflections(w: string): string[] {
  const out: string[] = [];
  if (w.endsWith('ies')) out.push(`${w.slice(0, -3)}y`);
  if (w.endsWith('es')) out.push(w.slice(0, -2));
  if (w.endsWith('s')) out.push(w.slice(0, -1));
  for (const suffix of ['ed', 'ing']) {
    if (!w.endsWith(suffix)) continue;
    const base = w.slice(0, -suffix.length);
    out.push(base, `${base}e`);
    if (/([bdfgklmnprt])\1$/.test(base)) out.push(base.slice(0, -1));
  }
  return out;
}
