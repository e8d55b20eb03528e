/**
 * Measures smart discovery on the evaluation set in test/discovery/fixtures (real tools/list
 * catalogs of published MCP servers + labelled natural-language requests):
 * recall@1, recall@5 and MRR of the lexical ranker, how often the top hit is confident and how
 * often it is then right, and query latency p50/p99 on the real catalog and on a synthetic
 * 10,000-tool catalog derived from it. Run with `npm run eval:discovery` (`--misses` lists misses).
 *
 * With SWITCHBOARD_EMBEDDINGS_URL set, the hybrid ranker (embeddings blended with BM25) is
 * measured too (scripts/eval-hybrid.ts); without it, only the lexical path, which stands on its own.
 */
import { availableParallelism, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { isConfident, ToolIndex } from '../src/discovery/index.js';
import { hybridReport } from './eval-hybrid.js';
import {
  buildIndex,
  evaluate,
  loadCatalogs,
  loadRequests,
  qualified,
  syntheticCatalog,
  type LabelledRequest,
} from '../test/discovery/eval-set.js';

const SYNTHETIC_SIZE = 10_000;

setFlagsFromString('--expose-gc');
/**
 * A full garbage collection, run before each latency regime (never inside a timed query) so that
 * the garbage of building a catalog is not collected, on the main thread or on V8's helper threads
 * that process.cpuUsage also counts, while queries are being timed. Queries' own garbage still is.
 */
const gc = runInNewContext('gc') as () => void;
const settle = async (): Promise<void> => {
  gc();
  await new Promise((resolve) => setTimeout(resolve, 250)); // let concurrent sweeping finish
};

function timeIt(fn: () => void): number {
  const start = performance.now();
  fn();
  return performance.now() - start;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

interface Latency {
  p50: number;
  p99: number;
  cpuP50: number;
  cpuP99: number;
  n: number;
}

interface Sample {
  wall: number;
  cpu: number;
}

function summarise(samples: Sample[]): Latency {
  const wall = samples.map((s) => s.wall).sort((a, b) => a - b);
  const cpu = samples.map((s) => s.cpu).sort((a, b) => a - b);
  return {
    p50: percentile(wall, 50),
    p99: percentile(wall, 99),
    cpuP50: percentile(cpu, 50),
    cpuP99: percentile(cpu, 99),
    n: samples.length,
  };
}

/**
 * Wall-clock and CPU time of one call. CPU time excludes waiting for a core on a shared machine, but
 * it is the whole process's, so it includes V8's background threads (GC, JIT) when they run meanwhile.
 */
function measure(fn: () => void): Sample {
  const cpuStart = process.cpuUsage();
  const wall = timeIt(fn);
  const cpu = process.cpuUsage(cpuStart);
  return { wall, cpu: (cpu.user + cpu.system) / 1000 };
}

/** Clears the index's per-term score cache the way production does: a catalog change. */
function touchCatalog(index: ToolIndex, round: number): void {
  index.setBackendTools('eval-scratch', [{ name: `noop_${round}`, backend: 'eval-scratch' }]);
  index.removeBackend('eval-scratch');
}

/**
 * Query latency in three regimes: `cold`, every query right after a catalog change (nothing
 * cached); `steady`, the cache warmed by the even-numbered requests, then each odd-numbered one
 * asked once (their rarer terms are new), and the other way round; `repeat`, queries seen before.
 */
async function latency(
  index: ToolIndex,
  requests: LabelledRequest[],
): Promise<Record<'cold' | 'steady' | 'repeat', Latency>> {
  const cold: Sample[] = [];
  const steady: Sample[] = [];
  const repeat: Sample[] = [];
  const search = (r: LabelledRequest) => measure(() => index.search(r.request, { limit: 5 }));
  // JIT warm-up of both paths measured, queries and catalog changes; not measured.
  requests.forEach((r, i) => {
    touchCatalog(index, i);
    search(r);
  });
  requests.forEach(search);
  await settle();
  for (const [i, r] of requests.entries()) {
    touchCatalog(index, i);
    cold.push(search(r));
  }
  await settle();
  for (let round = 0; round < 6; round++) {
    touchCatalog(index, round);
    const parity = round % 2;
    requests.filter((_, i) => i % 2 === parity).forEach(search);
    for (const r of requests.filter((_, i) => i % 2 !== parity)) steady.push(search(r));
  }
  await settle();
  for (let round = 0; round < 5; round++) for (const r of requests) repeat.push(search(r));
  return { cold: summarise(cold), steady: summarise(steady), repeat: summarise(repeat) };
}

const ms = (v: number): string => `${v.toFixed(3)} ms`;
const pct = (v: number): string => v.toFixed(3);

const catalogs = loadCatalogs();
const requests = loadRequests();
let index = new ToolIndex();
const buildMs = timeIt(() => (index = buildIndex(catalogs)));
const metrics = evaluate(index, requests);
const half = (parity: number) =>
  evaluate(
    index,
    requests.filter((_, i) => i % 2 === parity),
  );
const [tuning, heldOut] = [half(0), half(1)];

let confident = 0;
let confidentRight = 0;
for (const r of requests) {
  const hits = index.search(r.request, { limit: 5 });
  if (!isConfident(hits)) continue;
  confident++;
  if (hits[0] && qualified(hits[0]) === r.expected) confidentRight++;
}

console.log(`catalog: ${catalogs.length} servers, ${index.size} tools; ${requests.length} labelled requests`);
for (const c of catalogs)
  console.log(`  ${c.server.padEnd(12)} ${c.package}@${c.version} (${c.tools.length} tools)`);
console.log(`lexical ranker (BM25+ via MiniSearch)`);
console.log(
  `  recall@1 ${pct(metrics.recallAt1)}  recall@5 ${pct(metrics.recallAt5)}  MRR ${pct(metrics.mrr)}`,
);
console.log(
  `  even-numbered half (synonyms drawn from its misses): recall@1 ${pct(tuning.recallAt1)} recall@5 ${pct(tuning.recallAt5)}; ` +
    `odd-numbered half: recall@1 ${pct(heldOut.recallAt1)} recall@5 ${pct(heldOut.recallAt5)}`,
);
console.log(
  `  confident top hit: ${confident}/${requests.length} requests, right in ${confidentRight}/${confident} ` +
    `(${pct(confident ? confidentRight / confident : 0)})`,
);
for (const line of await hybridReport(index, catalogs, requests)) console.log(line);

const show = (l: Record<string, Latency>): string =>
  Object.entries(l)
    .map(
      ([k, v]) =>
        `\n    ${k.padEnd(6)} wall p50 ${ms(v.p50)} p99 ${ms(v.p99)} | cpu p50 ${ms(v.cpuP50)} p99 ${ms(v.cpuP99)} (n=${v.n})`,
    )
    .join('');
console.log(`real catalog (${index.size} tools): build ${ms(buildMs)}`);
console.log(`  query latency:${show(await latency(index, requests))}`);

const synthetic = syntheticCatalog(catalogs, SYNTHETIC_SIZE);
const big = new ToolIndex();
const bigBuildMs = timeIt(() => {
  for (const [backend, tools] of synthetic) big.setBackendTools(backend, tools);
});
const [someBackend, someTools] = [...synthetic][0] ?? ['', []];
const renamed = someTools.map((t, i) => (i === 0 ? { ...t, description: `${t.description} (updated)` } : t));
const updateMs = timeIt(() => big.setBackendTools(someBackend, renamed));
console.log(
  `synthetic catalog (${big.size} tools, ${synthetic.size} backends): build ${ms(bigBuildMs)}; ` +
    `one-tool backend update ${ms(updateMs)}`,
);
console.log(`  query latency:${show(await latency(big, requests))}`);
const load = loadavg()[0] ?? 0;
console.log(`(load average ${load.toFixed(2)} on ${availableParallelism()} cores while measuring)`);

if (process.argv.includes('--misses')) {
  console.log('misses (rank 0 = not in top 10):');
  for (const m of metrics.misses)
    console.log(`  ${m.rank} ${m.expected} <- "${m.request}" got ${m.got.join(', ')}`);
}
