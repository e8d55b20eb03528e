/** Helpers of `npm run conformance`: processes, the suite's saved checks, and the side-by-side verdict. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
/** The suite release with the frozen requirement sets, and the Node 22 it needs (tools/conformance-next). */
export const NEXT = join(ROOT, 'tools/conformance-next');
export const NODE22 = join(NEXT, 'node_modules/node/bin/node');
export const SUITE_NEXT = join(NEXT, 'node_modules/@modelcontextprotocol/conformance/dist/index.js');
/** The suite release that runs on the project's Node 20 (its active scenarios, as before the frozen sets). */
export const SUITE_OLD = join(ROOT, 'node_modules/@modelcontextprotocol/conformance/dist/index.js');

/** One scenario's checks, counted. */
export interface Tally {
  passed: number;
  failed: number;
  warnings: number;
  failures: string[];
}

const children: ChildProcess[] = [];

/** Ends every process this run started. */
export function stopAll(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
}

/** Installs the newer suite and Node 22 under tools/conformance-next on first use. */
export function installNext(): void {
  if (existsSync(NODE22) && existsSync(SUITE_NEXT)) return;
  console.log('installing the conformance suite and Node 22 under tools/conformance-next (first use) ...');
  const npm = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: NEXT, stdio: 'inherit' });
  if (npm.status !== 0 || !existsSync(SUITE_NEXT)) throw new Error('npm ci in tools/conformance-next failed');
}

/** The version of the suite installed under tools/conformance-next. */
export function nextVersion(): string {
  const pkg = join(NEXT, 'node_modules/@modelcontextprotocol/conformance/package.json');
  return (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
}

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => res(port));
    });
    srv.once('error', rej);
  });
}

/** Starts a long-running Node process and resolves once its output matches `ready`. */
export function start(args: string[], env: Record<string, string>, ready: RegExp): Promise<ChildProcess> {
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

/** Runs a suite CLI to completion (its exit code is ignored in favour of the saved checks); returns its output. */
export function runSuite(node: string, suite: string, args: string[]): Promise<string> {
  return new Promise((res) => {
    const child = spawn(node, [suite, ...args], { cwd: ROOT, env: process.env });
    children.push(child);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', () => res(out));
  });
}

/** Check results saved under `dir`, by scenario (directories are `[server-]<scenario>-<timestamp>`, maybe nested). */
export function results(dir: string): Map<string, Tally> {
  const out = new Map<string, Tally>();
  if (!existsSync(dir)) return out;
  const visit = (d: string, prefix: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const path = join(d, entry.name);
      if (!existsSync(join(path, 'checks.json'))) {
        visit(path, `${prefix}${entry.name}/`);
        continue;
      }
      const name = entry.name.replace(/^server-/, '').replace(/-\d{4}-\d{2}-\d{2}T[\d-]+Z$/, '');
      const checks = JSON.parse(readFileSync(join(path, 'checks.json'), 'utf8')) as {
        id?: string;
        name: string;
        status: string;
        errorMessage?: string;
      }[];
      const t = out.get(prefix + name) ?? { passed: 0, failed: 0, warnings: 0, failures: [] };
      for (const c of checks) {
        if (c.status === 'SUCCESS') t.passed++;
        if (c.status === 'WARNING') t.warnings++;
        if (c.status === 'FAILURE') {
          t.failed++;
          t.failures.push(`${c.id ?? c.name}: ${c.errorMessage ?? 'failed'}`);
        }
      }
      out.set(prefix + name, t);
    }
  };
  visit(dir, '');
  return out;
}

/** The scenarios a frozen requirement set scores and those it runs without scoring (`conformance list`). */
export async function requirementSet(revision: string): Promise<{ scored: string[]; unscored: string[] }> {
  const text = await runSuite(NODE22, SUITE_NEXT, ['list', '--requirements', revision]);
  const scored: string[] = [];
  const unscored: string[] = [];
  let section: 'server' | 'client' | 'unscored' | undefined;
  for (const line of text.split('\n')) {
    if (/^Server scenarios/.test(line)) section = 'server';
    else if (/^Client scenarios/.test(line)) section = 'client';
    else if (/^Run and reported, but never scored/.test(line)) section = 'unscored';
    const m = /^\s+- (\S+)(?: \[(server|client)\])?/.exec(line);
    if (!m) continue;
    if (section === 'server') scored.push(m[1]!);
    else if (section === 'unscored' && m[2] === 'server') unscored.push(m[1]!);
  }
  return { scored, unscored };
}

export function cell(t: Tally | undefined): string {
  if (!t) return 'NOT RUN';
  const mark = t.failed === 0 ? 'pass' : 'FAIL';
  return `${mark} ${t.passed}/${t.passed + t.failed}${t.warnings ? ` (${t.warnings} warn)` : ''}`;
}

/** Whether the gateway did worse than the upstream directly: more failed checks, or failures where there were none. */
export function worse(direct: Tally | undefined, through: Tally | undefined): boolean {
  if (!through) return direct !== undefined;
  if (!direct) return through.failed > 0;
  return through.failed > direct.failed;
}

/** Scenarios without failures among `names`. */
export function clean(map: Map<string, Tally>, names: string[]): number {
  return names.filter((n) => map.get(n)?.failed === 0).length;
}
