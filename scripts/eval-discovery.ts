/**
 * Measures smart discovery on real tools/list catalogs of published MCP servers and labelled
 * requests, split three ways (test/discovery/eval-set.ts): the tune split (test/discovery/fixtures,
 * which the ranker was developed against), and the blind set (test/discovery/fixtures-test: other
 * servers, tasks written without seeing any tool), split by server into dev (8 servers, used for
 * tuning) and test (16 servers, never used for tuning); plus "blind2 (held out)", a second blind set
 * (test/discovery/fixtures-blind2) built without seeing the ranker, never used for tuning. Prints recall@1, recall@5 and MRR per split,
 * an ablation table, how often a confident top hit is right, and query latency p50/p99 on the real
 * catalogs and on a synthetic 10,000-tool catalog derived from them.
 * Run with `npm run eval:discovery`; `--misses` lists the tune and dev misses (never test or blind2),
 * `--no-ablation` and `--no-latency` skip those parts, `--no-test` leaves test and blind2 out (tuning).
 *
 * With SWITCHBOARD_EMBEDDINGS_URL set, the hybrid ranker (embeddings blended with BM25) is
 * measured too (scripts/eval-hybrid.ts); without it, only the lexical path, which stands on its own.
 */
import { availableParallelism, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { isConfident, ToolIndex } from '../src/discovery/index.js';
import { hybridReport, localHybridReport } from './eval-hybrid.js';
import { COMPONENTS, plainBm25, withRanking } from '../test/discovery/ablation.js';
import {
  accepts,
  blindSplit,
  BLIND2_FIXTURES_DIR,
  buildIndex,
  countDropped,
  evaluate,
  loadCatalogs,
  loadRequests,
  qualified,
  syntheticCatalog,
  TEST_FIXTURES_DIR,
  type Catalog,
  type LabelledRequest,
  type Metrics,
  type Ranker,
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
const f3 = (v: number): string => v.toFixed(3);
const triple = (m: Metrics): string => `${f3(m.recallAt1)} ${f3(m.recallAt5)} ${f3(m.mrr)}`;
const args = process.argv.slice(2);

interface Split {
  name: string;
  /** How the split is printed, when not its name. */
  label?: string;
  catalogs: Catalog[];
  requests: LabelledRequest[];
}
/** Splits never tuned on: their misses are never printed. */
const HELD_OUT = new Set(['test', 'blind2']);
const splits: Split[] = [
  { name: 'tune', catalogs: loadCatalogs(), requests: loadRequests() },
  { name: 'dev', ...blindSplit('dev') },
  { name: 'test', ...blindSplit('test') },
  {
    name: 'blind2',
    label: 'blind2 (held out)',
    catalogs: loadCatalogs(BLIND2_FIXTURES_DIR),
    requests: loadRequests(BLIND2_FIXTURES_DIR),
  },
].filter((s) => !HELD_OUT.has(s.name) || !args.includes('--no-test'));
const toolCount = (s: Split): number => s.catalogs.reduce((n, c) => n + c.tools.length, 0);

console.log('splits (recall@1 recall@5 MRR; MRR over the top 10):');
const indexes = new Map<string, ToolIndex>();
for (const s of splits) {
  const index = buildIndex(s.catalogs);
  indexes.set(s.name, index);
  const m = evaluate(index, s.requests);
  console.log(
    `  ${(s.label ?? s.name).padEnd(5)} ${triple(m)}  (${s.catalogs.length} servers, ${toolCount(s)} tools, ${s.requests.length} requests)`,
  );
}
console.log(
  `  blind set: ${loadRequests(TEST_FIXTURES_DIR).length} tasks labelled, ${countDropped(TEST_FIXTURES_DIR)} dropped ` +
    '(no fitting tool, or server not captured)',
);
console.log(
  `  blind2: ${loadRequests(BLIND2_FIXTURES_DIR).length} tasks labelled, ${countDropped(BLIND2_FIXTURES_DIR)} dropped ` +
    '(no fitting tool, or server not captured)',
);

if (!args.includes('--no-ablation')) {
  console.log(`ablation (recall@1 recall@5 MRR on ${splits.map((s) => s.name).join(' | ')}):`);
  const row = (label: string, ranker: (c: Catalog[]) => Ranker): void => {
    const cells = splits.map((s) => triple(evaluate(ranker(s.catalogs), s.requests)));
    console.log(`  ${label.padEnd(36)} ${cells.join(' | ')}`);
  };
  row('full ranker', buildIndex);
  for (const c of COMPONENTS) withRanking(c.off, () => row(`- ${c.name}`, buildIndex));
  row('plain BM25 (name + description)', plainBm25);
}

for (const s of splits) {
  const index = indexes.get(s.name) as ToolIndex;
  let confident = 0;
  let right = 0;
  for (const r of s.requests) {
    const hits = index.search(r.request, { limit: 5 });
    if (!isConfident(hits)) continue;
    confident++;
    if (hits[0] && accepts(r, qualified(hits[0]))) right++;
  }
  console.log(
    `confident top hit (${s.name}): ${confident}/${s.requests.length} requests, right in ${right}/${confident} ` +
      `(${f3(confident ? right / confident : 0)})`,
  );
}
const [tune] = splits as [Split];
for (const line of await hybridReport(indexes.get('tune') as ToolIndex, tune.catalogs, tune.requests))
  console.log(line);
if (args.includes('--local-embeddings'))
  for (const line of await localHybridReport(
    splits,
    syntheticCatalog(
      splits.flatMap((s) => s.catalogs),
      SYNTHETIC_SIZE,
    ),
  ))
    console.log(line);

if (!args.includes('--no-latency')) {
  const show = (l: Record<string, Latency>): string =>
    Object.entries(l)
      .map(
        ([k, v]) =>
          `\n    ${k.padEnd(6)} wall p50 ${ms(v.p50)} p99 ${ms(v.p99)} | cpu p50 ${ms(v.cpuP50)} p99 ${ms(v.cpuP99)} (n=${v.n})`,
      )
      .join('');
  // Timed on the first three splits only, so figures stay comparable with runs before blind2.
  const timed = splits.filter((s) => s.name !== 'blind2');
  const catalogs = timed.flatMap((s) => s.catalogs);
  const requests = timed.flatMap((s) => s.requests);
  let index = new ToolIndex();
  const buildMs = timeIt(() => (index = buildIndex(catalogs)));
  console.log(`real catalogs (${index.size} tools, ${catalogs.length} servers): build ${ms(buildMs)}`);
  console.log(
    `  query latency (${requests.length} requests of all splits):${show(await latency(index, requests))}`,
  );
  const synthetic = syntheticCatalog(catalogs, SYNTHETIC_SIZE);
  const big = new ToolIndex();
  const bigBuildMs = timeIt(() => {
    for (const [backend, tools] of synthetic) big.setBackendTools(backend, tools);
  });
  const [someBackend, someTools] = [...synthetic][0] ?? ['', []];
  const renamed = someTools.map((t, i) =>
    i === 0 ? { ...t, description: `${t.description} (updated)` } : t,
  );
  const updateMs = timeIt(() => big.setBackendTools(someBackend, renamed));
  console.log(
    `synthetic catalog (${big.size} tools, ${synthetic.size} backends): build ${ms(bigBuildMs)}; ` +
      `one-tool backend update ${ms(updateMs)}`,
  );
  console.log(`  query latency:${show(await latency(big, requests))}`);
  const load = loadavg()[0] ?? 0;
  console.log(`(load average ${load.toFixed(2)} on ${availableParallelism()} cores while measuring)`);
}

if (args.includes('--misses')) {
  for (const s of splits.filter((x) => !HELD_OUT.has(x.name))) {
    console.log(`${s.name} misses (rank 0 = not in top 10):`);
    for (const m of evaluate(indexes.get(s.name) as ToolIndex, s.requests).misses)
      console.log(`  ${m.rank} ${[m.expected].flat().join(',')} <- "${m.request}" got ${m.got.join(', ')}`);
  }
}
