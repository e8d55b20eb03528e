import type { Tool } from '@modelcontextprotocol/server';
import { MAX_NAME_LENGTH, type BackendSpec, type GatewayConfig, type GatewaySettings } from './model.js';

/** Backend fields that only affect naming, filtering, timeouts and backoff: a change applies to the running backend. */
export const LIVE_BACKEND_FIELDS = [
  'description',
  'prefix',
  'requestTimeoutMs',
  'tools',
  'restart',
  'discovery',
] as const;

/**
 * Gateway settings a running gateway cannot change: the listener and the Redis connection are built once;
 * discovery is listed until its wiring reads the settings per request; startup_timeout only applies at start.
 */
export const RESTART_SETTINGS = [
  'host',
  'port',
  'maxBodyBytes',
  'maxJsonDepth',
  'headerTimeoutMs',
  'bodyTimeoutMs',
  'redis',
  'discovery',
  'requestStateSecret',
  'telemetry',
  'console',
  'startupTimeoutMs',
] as const;

/** How a backend differs between two configs. */
export interface BackendChange {
  name: string;
  /** Changed fields, by their YAML key. */
  fields: string[];
  /** True when the connection changed: a new backend is started and the old one drained; false = updated in place. */
  replace: boolean;
}

/** How a gateway-wide setting differs between two configs. */
export interface SettingChange {
  /** The YAML key under `gateway:`. */
  setting: string;
  from: unknown;
  to: unknown;
  /** Applied by a reload (true) or only after a restart (false). */
  live: boolean;
}

/** What a reload from one config to another would do. */
export interface ConfigDiff {
  added: string[];
  removed: string[];
  changed: BackendChange[];
  /** A removed and an added backend with the same connection: most likely a rename, which renames its tools. */
  renamed: { from: string; to: string }[];
  settings: SettingChange[];
  /** Naming problems in the new config and renames the change causes. */
  problems: string[];
}

/** How the exposed tools differ between two tools/list answers. */
export interface ToolDiff {
  added: string[];
  removed: string[];
  /** Same definition under a new name (a prefix, separator or backend name changed). */
  renamed: { from: string; to: string }[];
  /** Same name, different description or schema. */
  changed: string[];
}

/** Model fields whose YAML key is not simply the snake_case of the name without `Ms`. */
const YAML_KEYS: Record<string, string> = {
  url: 'base_url',
  connectTimeoutMs: 'timeout',
  heartbeatMs: 'heartbeat_interval',
  kind: 'transport',
  credentialKeys: 'credentials.keys',
};

function yamlKey(field: string): string {
  return YAML_KEYS[field] ?? field.replace(/Ms$/, '').replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** JSON with object keys sorted, so that reordering keys in the YAML is not a change. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : v,
  );
}

/** Canonical form of the part of a spec whose change needs a new connection (or child process). */
export function connectionKey(spec: BackendSpec): string {
  const rest: Record<string, unknown> = { ...spec };
  for (const field of LIVE_BACKEND_FIELDS) delete rest[field];
  return canonical(rest);
}

function changedFields<T extends object>(a: T, b: T): (keyof T & string)[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)] as (keyof T & string)[]);
  return [...keys].filter((k) => canonical(a[k]) !== canonical(b[k]));
}

function backendChange(a: BackendSpec, b: BackendSpec): BackendChange | undefined {
  const fields = changedFields(a, b);
  if (fields.length === 0) return undefined;
  return {
    name: a.name,
    fields: fields.map(yamlKey).sort(),
    replace: connectionKey(a) !== connectionKey(b),
  };
}

/** Settings whose values are secrets: a diff says that they changed, never what they are. */
const SECRET_SETTINGS = new Set<string>(['requestStateSecret', 'auth', 'credentialKeys']);

function settingChanges(a: GatewaySettings, b: GatewaySettings): SettingChange[] {
  const signIn: SettingChange[] =
    canonical(a.auth.signIn) === canonical(b.auth.signIn)
      ? []
      : [
          {
            setting: 'auth.sign_in',
            from: a.auth.signIn && '[redacted]',
            to: b.auth.signIn && '[redacted]',
            live: false,
          },
        ];
  const bare = (g: GatewaySettings) => ({ ...g, auth: { ...g.auth, signIn: undefined } });
  return signIn.concat(
    changedFields(bare(a), bare(b)).map((field) => {
      const secret = SECRET_SETTINGS.has(field);
      return {
        setting: yamlKey(field),
        from: secret && a[field] !== undefined ? '[redacted]' : a[field],
        to: secret && b[field] !== undefined ? '[redacted]' : b[field],
        live: !(RESTART_SETTINGS as readonly string[]).includes(field),
      };
    }),
  );
}

/**
 * Sign-in's authorization server is built once: a reload keeps the running `auth.sign_in` (and the resource it
 * implies) while the rest of `gateway.auth` applies.
 */
export function keepSignIn(
  running: GatewaySettings['auth'],
  next: GatewaySettings['auth'],
): GatewaySettings['auth'] {
  if (canonical(running.signIn) === canonical(next.signIn)) return next;
  const resource =
    running.signIn && next.resource === next.signIn?.resource ? running.signIn.resource : next.resource;
  return { ...next, signIn: running.signIn, resource: resource ?? running.resource };
}

function nameProblems(old: GatewayConfig, next: GatewayConfig): string[] {
  const problems: string[] = [];
  const sep = next.gateway.separator;
  const byPrefix = new Map<string | null, string[]>();
  for (const b of next.backends) byPrefix.set(b.prefix, [...(byPrefix.get(b.prefix) ?? []), b.name]);
  for (const [prefix, names] of byPrefix) {
    if (names.length < 2) continue;
    const shared = prefix === null ? 'are unprefixed' : `share the prefix "${prefix}"`;
    problems.push(
      `backends ${names.map((n) => `"${n}"`).join(', ')} ${shared}: tools with the same name collide and later ones get a hashed name`,
    );
  }
  for (const b of next.backends) {
    const room = MAX_NAME_LENGTH - (b.prefix === null ? 0 : b.prefix.length + sep.length);
    if (room < 24) {
      problems.push(
        `backend "${b.name}": prefix "${b.prefix}${sep}" leaves ${room} characters for tool names (${MAX_NAME_LENGTH} max); longer names are cut and hashed`,
      );
    }
  }
  if (old.gateway.separator !== sep) {
    problems.push(
      `separator "${old.gateway.separator}" -> "${sep}" renames every prefixed tool and prompt; clients holding old names get "unknown tool"`,
    );
  }
  const before = new Map(old.backends.map((b) => [b.name, b]));
  for (const b of next.backends) {
    const was = before.get(b.name);
    if (was && was.prefix !== b.prefix) {
      problems.push(
        `backend "${b.name}": prefix ${JSON.stringify(was.prefix)} -> ${JSON.stringify(b.prefix)} renames its tools and prompts`,
      );
    }
  }
  return problems;
}

/** What a reload from `old` to `next` would do, backend by backend and setting by setting. */
export function diffConfigs(old: GatewayConfig, next: GatewayConfig): ConfigDiff {
  const before = new Map(old.backends.map((b) => [b.name, b]));
  const after = new Map(next.backends.map((b) => [b.name, b]));
  const added = next.backends.filter((b) => !before.has(b.name)).map((b) => b.name);
  const removed = old.backends.filter((b) => !after.has(b.name)).map((b) => b.name);
  const changed = next.backends.flatMap((b) => {
    const was = before.get(b.name);
    const change = was && backendChange(was, b);
    return change ? [change] : [];
  });
  const anonymous = (b: BackendSpec) => connectionKey({ ...b, name: '' });
  const renamed = removed.flatMap((from) => {
    const key = anonymous(before.get(from)!);
    const to = added.find((n) => anonymous(after.get(n)!) === key);
    return to ? [{ from, to }] : [];
  });
  return {
    added,
    removed,
    changed,
    renamed,
    settings: settingChanges(old.gateway, next.gateway),
    problems: nameProblems(old, next),
  };
}

/** Whether a diff changes nothing at all. */
export function isEmptyDiff(diff: ConfigDiff): boolean {
  return (
    diff.added.length + diff.removed.length + diff.changed.length + diff.settings.length === 0 &&
    diff.problems.length === 0
  );
}

function definition(tool: Tool): string {
  return canonical({ description: tool.description, inputSchema: tool.inputSchema });
}

/** A name's backend prefix and upstream name around the first separator; the whole name when it has none. */
function parts(name: string, separator: string): [string, string] | undefined {
  const at = name.indexOf(separator);
  return at > 0 ? [name.slice(0, at), name.slice(at + separator.length)] : undefined;
}

/** Whether two exposed names could be one tool renamed: the same prefix, or the same upstream name. */
function renameable(from: string, to: string, separator: string): boolean {
  const a = parts(from, separator);
  const b = parts(to, separator);
  return a !== undefined && b !== undefined && (a[0] === b[0] || a[1] === b[1]);
}

/**
 * Compares two tool lists by exposed name; a removed and an added tool with the same definition and the same
 * prefix or upstream name (around `separator`) count as a rename.
 */
export function diffTools(before: Tool[], after: Tool[], separator = '__'): ToolDiff {
  const old = new Map(before.map((t) => [t.name, t]));
  const next = new Map(after.map((t) => [t.name, t]));
  const removed = before.filter((t) => !next.has(t.name));
  const added = after.filter((t) => !old.has(t.name));
  const renamed: ToolDiff['renamed'] = [];
  const matched = new Set<string>();
  for (const r of removed) {
    const twin = added.find(
      (a) => !matched.has(a.name) && renameable(r.name, a.name, separator) && definition(a) === definition(r),
    );
    if (!twin) continue;
    matched.add(twin.name);
    matched.add(r.name);
    renamed.push({ from: r.name, to: twin.name });
  }
  return {
    added: added.filter((t) => !matched.has(t.name)).map((t) => t.name),
    removed: removed.filter((t) => !matched.has(t.name)).map((t) => t.name),
    renamed,
    changed: after
      .filter((t) => old.has(t.name) && definition(old.get(t.name)!) !== definition(t))
      .map((t) => t.name),
  };
}

function shown(value: unknown, setting: string): string {
  if (setting === 'redis') return value === undefined ? 'none' : '(set)'; // the URL may carry a password
  return value === undefined ? 'unset' : JSON.stringify(value);
}

/** The diff as human-readable lines, one change per line. */
export function formatConfigDiff(diff: ConfigDiff): string[] {
  const lines: string[] = [];
  for (const name of diff.added) lines.push(`+ backend ${name}: added (started)`);
  for (const name of diff.removed) lines.push(`- backend ${name}: removed (drained, then stopped)`);
  for (const c of diff.changed) {
    const how = c.replace ? 'replaced (new connection; old one drained)' : 'updated in place';
    lines.push(`~ backend ${c.name}: ${how}; changed: ${c.fields.join(', ')}`);
  }
  for (const r of diff.renamed) lines.push(`~ backend ${r.from} -> ${r.to}: looks like a rename`);
  for (const s of diff.settings) {
    const how = s.live ? 'applied live' : 'needs a restart; a reload keeps the running value';
    lines.push(`~ gateway.${s.setting}: ${shown(s.from, s.setting)} -> ${shown(s.to, s.setting)} (${how})`);
  }
  for (const p of diff.problems) lines.push(`! ${p}`);
  return lines;
}

/** A tool diff as human-readable lines. */
export function formatToolDiff(diff: ToolDiff): string[] {
  return [
    ...diff.added.map((n) => `+ tool ${n}`),
    ...diff.removed.map((n) => `- tool ${n}`),
    ...diff.renamed.map((r) => `~ tool ${r.from} -> ${r.to} (renamed)`),
    ...diff.changed.map((n) => `~ tool ${n} (description or schema changed)`),
  ];
}
