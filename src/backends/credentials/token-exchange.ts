import type { Logger } from 'pino';
import type { Auth } from '../../config/schema-types.js';
import { tokenRequest } from '../oauth/token-request.js';
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

  /** Forgets the principal's cached token (the upstream refused it), so the next call exchanges again. */
  async forget(principal: string): Promise<void> {
    await this.store.delete(principal, this.backend);
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
    let grant: UpstreamGrant;
    try {
      grant = await tokenRequest(
        endpoint,
        params,
        s.client,
        `token exchange at ${endpoint.href} for backend "${this.backend}"`,
        [subjectToken],
      );
    } catch (err) {
      this.log.error((err as Error).message);
      throw err;
    }
    const expiresIn = grant.expiresAt && Math.round((grant.expiresAt - grant.obtainedAt) / 1000);
    this.log.info(
      { tokenEndpoint: endpoint.href, expiresIn },
      'exchanged a caller token for an upstream token',
    );
    // An exchanged token is not refreshed: a new exchange replaces it.
    const { refreshToken: _unused, ...kept } = grant;
    return kept;
  }
}
