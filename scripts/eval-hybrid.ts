/**
 * The hybrid (embeddings + lexical) part of `npm run eval:discovery`: runs when
 * SWITCHBOARD_EMBEDDINGS_URL names an OpenAI-compatible endpoint (SWITCHBOARD_EMBEDDINGS_MODEL,
 * SWITCHBOARD_EMBEDDINGS_API_KEY optional), on the real catalog only: embedding a 10,000-tool
 * synthetic catalog through a remote API would measure the API.
 */
import { performance } from 'node:perf_hooks';
import { EmbeddingClient, HybridRanker, ToolIndex } from '../src/discovery/index.js';
import type { Catalog, LabelledRequest } from '../test/discovery/eval-set.js';
import { accepts, qualified } from '../test/discovery/eval-set.js';

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
