import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import MiniSearch from 'minisearch';
import { ToolIndex } from '../../src/discovery/index.js';
import { FIELDS, documentId, toDocument, type ToolDocument } from '../../src/discovery/document.js';
import { RANKING } from '../../src/discovery/ranking.js';
import { analyseQuery, indexTerms, type QueryTerm } from '../../src/discovery/text.js';
import type { IndexedTool } from '../../src/discovery/types.js';
import { buildIndex, loadCatalogs, loadRequests } from './eval-set.js';

/**
 * The reference ranking: MiniSearch's own BM25+ search per query term, weighted and summed as ToolIndex
 * sums them, times the number of request words matched.
 */
function referenceScores(tools: IndexedTool[]): (request: string) => Map<string, number> {
  const search = new MiniSearch<ToolDocument>({
    fields: [...FIELDS],
    idField: 'id',
    tokenize: (text) => indexTerms(text),
    processTerm: (term) => term,
  });
  search.addAll(tools.map(toDocument));
  const backendOf = new Map(tools.map((t) => [documentId(t.backend, t.name), t.backend]));
  const backendWords = new Set(tools.flatMap((t) => indexTerms(t.backend).map((w) => `${t.backend} ${w}`)));
  const relevance = backendRelevance(tools);
  return (request) => {
    const terms = analyseQuery(request);
    const scores = bm25(search, terms);
    const own = terms.filter((t) => t.own).map((t) => t.term);
    const named = (backend: string) =>
      [...backendWords].some((bw) => {
        const [b, word = ''] = bw.split(' ');
        return b === backend && own.some((t) => t === word || (t.length >= 4 && word.startsWith(t)));
      });
    const backends = relevance(terms);
    const w = RANKING.backendWeight;
    const out = new Map<string, number>();
    for (const [id, score] of scores) {
      const backend = backendOf.get(id) ?? '';
      const mention = named(backend) ? RANKING.mentionBoost : 1;
      out.set(id, score * mention * (1 - w + w * (backends.get(backend) ?? 0)));
    }
    return out;
  };
}

/** The reference backend relevance: MiniSearch over one document per backend, relative to the best. */
function backendRelevance(tools: IndexedTool[]): (terms: QueryTerm[]) => Map<string, number> {
  const search = new MiniSearch<{ id: string; names: string; text: string }>({
    fields: ['names', 'text'],
    tokenize: (text) => indexTerms(text),
    processTerm: (term) => term,
  });
  const docs = new Map<string, { id: string; names: string; text: string }>();
  for (const t of tools) {
    const doc = docs.get(t.backend) ?? { id: t.backend, names: t.backend, text: '' };
    doc.names += ` ${t.name}`;
    doc.text += ` ${t.title ?? ''} ${(t.description ?? '').split(/\s+/, RANKING.summaryWords).join(' ')}`;
    docs.set(t.backend, doc);
  }
  search.addAll([...docs.values()]);
  return (terms) => {
    const scores = bm25(search, terms, {
      names: RANKING.backendFields.names,
      text: RANKING.backendFields.text,
    });
    const best = Math.max(...scores.values());
    return new Map([...scores].map(([b, s]) => [b, s / best]));
  };
}

/** MiniSearch's BM25+ per query term, weighted and summed, times the weighted number of request words matched. */
function bm25<T>(search: MiniSearch<T>, terms: QueryTerm[], boost = RANKING.boost): Map<string, number> {
  const sum = new Map<string, number>();
  const matched = new Map<string, Map<number, number>>();
  for (const { term, weight, group, own } of terms) {
    const options = {
      tokenize: (text: string) => [text],
      processTerm: (t: string) => t,
      boost,
      weights: RANKING.weights,
      bm25: RANKING.bm25,
      prefix: term.length >= RANKING.prefixMinLength,
    };
    let results = search.search(term, options);
    if (!results.length && term.length >= RANKING.fuzzyMinLength)
      results = search.search(term, { ...options, fuzzy: 1 });
    for (const r of results) {
      const id = r.id as string;
      sum.set(id, (sum.get(id) ?? 0) + weight * r.score);
      const groups = matched.get(id) ?? new Map<number, number>();
      if (own || !groups.has(group)) groups.set(group, own ? weight : (groups.get(group) ?? 1));
      matched.set(id, groups);
    }
  }
  const out = new Map<string, number>();
  for (const [id, s] of sum)
    out.set(id, s * [...(matched.get(id)?.values() ?? [])].reduce((a, b) => a + b, 0));
  return out;
}

describe('ToolIndex scoring', () => {
  it("matches MiniSearch's own BM25+ scores on the evaluation set", () => {
    const catalogs = loadCatalogs();
    const tools = catalogs.flatMap((c) => c.tools.map((t) => ({ ...t, backend: c.server })));
    const reference = referenceScores(tools);
    const index = buildIndex(catalogs);
    for (const { request } of loadRequests()) {
      const expected = reference(request);
      for (const hit of index.search(request, { limit: 10 })) {
        const score = expected.get(documentId(hit.backend, hit.name));
        assert.ok(score !== undefined, `${request}: ${hit.name} not scored by MiniSearch`);
        assert.ok(
          Math.abs(score - hit.score) <= 1e-9 * score,
          `${request}: ${hit.name} ${hit.score} ≠ ${score}`,
        );
      }
      const best = Math.max(...expected.values());
      assert.ok(Math.abs((index.search(request, { limit: 1 })[0]?.score ?? 0) - best) <= 1e-9 * best);
    }
  });
});

describe('ToolIndex term expansions', () => {
  it('follow the vocabulary: cached prefix and typo expansions see terms added and removed later', () => {
    const index = new ToolIndex();
    const tool = (name: string, description: string): IndexedTool => ({ backend: 'b', name, description });
    index.setBackendTools('b', [tool('ping', 'Check that the server answers')]);
    assert.deepEqual(index.search('diretory listing'), []);
    assert.deepEqual(index.search('direc'), []);
    index.setBackendTools('b', [
      tool('ping', 'Check that the server answers'),
      tool('list_directory', 'List a directory'),
    ]);
    assert.equal(index.search('diretory')[0]?.name, 'list_directory');
    assert.equal(index.search('direc')[0]?.name, 'list_directory');
    index.setBackendTools('b', [tool('ping', 'Check that the server answers')]);
    assert.deepEqual(index.search('diretory'), []);
    assert.deepEqual(index.search('direc'), []);
    index.setBackendTools('b', [tool('ping', 'Check that the server answers'), tool('dirs', 'Directories')]);
    assert.equal(index.search('diretory')[0]?.name, 'dirs');
  });
});
