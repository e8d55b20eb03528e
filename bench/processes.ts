/** Child processes of the benchmark: transpiling bench/ to plain JS, starting servers, stopping whole trees. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { processTree } from './proc.js';
import { sleep } from './stats.js';

/** The repository root. */
export const ROOT = resolve(import.meta.dirname, '..');
/** Where bench/*.ts is transpiled for child processes (plain node, no tsx loader in the measured trees). */
export const BUILD = join(ROOT, 'bench/.build');

/** The bench modules child processes run, and what they import. */
const CHILD_MODULES = ['upstream', 'floor', 'load', 'idle', 'proc', 'stats', 'rawmcp'];

/** Transpiles the child-process modules to bench/.build/*.js (no type-check: `npm run typecheck` does that). */
export function transpileBench(): void {
  mkdirSync(BUILD, { recursive: true });
  const dir = join(ROOT, 'bench');
  for (const file of CHILD_MODULES.map((m) => `${m}.ts`)) {
    const out = ts.transpileModule(readFileSync(join(dir, file), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      fileName: file,
    });
    writeFileSync(join(BUILD, file.replace(/\.ts$/, '.js')), out.outputText);
  }
}

/** A port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => res(port));
    });
    srv.once('error', rej);
  });
}

/** A started child process and the first match of its readiness pattern. */
export interface Started {
  child: ChildProcess;
  pid: number;
  match: RegExpMatchArray;
  /** The last few KB of its stdout and stderr. */
  output(): string;
}

const running = new Set<ChildProcess>();

/** Spawns a process in its own process group and waits until its output matches `ready` (null: no wait). */
export async function startProcess(
  command: string,
  args: string[],
  ready: RegExp | null,
  opts: { env?: Record<string, string>; timeoutMs?: number; cwd?: string } = {},
): Promise<Started> {
  const child = spawn(command, args, {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  running.add(child);
  let tail = '';
  const output = () => tail;
  const match = await new Promise<RegExpMatchArray>((res, rej) => {
    const timer = setTimeout(
      () => rej(new Error(`${command} not ready after ${opts.timeoutMs ?? 60_000} ms: ${tail.slice(-800)}`)),
      opts.timeoutMs ?? 60_000,
    );
    const onData = (d: Buffer) => {
      tail = (tail + d.toString()).slice(-8192);
      const m = ready?.exec(tail);
      if (m) {
        clearTimeout(timer);
        res(m);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      rej(new Error(`${command} exited (${code ?? signal}) before ready: ${tail.slice(-800)}`));
    });
    if (!ready) {
      clearTimeout(timer);
      res([] as unknown as RegExpMatchArray);
    }
  }).catch(async (err: unknown) => {
    await stopProcess(child);
    throw err;
  });
  return { child, pid: child.pid!, match, output };
}

/** Stops a process group and every descendant: SIGTERM, then SIGKILL after graceMs. */
export async function stopProcess(child: ChildProcess, graceMs = 5000): Promise<void> {
  running.delete(child);
  const pids = child.pid ? processTree([child.pid]) : [];
  const signal = (s: NodeJS.Signals) => {
    if (child.pid) {
      try {
        process.kill(-child.pid, s);
      } catch {
        // group gone
      }
    }
    for (const pid of pids) {
      try {
        process.kill(pid, s);
      } catch {
        // gone
      }
    }
  };
  if (child.exitCode !== null || child.signalCode !== null) return signal('SIGKILL');
  const exited = new Promise((r) => child.once('exit', r));
  signal('SIGTERM');
  await Promise.race([exited, sleep(graceMs)]);
  signal('SIGKILL');
}

/** Kills every process this module started and has not stopped yet (for exits on error or Ctrl-C). */
export function killAllStarted(): void {
  for (const child of running) {
    for (const pid of child.pid ? processTree([child.pid]).reverse() : []) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }
  running.clear();
}

/** Polls fn until it returns a truthy value, bounded by timeoutMs. */
export async function waitFor<T>(fn: () => Promise<T>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await sleep(100);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/** Runs bench/.build/<script>.js with plain node and parses the JSON line it prints last (bounded by timeoutMs). */
export async function runJsonChild<T>(script: string, args: string[], timeoutMs: number): Promise<T> {
  const child = spawn(process.execPath, [join(BUILD, `${script}.js`), ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    err = (err + d.toString()).slice(-4096);
    if (process.env.BENCH_VERBOSE) process.stderr.write(d);
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  clearTimeout(timer);
  running.delete(child);
  const line = out.trim().split('\n').pop() ?? '';
  if (code !== 0 || !line.startsWith('{')) {
    throw new Error(
      `${script} failed (exit ${code ?? 'killed'}): ${err.trim().split('\n').slice(-3).join(' | ')}`,
    );
  }
  return JSON.parse(line) as T;
}
