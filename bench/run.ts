/**
 * `npm run bench [-- --quick] [--case direct,stdio,...] [--profile]`: builds the gateway, runs the selected
 * cases, prints the tables with ratios and the targets, and writes bench/results/latest.json.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { catalog } from './cases/catalog.js';
import { listSizes, listSizeTable } from './cases/listsize.js';
import { queue } from './cases/queue.js';
import { replicas } from './cases/replicas.js';
import { scale } from './cases/scale.js';
import { throughput, type ThroughputRow } from './cases/throughput.js';
import type { LoadResult } from './load.js';
import { ensurePeers, PEERS, peerVersion, type PeerName } from './peers.js';
import { openFileLimit } from './proc.js';
import { killAllStarted, ROOT, runJsonChild, transpileBench } from './processes.js';
import { byPackage, hotSpots } from './profile.js';
import {
  checkTargets,
  otherTables,
  targetsTable,
  throughputTable,
  tracingTable,
  type Results,
} from './report.js';
import { COMPARABLE, gatewayCli, startTarget, TARGETS, type TargetName } from './targets.js';

const ALIASES: Record<string, string[]> = {
  stdio: ['sb-stdio'],
  http: ['sb-http'],
  'stdio-traced': ['sb-stdio-traced'],
  'http-traced': ['sb-http-traced'],
  tracing: ['sb-stdio', 'sb-stdio-traced', 'sb-http', 'sb-http-traced'],
  json: ['direct-json', 'sb-http-json'],
  sse: ['sb-sse'],
  switchboard: ['sb-stdio', 'sb-http', 'sb-sse', 'sb-http-json'],
  peers: [...PEERS],
  throughput: [...TARGETS],
};
const OTHER_CASES = ['scale', 'catalog', 'queue', 'replicas', 'listsize'] as const;

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    case: { type: 'string' },
    concurrency: { type: 'string', short: 'c' },
    warmup: { type: 'string' },
    duration: { type: 'string' },
    rounds: { type: 'string' },
    sessions: { type: 'string' },
    hold: { type: 'string' },
    'no-build': { type: 'boolean', default: false },
    dist: { type: 'string' },
    compare: { type: 'string' },
    profile: { type: 'boolean', default: false },
    out: { type: 'string', default: join(ROOT, 'bench/results/latest.json') },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  process.stdout.write(`npm run bench -- [options]
  --quick              short runs (warm-up 1 s, 3 s per point, 2,000 idle sessions held 5 s)
  --case LIST          comma list of: ${[...TARGETS, ...OTHER_CASES].join(', ')}
                       aliases: ${Object.keys(ALIASES).join(', ')}; default: all
  -c, --concurrency L  concurrencies (default 1,16,64,256)
  --warmup S --duration S   seconds per point (default 2 and 5)
  --rounds N           rounds per concurrency, every target once per round, medians reported (default 2)
  --sessions N --hold S     idle-session case (default 10000 and 30)
  --profile            profile the gateway (node --cpu-prof) under load and print hot spots: the first
                       switchboard target of --case (default sb-stdio) at the first -c value (default 16)
  --no-build           skip \`npm run build\`
  --dist DIR           bench the gateway compiled in DIR (DIR/cli.js) instead of ./dist; implies --no-build
  --compare DIR        also run each selected sb-stdio/sb-http/sb-sse case on the build in DIR (targets <case>-cmp,
                       interleaved with this build's), for before/after
  --out FILE           JSON results (default bench/results/latest.json)
  env BENCH_GATEWAY_YAML          top-level YAML added to every gateway's config (e.g. "gateway: {relay_path: false}")
  env BENCH_COMPARE_GATEWAY_YAML  the same for the --compare build's gateways instead (this build twice, relay
                                  path on vs off: --compare dist with "gateway: {relay_path: false}")
  env BENCH_CLIENT_NEGOTIATION=auto  the load generator negotiates 2026-07-28 (per request) where a server offers it
`);
  process.exit(0);
}

const quick = values.quick;
const num = (v: string | undefined, d: number) => (v === undefined ? d : Number(v));
const opts = {
  warmupS: num(values.warmup, quick ? 1 : 2),
  durationS: Math.min(120, num(values.duration, quick ? 3 : 5)),
  rounds: Math.min(10, num(values.rounds, quick ? 1 : 2)),
  concurrencies: (values.concurrency ?? '1,16,64,256').split(',').map(Number),
  sessions: num(values.sessions, quick ? 2000 : 10_000),
  holdS: Math.min(600, num(values.hold, quick ? 5 : 30)),
};
const selected = new Set(
  (values.case ?? [...TARGETS, ...OTHER_CASES].join(','))
    .split(',')
    .flatMap((c) => ALIASES[c.trim()] ?? [c.trim()]),
);
const unknown = [...selected].filter(
  (c) => !(TARGETS as readonly string[]).includes(c) && !(OTHER_CASES as readonly string[]).includes(c),
);
if (unknown.length) {
  process.stderr.write(`bench: unknown case(s) ${unknown.join(', ')}; see --help\n`);
  process.exit(2);
}

function log(line: string): void {
  process.stderr.write(`bench: ${line}\n`);
}

function machine(): Record<string, unknown> {
  const free = spawnSync('free', ['-h'], { encoding: 'utf8' }).stdout?.trim();
  return {
    nproc: os.availableParallelism(),
    cpu: os.cpus()[0]?.model,
    memTotalGB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    free,
    node: process.version,
    kernel: `${os.type()} ${os.release()}`,
    openFileLimit: openFileLimit(),
    loadAverage: os.loadavg().map((l) => Number(l.toFixed(2))),
  };
}

function versions(): Record<string, string | undefined> {
  const pkg = (p: string) => (JSON.parse(readFileSync(join(ROOT, p), 'utf8')) as { version: string }).version;
  return {
    switchboard: pkg('package.json'),
    sdk: pkg('node_modules/@modelcontextprotocol/server/package.json'),
    supergateway: peerVersion('supergateway'),
    'mcp-proxy': peerVersion('mcp-proxy'),
  };
}

function rowLine(r: ThroughputRow): string {
  if (!r.calls) return `${r.target} C=${r.concurrency}: ${r.note ?? 'no calls'}`;
  const l = r.latency!;
  return `${r.target} C=${r.concurrency}: ${r.callsPerSec} calls/s, p50 ${l.p50} p99 ${l.p99} ms, ${r.errors} errors, ${Math.round(r.peakRssBytes! / 2 ** 20)} MB (gateway ${Math.round((r.mainPeakRssBytes ?? 0) / 2 ** 20)}), ${r.serverCpuMsPerCall} ms CPU/call (gateway process ${r.mainCpuMsPerCall})`;
}

async function profile(): Promise<void> {
  const dir = join(ROOT, 'bench/results/profiles');
  mkdirSync(dir, { recursive: true });
  const started = Date.now();
  const target = TARGETS.find((t) => t.startsWith('sb-') && selected.has(t)) ?? 'sb-stdio';
  const c = values.concurrency ? opts.concurrencies[0]! : 16;
  log(`profiling ${target} at C=${c}`);
  const server = await startTarget(target, ['--cpu-prof', '--cpu-prof-dir', dir]);
  try {
    const args = [
      '--url',
      server.url,
      '-c',
      String(c),
      '--warmup',
      String(opts.warmupS),
      '--duration',
      String(opts.durationS),
    ];
    const r = await runJsonChild<LoadResult>(
      'load',
      [...args, '--json', '--pid', String(server.pids[0])],
      300_000,
    );
    log(`profiled load: ${rowLine({ ...r, target })}`);
  } finally {
    await server.stop();
  }
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile') && statSync(join(dir, f)).mtimeMs >= started)
    .map((f) => join(dir, f));
  if (!files.length) throw new Error(`no profile written to ${dir}`);
  const file = files.sort((a, b) => statSync(b).size - statSync(a).size)[0]!;
  process.stdout.write(
    `Profile: ${file}\n\nSelf time by package (%):\n${JSON.stringify(byPackage(file), null, 2)}\n\nTop functions by self time:\n`,
  );
  for (const h of hotSpots(file, 30, ROOT))
    process.stdout.write(`${String(h.percent).padStart(5)}%  ${h.fn}  ${h.where}\n`);
}

async function main(): Promise<void> {
  process.on('SIGINT', () => {
    killAllStarted();
    process.exit(130);
  });
  if (values.dist) gatewayCli.main = join(resolve(values.dist), 'cli.js');
  if (values.compare) gatewayCli.compare = join(resolve(values.compare), 'cli.js');
  if (!values['no-build'] && !values.dist) {
    log('npm run build');
    const b = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 2, 2], timeout: 300_000 });
    if (b.status !== 0) throw new Error('npm run build failed');
  }
  transpileBench();
  if (values.profile) return profile();

  const targets: TargetName[] = TARGETS.filter((t) => selected.has(t));
  if (gatewayCli.compare) {
    for (const t of COMPARABLE)
      if (targets.includes(t)) targets.splice(targets.indexOf(t) + 1, 0, `${t}-cmp`);
  }
  const peerNotes = ensurePeers(PEERS.filter((p) => selected.has(p)));
  const results: Results = { throughput: [] };
  const started = new Date();
  if (targets.length) {
    log(
      `throughput: ${targets.join(', ')} at C=${opts.concurrencies.join(',')} (${opts.rounds} round(s) of ${opts.warmupS} s warm-up + ${opts.durationS} s)`,
    );
    results.throughput = await throughput(
      targets,
      opts.concurrencies,
      {
        warmupS: opts.warmupS,
        durationS: opts.durationS,
        maxCalls: 1_000_000,
        skip: new Map([...peerNotes].map(([p, n]) => [p as PeerName as TargetName, n])),
        supergatewayMaxC: 64,
        rounds: opts.rounds,
      },
      (r) => log(rowLine(r)),
    );
  }
  if (selected.has('scale')) {
    log(`scale: ${opts.sessions} idle sessions held ${opts.holdS} s, then one call each`);
    results.scale = await scale(opts.sessions, opts.holdS);
  }
  if (selected.has('catalog')) {
    log('catalog: 100 backends × 100 tools');
    results.catalog = await catalog(100, 100, quick ? 50 : 200).catch(
      (err: unknown) =>
        ({
          note: `failed: ${String(err).slice(0, 300)}`,
        }) as never,
    );
  }
  if (selected.has('queue')) {
    log('queue: single-session queue overhead');
    results.queue = await queue(quick ? 1 : 2, quick ? 2 : 4).catch((err: unknown) => ({
      library: [],
      gateway: [],
      note: `failed: ${String(err).slice(0, 300)}`,
    }));
  }

  if (selected.has('replicas')) {
    log('replicas: three replicas behind a round-robin proxy vs one (sessions in Redis)');
    results.replicas = await replicas(quick ? 1 : 2, quick ? 3 : opts.durationS, [1, 16]);
  }

  if (selected.has('listsize')) {
    log('listsize: tools/list bytes and tokens, whole catalog vs a discovery-only tool set');
    results.listSize = await listSizes();
  }

  const checks = checkTargets(results);
  const report = [
    `## Throughput (SDK client, sequential echo calls per session; medians of ${opts.rounds} round(s) of ${opts.durationS} s)`,
    results.throughput.length ? throughputTable(results.throughput) : '(not run)',
    tracingTable(results.throughput),
    otherTables(results),
    results.listSize
      ? `## tools/list size: whole catalog vs a discovery-only tool set (tokens: o200k_base)\n\n${listSizeTable(results.listSize)}`
      : '',
    '## Targets',
    targetsTable(checks),
  ].join('\n\n');
  process.stdout.write(`${report}\n`);
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  const json = {
    date: started.toISOString(),
    seconds: Math.round((Date.now() - started.getTime()) / 1000),
    machine: machine(),
    versions: versions(),
    options: { ...opts, quick, cases: [...selected] },
    ...results,
    targets: checks,
  };
  writeFileSync(values.out, `${JSON.stringify(json, null, 2)}\n`);
  log(`wrote ${values.out}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    killAllStarted();
    process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
