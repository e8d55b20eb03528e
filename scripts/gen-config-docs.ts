/**
 * Renders docs/configuration.md, the configuration reference, from schemas/switchboard.schema.json: every key
 * under its YAML name with its type, default, allowed values and description. `--check` fails when the
 * committed page is stale (npm test runs it), so the reference cannot drift from the schema.
 */
import { readFileSync, writeFileSync } from 'node:fs';

interface Schema {
  $ref?: string;
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  minItems?: number;
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  propertyNames?: Schema;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  not?: Schema;
}

const schemaPath = new URL('../schemas/switchboard.schema.json', import.meta.url);
const outPath = new URL('../docs/configuration.md', import.meta.url);
const root = JSON.parse(readFileSync(schemaPath, 'utf8')) as Schema & { $defs: Record<string, Schema> };

const INTRO = `# Configuration reference

<!-- Generated from schemas/switchboard.schema.json by \`npm run gen:docs\`; do not edit by hand. -->

switchboard reads one YAML file, \`external-mcp-servers.yaml\` by default (\`--config PATH\` for another). It is
checked against [\`schemas/switchboard.schema.json\`](../schemas/switchboard.schema.json) (JSON Schema 2020-12,
strict: an unknown key is an error, with a did-you-mean hint) before anything starts, and every problem is
reported as \`file:line:col: key.path: message\`. Point your editor's YAML language server at the schema for
completion. This page is generated from that schema, so it lists exactly what the gateway accepts.

- **Environment variables**: \`\${VAR}\` and \`\${VAR:-default}\` in any value (not in keys) are read from the
  environment when the file is loaded; an unset variable without a default is an error.
- **Durations** (type *duration* below): milliseconds as a number (\`1500\`), or a string with a unit:
  \`500ms\`, \`30s\`, \`2m\`, \`1h\`.
- **Relative paths** (\`cwd\`, \`jwks_file\`, \`private_key_file\`) resolve against the config file's folder, which is
  also a stdio backend's working directory unless \`cwd\` says otherwise.
- **Check a file**: \`switchboard validate --config FILE\` (it also warns when a stdio command or script path does
  not exist); \`switchboard validate --diff OLD NEW\` says what a reload would change.
- **Reloads**: the running gateway follows the file (see [operations](operations.md#hot-reload)); settings marked
  in their description as taking a restart keep their running value until then.

Guides by task: [clients](clients.md), [upstreams](upstreams.md), [security](security.md),
[operations](operations.md), [Kubernetes](kubernetes.md), [discovery](discovery.md),
[single-session upstreams](single-session.md), [protocol](protocol.md).
`;

function resolve(node: Schema): Schema {
  if (!node.$ref) return node;
  const target = root.$defs[node.$ref.replace('#/$defs/', '')];
  if (!target) throw new Error(`unresolved ${node.$ref}`);
  const { $ref: _ref, ...rest } = node;
  // The referring node's own keywords (a description, a default) win over the definition's.
  return { ...resolve(target), ...rest };
}

/** The keys every backend kind shares, documented once. */
const COMMON = '#/$defs/backendCommon';
const COMMON_TITLE = 'Every backend';

/** Properties of an object schema: its allOf parts' (except the shared backend keys, shown once) and its own. */
function propertiesOf(node: Schema): Record<string, Schema> {
  const parts = (node.allOf ?? []).filter((p) => p.$ref !== COMMON).map((p) => propertiesOf(resolve(p)));
  return Object.assign({}, ...parts, node.properties ?? {});
}

const isObject = (n: Schema) => n.type === 'object' && Object.keys(propertiesOf(n)).length > 0;
const code = (v: unknown) => `\`${typeof v === 'string' ? v : JSON.stringify(v)}\``;
/** Markdown-safe text: pipes and `<` (which would start an HTML tag) escaped, on one line. */
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/</g, '\\<').replace(/\n+/g, ' ');

/** A heading's GitHub anchor. */
function anchor(title: string): string {
  return title
    .toLowerCase()
    .replace(/[^a-z0-9 _-]/g, '')
    .replace(/ /g, '-');
}

/** Sections found while rendering the current table, rendered right after it (depth first). */
let found: { title: string; node: Schema }[] = [];
const rendered = new Set<string>();

/** The section each shared definition (`$ref`) is documented in: the first place it appears. */
const byRef = new Map<string, string>();

/** Notes a section for a nested object schema and returns a link to it (one section per shared definition). */
function section(title: string, node: Schema, ref?: string): string {
  const home = ref ? byRef.get(ref) : undefined;
  if (home) return `[object](#${anchor(home)})`;
  if (ref) byRef.set(ref, title);
  if (!found.some((s) => s.title === title) && !rendered.has(title)) found.push({ title, node });
  return `[object](#${anchor(title)})`;
}

/** The type column: a readable type, linking nested objects to their own section. */
function typeOf(raw: Schema, path: string): string {
  const isDuration = raw.$ref === '#/$defs/duration';
  const node = resolve(raw);
  if (isDuration) return 'duration';
  if (node.const !== undefined) return code(node.const);
  if (node.enum) return 'enum';
  if (node.oneOf && path.endsWith('auth')) return section(path, node, raw.$ref);
  if (node.anyOf) return node.anyOf.map((n) => typeOf(n, path)).join(' or ');
  if (Array.isArray(node.type)) return node.type.join(' or ');
  if (node.type === 'array') {
    const items = resolve(node.items ?? {});
    if (isObject(items))
      return `list of ${section(`${path}[]`, items, node.items?.$ref)}`.replace('[object]', '[objects]');
    return `list of ${typeOf(node.items ?? {}, `${path}[]`)}`;
  }
  if (node.type === 'object') {
    if (isObject(node)) return section(path, node, raw.$ref);
    const values = node.additionalProperties;
    if (values && typeof values === 'object') {
      const value = resolve(values);
      if (isObject(value)) return `map of name to ${section(`${path}.<name>`, value, values.$ref)}`;
      return `map of ${typeOf(values, `${path}.<name>`)}`;
    }
    return 'object';
  }
  return node.type ?? 'any';
}

/** The allowed-values column: enums, patterns and bounds. */
function allowed(raw: Schema): string {
  const node = resolve(raw);
  if (raw.$ref === '#/$defs/duration') return '≥ 0';
  const out: string[] = [];
  if (node.enum) out.push(node.enum.map(code).join(', '));
  if (node.anyOf)
    for (const n of node.anyOf) if (resolve(n).enum) out.push(resolve(n).enum!.map(code).join(', '));
  if (node.type === 'array' && node.items && resolve(node.items).enum)
    out.push(`each of ${resolve(node.items).enum!.map(code).join(', ')}`);
  if (node.minimum !== undefined && node.maximum !== undefined) out.push(`${node.minimum}–${node.maximum}`);
  else if (node.minimum !== undefined) out.push(`≥ ${node.minimum}`);
  else if (node.maximum !== undefined) out.push(`≤ ${node.maximum}`);
  if (node.exclusiveMinimum !== undefined) out.push(`> ${node.exclusiveMinimum}`);
  if (node.minLength !== undefined && node.minLength > 1) out.push(`${node.minLength}+ characters`);
  if (node.minItems !== undefined) out.push(`${node.minItems}+ items`);
  if (node.pattern && raw.$ref !== '#/$defs/duration') out.push(`matches ${code(node.pattern)}`);
  if (node.not?.const !== undefined) out.push(`not ${code(node.not.const)}`);
  return out.join('; ');
}

/** One table of an object's keys. */
function table(node: Schema, path: string): string[] {
  const required = new Set(node.required ?? []);
  const rows = ['| Key | Type | Default | Allowed | Description |', '| --- | --- | --- | --- | --- |'];
  for (const [key, raw] of Object.entries(propertiesOf(node))) {
    const sub = resolve(raw);
    if (sub.const !== undefined && key === 'type' && path.includes('auth')) continue;
    const name = `${code(key)}${required.has(key) ? ' (required)' : ''}`;
    const def = sub.default === undefined ? '' : code(sub.default);
    const description = sub.description ?? '';
    rows.push(
      `| ${name} | ${typeOf(raw, path ? `${path}.${key}` : key)} | ${def} | ${cell(allowed(raw))} | ${cell(description)} |`,
    );
  }
  return rows;
}

/** An upstream `auth` section: one table per credential type. */
function authSection(node: Schema, path: string): string[] {
  const out = [cell(node.description ?? ''), ''];
  for (const variant of node.oneOf ?? []) {
    const type = resolve(variant).properties?.type?.const;
    out.push(`**\`type: ${String(type)}\`**`, '', ...table(resolve(variant), path), '');
  }
  return out;
}

/** A section and, after it, the sections of the objects it contains. */
function renderSection(title: string, node: Schema, out: string[]): void {
  if (rendered.has(title)) return;
  rendered.add(title);
  out.push(`## ${cell(title)}`, '');
  found = [];
  if (node.oneOf && title.endsWith('auth')) out.push(...authSection(node, title));
  else {
    if (node.description) out.push(cell(node.description), '');
    if ((node.allOf ?? []).some((p) => p.$ref === COMMON))
      out.push(`Besides these, every key of [${COMMON_TITLE.toLowerCase()}](#${anchor(COMMON_TITLE)}).`, '');
    out.push(...table(node, title === COMMON_TITLE ? '<backend>' : title), '');
  }
  const children = found;
  for (const child of children) renderSection(child.title, child.node, out);
}

function render(): string {
  const out = [INTRO, '## Top level', ''];
  found = [];
  out.push(...table(root, ''), '');
  const top = found;
  for (const { title, node } of top) renderSection(title, node, out);
  const common = resolve({ $ref: COMMON });
  const intro = 'Keys of every backend, whichever its kind (`mcpServers`, `httpServices`, `sseServices`).';
  renderSection(COMMON_TITLE, { ...common, description: intro }, out);
  return `${out
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd()}\n`;
}

const generated = render();

if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(outPath, 'utf8');
  } catch {
    // a missing page is stale
  }
  if (current !== generated) {
    console.error('docs/configuration.md is stale: run `npm run gen:docs`');
    process.exit(1);
  }
} else {
  writeFileSync(outPath, generated);
}
