import type { AuthorizationServerMetadata } from '@modelcontextprotocol/client';
import type { Logger } from 'pino';
import type { Auth } from '../../config/schema-types.js';
import { clientProvider } from '../oauth/clients.js';
import { OAuthTokenError, scrub } from '../oauth/errors.js';
import type { UpstreamGrant } from './grant.js';
import type { GrantStore } from './store.js';

const GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:token-exchange';
/** RFC 8693 §3: the caller's token is an access token (the default) or a JWT. */
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

/** How the exchange client authenticates: as an `oauth_client_credentials` or `oauth_private_key_jwt` backend does. */
export type ExchangeClient = Extract<Auth, { type: 'oauth_client_credentials' | 'oauth_private_key_jwt' }>;

/** One backend's RFC 8693 exchange: where, as which client, and for what the new token is asked. */
export interface TokenExchangeSettings {
  tokenEndpoint: string;
  client: ExchangeClient;
  audience?: string;
  resource?: string;
  scope?: string;
  subjectTokenType?: string;
}

/** Refresh this long before expiry: a quarter of the lifetime, at most a minute. */
function fresh(g: UpstreamGrant, now = Date.now()): boolean {
  if (g.expiresAt === undefined) return true;
  const margin = Math.min(60_000, (g.expiresAt - g.obtainedAt) / 4);
  return now < g.expiresAt - margin;
}

/**
 * RFC 8693 token exchange for one backend: a caller's validated token becomes a token for the upstream
 * (`audience`, `resource`, `scope`), cached sealed per (principal, backend) in the GrantStore until shortly
 * before it expires; one exchange at a time per principal (cluster-wide with Redis). The caller's own token is
 * sent only to the token endpoint, never to the upstream, and never appears in logs or errors.
 */
export class TokenExchange {
  /** Exchanges made so far (for /readyz and tests). */
  requests = 0;

  constructor(
    private readonly backend: string,
    private readonly settings: TokenExchangeSettings,
    private readonly store: GrantStore,
    private readonly log: Logger,
  ) {}

  /** The upstream token for `principal` (its typed identity), exchanged from `subjectToken` when none is cached. */
  async token(principal: string, subjectToken: string): Promise<string> {
    const grant = await this.store.getOr(
      principal,
      this.backend,
      (g) => fresh(g),
      () => this.exchange(subjectToken),
    );
    return grant.accessToken;
  }

  /**
   * Forgets the principal's cached token after the upstream refused it, so that the next call exchanges again;
   * a token stored since (another request's new exchange) is kept.
   */
  async forget(principal: string, refused: string): Promise<void> {
    const held = await this.store.get(principal, this.backend);
    if (held?.accessToken !== refused) return;
    this.log.warn({ principal }, 'upstream refused an exchanged token (401); it is forgotten');
    await this.store.delete(principal, this.backend);
  }

  /**
   * Revokes a grant's tokens at the authorization server (RFC 7009), best effort: where the server's metadata
   * (RFC 8414, at the token endpoint's origin) names a `revocation_endpoint`. Failures are logged, never thrown.
   */
  async revokeUpstream(grant: { accessToken: string; refreshToken?: string }): Promise<void> {
    const endpoint = new URL(this.settings.tokenEndpoint);
    try {
      const meta = await fetch(new URL('/.well-known/oauth-authorization-server', endpoint.origin), {
        headers: { accept: 'application/json' },
      });
      const doc = meta.ok ? ((await meta.json()) as { revocation_endpoint?: unknown }) : {};
      if (typeof doc.revocation_endpoint !== 'string') return;
      const revocation = new URL(doc.revocation_endpoint);
      for (const [token, hint] of [
        [grant.refreshToken, 'refresh_token'],
        [grant.accessToken, 'access_token'],
      ] as const) {
        if (!token) continue;
        const params = new URLSearchParams({ token, token_type_hint: hint });
        const headers = new Headers({ 'content-type': 'application/x-www-form-urlencoded' });
        await this.authenticate(headers, params, revocation);
        const res = await fetch(revocation, { method: 'POST', headers, body: params });
        await res.body?.cancel();
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
      }
      this.log.info({ revocationEndpoint: revocation.href }, 'revoked an exchanged token upstream');
    } catch (err) {
      const why = scrub(err instanceof Error ? err.message : String(err), this.settings.client);
      this.log.warn(`revoking an exchanged token of backend "${this.backend}" upstream failed: ${why}`);
    }
  }

  /** Adds the exchange client's authentication (as for client credentials) to a request to `endpoint`. */
  private async authenticate(headers: Headers, params: URLSearchParams, endpoint: URL): Promise<void> {
    const s = this.settings;
    const token = new URL(s.tokenEndpoint);
    const metadata = { issuer: token.origin, token_endpoint: token.href } as AuthorizationServerMetadata;
    const provider = await clientProvider(s.client, token.origin, token.href);
    await provider.addClientAuthentication?.(headers, params, endpoint, metadata);
  }

  private async exchange(subjectToken: string): Promise<UpstreamGrant> {
    const s = this.settings;
    this.requests++;
    const endpoint = new URL(s.tokenEndpoint);
    const params = new URLSearchParams({
      grant_type: GRANT_TYPE,
      subject_token: subjectToken,
      subject_token_type: s.subjectTokenType ?? ACCESS_TOKEN_TYPE,
      requested_token_type: ACCESS_TOKEN_TYPE,
    });
    if (s.audience) params.set('audience', s.audience);
    if (s.resource) params.set('resource', s.resource);
    if (s.scope) params.set('scope', s.scope);
    const headers = new Headers({
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    });
    const fail = (why: string) => {
      const message = scrub(
        `token exchange at ${endpoint.href} for backend "${this.backend}" failed: ${why}`,
        s.client,
      )
        .split(subjectToken)
        .join('[redacted]');
      this.log.error(message);
      return new OAuthTokenError(message);
    };
    let body: Record<string, unknown>;
    let status: number;
    try {
      await this.authenticate(headers, params, endpoint);
      const res = await fetch(endpoint, { method: 'POST', headers, body: params });
      status = res.status;
      body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    } catch (err) {
      throw fail(`unreachable (${(err as Error).message})`);
    }
    if (status !== 200 || typeof body.access_token !== 'string') {
      const error = typeof body.error === 'string' ? body.error : `HTTP ${status}`;
      const description =
        typeof body.error_description === 'string' ? ` (${body.error_description.slice(0, 200)})` : '';
      throw fail(`${error}${description}`);
    }
    const now = Date.now();
    const expiresIn = typeof body.expires_in === 'number' ? body.expires_in : undefined;
    this.log.info(
      { tokenEndpoint: endpoint.href, expiresIn },
      'exchanged a caller token for an upstream token',
    );
    return {
      accessToken: body.access_token,
      obtainedAt: now,
      ...(expiresIn !== undefined ? { expiresAt: now + expiresIn * 1000 } : {}),
      ...(typeof body.scope === 'string' ? { scope: body.scope } : {}),
    };
  }
}
