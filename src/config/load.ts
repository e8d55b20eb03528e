import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import {
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  visit,
  type Document,
  type Node,
} from 'yaml';
import { authProblems, exposureProblems } from './auth.js';
import { signInIssuerProblems, signInProblems } from './sign-in.js';
import { upstreamAuthProblems } from './upstream-auth.js';
import { ConfigError, type ConfigProblem } from './errors.js';
import { interpolate } from './interpolate.js';
import type { GatewayConfig } from './model.js';
import { normalise, type SettingOverrides } from './normalise.js';
import type { SwitchboardConfig } from './schema-types.js';
import { sessionModeProblems } from './session-mode.js';
import { validateSchema } from './validate.js';
import { toolsetProblems } from './toolsets.js';

/** Options for loading a config file. */
export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  overrides?: SettingOverrides;
  /** Refuse a file with no content instead of reading it as "no backends" (a reload may catch a half-written file). */
  rejectEmpty?: boolean;
}

/** A key path and message, located in the file. */
export type Located = (path: (string | number)[], message: string, onKey?: boolean) => ConfigProblem;

/** Finds a key path's line and column in a parsed document (the key itself with `onKey`). */
export function locator(doc: Document, lines: LineCounter, file: string): Located {
  return (path, message, onKey = false) => {
    let node: Node | undefined;
    if (onKey && path.length > 0) {
      const parent = doc.getIn(path.slice(0, -1), true);
      if (isMap(parent)) {
        const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === path[path.length - 1]);
        node = (pair?.key as Node | undefined) ?? parent;
      }
    }
    for (let depth = path.length; !node && depth >= 0; depth--) {
      const found = doc.getIn(path.slice(0, depth), true);
      if (found && typeof found === 'object' && 'range' in found) node = found as Node;
    }
    const offset = node?.range?.[0] ?? 0;
    const { line, col } = lines.linePos(offset);
    return { file, line, col, path: path.join('.'), message };
  };
}

/** Expands `${VAR}` in every string value (not keys) of the document in place; reports unset variables. */
function interpolateDocument(doc: Document, env: NodeJS.ProcessEnv, at: Located): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  visit(doc, {
    Scalar(key, node, ancestors) {
      if (key === 'key' || typeof node.value !== 'string' || !node.value.includes('${')) return;
      const path: (string | number)[] = [];
      ancestors.forEach((a, i) => {
        if (isPair(a) && isScalar(a.key)) path.push(String(a.key.value));
        else if (isSeq(a)) path.push(a.items.indexOf((ancestors[i + 1] ?? node) as never));
      });
      const { value, missing } = interpolate(node.value, env);
      for (const name of missing) {
        problems.push(
          at(path, `environment variable ${name} is not set (use \${${name}:-default} for a default)`),
        );
      }
      node.value = value;
    },
  });
  return problems;
}

/** Parses, interpolates and validates config text; throws ConfigError listing every problem. */
export function parseConfig(text: string, file: string, options: LoadOptions = {}): GatewayConfig {
  const rel = relative(process.cwd(), file);
  const shown = rel && !rel.startsWith('..') ? rel : file;
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const at = locator(doc, lines, shown);
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => {
        const { line, col } = lines.linePos(e.pos[0]);
        return { file: shown, line, col, path: '', message: `YAML: ${e.message.split('\n')[0]}` };
      }),
    );
  }
  if (options.rejectEmpty && doc.contents === null) {
    const message = 'the file is empty; to run with no backends, write "mcpServers: {}"';
    throw new ConfigError([{ file: shown, line: 1, col: 1, path: '', message }]);
  }
  const problems = interpolateDocument(doc, options.env ?? process.env, at);
  const raw = (doc.toJS() ?? {}) as unknown;
  // An unset variable already has its problem; the empty string left in its place would add a second one.
  const unset = new Set(problems.map((p) => p.path));
  problems.push(...validateSchema(raw, at).filter((p) => !unset.has(p.path)));
  problems.sort((a, b) => a.line - b.line || a.col - b.col);
  if (problems.length === 0) {
    problems.push(...duplicateNames(raw as SwitchboardConfig, at));
    problems.push(...sessionModeProblems(raw as SwitchboardConfig, at));
    problems.push(...authProblems(raw as SwitchboardConfig, at));
    problems.push(...upstreamAuthProblems(raw as SwitchboardConfig, at));
    problems.push(...signInProblems(raw as SwitchboardConfig, at, dirname(file)));
    problems.push(...toolsetProblems(raw as SwitchboardConfig, at));
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const config = normalise(raw as SwitchboardConfig, file, options.overrides, options.env);
  const exposed = [...exposureProblems(config, at), ...signInIssuerProblems(config.gateway.auth.signIn, at)];
  if (exposed.length > 0) throw new ConfigError(exposed);
  return {
    ...config,
    hash: createHash('sha256').update(text).digest('hex'),
    source: raw as SwitchboardConfig,
  };
}

function duplicateNames(raw: SwitchboardConfig, at: Located): ConfigProblem[] {
  const seen = new Map<string, string>();
  const problems: ConfigProblem[] = [];
  for (const section of ['mcpServers', 'httpServices', 'sseServices'] as const) {
    for (const name of Object.keys(raw[section] ?? {})) {
      const first = seen.get(name);
      if (first)
        problems.push(at([section, name], `backend name "${name}" is already used in ${first}`, true));
      else seen.set(name, section);
    }
  }
  return problems;
}

/** Reads and parses a config file from disk; a missing file is a ConfigError too. */
export function loadConfig(path: string, options: LoadOptions = {}): GatewayConfig {
  const file = resolve(path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const reason =
      (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (err as Error).message;
    throw new ConfigError([{ file: path, line: 1, col: 1, path: '', message: reason }]);
  }
  return parseConfig(text, file, options);
}
