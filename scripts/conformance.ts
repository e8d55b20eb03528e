/**
 * `npm run conformance`: the official MCP conformance suite (@modelcontextprotocol/conformance), side by side.
 *  1. As before the frozen sets: the 0.1.13 suite on this Node (its active server scenarios) against the
 *     project's fixture directly and through switchboard, and its client scenarios with switchboard as client.
 *  2. The frozen requirement sets of the suite in tools/conformance-next (`--requirements 2025-11-25` and
 *     `2026-07-28`, run on Node 22) against each upstream directly and through a switchboard in front of it
 *     (httpServices, `prefix: false`): the project's fixture (both eras, test/conformance/fixture-server.ts)
 *     and, when given, the suite's reference server (`--reference-url URL` or CONFORMANCE_REFERENCE_URL).
 *  3. That suite's 2026-07-28 client scenarios that apply to a gateway, with switchboard as the client.
 *  4. `npm run conformance:auth` (the client auth scenarios).
 * Fails when any check of 1 or 3 fails, when switchboard is worse than the upstream directly on any scored
 * scenario of 2, or when 4 fails. `--only old|frozen|client|auth` runs one part.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  cell,
  clean,
  freePort,
  installNext,
  nextVersion,
  NODE22,
  requirementSet,
  results,
  ROOT,
  runSuite,
  start,
  stopAll,
  SUITE_NEXT,
  SUITE_OLD,
  worse,
  type Tally,
} from './conformance/lib.js';

const FIXTURE = join(ROOT, 'test/conformance/fixture-server.ts');
const DRIVER = join(ROOT, 'test/conformance/client-driver.ts');
const REVISIONS = ['2025-11-25', '2026-07-28'];
/** The 0.1.13 suite's client scenarios besides auth/* (part 1). */
const OLD_CLIENT_SCENARIOS = ['initialize', 'tools_call', 'elicitation-sep1034-client-defaults', 'sse-retry'];
/** 2026-07-28 client scenarios that apply to switchboard as a client (part 3). */
const CLIENT_SCENARIOS = [
  'tools_call',
  'request-metadata',
  'http-standard-headers',
  'http-custom-headers',
  'http-invalid-tool-headers',
  'json-schema-ref-no-deref',
  'json-schema-2020-12-preservation',
  'sep-2322-client-request-state',
];

const work = mkdtempSync(join(tmpdir(), 'switchboard-conformance-'));
const argv = process.argv.slice(2);
const flag = (name: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const only = flag('--only');
const referenceUrl = flag('--reference-url') ?? process.env.CONFORMANCE_REFERENCE_URL;
const wanted = (part: string) => only === undefined || only === part;
const problems: string[] = [];
const driverCommand = `${process.execPath} --import tsx ${DRIVER}`;

/** Starts a switchboard with `upstream` as its only backend and waits until that backend is ready. */
async function gatewayFor(name: string, upstream: string): Promise<string> {
  const port = await freePort();
  const config = join(work, `${name}.yaml`);
  writeFileSync(config, `httpServices:\n  ${name}:\n    base_url: ${upstream}\n    prefix: false\n`);
  await start(
    ['--import', 'tsx', join(ROOT, 'src/cli.ts'), 'serve', '--config', config, '--port', String(port)],
    { SWITCHBOARD_LOG_LEVEL: process.env.SWITCHBOARD_LOG_LEVEL ?? 'error' },
    /listening on/,
  );
  const started = Date.now();
  for (;;) {
    const res = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
    const body = (await res?.json().catch(() => undefined)) as
      { backends?: Record<string, { state?: string }> } | undefined;
    if (body?.backends?.[name]?.state === 'ready') break;
    if (Date.now() - started > 30_000) throw new Error(`backend ${name} not ready after 30 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
  console.log(
    `switchboard in front of ${upstream}: backend ready ${Date.now() - started} ms after it listened`,
  );
  return `http://127.0.0.1:${port}/mcp`;
}

function table(title: string, names: string[], direct: Map<string, Tally>, through: Map<string, Tally>) {
  const width = Math.max(...names.map((s) => s.length), 24);
  console.log(`\n${title.padEnd(width)}  ${'directly'.padEnd(22)}  through switchboard`);
  for (const s of names) {
    const mark = worse(direct.get(s), through.get(s)) ? '  <-- worse' : '';
    console.log(`${s.padEnd(width)}  ${cell(direct.get(s)).padEnd(22)}  ${cell(through.get(s))}${mark}`);
  }
}

/** Part 1: the 0.1.13 suite, as before the frozen sets. */
async function oldSuite(fixtureUrl: string, gatewayUrl: string): Promise<void> {
  console.log('\n== 0.1.13 suite (active scenarios) on Node 20: fixture directly and through switchboard');
  const node = process.execPath;
  await Promise.all([
    runSuite(node, SUITE_OLD, ['server', '--url', fixtureUrl, '-o', join(work, 'old-direct')]),
    runSuite(node, SUITE_OLD, ['server', '--url', gatewayUrl, '-o', join(work, 'old-through')]),
  ]);
  for (const s of OLD_CLIENT_SCENARIOS) {
    await runSuite(node, SUITE_OLD, [
      'client',
      '--command',
      driverCommand,
      '--scenario',
      s,
      '-o',
      join(work, 'old-client'),
    ]);
  }
  const direct = results(join(work, 'old-direct'));
  const through = results(join(work, 'old-through'));
  const client = results(join(work, 'old-client'));
  const names = [...new Set([...direct.keys(), ...through.keys()])].sort();
  table('server scenario (0.1.13)', names, direct, through);
  for (const s of OLD_CLIENT_SCENARIOS) console.log(`client ${s}: ${cell(client.get(s))}`);
  if (names.length === 0) problems.push('0.1.13 suite: no server results');
  for (const [where, map, expected] of [
    ['fixture directly', direct, names],
    ['through switchboard', through, names],
    ['switchboard as client', client, OLD_CLIENT_SCENARIOS],
  ] as const) {
    for (const s of expected) {
      const t = map.get(s);
      if (t && t.failed === 0) continue;
      problems.push(`0.1.13 ${where}: ${s}\n    ${t ? t.failures.join('\n    ') : 'no results'}`);
    }
  }
}

/** Part 2: both frozen requirement sets against one upstream, directly and through switchboard. */
async function frozenSets(label: string, upstream: string, gatewayUrl: string): Promise<string[]> {
  const summary: string[] = [];
  for (const revision of REVISIONS) {
    const { scored, unscored } = await requirementSet(revision);
    const dir = join(work, `${label}-${revision}`);
    await runSuite(NODE22, SUITE_NEXT, [
      'server',
      '--url',
      upstream,
      '--requirements',
      revision,
      '-o',
      join(dir, 'direct'),
    ]);
    await runSuite(NODE22, SUITE_NEXT, [
      'server',
      '--url',
      gatewayUrl,
      '--requirements',
      revision,
      '-o',
      join(dir, 'through'),
    ]);
    const direct = results(join(dir, 'direct'));
    const through = results(join(dir, 'through'));
    table(`${label}, ${revision}, scored`, scored, direct, through);
    if (unscored.length) table(`${label}, ${revision}, not scored`, unscored, direct, through);
    const line = `${label} | ${revision} | ${clean(direct, scored)}/${scored.length} | ${clean(through, scored)}/${scored.length}`;
    summary.push(line);
    for (const s of scored) {
      if (!worse(direct.get(s), through.get(s))) continue;
      const failures = through.get(s)?.failures.join('\n    ') ?? 'no results';
      problems.push(`${label} ${revision}: switchboard worse than direct on ${s}\n    ${failures}`);
    }
  }
  return summary;
}

/** Part 3: the 2026-07-28 client scenarios with switchboard as the client. */
async function clientScenarios(): Promise<void> {
  console.log(`\n== client scenarios (suite ${nextVersion()}), switchboard as the client`);
  const out = join(work, 'client');
  for (const s of CLIENT_SCENARIOS) {
    await runSuite(NODE22, SUITE_NEXT, ['client', '--command', driverCommand, '--scenario', s, '-o', out]);
  }
  const client = results(out);
  for (const s of CLIENT_SCENARIOS) {
    const t = client.get(s);
    console.log(`${s.padEnd(34)} ${cell(t)}`);
    if (!t || t.failed > 0) problems.push(`client ${s}: ${t ? t.failures.join('; ') : 'no results'}`);
  }
}

function auth(): Promise<void> {
  console.log('\n== npm run conformance:auth');
  return new Promise((res) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/conformance-auth.ts')], {
      cwd: ROOT,
      stdio: 'inherit',
    });
    child.once('exit', (code) => {
      if (code !== 0) problems.push('conformance:auth failed');
      res();
    });
  });
}

async function main(): Promise<number> {
  const begun = Date.now();
  const fixturePort = await freePort();
  await start(['--import', 'tsx', FIXTURE], { PORT: String(fixturePort) }, /listening/);
  const fixtureUrl = `http://127.0.0.1:${fixturePort}/mcp`;
  const fixtureGateway = await gatewayFor('fixture', fixtureUrl);
  if (wanted('old')) await oldSuite(fixtureUrl, fixtureGateway);
  const summary: string[] = [];
  if (wanted('frozen') || wanted('client') || wanted('auth')) installNext();
  if (wanted('frozen')) {
    console.log(`\n== frozen requirement sets, suite ${nextVersion()} on Node 22`);
    summary.push(...(await frozenSets('project fixture', fixtureUrl, fixtureGateway)));
    if (referenceUrl) {
      summary.push(
        ...(await frozenSets('reference server', referenceUrl, await gatewayFor('reference', referenceUrl))),
      );
    } else {
      console.log(
        "\n!! The reference-server sets were NOT run: start the conformance repository's\n" +
          '!! examples/servers/typescript/everything-server.ts (see docs/protocol.md for the commit) and pass\n' +
          '!! its URL: npm run conformance -- --reference-url http://127.0.0.1:PORT/mcp',
      );
    }
  }
  if (wanted('client')) await clientScenarios();
  if (wanted('auth')) await auth();
  if (summary.length) {
    console.log(
      `\nclean scored scenarios (suite ${nextVersion()})\nupstream | set | directly | through switchboard`,
    );
    for (const line of summary) console.log(line);
  }
  for (const p of problems) console.log(`\nFAILED ${p}`);
  console.log(`\n(${((Date.now() - begun) / 1000).toFixed(0)} s; results in ${work})`);
  console.log(problems.length ? 'conformance: FAILED' : 'conformance: all checks passed');
  return problems.length ? 1 : 0;
}

let code = 1;
try {
  code = await main();
} catch (err) {
  console.error(err);
} finally {
  stopAll();
}
process.exit(code);
