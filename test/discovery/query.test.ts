import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ToolIndex, type IndexedTool } from '../../src/discovery/index.js';
import { RANKING } from '../../src/discovery/ranking.js';
import { analyseQuery } from '../../src/discovery/text.js';

const tool = (backend: string, name: string, description: string): IndexedTool => ({
  backend,
  name,
  description,
});
const rank = (index: ToolIndex, request: string): string[] =>
  index.search(request, { limit: 10 }).map((h) => `${h.backend}__${h.name}`);

describe('analyseQuery', () => {
  it('groups related terms under the request word they stand for', () => {
    const terms = analyseQuery('remove the folder');
    const own = terms.filter((t) => t.own).map((t) => t.term);
    assert.deepEqual(own, ['remov', 'folder']);
    const removeGroup = terms.filter((t) => t.group === 0 && !t.own).map((t) => t.term);
    assert.ok(removeGroup.includes('delet'), 'synonym table: remove → delete');
    assert.deepEqual(
      terms.map((t) => t.group),
      [...terms.map((t) => t.group)].sort((a, b) => a - b),
    );
  });

  it('weighs quoted spans as literal values, without expansions', () => {
    const terms = analyseQuery("create a task 'Delete old photos' in what's next");
    const byTerm = new Map(terms.map((t) => [t.term, t]));
    assert.equal(byTerm.get('photo')?.weight, RANKING.literalWeight);
    assert.equal(byTerm.get('creat')?.weight, 1);
    assert.ok(!terms.some((t) => t.term === 'image'), 'no expansion of a quoted word');
    assert.ok(!terms.some((t) => t.term === 'next' && t.weight < 1), 'an apostrophe is not a quote');
  });
});

describe('ToolIndex ranking signals', () => {
  it("weighs a tool by how well its backend's whole catalog fits the request", () => {
    const index = new ToolIndex();
    index.setBackendTools('stays', [
      tool('stays', 'search', 'Search with filters and pagination'),
      tool('stays', 'listing_details', 'Details of a rental listing: amenities, rules, location'),
    ]);
    index.setBackendTools('papers', [
      tool('papers', 'search', 'Search with filters and pagination'),
      tool('papers', 'fetch_article', 'Fetch an article abstract'),
    ]);
    const ranked = rank(index, 'search rental listings');
    assert.ok(ranked.indexOf('stays__search') < ranked.indexOf('papers__search'), ranked.join(' '));
  });
});
