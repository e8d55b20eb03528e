// The discovery evaluation sets (real catalogs + labelled requests) and their metrics; shared by
// scripts/eval-discovery.ts and the regression tests. `fixtures/` is the tune split (the ranker was
// developed against it); `fixtures-test/` is the held-out split: other servers, tasks written blind.
// `fixtures-blind2/` is a second held-out set, built later by someone who never saw the ranker: other
// servers again, tasks written from each package's npm summary (tasks.unlabelled.json) before its
// catalog was captured. Never tune on it.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DiscoveryHit, IndexedTool } from '../../src/discovery/index.js';
import { ToolIndex } from '../../src/discovery/index.js';
import { mulberry32 } from '../helpers/random.js';

export const FIXTURES_DIR = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
export const TEST_FIXTURES_DIR = join(dirname(fileURLToPath(import.meta.url)), 'fixtures-test');
export const BLIND2_FIXTURES_DIR = join(dirname(fileURLToPath(import.meta.url)), 'fixtures-blind2');

export interface Catalog {
  server: string;
  package: string;
  version: string;
  instructions?: string;
  tools: IndexedTool[];
}

export interface LabelledRequest {
  request: string;
  /** `<backend>__<tool>`, or several when each is equally right. */
  expected: string | string[];
}

/**
 * The blind set's servers, sorted by name, split by a rule fixed before any tuning: every third
 * (from the first) is a dev server whose tasks may guide tuning, the other 16 are the test split,
 * never looked at while tuning.
 */
export function blindSplit(split: 'dev' | 'test'): { catalogs: Catalog[]; requests: LabelledRequest[] } {
  const all = loadCatalogs(TEST_FIXTURES_DIR);
  const inSplit = (i: number) => (i % 3 === 0) === (split === 'dev');
  const catalogs = all.filter((_, i) => inSplit(i));
  const servers = new Set(catalogs.map((c) => c.server));
  const requests = loadRequests(TEST_FIXTURES_DIR).filter((r) =>
    [r.expected].flat().every((label) => servers.has(label.slice(0, label.indexOf('__')))),
  );
  return { catalogs, requests };
}

/** A request as stored: labelled, or dropped with the reason (no tool fits, server not captured). */
interface StoredRequest {
  request: string;
  expected?: string | string[];
  dropped?: string;
}

/** Whether a `<backend>__<tool>` name answers a request. */
export function accepts(r: LabelledRequest, name: string): boolean {
  return Array.isArray(r.expected) ? r.expected.includes(name) : r.expected === name;
}

export interface Metrics {
  requests: number;
  recallAt1: number;
  recallAt5: number;
  mrr: number;
  misses: { request: string; expected: string | string[]; got: string[]; rank: number }[];
}

export function loadCatalogs(dir = FIXTURES_DIR): Catalog[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json') && f !== 'requests.json' && !f.startsWith('tasks.'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Catalog);
}

/** The labelled requests of a split; dropped ones are left out. */
export function loadRequests(dir = FIXTURES_DIR): LabelledRequest[] {
  const stored = JSON.parse(readFileSync(join(dir, 'requests.json'), 'utf8')) as StoredRequest[];
  return stored.flatMap((r) =>
    r.expected && !r.dropped ? [{ request: r.request, expected: r.expected }] : [],
  );
}

/** How many requests of a split were dropped. */
export function countDropped(dir: string): number {
  const stored = JSON.parse(readFileSync(join(dir, 'requests.json'), 'utf8')) as StoredRequest[];
  return stored.filter((r) => r.dropped).length;
}

export function buildIndex(catalogs: Catalog[]): ToolIndex {
  const index = new ToolIndex();
  for (const c of catalogs)
    index.setBackendTools(
      c.server,
      c.tools.map((t) => ({ ...t, backend: c.server })),
    );
  return index;
}

export const qualified = (hit: DiscoveryHit): string => `${hit.backend}__${hit.name}`;

/** Anything that ranks tools for a request: the ToolIndex, or a baseline. */
export interface Ranker {
  search(request: string, opts: { limit: number }): DiscoveryHit[];
}

/** recall@1, recall@5 and MRR (over the top 10) of a ranker on the labelled requests. */
export function evaluate(index: Ranker, requests: LabelledRequest[]): Metrics {
  let at1 = 0;
  let at5 = 0;
  let rr = 0;
  const misses: Metrics['misses'] = [];
  for (const r of requests) {
    const { request, expected } = r;
    const got = index.search(request, { limit: 10 }).map(qualified);
    const rank = got.findIndex((name) => accepts(r, name)) + 1;
    if (rank === 1) at1++;
    if (rank >= 1 && rank <= 5) at5++;
    if (rank >= 1) rr += 1 / rank;
    if (rank !== 1) misses.push({ request, expected, got: got.slice(0, 3), rank });
  }
  const n = requests.length;
  return { requests: n, recallAt1: at1 / n, recallAt5: at5 / n, mrr: rr / n, misses };
}

/**
 * A deterministic catalog of `size` tools: the real tools copied onto many fake backends, each copy
 * with some description words swapped for words from the catalog's vocabulary or made-up words, and
 * a varied name, so term statistics look like a large, partly redundant real deployment.
 */
export function syntheticCatalog(catalogs: Catalog[], size: number): Map<string, IndexedTool[]> {
  const random = mulberry32(42);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const real = catalogs.flatMap((c) => c.tools.map((t) => ({ ...t, backend: c.server })));
  const vocabulary = [
    ...new Set(real.flatMap((t) => (t.description ?? '').toLowerCase().match(/[a-z]{3,}/g) ?? [])),
  ];
  const syllables = ['ka', 'lo', 'mi', 'ter', 'zan', 'qu', 'vel', 'dor', 'sy', 'nex', 'pra', 'tum'];
  const madeUp = (): string =>
    Array.from({ length: 2 + Math.floor(random() * 3) }, () => pick(syllables)).join('');
  const tenants = Array.from({ length: Math.ceil(size / real.length) }, (_, i) => `${madeUp()}${i}`);
  const out = new Map<string, IndexedTool[]>();
  for (let i = 0; i < size; i++) {
    const tool = real[i % real.length] as IndexedTool;
    const backend = `${tool.backend}-${tenants[Math.floor(i / real.length)]}`;
    const words = (tool.description ?? '').split(/\s+/).map((w) => {
      const r = random();
      return r < 0.15 ? pick(vocabulary) : r < 0.25 ? madeUp() : w;
    });
    const variant: IndexedTool = {
      ...tool,
      backend,
      name: random() < 0.5 ? `${tool.name}_${madeUp()}` : `${madeUp()}_${tool.name}`,
      description: words.join(' '),
    };
    const list = out.get(backend) ?? [];
    list.push(variant);
    out.set(backend, list);
  }
  return out;
}
