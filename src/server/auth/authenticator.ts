import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { AuthInfo } from '@modelcontextprotocol/server';
import { decodeJwt, type JSONWebKeySet } from 'jose';
import { authEnabled } from '../../config/auth.js';
import type { AuthSettings } from '../../config/model.js';
import type { PrincipalMethod } from '../../principal.js';
import { AuthFailure, JwtVerifier, type VerifiedToken } from './jwt.js';

export { AuthFailure } from './jwt.js';

/** What the gateway puts in AuthInfo.extra for handlers and the operator check. */
export interface AuthExtra {
  [key: string]: unknown;
  /** How it authenticated: with `issuer` and the name (`clientId`), its typed identity (src/principal.ts). */
  method: PrincipalMethod;
  operator: boolean;
  /** A token's groups (jwt.groups_claim); empty for API keys. */
  groups: string[];
  /** A token's issuer: with `clientId` (its `sub`), the principal's unambiguous name. Absent for API keys. */
  issuer?: string;
}

/**
 * What the gateway's own authorization server (gateway.auth.sign_in) gives the verifier: its issuer, the
 * audience of its access tokens, its public keys, and whether a token's sign-in is still granted.
 */
export interface SignInVerification {
  issuer: string;
  audience: string;
  jwks: JSONWebKeySet;
  algorithms: string[];
  /** False once the sign-in (grant) was revoked: by the user, by RFC 7009, or by a reused refresh token. */
  active(grantId: string): Promise<boolean>;
}

/** The credential a request presents, and where. */
function credential(req: IncomingMessage): { token: string; via: 'bearer' | 'x-api-key' } | undefined {
  const authz = req.headers.authorization;
  if (authz !== undefined) {
    const m = /^Bearer[ ]+(\S+)\s*$/i.exec(authz);
    if (!m) throw new AuthFailure(401, 'malformed Authorization header (expected "Bearer <token>")');
    return { token: m[1]!, via: 'bearer' };
  }
  const key = req.headers['x-api-key'];
  const value = Array.isArray(key) ? key[0] : key;
  return value ? { token: value.trim(), via: 'x-api-key' } : undefined;
}

const looksLikeJwt = (token: string) => /^[\w-]+\.[\w-]+\.[\w-]*$/.test(token);

/**
 * Client authentication for one `gateway.auth` setting: API keys (compared by SHA-256 digest in constant
 * time) and JWT bearer tokens. Built anew when a reload changes the settings.
 */
export class Authenticator {
  private readonly digests: { digest: Buffer; key: AuthSettings['apiKeys'][number] }[];
  private readonly jwt?: JwtVerifier;
  private readonly signIn?: { verifier: JwtVerifier; source: SignInVerification };

  /** @param signIn the running sign-in authorization server's keys, when gateway.auth.sign_in is on. */
  constructor(
    readonly settings: AuthSettings,
    readonly signInSource?: SignInVerification,
  ) {
    this.digests = settings.apiKeys.map((key) => ({ digest: Buffer.from(key.sha256, 'hex'), key }));
    this.jwt = settings.jwt && new JwtVerifier(settings.jwt);
    const s = signInSource;
    this.signIn = s && {
      source: s,
      verifier: new JwtVerifier({
        issuer: s.issuer,
        audience: [s.audience],
        jwks: s.jwks,
        typ: 'at+jwt',
        algorithms: s.algorithms,
        jwksCooldownMs: 0,
        clockToleranceMs: 30_000,
        requiredScopes: [],
        authorizationServers: [s.issuer],
        groupsClaim: 'groups',
      }),
    };
  }

  /** Whether requests must authenticate. */
  get enabled(): boolean {
    return authEnabled(this.settings);
  }

  /** Whether JWT bearer tokens are accepted (and protected-resource metadata is served). */
  get oauth(): boolean {
    return this.jwt !== undefined || this.signIn !== undefined;
  }

  /** The authorization servers advertised in the protected-resource metadata: sign-in's first. */
  get authorizationServers(): string[] {
    return [
      ...(this.signIn ? [this.signIn.source.issuer] : []),
      ...(this.settings.jwt?.authorizationServers ?? []),
    ];
  }

  /** The request's principal as SDK AuthInfo; throws AuthFailure (401) when the credential is missing or invalid. */
  async authenticate(req: IncomingMessage): Promise<AuthInfo> {
    const cred = credential(req);
    if (!cred) {
      const how = this.digests.length
        ? 'Authorization: Bearer <token or API key>, or X-API-Key: <API key>'
        : 'Authorization: Bearer <token>';
      throw new AuthFailure(401, `no credentials (send ${how})`);
    }
    const key = this.matchKey(cred.token);
    if (key) {
      const extra: AuthExtra = { method: 'api_key', operator: key.operator, groups: [] };
      return { token: cred.token, clientId: key.name, scopes: key.scopes, extra };
    }
    if (!this.oauth || cred.via === 'x-api-key' || !looksLikeJwt(cred.token)) {
      throw new AuthFailure(401, this.digests.length ? 'invalid API key' : 'malformed token');
    }
    const { token: t, signIn } = await this.verifyJwt(cred.token);
    const extra: AuthExtra = {
      method: signIn ? 'sign_in' : 'jwt',
      operator: t.scopes.includes(this.settings.operatorScope),
      groups: t.groups,
      issuer: t.issuer,
    };
    return { token: cred.token, clientId: t.subject, scopes: t.scopes, expiresAt: t.expiresAt, extra };
  }

  /** A JWT is checked by the verifier of its (unverified) issuer: the gateway's own sign-in, else gateway.auth.jwt. */
  private async verifyJwt(token: string): Promise<{ token: VerifiedToken; signIn: boolean }> {
    let iss: unknown;
    try {
      iss = decodeJwt(token).iss;
    } catch {
      throw new AuthFailure(401, 'malformed token');
    }
    const own = this.signIn;
    if (!own || (iss !== own.source.issuer && this.jwt))
      return { token: await this.jwt!.verify(token), signIn: false };
    const t = await own.verifier.verify(token);
    let active: boolean;
    try {
      active = t.grantId !== undefined && (await own.source.active(t.grantId));
    } catch (err) {
      throw new AuthFailure(503, `sign-in state unavailable (${(err as Error).message})`);
    }
    if (!active) throw new AuthFailure(401, 'token revoked (its sign-in was revoked or has ended)');
    return { token: t, signIn: true };
  }

  /** Scopes the principal lacks for /mcp (JWT required_scopes); empty when it may proceed. */
  missingScopes(info: AuthInfo): string[] {
    const extra = info.extra as AuthExtra | undefined;
    if (extra?.method !== 'jwt' || extra.issuer !== this.settings.jwt?.issuer) return [];
    return (this.settings.jwt?.requiredScopes ?? []).filter((s) => !info.scopes.includes(s));
  }

  /** Whether the principal may read /readyz and /metrics. */
  isOperator(info: AuthInfo): boolean {
    return (
      (info.extra as AuthExtra | undefined)?.operator === true ||
      info.scopes.includes(this.settings.operatorScope)
    );
  }

  /** Every configured key is compared, so timing tells nothing about which (if any) matched. */
  private matchKey(token: string): AuthSettings['apiKeys'][number] | undefined {
    const digest = createHash('sha256').update(token).digest();
    let found: AuthSettings['apiKeys'][number] | undefined;
    for (const d of this.digests) if (timingSafeEqual(d.digest, digest) && !found) found = d.key;
    return found;
  }
}
