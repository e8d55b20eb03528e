/**
 * `npm run conformance:auth`: the official MCP conformance suite's client auth scenarios with switchboard as
 * the client, authenticating to the scenario's upstream as an OAuth machine-to-machine client
 * (test/conformance/client-driver.ts). The scenarios need @modelcontextprotocol/conformance 0.1.16 or later
 * (pinned 0.2.0-alpha.12), which needs Node 22: both are installed under tools/conformance-next (on first use)
 * and the suite runs on that Node 22 binary, while switchboard itself runs on this Node.
 *
 * Scenarios a client_credentials client passes completely: client-credentials-basic, client-credentials-jwt,
 * pre-registration. The metadata-discovery and token-endpoint-auth scenarios also grade an interactive
 * authorization-code login with dynamic client registration, which a machine-to-machine client never does:
 * their checks of that login (INTERACTIVE below) are reported as not applicable, and every other check of
 * theirs (metadata discovery, token request, client authentication method, resource, bearer token use) must pass.
 * Exits non-zero when any other check fails or a scenario produced no results.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const NEXT = join(ROOT, 'tools/conformance-next');
const NODE22 = join(NEXT, 'node_modules/node/bin/node');
const SUITE = join(NEXT, 'node_modules/@modelcontextprotocol/conformance/dist/index.js');
const DRIVER = join(ROOT, 'test/conformance/client-driver.ts');

/** Scenario → whether it is graded completely (true) or without its interactive-login checks (false). */
const SCENARIOS: Record<string, boolean> = {
  'auth/client-credentials-basic': true,
  'auth/client-credentials-jwt': true,
  'auth/pre-registration': true,
  'auth/metadata-default': false,
  'auth/metadata-var1': false,
  'auth/metadata-var2': false,
  'auth/metadata-var3': false,
  'auth/token-endpoint-auth-basic': false,
  'auth/token-endpoint-auth-post': false,
};
/** Checks of the authorization-code flow with dynamic registration: not applicable to client_credentials. */
const INTERACTIVE = new Set([
  'client-registration',
  'authorization-request',
  'resource-parameter-in-authorization',
]);
/** Scenarios run at once (each starts a suite process, a switchboard and two local servers). */
const PARALLEL = Number(process.env.CONFORMANCE_PARALLEL ?? 3);

interface Check {
  id: string;
  status: string;
  description?: string;
}

function install(): void {
  if (existsSync(NODE22) && existsSync(SUITE)) return;
  console.log('installing the conformance suite and Node 22 under tools/conformance-next (first use) ...');
  const npm = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: NEXT, stdio: 'inherit' });
  if (npm.status !== 0 || !existsSync(NODE22)) throw new Error('npm ci in tools/conformance-next failed');
}

function runScenario(scenario: string, out: string): Promise<void> {
  const command = `${process.execPath} --import tsx ${DRIVER}`;
  return new Promise((res) => {
    const child = spawn(NODE22, [SUITE, 'client', '--command', command, '--scenario', scenario, '-o', out], {
      cwd: ROOT,
      env: { ...process.env, SWITCHBOARD_LOG_LEVEL: process.env.SWITCHBOARD_LOG_LEVEL ?? 'error' },
      stdio: 'ignore',
    });
    child.once('exit', () => res());
  });
}

function checksOf(out: string, scenario: string): Check[] | undefined {
  // The suite writes <out>/auth/<name>-<timestamp>/checks.json.
  const [dir, name] = scenario.split('/') as [string, string];
  const entry = existsSync(join(out, dir))
    ? readdirSync(join(out, dir)).find((e) => e.startsWith(`${name}-2`))
    : undefined;
  if (!entry) return undefined;
  return JSON.parse(readFileSync(join(out, dir, entry, 'checks.json'), 'utf8')) as Check[];
}

async function main(): Promise<number> {
  install();
  const out = mkdtempSync(join(tmpdir(), 'switchboard-conformance-auth-'));
  const queue = Object.keys(SCENARIOS);
  const started = Date.now();
  await Promise.all(
    Array.from({ length: PARALLEL }, async () => {
      for (let s = queue.shift(); s; s = queue.shift()) await runScenario(s, join(out, s.replace('/', '-')));
    }),
  );
  let failed = false;
  const width = Math.max(...Object.keys(SCENARIOS).map((s) => s.length));
  console.log(`\n${'client auth scenario'.padEnd(width)}  switchboard as an OAuth client_credentials client`);
  for (const [scenario, complete] of Object.entries(SCENARIOS)) {
    const checks = checksOf(join(out, scenario.replace('/', '-')), scenario);
    if (!checks) {
      failed = true;
      console.log(`${scenario.padEnd(width)}  FAIL: no results`);
      continue;
    }
    const graded = checks.filter(
      (c) => c.status === 'SUCCESS' || c.status === 'FAILURE' || c.status === 'WARNING',
    );
    const na = complete ? [] : graded.filter((c) => INTERACTIVE.has(c.id) && c.status !== 'SUCCESS');
    const rest = graded.filter((c) => !na.includes(c));
    const bad = rest.filter((c) => c.status !== 'SUCCESS');
    if (bad.length > 0) failed = true;
    const naText = na.length ? `; n/a (interactive login): ${na.map((c) => c.id).join(', ')}` : '';
    console.log(
      `${scenario.padEnd(width)}  ${bad.length ? 'FAIL' : 'pass'} ${rest.length - bad.length}/${rest.length}${naText}`,
    );
    for (const c of bad) console.log(`${''.padEnd(width)}    ${c.status} ${c.id}: ${c.description ?? ''}`);
  }
  console.log(`\n(${((Date.now() - started) / 1000).toFixed(0)} s; results in ${out})`);
  console.log(failed ? 'conformance auth: FAILED' : 'conformance auth: all applicable checks passed');
  return failed ? 1 : 0;
}

process.exit(await main());
