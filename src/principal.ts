import type { AuthInfo } from '@modelcontextprotocol/server';

/** How a principal authenticated: a configured API key, a JWT of gateway.auth.jwt, or the gateway's own sign-in. */
export type PrincipalMethod = 'api_key' | 'jwt' | 'sign_in';

/** A principal as authentication established it: its method, its name (key name or `sub`), and a token's issuer. */
export interface TypedPrincipal {
  method: PrincipalMethod;
  name: string;
  issuer?: string;
}

/**
 * The principal's unambiguous identity, what sessions, rate buckets, session caps and upstream grants key on:
 * `key:<name>` for an API key, `jwt:<issuer>:<sub>` for a token. An API key named `alice` and a token whose
 * `sub` is `alice` are different principals.
 */
export function principalKey(p: TypedPrincipal): string {
  return p.method === 'api_key' ? `key:${p.name}` : `jwt:${p.issuer ?? ''}:${p.name}`;
}

/** The typed principal the gateway put in an AuthInfo (its `extra`), if any. */
export function typedPrincipal(info: AuthInfo | undefined): TypedPrincipal | undefined {
  const extra = info?.extra as { method?: unknown; issuer?: unknown } | undefined;
  if (!info || !extra) return undefined;
  const method = extra.method;
  if (method !== 'api_key' && method !== 'jwt' && method !== 'sign_in') return undefined;
  const issuer = typeof extra.issuer === 'string' ? extra.issuer : undefined;
  return { method, name: info.clientId, ...(issuer !== undefined ? { issuer } : {}) };
}

/**
 * The identity of a request's principal: its principalKey, or empty without authentication. An AuthInfo the
 * gateway did not type (no method) is keyed by `other:<clientId>`, never mistaken for a key or a token.
 */
export function principalOf(info: AuthInfo | undefined): string {
  if (!info) return '';
  const p = typedPrincipal(info);
  return p ? principalKey(p) : `other:${info.clientId}`;
}
