/**
 * `npm run conformance`: the official MCP conformance suite (@modelcontextprotocol/conformance, pinned to
 * 0.1.13, the last release that runs on Node 20).
 *  - server scenarios (active suite) against the project's fixture directly and through switchboard
 *    (`prefix: false`), summaries side by side;
 *  - client scenarios with switchboard as the client (test/conformance/client-driver.ts).
 * Exits non-zero when any check fails in either place.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const SUITE = join(ROOT, 'node_modules/@modelcontextprotocol/conformance/dist/index.js');
const FIXTURE = join(ROOT, 'test/conformance/fixture-server.ts');
const DRIVER = join(ROOT, 'test/conformance/client-driver.ts');
/** Client scenarios besides auth/*, which `npm run conformance:auth` runs (scripts/conformance-auth.ts). */
const CLIENT_SCENARIOS = ['initialize', 'tools_call', 'elicitation-sep1034-client-defaults', 'sse-retry'];

interface Tally {
  passed: number;
  failed: number;
  warnings: number;
  failures: string[];
}

const children: ChildProcess[] = [];
const work = mkdtempSync(join(tmpdir(), 'switchboard-conformance-'));

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => res(port));
    });
    srv.once('error', rej);
  });
}

/** Starts a long-running process and resolves once its output matches `ready`. */
function start(args: string[], env: Record<string, string>, ready: RegExp): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env } });
  children.push(child);
  return new Promise((res, rej) => {
    let out = '';
    const timer = setTimeout(() => rej(new Error(`not ready after 30 s: ${args.join(' ')}\n${out}`)), 30_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (ready.test(out)) {
        clearTimeout(timer);
        res(child);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => rej(new Error(`exited with ${code}: ${args.join(' ')}\n${out}`)));
  });
}

/** Runs the suite CLI to completion; its own exit code is ignored in favour of the saved checks. */
function run(args: string[]): Promise<string> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [SUITE, ...args], { cwd: ROOT, env: process.env });
    children.push(child);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', () => res(out));
  });
}

/** Check results saved under `dir`, by scenario (directories are named `[server-]<scenario>-<timestamp>`). */
function results(dir: string): Map<string, Tally> {
  const out = new Map<string, Tally>();
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir)) {
    const scenario = entry.replace(/^server-/, '').replace(/-\d{4}-\d{2}-\d{2}T[\d-]+Z$/, '');
    const checks = JSON.parse(readFileSync(join(dir, entry, 'checks.json'), 'utf8')) as {
      name: string;
      status: string;
      errorMessage?: string;
    }[];
    const t = out.get(scenario) ?? { passed: 0, failed: 0, warnings: 0, failures: [] };
    for (const c of checks) {
      if (c.status === 'SUCCESS') t.passed++;
      if (c.status === 'WARNING') t.warnings++;
      if (c.status === 'FAILURE') {
        t.failed++;
        t.failures.push(`${c.name}: ${c.errorMessage ?? 'failed'}`);
      }
    }
    out.set(scenario, t);
  }
  return out;
}

function cell(t: Tally | undefined): string {
  if (!t) return 'NOT RUN';
  const mark = t.failed === 0 ? 'pass' : 'FAIL';
  return `${mark} ${t.passed}/${t.passed + t.failed}${t.warnings ? ` (${t.warnings} warn)` : ''}`;
}

function total(m: Map<string, Tally>): Tally {
  const t: Tally = { passed: 0, failed: 0, warnings: 0, failures: [] };
  for (const v of m.values()) {
    t.passed += v.passed;
    t.failed += v.failed;
    t.warnings += v.warnings;
  }
  return t;
}

async function main(): Promise<number> {
  const [fixturePort, gatewayPort] = [await freePort(), await freePort()];
  await start([`--import`, `tsx`, FIXTURE], { PORT: String(fixturePort) }, /listening/);
  const config = join(work, 'switchboard.yaml');
  const fixtureUrl = `http://127.0.0.1:${fixturePort}/mcp`;
  writeFileSync(config, `httpServices:\n  conformance:\n    base_url: ${fixtureUrl}\n    prefix: false\n`);
  await start(
    ['--import', 'tsx', join(ROOT, 'src/cli.ts'), 'serve', '--config', config, '--port', String(gatewayPort)],
    { SWITCHBOARD_LOG_LEVEL: process.env.SWITCHBOARD_LOG_LEVEL ?? 'error' },
    /listening on/,
  );
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}/mcp`;

  console.log(`server suite: fixture ${fixtureUrl} and switchboard ${gatewayUrl} (in parallel)`);
  await Promise.all([
    run(['server', '--url', fixtureUrl, '-o', join(work, 'direct')]),
    run(['server', '--url', gatewayUrl, '-o', join(work, 'gateway')]),
  ]);
  const direct = results(join(work, 'direct'));
  const through = results(join(work, 'gateway'));

  console.log('client suite: switchboard as the client of each scenario server');
  for (const scenario of CLIENT_SCENARIOS) {
    const command = `${process.execPath} --import tsx ${DRIVER}`;
    await run(['client', '--command', command, '--scenario', scenario, '-o', join(work, 'client')]);
  }
  const client = results(join(work, 'client'));

  const scenarios = [...new Set([...direct.keys(), ...through.keys()])];
  const width = Math.max(...[...scenarios, ...CLIENT_SCENARIOS].map((s) => s.length), 30);
  console.log(`\n${'server scenario'.padEnd(width)}  ${'fixture directly'.padEnd(20)}  through switchboard`);
  for (const s of scenarios) {
    console.log(`${s.padEnd(width)}  ${cell(direct.get(s)).padEnd(20)}  ${cell(through.get(s))}`);
  }
  console.log(`${'TOTAL'.padEnd(width)}  ${cell(total(direct)).padEnd(20)}  ${cell(total(through))}`);
  console.log(`\n${'client scenario'.padEnd(width)}  switchboard as the client`);
  for (const s of CLIENT_SCENARIOS) console.log(`${s.padEnd(width)}  ${cell(client.get(s))}`);

  let failed = scenarios.length === 0;
  for (const [where, map, expected] of [
    ['fixture directly', direct, scenarios],
    ['through switchboard', through, scenarios],
    ['switchboard as client', client, CLIENT_SCENARIOS],
  ] as const) {
    for (const s of expected) {
      const t = map.get(s);
      if (t && t.failed === 0) continue;
      failed = true;
      console.log(`\nFAILED ${where}: ${s}\n  ${t ? t.failures.join('\n  ') : 'no results'}`);
    }
  }
  console.log(failed ? '\nconformance: FAILED' : '\nconformance: all checks passed');
  return failed ? 1 : 0;
}

let code = 1;
try {
  code = await main();
} catch (err) {
  console.error(err);
} finally {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
}
process.exit(code);
