import { RANKING } from './ranking.js';
import { SYNONYMS, PHRASES } from './synonyms.js';

const STOP_WORDS = new Set(
  (
    'a an the and or of to in on at by for from with into onto as is are was were be been being it its ' +
    'this that these those there here i me my mine we us our you your he she they them their ' +
    'do does did can could would should will shall may might must please want need let lets ' +
    'what which who whom whose when where why how some any just also so then than too very ' +
    'about up via using use used if not no yes all every each'
  ).split(' '),
);

/** Splits text into lower-case words, breaking camelCase, snake_case, kebab-case and letter/digit runs. */
export function splitWords(text: string): string[] {
  if (!RANKING.splitIdentifiers) return text.toLowerCase().match(/[a-z0-9]+/g) ?? [];
  const spaced = text
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .replace(/([A-Za-z])(\d)/g, '$1 $2')
    .replace(/(\d)([A-Za-z])/g, '$1 $2');
  return spaced.toLowerCase().match(/[a-z0-9]+/g) ?? [];
}

const DOUBLE_CONSONANT = /([bdfgkmnprt])\1$/;

/** A light suffix stemmer (plurals, -ed, -ing, final e): only needs to be consistent, not linguistic. */
export function stem(word: string): string {
  if (word.length <= 3 || /\d/.test(word)) return word;
  let w = word;
  if (w.endsWith('ies') && w.length > 4) w = w.slice(0, -3) + 'y';
  else if (w.endsWith('sses')) w = w.slice(0, -2);
  else if (w.endsWith('s') && !/(ss|us|is)$/.test(w)) w = w.slice(0, -1);
  if (w.endsWith('ing') && w.length > 5) w = undouble(w.slice(0, -3));
  else if (w.endsWith('ed') && w.length > 4) w = undouble(w.slice(0, -2));
  if (w.endsWith('e') && w.length > 4) w = w.slice(0, -1);
  return w;
}

function undouble(w: string): string {
  return DOUBLE_CONSONANT.test(w) ? w.slice(0, -1) : w;
}

/** Index-side analysis: words, minus stop words, stemmed. */
export function indexTerms(text: string): string[] {
  const out: string[] = [];
  for (const word of splitWords(text)) {
    if (word.length > 1 && !STOP_WORDS.has(word) && !/^\d+$/.test(word)) out.push(stem(word));
  }
  return out;
}

/** One term of an analysed request: a word's own term, or a related term standing in for it. */
export interface QueryTerm {
  term: string;
  /** How much a match counts (1 for the request's own words). */
  weight: number;
  /** Index of the request word it stands for; terms come sorted by it. */
  group: number;
  /** Whether the request contained the term itself. */
  own: boolean;
}

/**
 * Query-side analysis: the index analysis plus phrase rewriting, then, per request word, the terms
 * of its synonym-table entries (at RANKING.expansionWeight).
 */
export function analyseQuery(request: string): QueryTerm[] {
  let text = request.toLowerCase();
  for (const [phrase, replacement] of PHRASES) text = text.replace(phrase, replacement);
  const words: { word: string; literal: boolean }[] = [];
  for (const { text: part, literal } of literals(text))
    for (const word of splitWords(part))
      if (word.length > 1 && !STOP_WORDS.has(word) && !/^\d+$/.test(word)) words.push({ word, literal });
  const byTerm = new Map<string, QueryTerm>();
  const out: QueryTerm[] = [];
  for (const { word, literal } of words) {
    const term = stem(word);
    const weight = literal ? RANKING.literalWeight : 1;
    const known = byTerm.get(term);
    if (known) {
      known.weight = Math.max(known.weight, weight);
      continue;
    }
    const own: QueryTerm = { term, weight, group: out.length, own: true };
    byTerm.set(term, own);
    out.push(own);
  }
  const groups = out.length;
  const weight = RANKING.expansionWeight;
  for (const { word, literal } of words) {
    if (literal || !RANKING.synonyms) continue;
    const group = (byTerm.get(stem(word)) as QueryTerm).group;
    for (const synonym of SYNONYMS.get(word) ?? []) {
      for (const term of indexTerms(synonym)) {
        const known = byTerm.get(term);
        if (known) {
          if (!known.own && known.weight < weight) known.weight = weight;
          continue;
        }
        const related: QueryTerm = { term, weight, group, own: false };
        byTerm.set(term, related);
        out.push(related);
      }
    }
  }
  if (out.length > groups) out.sort((a, b) => a.group - b.group);
  return out;
}

/**
 * The request split into quoted spans (literal values: a title, a message, a search string, which
 * say little about which tool is wanted) and the rest. A quote opens after a space or at the start,
 * so apostrophes inside words ("what's") are not quotes.
 */
function literals(text: string): { text: string; literal: boolean }[] {
  const out: { text: string; literal: boolean }[] = [];
  let last = 0;
  for (const m of text.matchAll(
    /(?<=^|[\s(:])(['"`\u2018\u201c])([^'"`\u2019\u201d]+?)['"`\u2019\u201d](?=$|[\s.,;:!?)])/g,
  )) {
    out.push({ text: text.slice(last, m.index), literal: false }, { text: m[2] ?? '', literal: true });
    last = m.index + m[0].length;
  }
  out.push({ text: text.slice(last), literal: false });
  return out;
}
