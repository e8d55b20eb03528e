import { createHash } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';
import type { ConfigProblem } from './errors.js';
import { parseDuration } from './interpolate.js';
import type { AuthSettings, GatewayConfig } from './model.js';
import type { ClientAuth, SwitchboardConfig } from './schema-types.js';

type Located = (path: (string | number)[], message: string, onKey?: boolean) => ConfigProblem;

const HASHED = /^sha256:([0-9a-fA-F]{64})$/;

/** The scope /readyz and /metrics need when authentication is on, unless configured otherwise. */
export const DEFAULT_OPERATOR_SCOPE = 'switchboard:operator';

/** `gateway.auth` normalised: keys as SHA-256 digests, JWKS file paths absolute, durations in ms. */
export function authSettings(a: ClientAuth = {}, baseDir: string): AuthSettings {
  const j = a.jwt;
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
    },
    operatorScope: a.operator_scope ?? DEFAULT_OPERATOR_SCOPE,
    allowUnauthenticated: a.allow_unauthenticated ?? false,
    resource: a.resource,
  };
}

/** Whether any client authentication method is configured. */
export function authEnabled(auth: AuthSettings): boolean {
  return auth.apiKeys.length > 0 || auth.jwt !== undefined;
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
      `listening on ${host} without client authentication: configure gateway.auth.api_keys or gateway.auth.jwt, or set gateway.auth.allow_unauthenticated: true`,
    ),
  ];
}
