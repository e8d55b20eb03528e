import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isConfident, ToolIndex, type DiscoveryHit, type IndexedTool } from '../../src/discovery/index.js';
import { splitWords, stem } from '../../src/discovery/text.js';
import { blindSplit, buildIndex, evaluate, loadCatalogs, loadRequests } from './eval-set.js';

const tool = (backend: string, name: string, description = ''): IndexedTool => ({
  backend,
  name,
  description,
});
const names = (hits: DiscoveryHit[]): string[] => hits.map((h) => `${h.backend}__${h.name}`);

function sampleIndex(): ToolIndex {
  const index = new ToolIndex();
  index.setBackendTools('github', [
    tool('github', 'create_issue', 'Create a new issue in a GitHub repository'),
    tool('github', 'get_pull_request_files', 'Get the list of files changed in a pull request'),
    tool('github', 'search_code', 'Search for code across GitHub repositories'),
  ]);
  index.setBackendTools('files', [
    tool('files', 'readTextFile', 'Read the complete contents of a file as text'),
    tool('files', 'list-directory', 'List the files and folders in a directory'),
  ]);
  return index;
}

describe('splitWords', () => {
  it('splits camelCase, snake_case, kebab-case and digit runs', () => {
    assert.deepEqual(splitWords('getPullRequest'), ['get', 'pull', 'request']);
    assert.deepEqual(splitWords('list_directory_with_sizes'), ['list', 'directory', 'with', 'sizes']);
    assert.deepEqual(splitWords('API-post-search'), ['api', 'post', 'search']);
    assert.deepEqual(splitWords('HTTPServer2Go'), ['http', 'server', '2', 'go']);
    assert.deepEqual(splitWords('base64Encode v2'), ['base', '64', 'encode', 'v', '2']);
  });

  it('stems plurals and verb forms to the same term', () => {
    assert.equal(stem('files'), stem('file'));
    assert.equal(stem('entities'), stem('entity'));
    assert.equal(stem('created'), stem('create'));
    assert.equal(stem('running'), stem('run'));
    assert.equal(stem('status'), 'status');
  });
});

describe('ToolIndex', () => {
  it('finds tools by the words of their names, descriptions and parameters', () => {
    const index = sampleIndex();
    index.setBackendTools('maps', [
      {
        backend: 'maps',
        name: 'lookup',
        description: 'Look something up',
        inputSchema: {
          type: 'object',
          properties: { latitude: { type: 'number', description: 'Degrees north' } },
        },
      },
    ]);
    assert.equal(
      names(index.search('which files changed in the pull request'))[0],
      'github__get_pull_request_files',
    );
    assert.equal(names(index.search('read a text file'))[0], 'files__readTextFile');
    assert.equal(names(index.search('degrees latitude'))[0], 'maps__lookup');
    assert.equal(index.size, 6);
  });

  it('expands synonyms and tolerates a typo', () => {
    const index = sampleIndex();
    assert.equal(names(index.search('show me what is in this folder'))[0], 'files__list-directory');
    assert.equal(names(index.search('open a ticket about the crash'))[0], 'github__create_issue');
    assert.equal(names(index.search('diretory listing'))[0], 'files__list-directory');
  });

  it('replaces one backend incrementally and leaves the others alone', () => {
    const index = sampleIndex();
    index.setBackendTools('github', [
      tool('github', 'create_issue', 'Create a new issue in a GitHub repository'),
      tool('github', 'search_code', 'Find source code snippets by keyword'),
      tool('github', 'merge_pull_request', 'Merge a pull request'),
    ]);
    assert.equal(index.size, 5);
    assert.deepEqual(
      names(index.search('pull request files', { backend: 'github' })).includes(
        'github__get_pull_request_files',
      ),
      false,
    );
    assert.equal(names(index.search('merge the pull request'))[0], 'github__merge_pull_request');
    assert.equal(names(index.search('source code snippets'))[0], 'github__search_code');
    assert.equal(names(index.search('read a text file'))[0], 'files__readTextFile');
  });

  it('gives the same ranking after an unchanged update, and forgets a removed backend', () => {
    const index = sampleIndex();
    const before = index.search('search code in repositories');
    index.setBackendTools('files', [
      tool('files', 'readTextFile', 'Read the complete contents of a file as text'),
      tool('files', 'list-directory', 'List the files and folders in a directory'),
    ]);
    assert.deepEqual(index.search('search code in repositories'), before);
    index.removeBackend('github');
    assert.equal(index.size, 2);
    assert.deepEqual(
      index.search('create an issue').filter((h) => h.backend === 'github'),
      [],
    );
    index.setBackendTools('files', []);
    assert.equal(index.size, 0);
    assert.deepEqual(index.search('read a file'), []);
  });

  it('filters by backend and honours the limit', () => {
    const index = sampleIndex();
    const onlyFiles = index.search('files', { backend: 'files', limit: 10 });
    assert.ok(onlyFiles.length > 0);
    assert.ok(onlyFiles.every((h) => h.backend === 'files'));
    assert.equal(index.search('files', { limit: 1 }).length, 1);
    assert.deepEqual(index.search('files', { limit: 0 }), []);
    assert.deepEqual(index.search('the of and'), []);
    assert.deepEqual(index.search('files', { backend: 'nope' }), []);
  });

  it('ranks best first and returns only the documented fields', () => {
    const index = new ToolIndex();
    const rich = { ...tool('a', 'echo', 'Echo the message back'), annotations: { readOnlyHint: true } };
    index.setBackendTools('a', [rich]);
    const [hit] = index.search('echo a message');
    assert.deepEqual(Object.keys(hit ?? {}).sort(), ['backend', 'description', 'name', 'score']);
    const hits = sampleIndex().search('files', { limit: 10 });
    assert.deepEqual(
      hits.map((h) => h.score),
      [...hits.map((h) => h.score)].sort((a, b) => b - a),
    );
  });

  it('boosts the tools of a backend the request names', () => {
    const index = new ToolIndex();
    index.setBackendTools('gitlab', [tool('gitlab', 'create_issue', 'Create a new issue in a project')]);
    index.setBackendTools('github', [tool('github', 'create_issue', 'Create a new issue in a repository')]);
    assert.equal(names(index.search('create an issue on gitlab'))[0], 'gitlab__create_issue');
    assert.equal(names(index.search('create an issue on github'))[0], 'github__create_issue');
  });
});

describe('isConfident', () => {
  const hit = (score: number): DiscoveryHit => ({ name: 't', backend: 'b', score });
  it('is true only when the top hit is clearly ahead', () => {
    assert.equal(isConfident([]), false);
    assert.equal(isConfident([hit(0)]), false);
    assert.equal(isConfident([hit(3)]), true);
    assert.equal(isConfident([hit(10), hit(9)]), false);
    assert.equal(isConfident([hit(10), hit(2)]), true);
  });
});

describe('tune split (regression guard; in-sample: the ranker was developed against it)', () => {
  const catalogs = loadCatalogs();
  const requests = loadRequests();
  const metrics = evaluate(buildIndex(catalogs), requests);

  it('is the real thing: at least 8 servers, several hundred tools, 150 labelled requests', () => {
    assert.ok(catalogs.length >= 8);
    assert.ok(catalogs.reduce((n, c) => n + c.tools.length, 0) >= 200);
    assert.ok(requests.length >= 150);
    const known = new Set(catalogs.flatMap((c) => c.tools.map((t) => `${c.server}__${t.name}`)));
    for (const r of requests)
      for (const label of [r.expected].flat()) assert.ok(known.has(label), `unknown label ${label}`);
  });

  it('keeps the tune split at recall@1 >= 0.80 and recall@5 >= 0.93 (measured 0.813 / 0.948)', () => {
    assert.ok(metrics.recallAt1 >= 0.8, `recall@1 ${metrics.recallAt1}`);
    assert.ok(metrics.recallAt5 >= 0.93, `recall@5 ${metrics.recallAt5}`);
  });
});

describe('blind test split (held out: other servers, tasks written blind, never used for tuning)', () => {
  const { catalogs, requests } = blindSplit('test');
  const metrics = evaluate(buildIndex(catalogs), requests);

  it('is the real thing: at least 15 servers and 200 labelled tasks, every label a captured tool', () => {
    assert.ok(catalogs.length >= 15);
    assert.ok(requests.length >= 200);
    const known = new Set(catalogs.flatMap((c) => c.tools.map((t) => `${c.server}__${t.name}`)));
    for (const r of requests)
      for (const label of [r.expected].flat()) assert.ok(known.has(label), `unknown label ${label}`);
  });

  it('keeps recall@1 >= 0.39 and recall@5 >= 0.63 (measured 0.419 / 0.664; the goal is 0.60 / 0.85)', () => {
    assert.ok(metrics.recallAt1 >= 0.39, `recall@1 ${metrics.recallAt1}`);
    assert.ok(metrics.recallAt5 >= 0.63, `recall@5 ${metrics.recallAt5}`);
  });
});
