/**
 * Checks of a valid config against the machine it runs on: a stdio backend whose command or script path does
 * not exist would only fail once started, as "child process exited". These are warnings, not problems: the
 * file may be meant for another machine (a container image), and a path may appear before the gateway starts.
 */
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, relative, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import type { ConfigProblem } from './errors.js';
import { locator } from './load.js';
import type { GatewayConfig, StdioSpec } from './model.js';

/** Arguments ending like a script or program file are paths, whatever they start with. */
const SCRIPT = /\.(c|m)?(js|ts)$|\.(py|sh|rb|pl|php|jar|exe|bin)$/i;

/**
 * Whether an argument names a file: an explicit path (`./x`, `../x`, `/x`), a script path (`dist/index.js`), or
 * a bare script name as the first argument (`node server.js`); later bare names may be relative to something
 * else (`uv --directory D run server.py`).
 */
function pathLike(arg: string, first: boolean): boolean {
  if (arg.startsWith('-') || arg.includes('://') || arg.includes('=') || arg.startsWith('@')) return false;
  return /^(\.{1,2}\/|\/)/.test(arg) || (SCRIPT.test(arg) && (first || arg.includes('/')));
}

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function exists(file: string): boolean {
  try {
    statSync(file);
    return true;
  } catch {
    return false;
  }
}

/** Where a bare command name would be found: the child's PATH (its env, else the gateway's). */
function onPath(command: string, spec: StdioSpec): boolean {
  const path = spec.env.PATH ?? process.env.PATH ?? '';
  return path
    .split(delimiter)
    .filter(Boolean)
    .some((dir) => executable(join(isAbsolute(dir) ? dir : resolve(spec.cwd, dir), command)));
}

/** What is wrong with one stdio backend's command and arguments, as [key path, message] pairs. */
function stdioWarnings(spec: StdioSpec, configDir: string): [(string | number)[], string][] {
  const out: [(string | number)[], string][] = [];
  const base = ['mcpServers', spec.name];
  const where =
    spec.cwd === configDir
      ? `relative to the config file's folder ${spec.cwd} (the backend's cwd)`
      : `relative to the backend's cwd ${spec.cwd}`;
  if (spec.command.includes('/')) {
    if (!executable(resolve(spec.cwd, spec.command)))
      out.push([[...base, 'command'], `"${spec.command}" is not an executable file ${where}`]);
  } else if (!onPath(spec.command, spec)) {
    out.push([[...base, 'command'], `"${spec.command}" is not found on the PATH the child gets`]);
  }
  spec.args.forEach((arg, i) => {
    if (pathLike(arg, i === 0) && !exists(resolve(spec.cwd, arg)))
      out.push([[...base, 'args', i], `"${arg}" does not exist ${where}`]);
  });
  return out;
}

/** Warnings about the stdio backends of a loaded config, located in its file like config problems. */
export function preflight(config: GatewayConfig): ConfigProblem[] {
  const stdio = config.backends.filter((b): b is StdioSpec => b.kind === 'stdio');
  if (stdio.length === 0) return [];
  const configDir = resolve(config.file, '..');
  const found = stdio.flatMap((spec) => stdioWarnings(spec, configDir));
  if (found.length === 0) return [];
  let at: ReturnType<typeof locator> | undefined;
  const rel = relative(process.cwd(), config.file);
  const shown = rel && !rel.startsWith('..') ? rel : config.file;
  try {
    const lines = new LineCounter();
    at = locator(parseDocument(readFileSync(config.file, 'utf8'), { lineCounter: lines }), lines, shown);
  } catch {
    // Built in memory, or the file changed since: the key path alone still says where.
  }
  return found.map(([path, message]) =>
    at ? at(path, message) : { file: shown, line: 1, col: 1, path: path.join('.'), message },
  );
}
