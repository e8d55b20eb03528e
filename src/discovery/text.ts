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

/** Query terms after analysis; `expansions` are the synonym terms the request did not contain itself. */
export interface AnalysedQuery {
  terms: string[];
  expansions: Set<string>;
}

/** Query-side analysis: the index analysis plus phrase rewriting and synonym expansion. */
export function analyseQuery(request: string): AnalysedQuery {
  let text = request.toLowerCase();
  for (const [phrase, replacement] of PHRASES) text = text.replace(phrase, replacement);
  const own = indexTerms(text);
  const seen = new Set(own);
  const expansions = new Set<string>();
  for (const word of splitWords(text)) {
    for (const synonym of SYNONYMS.get(word) ?? []) {
      for (const term of indexTerms(synonym)) {
        if (!seen.has(term)) expansions.add(term);
      }
    }
  }
  const terms = [...new Set(own)];
  return { terms: [...terms, ...expansions], expansions };
}
