// The discovery evaluation set (real catalogs + labelled requests) and its metrics; shared by
// scripts/eval-discovery.ts and the regression test.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DiscoveryHit, IndexedTool } from '../../src/discovery/index.js';
import { ToolIndex } from '../../src/discovery/index.js';

export const FIXTURES_DIR = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

export interface Catalog {
  server: string;
  package: string;
  version: string;
  tools: IndexedTool[];
}

export interface LabelledRequest {
  request: string;
  /** `<backend>__<tool>` */
  expected: string;
}

export interface Metrics {
  requests: number;
  recallAt1: number;
  recallAt5: number;
  mrr: number;
  misses: { request: string; expected: string; got: string[]; rank: number }[];
}

export function loadCatalogs(): Catalog[] {
  return readdirSync(FIXTURES_DIR)
    .filter((f) => f.endsWith('.json') && f !== 'requests.json')
    .sort()
    .map((f) => JSON.parse(readFileSync(join(FIXTURES_DIR, f), 'utf8')) as Catalog);
}

export function loadRequests(): LabelledRequest[] {
  return JSON.parse(readFileSync(join(FIXTURES_DIR, 'requests.json'), 'utf8')) as LabelledRequest[];
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

/** recall@1, recall@5 and MRR (over the top 10) of the index on the labelled requests. */
export function evaluate(index: ToolIndex, requests: LabelledRequest[]): Metrics {
  let at1 = 0;
  let at5 = 0;
  let rr = 0;
  const misses: Metrics['misses'] = [];
  for (const { request, expected } of requests) {
    const got = index.search(request, { limit: 10 }).map(qualified);
    const rank = got.indexOf(expected) + 1;
    if (rank === 1) at1++;
    if (rank >= 1 && rank <= 5) at5++;
    if (rank >= 1) rr += 1 / rank;
    if (rank !== 1) misses.push({ request, expected, got: got.slice(0, 3), rank });
  }
  const n = requests.length;
  return { requests: n, recallAt1: at1 / n, recallAt5: at5 / n, mrr: rr / n, misses };
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
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
