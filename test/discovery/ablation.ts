// Ranker variants for the ablation table of scripts/eval-discovery.ts: the full ranker with one
// component switched off at a time, and plain BM25 (MiniSearch defaults over name + description).
import MiniSearch from 'minisearch';
import type { DiscoveryHit } from '../../src/discovery/index.js';
import { RANKING } from '../../src/discovery/ranking.js';
import { buildIndex, type Catalog, type Ranker } from './eval-set.js';

/** One component of the ranker and how to switch it off. */
export interface Component {
  name: string;
  off: () => void;
}

export const COMPONENTS: Component[] = [
  {
    name: 'field weights (all fields 1)',
    off: () => {
      for (const field of Object.keys(RANKING.boost)) RANKING.boost[field] = 1;
    },
  },
  { name: 'camelCase / digit splitting', off: () => (RANKING.splitIdentifiers = false) },
  { name: 'synonym table', off: () => (RANKING.synonyms = false) },
  { name: 'quoted spans weigh less', off: () => (RANKING.literalWeight = 1) },
  { name: 'backend relevance', off: () => (RANKING.backendWeight = 0) },
  {
    name: 'prefix and typo matching',
    off: () => {
      RANKING.prefixMinLength = Infinity;
      RANKING.fuzzyMinLength = Infinity;
    },
  },
  { name: 'backend-name boost', off: () => (RANKING.mentionBoost = 1) },
  { name: 'coordination by request word', off: () => (RANKING.groupCoordination = false) },
];

/** Runs `fn` with RANKING changed by `patch`, then restores it. */
export function withRanking<T>(patch: () => void, fn: () => T): T {
  const saved = structuredClone(RANKING);
  patch();
  try {
    return fn();
  } finally {
    Object.assign(RANKING, structuredClone(saved));
  }
}

/** The full ranker over the catalogs, built under the current RANKING. */
export function fullRanker(catalogs: Catalog[]): Ranker {
  return buildIndex(catalogs);
}

/** Plain BM25: MiniSearch with its default tokenizer and scoring over tool name and description. */
export function plainBm25(catalogs: Catalog[]): Ranker {
  const search = new MiniSearch<{ id: string; name: string; description: string }>({
    fields: ['name', 'description'],
  });
  const tools = new Map<string, DiscoveryHit>();
  for (const c of catalogs)
    for (const t of c.tools) {
      const id = `${c.server}\u0000${t.name}`;
      tools.set(id, { name: t.name, backend: c.server, score: 0 });
      search.add({ id, name: t.name, description: t.description ?? '' });
    }
  return {
    search: (request, { limit }) =>
      search
        .search(request)
        .slice(0, limit)
        .map((r) => ({ ...(tools.get(r.id as string) as DiscoveryHit), score: r.score })),
  };
}
