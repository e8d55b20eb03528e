import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';

/** A JSON Schema node as read from schemas/switchboard.schema.json. */
type SchemaNode = Record<string, unknown>;

/** The schema keyword that marks secrets (see the schema's `$comment`). */
export const SECRET_KEYWORD = 'x-secret';

/** A line of a multi-line secret (a PEM key's body) is masked on its own when at least this long. */
const MIN_LINE = 16;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The password of a URL, if it has one (as written and decoded). */
function urlPassword(text: string): string[] {
  if (!/^[a-z][a-z0-9+.-]*:\/\/[^/@\s]*:[^/@\s]*@/i.test(text)) return [];
  try {
    const u = new URL(text);
    return u.password ? [u.password, decodeURIComponent(u.password)] : [];
  } catch {
    return [];
  }
}

/** Every string somewhere in a value. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (isObject(value)) return Object.values(value).flatMap(strings);
  return [];
}

/**
 * Walks a config along its JSON Schema and returns every secret it holds: values marked `x-secret: true`,
 * the contents of files marked `x-secret: "file"` (relative paths against `baseDir`; unreadable files are
 * skipped), and the password of any URL anywhere. A multi-line secret also yields its long lines, since
 * output is masked line by line. Schema-driven, so a secret field added to the schema is masked once marked.
 */
export function secretValues(config: unknown, schema: SchemaNode, baseDir: string): string[] {
  const defs = (schema.$defs ?? {}) as Record<string, SchemaNode>;
  const found: string[] = [];
  const resolveRef = (node: SchemaNode): SchemaNode => {
    const ref = node.$ref;
    if (typeof ref !== 'string' || !ref.startsWith('#/$defs/')) return node;
    return { ...(defs[ref.slice('#/$defs/'.length)] ?? {}), ...node, $ref: undefined };
  };
  const walk = (raw: SchemaNode, value: unknown): void => {
    const node = resolveRef(raw);
    const mark = node[SECRET_KEYWORD];
    if (mark === true) found.push(...strings(value));
    if (mark === 'file' && typeof value === 'string') {
      try {
        found.push(readFileSync(isAbsolute(value) ? value : resolve(baseDir, value), 'utf8').trim());
      } catch {
        // no file, no secret to mask (the loader reports a missing key file when it is used)
      }
    }
    for (const sub of (node.allOf as SchemaNode[] | undefined) ?? []) walk(sub, value);
    const branches = [...((node.oneOf as SchemaNode[]) ?? []), ...((node.anyOf as SchemaNode[]) ?? [])];
    const tag = (node.discriminator as { propertyName?: string } | undefined)?.propertyName;
    for (const branch of branches) {
      // With a discriminator only the branch the value names applies; else each branch that can.
      const b = resolveRef(branch);
      const props = (b.properties ?? {}) as Record<string, SchemaNode>;
      if (tag && isObject(value) && props[tag]?.const !== value[tag]) continue;
      walk(b, value);
    }
    if (isObject(value)) {
      const props = (node.properties ?? {}) as Record<string, SchemaNode>;
      const extra = node.additionalProperties;
      for (const [k, v] of Object.entries(value)) {
        if (props[k]) walk(props[k], v);
        else if (isObject(extra)) walk(extra, v);
      }
    } else if (Array.isArray(value) && isObject(node.items)) {
      for (const item of value) walk(node.items, item);
    }
  };
  walk(schema, config);
  found.push(...strings(config).flatMap(urlPassword));
  const lines = found.flatMap((s) =>
    s.includes('\n')
      ? s
          .split(/\r?\n/)
          .map((l) => l.trim())
          .filter((l) => l.length >= MIN_LINE)
      : [],
  );
  return [...new Set([...found, ...lines])].filter((s) => s.length > 0);
}
