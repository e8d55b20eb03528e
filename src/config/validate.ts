import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import type { ConfigProblem } from './errors.js';
import { SECRET_KEYWORD } from './secret-values.js';

type Located = (path: (string | number)[], message: string, onKey?: boolean) => ConfigProblem;
type SchemaNode = Record<string, unknown>;

/** The JSON Schema of the config file, read from schemas/ (the single source of truth). */
export const configSchema = JSON.parse(
  readFileSync(new URL('../../schemas/switchboard.schema.json', import.meta.url), 'utf8'),
) as SchemaNode;

const ajv = new Ajv2020({
  allErrors: true,
  strict: true,
  allowUnionTypes: true,
  discriminator: true,
  coerceTypes: true,
  verbose: true,
});
// An annotation only (what to mask, see secret-values.ts); strict mode needs every keyword declared.
ajv.addKeyword({ keyword: SECRET_KEYWORD, schemaType: ['boolean', 'string'] });
const validate = ajv.compile(configSchema);

function resolveRef(node: SchemaNode): SchemaNode {
  const ref = node.$ref;
  if (typeof ref !== 'string' || !ref.startsWith('#/$defs/')) return node;
  return ((configSchema.$defs as SchemaNode)[ref.slice('#/$defs/'.length)] ?? {}) as SchemaNode;
}

/** Keys a schema node allows, following allOf/$ref as AJV does. */
function allowedKeys(node: SchemaNode): string[] {
  const n = resolveRef(node);
  const keys = Object.keys((n.properties as SchemaNode | undefined) ?? {});
  for (const sub of (n.allOf as SchemaNode[] | undefined) ?? []) keys.push(...allowedKeys(sub));
  return keys;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

/** The closest allowed key to an unknown one, when it is close enough to be a likely typo. */
export function didYouMean(unknown: string, allowed: string[]): string | undefined {
  let best: string | undefined;
  let bestScore = Infinity;
  for (const key of allowed) {
    const d = editDistance(unknown.toLowerCase(), key.toLowerCase());
    if (d < bestScore) [best, bestScore] = [key, d];
  }
  return best !== undefined && bestScore <= Math.max(2, Math.floor(unknown.length / 3)) ? best : undefined;
}

function pathOf(instancePath: string): (string | number)[] {
  if (!instancePath) return [];
  return instancePath
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

const SECRET_PATH = /(token|key|password|secret|value|headers|env|authorization)/i;

/**
 * A value as shown in a message, never a secret: not at all under a secret-bearing key (tokens, keys, passwords,
 * headers, env) nor when 16 characters or longer (secrets are long, typos in durations and names short); a URL
 * without its user info and query.
 */
export function shownValue(value: unknown, path: string): string {
  if (typeof value !== 'string') return JSON.stringify(value);
  if (SECRET_PATH.test(path)) return '(value hidden)';
  const url = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*@)?([^?#]*)(\?[^#]*)?/i.exec(value);
  if (url) return JSON.stringify(`${url[1]}${url[2] ? '***@' : ''}${url[3]}${url[4] ? '?***' : ''}`);
  return value.length >= 16 ? `(${value.length} characters, hidden)` : JSON.stringify(value);
}

function describe(e: ErrorObject): string {
  const desc = (e.parentSchema as SchemaNode | undefined)?.description;
  switch (e.keyword) {
    case 'anyOf':
      return `invalid value${typeof desc === 'string' ? ` (${desc})` : ''}`;
    case 'enum':
      return `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'pattern':
      return typeof desc === 'string'
        ? `invalid value ${shownValue(e.data, e.instancePath)}: ${desc}`
        : `${shownValue(e.data, e.instancePath)} does not match ${(e.params as { pattern: string }).pattern}`;
    case 'discriminator':
      return `auth type must be one of "bearer", "api_key", "query_param", "basic"`;
    default:
      return e.message ?? 'invalid';
  }
}

/** Validates a raw config object against the schema; one located problem per distinct error. */
export function validateSchema(raw: unknown, at: Located): ConfigProblem[] {
  if (validate(raw)) return [];
  const errors = validate.errors ?? [];
  // An anyOf failure also reports each branch's failure at the same place; the summary is enough.
  const anyOfPaths = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
  const problems: ConfigProblem[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    if (e.keyword !== 'anyOf' && anyOfPaths.has(e.instancePath)) continue;
    if (e.keyword === 'propertyNames') continue; // reported by its nested pattern error
    if (e.keyword === 'discriminator' && errors.some((o) => o.instancePath === `${e.instancePath}/type`))
      continue;
    const path = pathOf(e.instancePath);
    let problem: ConfigProblem;
    if (e.keyword === 'additionalProperties' || e.keyword === 'unevaluatedProperties') {
      const params = e.params as { additionalProperty?: string; unevaluatedProperty?: string };
      const key = params.additionalProperty ?? params.unevaluatedProperty ?? '?';
      const hint = didYouMean(key, allowedKeys(e.parentSchema as SchemaNode));
      problem = at([...path, key], `unknown key "${key}"${hint ? ` (did you mean "${hint}"?)` : ''}`, true);
    } else if (e.keyword === 'pattern' && e.propertyName !== undefined) {
      problem = at(
        [...path, e.propertyName],
        `invalid name "${e.propertyName}": use letters, digits, _ and -`,
        true,
      );
    } else if (e.keyword === 'required') {
      problem = at(
        path,
        `missing required key "${(e.params as { missingProperty: string }).missingProperty}"`,
      );
    } else {
      problem = at(path, describe(e));
    }
    const id = `${problem.line}:${problem.col}:${problem.message}`;
    if (!seen.has(id)) problems.push(problem);
    seen.add(id);
  }
  return problems.sort((a, b) => a.line - b.line || a.col - b.col);
}
