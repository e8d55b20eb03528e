import { createHash } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';
import type { ConfigProblem } from './errors.js';
import { parseDuration } from './interpolate.js';
import type { AuthSettings, GatewayConfig, PolicyRuleSettings, RateLimitSettings } from './model.js';
import { signInSettings } from './sign-in.js';
import type { ClientAuth, Globs, Policy, RateLimit, SwitchboardConfig } from './schema-types.js';

type Located = (path: (string | number)[], message: string, onKey?: boolean) => ConfigProblem;

const HASHED = /^sha256:([0-9a-fA-F]{64})$/;

/** The scope /readyz and /metrics need when authentication is on, unless configured otherwise. */
export const DEFAULT_OPERATOR_SCOPE = 'switchboard:operator';

/** A principal's default session cap with authentication on: a tenth of max_sessions, so no one fills the gateway. */
export function defaultPrincipalCap(maxSessions: number): number {
  return Math.max(1, Math.ceil(maxSessions / 10));
}

/**
 * `gateway.auth` normalised: keys as SHA-256 digests, JWKS file paths absolute, durations in ms, and with
 * authentication on a per-principal session cap derived from `maxSessions` unless one is configured.
 */
export function authSettings(
  a: ClientAuth = {},
  baseDir: string,
  listener: { host: string; port: number } = { host: '127.0.0.1', port: 0 },
  maxSessions = Infinity,
): AuthSettings {
  const j = a.jwt;
  const signIn = signInSettings(a.sign_in, baseDir, { ...listener, resource: a.resource });
  const on = (a.api_keys?.length ?? 0) > 0 || j !== undefined || signIn !== undefined;
  return {
    apiKeys: (a.api_keys ?? []).map((k) => ({
      name: k.name,
      sha256: HASHED.exec(k.key)?.[1]?.toLowerCase() ?? createHash('sha256').update(k.key).digest('hex'),
      scopes: k.scopes ?? [],
      operator: k.operator ?? false,
    })),
    jwt: j && {
      issuer: j.issuer,
      audience: Array.isArray(j.audience) ? j.audience : [j.audience],
      jwksUrl: j.jwks_url,
      jwksFile: j.jwks_file && (isAbsolute(j.jwks_file) ? j.jwks_file : resolve(baseDir, j.jwks_file)),
      jwksCooldownMs: j.jwks_cooldown === undefined ? 30_000 : parseDuration(j.jwks_cooldown),
      algorithms: j.algorithms ?? ['RS256', 'ES256'],
      clockToleranceMs: j.clock_tolerance === undefined ? 30_000 : parseDuration(j.clock_tolerance),
      requiredScopes: j.required_scopes ?? [],
      authorizationServers: j.authorization_servers ?? [j.issuer],
      groupsClaim: j.groups_claim ?? 'groups',
    },
    operatorScope: a.operator_scope ?? DEFAULT_OPERATOR_SCOPE,
    allowUnauthenticated: a.allow_unauthenticated ?? false,
    resource: a.resource ?? signIn?.resource,
    policies: (a.policies ?? []).map(policyRule),
    rateLimit: a.rate_limit && rateLimit(a.rate_limit),
    maxSessionsPerPrincipal:
      a.max_sessions_per_principal ??
      (on && maxSessions < Infinity ? defaultPrincipalCap(maxSessions) : undefined),
    rateLimitFailMode: a.rate_limit_fail_mode ?? 'open',
    signIn,
  };
}

const list = (g: Globs | undefined): string[] => (g === undefined ? [] : Array.isArray(g) ? g : [g]);
const listed = (g: Globs | undefined): string[] | undefined => (g === undefined ? undefined : list(g));

function rateLimit(r: RateLimit): RateLimitSettings {
  return {
    rate: r.rate,
    perMs: r.per === undefined ? 1000 : parseDuration(r.per),
    burst: r.burst ?? Math.ceil(r.rate),
  };
}

function policyRule(p: Policy, i: number): PolicyRuleSettings {
  const m = p.match;
  const match: PolicyRuleSettings['match'] = {};
  for (const k of ['principal', 'key', 'sub', 'issuer', 'group', 'scope'] as const) {
    const globs = listed(m[k]);
    if (globs) match[k] = globs;
  }
  return {
    name: p.name ?? `rule ${i + 1}`,
    match,
    allow: p.allow && { tools: list(p.allow.tools), backends: list(p.allow.backends) },
    deny: { tools: list(p.deny?.tools), backends: list(p.deny?.backends) },
    rateLimit: p.rate_limit && rateLimit(p.rate_limit),
    maxSessions: p.max_sessions,
  };
}

/** Whether any client authentication method is configured. */
export function authEnabled(auth: AuthSettings): boolean {
  return auth.apiKeys.length > 0 || auth.jwt !== undefined || auth.signIn !== undefined;
}

/** Problems of `gateway.auth` a schema cannot express: one JWKS source, well-formed digests, unique key names. */
export function authProblems(raw: SwitchboardConfig, at: Located): ConfigProblem[] {
  const a = raw.gateway?.auth;
  const problems: ConfigProblem[] = [];
  if (a?.jwt && (a.jwt.jwks_url === undefined) === (a.jwt.jwks_file === undefined)) {
    problems.push(at(['gateway', 'auth', 'jwt'], 'set exactly one of jwks_url and jwks_file'));
  }
  const seen = new Set<string>();
  (a?.api_keys ?? []).forEach((k, i) => {
    if (k.key.startsWith('sha256:') && !HASHED.test(k.key))
      problems.push(
        at(['gateway', 'auth', 'api_keys', i, 'key'], 'a hashed key is "sha256:" and 64 hex digits'),
      );
    if (seen.has(k.name))
      problems.push(at(['gateway', 'auth', 'api_keys', i, 'name'], `key name "${k.name}" is already used`));
    seen.add(k.name);
  });
  const per = [a?.rate_limit, ...(a?.policies ?? []).map((p) => p.rate_limit)];
  per.forEach((r, i) => {
    if (r?.per !== undefined && parseDuration(r.per) <= 0) {
      const path =
        i === 0
          ? ['gateway', 'auth', 'rate_limit', 'per']
          : ['gateway', 'auth', 'policies', i - 1, 'rate_limit', 'per'];
      problems.push(at(path, 'per must be longer than 0'));
    }
  });
  const names = new Set((a?.api_keys ?? []).map((k) => k.name));
  (a?.policies ?? []).forEach((p, i) => {
    const keys = p.match.key === undefined ? [] : Array.isArray(p.match.key) ? p.match.key : [p.match.key];
    for (const k of keys)
      if (!/[*?[\]{}()!+@]/.test(k) && !names.has(k))
        problems.push(at(['gateway', 'auth', 'policies', i, 'match', 'key'], `no API key is named "${k}"`));
  });
  const configured = (a?.api_keys?.length ?? 0) > 0 || a?.jwt !== undefined || a?.sign_in !== undefined;
  if (!configured) {
    for (const key of ['policies', 'rate_limit', 'max_sessions_per_principal'] as const) {
      if (a?.[key] !== undefined)
        problems.push(
          at(
            ['gateway', 'auth', key],
            `${key} needs client authentication: configure gateway.auth.api_keys, gateway.auth.jwt or gateway.auth.sign_in`,
            true,
          ),
        );
    }
  }
  return problems;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|::1|\[::1\])$/i;

/**
 * Secure by default: a listener reachable from other machines needs client authentication, or an
 * explicit `allow_unauthenticated: true`. Checked on the normalised config, since --host can move the bind.
 */
export function exposureProblems(config: GatewayConfig, at: Located): ConfigProblem[] {
  const { host, auth } = config.gateway;
  if (LOOPBACK.test(host) || authEnabled(auth) || auth.allowUnauthenticated) return [];
  return [
    at(
      ['gateway', 'host'],
      `listening on ${host} without client authentication: configure gateway.auth.api_keys, gateway.auth.jwt or gateway.auth.sign_in, or set gateway.auth.allow_unauthenticated: true`,
    ),
  ];
}
